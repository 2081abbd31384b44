"""Shared reportlab pieces: Vietnamese font, fitted text, QR codes, the administrative header."""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Sequence

import qrcode
import qrcode.image.svg
from reportlab.lib.fonts import addMapping
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# The national heading that every administrative document carries on the right.
NATIONAL_HEADING: tuple[str, str] = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
)

_DEFAULT_FONT_NAMES = ("DejaVuSans", "DejaVuSans-Bold")

# reportlab's font registry is process-global, so our cache is too; the lock keeps two
# requests that render their first PDF at the same moment from parsing the TTF twice.
_font_lock = threading.Lock()
_registered: dict[str, tuple[str, str]] = {}


def _matplotlib_font_dir() -> str:
    # Imported lazily: matplotlib is heavy and only its data directory is needed here.
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


def _bold_sibling(path: str) -> str | None:
    """Return the bold file next to a regular TTF (X.ttf / X-Regular.ttf -> X-Bold.ttf), if any."""
    folder, filename = os.path.split(path)
    stem, ext = os.path.splitext(filename)
    base = stem[: -len("-Regular")] if stem.endswith("-Regular") else stem
    candidate = os.path.join(folder, f"{base}-Bold{ext}")
    return candidate if os.path.isfile(candidate) else None


def _unique_name(wanted: str) -> str:
    # Two different files with the same stem must not overwrite each other in reportlab.
    taken = {name for pair in _registered.values() for name in pair}
    name, n = wanted, 2
    while name in taken:
        name, n = f"{wanted}-{n}", n + 1
    return name


def register_fonts(font_path: str | None = None) -> tuple[str, str]:
    """Register the PDF font once per process and return its (regular, bold) reportlab names.

    Without ``font_path`` this is DejaVu Sans as matplotlib ships it. With a path (the
    ``ONESTOP_PDF_FONT`` setting) that TTF is used for regular text and also for bold,
    unless a ``-Bold`` file sits beside it. Later calls return the cached names.
    """
    key = os.path.abspath(font_path) if font_path else ""
    cached = _registered.get(key)
    if cached is not None:
        return cached
    with _font_lock:
        cached = _registered.get(key)
        if cached is not None:
            return cached
        if font_path:
            if not os.path.isfile(key):
                raise FileNotFoundError(f"PDF font not found: {font_path}")
            regular_file, bold_file = key, _bold_sibling(key) or key
            stem = os.path.splitext(os.path.basename(key))[0]
            regular_name = _unique_name(stem)
            bold_name = _unique_name(f"{stem}-Bold") if bold_file != regular_file else regular_name
        else:
            folder = _matplotlib_font_dir()
            regular_file = os.path.join(folder, "DejaVuSans.ttf")
            bold_file = os.path.join(folder, "DejaVuSans-Bold.ttf")
            regular_name, bold_name = _DEFAULT_FONT_NAMES
        pdfmetrics.registerFont(TTFont(regular_name, regular_file))
        if bold_name != regular_name:
            pdfmetrics.registerFont(TTFont(bold_name, bold_file))
        # Lets Paragraph markup such as <b> pick the bold face of this family.
        addMapping(regular_name, 0, 0, regular_name)
        addMapping(regular_name, 1, 0, bold_name)
        addMapping(regular_name, 0, 1, regular_name)
        addMapping(regular_name, 1, 1, bold_name)
        _registered[key] = (regular_name, bold_name)
        return regular_name, bold_name


def nfc(text: object) -> str:
    """Return ``text`` as an NFC-normalised string (``None`` becomes "").

    reportlab places one glyph per code point and does no shaping, so a decomposed
    "u + horn + dot below" would print with detached marks; precomposed letters do not.
    """
    if text is None:
        return ""
    return unicodedata.normalize("NFC", str(text))


def fit_font_size(
    text: str, font: str, size: float, max_width: float, min_size: float = 6
) -> float:
    """Return the largest size not above ``size`` at which ``text`` fits ``max_width`` points.

    Never goes below ``min_size``: a line that is still too long then overflows rather
    than becoming unreadable on a thermal printer.
    """
    width = pdfmetrics.stringWidth(nfc(text), font, size)
    if width <= max_width or width == 0:
        return float(size)
    # Glyph advances scale linearly with the size, so the fitting size is exact;
    # flooring to 0.1 pt keeps rounding from pushing it a hair past the limit.
    fitted = int(size * max_width / width * 10) / 10
    return float(max(min_size, fitted))


def draw_centred(
    canvas, text: str, font: str, size: float, cx: float, y: float, max_width: float
) -> float:
    """Draw ``text`` centred on ``cx`` at baseline ``y``, shrunk to fit ``max_width``.

    Returns the font size used.
    """
    text = nfc(text)
    used = fit_font_size(text, font, size, max_width)
    canvas.setFont(font, used)
    canvas.drawCentredString(cx, y, text)
    return used


def _qr_matrix(data: str, border: int = 0) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code for ``data`` as vector squares, lower-left corner at (x, y), ``size`` wide.

    There is no quiet zone: the caller leaves white space around it.
    """
    matrix = _qr_matrix(data)
    cell = size / len(matrix)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * cell
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # One rectangle per horizontal run: a smaller file, and no hairline seams
            # between neighbouring modules when a viewer anti-aliases the edges.
            path.rect(x + start * cell, top, (c - start) * cell, cell)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


_SVG_SIZE_ATTR = re.compile(r'\s(?:width|height)="[^"]*"')


def qr_svg(data: str) -> str:
    """Return an inline ``<svg>`` QR code for ``data`` that scales with its CSS box.

    The viewBox is kept and the fixed millimetre width/height are removed, so the
    element fills the width its container gives it.
    """
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    qr.add_data(data)
    qr.make(fit=True)
    svg = qr.make_image().to_string(encoding="unicode")
    # encoding="unicode" already omits the XML declaration; strip one defensively,
    # since it is invalid inside an HTML document.
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
    end = svg.index(">")
    opening = _SVG_SIZE_ATTR.sub("", svg[:end])
    return f'{opening} role="img" aria-label="QR"{svg[end:]}'


def _draw_column(
    canvas,
    lines: Sequence[str],
    fonts: Sequence[str],
    cx: float,
    top_y: float,
    width: float,
    size: float,
    underline_ratio: float,
) -> float:
    """Draw centred lines from ``top_y`` down, underline the last one; return the lowest y used."""
    leading = size * 1.35
    y = top_y - size
    last_width = 0.0
    for line, font in zip(lines, fonts, strict=True):
        used = draw_centred(canvas, line, font, size, cx, y, width)
        last_width = pdfmetrics.stringWidth(nfc(line), font, used)
        y -= leading
    if not lines:
        return top_y
    # Below the descenders and the dot-below of ậ/ộ (about 0.3 em in DejaVu), not through them.
    line_y = y + leading - size * 0.5
    half = last_width * underline_ratio / 2
    canvas.saveState()
    canvas.setLineWidth(0.6)
    canvas.line(cx - half, line_y, cx + half, line_y)
    canvas.restoreState()
    return line_y


def document_header(
    canvas,
    left_lines: Sequence[str],
    right_lines: Sequence[str],
    top_y: float,
    page_width: float,
    margin: float,
    *,
    size: float = 11,
    fonts: tuple[str, str] | None = None,
) -> float:
    """Draw the two-column Vietnamese administrative header and return the y just below it.

    Left: the agency, e.g. "UBND THÀNH PHỐ VĨNH YÊN" / "BỘ PHẬN MỘT CỬA"; the parent body
    in regular type and the issuing body (the last line) in bold. Right: usually
    ``NATIONAL_HEADING``, all bold. Each column's last line gets a short centred rule,
    as the administrative document format prescribes. ``fonts`` defaults to
    ``register_fonts()``.
    """
    regular, bold = fonts or register_fonts()
    usable = page_width - 2 * margin
    # The national heading is the longer text, so it gets the wider column.
    left_w, right_w = usable * 0.42, usable * 0.58
    gap = 1 * mm

    left_fonts = [regular] * (len(left_lines) - 1) + [bold] if left_lines else []
    left_bottom = _draw_column(
        canvas,
        left_lines,
        left_fonts,
        margin + left_w / 2,
        top_y,
        left_w - gap,
        size,
        underline_ratio=0.4,
    )
    right_bottom = _draw_column(
        canvas,
        right_lines,
        [bold] * len(right_lines),
        page_width - margin - right_w / 2,
        top_y,
        right_w - gap,
        size,
        underline_ratio=1.0,
    )
    return min(left_bottom, right_bottom) - size * 0.8
