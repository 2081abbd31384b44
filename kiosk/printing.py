"""The 80 mm thermal queue ticket as a PDF (reportlab), built from plain values without HTTP."""

from __future__ import annotations

import datetime as dt
import io

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas

from onestop import clock
from onestop.pdf import draw_centred, draw_qr, nfc, register_fonts

PAGE_WIDTH = 80 * mm
# Thermal heads print about 72 mm of an 80 mm roll; keep the text inside 68 mm.
TEXT_WIDTH = 68 * mm
QR_SIZE = 34 * mm


def _split_in_two(text: str, font: str, size: float) -> list[str]:
    """Split ``text`` at the space that makes its two halves the most even in printed width."""
    words = text.split()
    if len(words) < 2:
        return [text]
    best = min(
        range(1, len(words)),
        key=lambda i: max(
            pdfmetrics.stringWidth(" ".join(words[:i]), font, size),
            pdfmetrics.stringWidth(" ".join(words[i:]), font, size),
        ),
    )
    return [" ".join(words[:best]), " ".join(words[best:])]


def _service_lines(name: str, font: str, size: float) -> list[str]:
    # A long field name (e.g. "Đất đai – Tài nguyên và Môi trường") reads better on two
    # lines at a legible size than on one line shrunk to a whisper.
    name = nfc(name)
    if pdfmetrics.stringWidth(name, font, size) <= TEXT_WIDTH:
        return [name]
    return _split_in_two(name, font, size)


def _rule(canvas, y: float) -> None:
    canvas.saveState()
    canvas.setLineWidth(0.8)
    canvas.setDash(2, 2)
    canvas.line((PAGE_WIDTH - TEXT_WIDTH) / 2, y, (PAGE_WIDTH + TEXT_WIDTH) / 2, y)
    canvas.restoreState()


def _priority_band(canvas, text: str, font: str, y: float) -> None:
    """A black band with white text: the priority mark must be seen from the counter."""
    height = 7 * mm
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.rect((PAGE_WIDTH - TEXT_WIDTH) / 2, y - 2 * mm, TEXT_WIDTH, height, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    draw_centred(canvas, text, font, 11, PAGE_WIDTH / 2, y, TEXT_WIDTH - 4 * mm)
    canvas.restoreState()


def ticket_pdf(
    *,
    office_name: str,
    number: str,
    service_name: str,
    issued_at: dt.datetime,
    people_ahead: int,
    eta_minutes: int,
    status_url: str,
    priority_label: str | None = None,
    font_path: str | None = None,
) -> bytes:
    """Lay out one queue ticket on an 80 mm roll and return the PDF bytes.

    :param office_name: the office, printed as the header (upper-cased).
    :param number: the display number, e.g. ``A015``.
    :param service_name: the service (field of procedures) the ticket queues for.
    :param issued_at: aware issue time; printed in local time as dd/MM/yyyy HH:mm.
    :param people_ahead: tickets that will be served before this one.
    :param eta_minutes: estimated wait in minutes.
    :param status_url: the ticket's phone page, encoded in the QR code.
    :param priority_label: the priority category in words, or None for a normal ticket.
    :param font_path: a TTF to use instead of DejaVu Sans (the ``PDF_FONT`` setting).
    """
    regular, bold = register_fonts(font_path)
    service_lines = _service_lines(service_name, bold, 14)
    # The roll is cut after the page: size the page to its content, wasting no paper.
    height = (118.5 + 6 * len(service_lines) + (9 if priority_label else 0)) * mm
    buffer = io.BytesIO()
    canvas = rl_canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, height), pageCompression=1)
    canvas.setTitle(_("Phiếu số thứ tự %(number)s", number=number))
    cx = PAGE_WIDTH / 2
    y = height - 9 * mm

    draw_centred(canvas, office_name.upper(), bold, 11, cx, y, TEXT_WIDTH)
    y -= 5 * mm
    draw_centred(canvas, _("BỘ PHẬN MỘT CỬA"), regular, 9, cx, y, TEXT_WIDTH)
    y -= 4 * mm
    _rule(canvas, y)
    y -= 7 * mm
    draw_centred(canvas, _("PHIẾU SỐ THỨ TỰ"), bold, 13, cx, y, TEXT_WIDTH)
    y -= 20 * mm
    draw_centred(canvas, number, bold, 60, cx, y, TEXT_WIDTH)
    y -= 9 * mm
    if priority_label:
        _priority_band(canvas, _("ƯU TIÊN · %(reason)s", reason=priority_label), bold, y)
        y -= 9 * mm
    for line in service_lines:
        draw_centred(canvas, line, bold, 14, cx, y, TEXT_WIDTH)
        y -= 6 * mm
    y -= 1 * mm
    local = issued_at.astimezone(clock.LOCAL_TZ)
    draw_centred(
        canvas,
        _("Thời gian lấy số: %(when)s", when=local.strftime("%d/%m/%Y %H:%M")),
        regular,
        10,
        cx,
        y,
        TEXT_WIDTH,
    )
    y -= 5 * mm
    if people_ahead:
        ahead = ngettext(
            "Số người chờ trước ông/bà: %(num)d", "Số người chờ trước ông/bà: %(num)d", people_ahead
        )
        wait = _("Thời gian chờ dự kiến: khoảng %(minutes)d phút", minutes=eta_minutes)
    else:
        ahead, wait = _("Ông/bà là người tiếp theo"), _("Vui lòng chú ý bảng gọi số")
    draw_centred(canvas, ahead, regular, 10, cx, y, TEXT_WIDTH)
    y -= 5 * mm
    draw_centred(canvas, wait, regular, 10, cx, y, TEXT_WIDTH)
    y -= 4 * mm + QR_SIZE
    draw_qr(canvas, status_url, cx - QR_SIZE / 2, y, QR_SIZE)
    y -= 5 * mm
    draw_centred(canvas, _("Quét mã QR để theo dõi lượt gọi"), bold, 10, cx, y, TEXT_WIDTH)
    y -= 4.5 * mm
    draw_centred(
        canvas,
        _("Vui lòng giữ phiếu cho đến khi được phục vụ. Xin cảm ơn!"),
        regular,
        8,
        cx,
        y,
        TEXT_WIDTH,
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
