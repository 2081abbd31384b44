"""Tests for the shared PDF helpers in onestop.pdf (no Flask app needed)."""

import io
import os
import shutil
import unicodedata

import matplotlib
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas

from onestop import pdf
from tests.fixtures.pdf import decode_qr

TICKET_W, TICKET_H = 80 * mm, 120 * mm
URL = "http://127.0.0.1:5000/t/2026-11-26/A015"


def _build(draw, pagesize=(TICKET_W, TICKET_H)) -> bytes:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=pagesize)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _text(pdf_bytes: bytes) -> str:
    return PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()


def test_register_fonts_is_idempotent():
    first = pdf.register_fonts()
    assert first == ("DejaVuSans", "DejaVuSans-Bold")
    assert pdf.register_fonts() == first
    for name in first:
        assert pdfmetrics.getFont(name) is not None


def test_custom_font_path_uses_bold_sibling(tmp_path):
    src = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    shutil.copy(os.path.join(src, "DejaVuSans.ttf"), tmp_path / "Office-Regular.ttf")
    regular_only = pdf.register_fonts(str(tmp_path / "Office-Regular.ttf"))
    assert regular_only[0] == regular_only[1] == "Office-Regular"

    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(os.path.join(src, "DejaVuSans.ttf"), other / "Office.ttf")
    shutil.copy(os.path.join(src, "DejaVuSans-Bold.ttf"), other / "Office-Bold.ttf")
    regular, bold = pdf.register_fonts(str(other / "Office.ttf"))
    assert regular != bold
    assert pdf.register_fonts(str(other / "Office.ttf")) == (regular, bold)

    with pytest.raises(FileNotFoundError):
        pdf.register_fonts(str(tmp_path / "missing.ttf"))


def test_vietnamese_text_survives_round_trip():
    regular, bold = pdf.register_fonts()

    def draw(c):
        pdf.draw_centred(c, "Tư pháp – Hộ tịch", bold, 14, TICKET_W / 2, 90 * mm, 70 * mm)
        pdf.draw_centred(c, "Đăng ký khai sinh", regular, 11, TICKET_W / 2, 80 * mm, 70 * mm)
        pdf.draw_centred(
            c, "Quét mã QR để theo dõi lượt gọi", regular, 8, TICKET_W / 2, 70 * mm, 70 * mm
        )

    text = unicodedata.normalize("NFC", _text(_build(draw)))
    assert "Tư pháp – Hộ tịch" in text
    assert "Đăng ký khai sinh" in text
    assert "Quét mã QR để theo dõi lượt gọi" in text


def test_nfd_input_is_drawn_as_nfc():
    regular, _ = pdf.register_fonts()
    decomposed = unicodedata.normalize("NFD", "Người đứng tên hồ sơ")
    assert pdf.nfc(decomposed) == "Người đứng tên hồ sơ"
    assert pdf.nfc(None) == ""

    raw = _text(
        _build(
            lambda c: pdf.draw_centred(c, decomposed, regular, 11, TICKET_W / 2, 60 * mm, 70 * mm)
        )
    )
    # Extracted as-is (no normalisation here): every letter must already be precomposed.
    assert "Người đứng tên hồ sơ" in raw
    assert not any(unicodedata.combining(ch) for ch in raw)


def test_fit_font_size_shrinks_long_header():
    _, bold = pdf.register_fonts()
    header = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    assert pdfmetrics.stringWidth(header, bold, 11) > 70 * mm
    size = pdf.fit_font_size(header, bold, 11, 70 * mm)
    assert 6 <= size < 11
    assert pdfmetrics.stringWidth(header, bold, size) <= 70 * mm
    # Short text keeps its size; hopeless text stops at the minimum.
    assert pdf.fit_font_size("A015", bold, 54, 70 * mm) == 54
    assert pdf.fit_font_size(header * 10, bold, 11, 70 * mm) == 6


def test_qr_svg_is_embeddable():
    svg = pdf.qr_svg(URL)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    opening = svg[: svg.index(">")]
    assert "viewBox=" in opening
    assert "width=" not in opening and "height=" not in opening
    assert svg.rstrip().endswith("</svg>")


def test_document_header_draws_both_columns():
    def draw(c):
        bottom = pdf.document_header(
            c,
            ["UBND THÀNH PHỐ VĨNH YÊN", "BỘ PHẬN MỘT CỬA"],
            pdf.NATIONAL_HEADING,
            A4[1] - 15 * mm,
            A4[0],
            20 * mm,
        )
        assert bottom < A4[1] - 15 * mm - 2 * 11
        c.setFont(pdf.register_fonts()[0], 11)
        c.drawString(20 * mm, bottom - 11, "Số: 12/PTN")

    text = unicodedata.normalize("NFC", _text(_build(draw, pagesize=A4)))
    for expected in (
        "UBND THÀNH PHỐ VĨNH YÊN",
        "BỘ PHẬN MỘT CỬA",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/PTN",
    ):
        assert expected in text


def test_draw_qr_decodes_back_to_url(tmp_path):
    qs = 30 * mm
    printed = _build(lambda c: pdf.draw_qr(c, URL, TICKET_W / 2 - qs / 2, 20 * mm, qs))
    assert decode_qr(printed, tmp_path, dpi=200) == URL
