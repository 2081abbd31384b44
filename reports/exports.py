"""Exports: CSV and .xlsx of the KPIs and of each table (for Excel in Vietnamese), PDF report."""

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass

from flask_babel import format_datetime
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from onestop import clock
from onestop.pdf import NATIONAL_HEADING, document_header, nfc, register_fonts
from reports.charts import TITLES
from reports.presentation import kpi_rows, minutes_text, number, percent_text, volume_rows
from reports.tables import COLUMNS, LABELS, Column

HEADER_HEIGHT = 34 * mm
STATUS_COLOURS = {"ok": "#15803d", "warn": "#b45309", "bad": "#b91c1c", "none": "#475569"}


def _local(value: dt.datetime | None, pattern: str = "dd/MM/yyyy HH:mm") -> str:
    return format_datetime(value, pattern) if value else ""


# --- CSV and XLSX ------------------------------------------------------------------------------
#
# The CSV is written for Excel on a computer with the Vietnamese regional format (vi-VN:
# decimal symbol ",", digit grouping ".", list separator ";" — as in CLDR). Excel opens a
# double-clicked .csv with the system's list separator and decimal symbol: a comma-separated
# file with dot decimals lands in a single column there, and "19.8" may even become a date.
# So the file has ";" between fields, "," before decimals, no digit grouping and no unit or
# "%" inside a cell (the unit is in the column header: "(phút)", "(%)"), dates as dd/mm/yyyy,
# CRLF line ends, and UTF-8 with a byte-order mark so that Excel reads the diacritics (a
# "sep=;" first line would make Excel ignore the mark, hence none). Rates are percentages
# (41.67, header "(%)"), the way people read them. The .xlsx beside each CSV has typed cells
# (numbers with number formats, real dates) and opens the same under any regional setting:
# it is the file to use on a computer set to English, or to compute further.

BOM = "\ufeff"
CSV_DELIMITER = ";"
CSV_DECIMAL = ","
# A text cell starting with one of these would be run as a formula by a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_FORMATS = {
    "count": "#,##0",
    "rank": "0",
    "minutes": "0.0",
    "score": "0.0",
    "rate": "0.0%",
    "rate2": "0.00%",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
TEXT_WIDTH = 45  # characters: a longer text wraps in its cell
HEADER_WRAP = 12  # characters: a numeric column's longer header wraps
LINE_HEIGHT = 15  # points, a line of 11 pt text
MINUTE_KEYS = ("avg_wait_min", "p50_wait_min", "p90_wait_min", "avg_service_min")
COMPARISONS = {"avg_wait_min": "≤", "late_rate": "<"}  # other targets are minimums (≥)


@dataclass(frozen=True)
class Sheet:
    """A table to export: headers (with units), rows of (value, kind) cells, and a name."""

    name: str
    headers: list[str]
    rows: list[list[tuple[object, str]]]
    title: str = ""


def _plain_number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("0" if text == "-0" else text).replace(".", CSV_DECIMAL)


def csv_value(value, kind: str) -> str:
    """One CSV cell: plain numbers with a decimal comma, percentages without "%", local dates."""
    if value is None:
        return ""
    if kind in ("rate", "rate2"):
        return _plain_number(value * 100, 2)
    if kind in ("minutes", "score"):
        return _plain_number(value, 2)
    if kind in ("count", "rank"):
        return str(int(value))
    if kind == "datetime":
        return _local(value)
    if kind == "date":
        return value.strftime("%d/%m/%Y")
    text = nfc(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_csv(sheet: Sheet) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([nfc(h) for h in sheet.headers])
    writer.writerows([[csv_value(v, kind) for v, kind in row] for row in sheet.rows])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value, kind: str):
    if kind == "datetime" and value is not None:
        # Excel has no time zones: the local wall-clock time, as the office reads it.
        return value.astimezone(clock.LOCAL_TZ).replace(tzinfo=None)
    if kind in XLSX_FORMATS or value is None:
        return value
    return nfc(str(value))


def _width(value, kind: str) -> int:
    if value is None:
        return 2
    if kind in XLSX_FORMATS:
        return {"date": 11, "datetime": 17}.get(kind, 8)
    return len(str(value))


def sheet_xlsx(sheet: Sheet) -> bytes:
    """The sheet as an .xlsx workbook: numeric cells with number formats, bold frozen header."""
    workbook = Workbook()
    worksheet = workbook.active
    # Excel refuses these characters in a sheet name and cuts it at 31.
    worksheet.title = "".join("-" if c in "[]:*?/\\" else c for c in nfc(sheet.name))[:31]
    workbook.properties.title = nfc(sheet.title or sheet.name)
    workbook.properties.creator = "Một Cửa"
    bold = Font(name="Calibri", size=11, bold=True)
    fill = PatternFill("solid", fgColor="E2E8F0")
    numeric = [
        any(row[x][1] in XLSX_FORMATS for row in sheet.rows) for x in range(len(sheet.headers))
    ]
    # A numeric column is as wide as its numbers, its header wraps; a text one as its text.
    widths = [
        min(len(h), HEADER_WRAP if is_number else TEXT_WIDTH)
        for h, is_number in zip(sheet.headers, numeric, strict=True)
    ]
    for y, row in enumerate(sheet.rows, start=2):
        lines = 1
        for x, (value, kind) in enumerate(row, start=1):
            cell = worksheet.cell(row=y, column=x, value=_xlsx_value(value, kind))
            if kind in XLSX_FORMATS:
                whole = kind == "minutes" and isinstance(value, int)
                cell.number_format = "0" if whole else XLSX_FORMATS[kind]
            elif value is not None:
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
                if len(cell.value) > TEXT_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    lines = max(lines, math.ceil(len(cell.value) / TEXT_WIDTH))
            widths[x - 1] = max(widths[x - 1], min(_width(value, kind), TEXT_WIDTH))
        if lines > 1:  # spreadsheet programs do not grow a row for wrapped text on opening
            worksheet.row_dimensions[y].height = LINE_HEIGHT * lines
            for cell in worksheet[y]:
                cell.alignment = Alignment(wrap_text=cell.alignment.wrap_text, vertical="top")
    header_lines = 1
    for x, header in enumerate(sheet.headers, start=1):
        cell = worksheet.cell(row=1, column=x, value=nfc(header))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header_lines = max(header_lines, math.ceil(len(header) / widths[x - 1]))
    worksheet.row_dimensions[1].height = LINE_HEIGHT * header_lines
    for x, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(x)].width = width + 2
    worksheet.freeze_panes = "A2"
    # Printed: A4 landscape, all columns on the page's width, the header on every page.
    worksheet.page_setup.orientation = "landscape"
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.fitToWidth, worksheet.page_setup.fitToHeight = 1, 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_title_rows = "1:1"
    if sheet.rows:
        worksheet.auto_filter.ref = worksheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_kind(column: Column) -> str:
    # Late rates are read to two decimals (targets of 0.90 % and 0.50 %), other rates to one.
    return "rate2" if column.kind == "rate" and column.key.startswith("late") else column.kind


def _header(column: Column) -> str:
    return str(column.header) + (" (%)" if column.kind == "rate" else "")


def table_sheet(table: str, rows: list[dict], title: str = "") -> Sheet:
    """One of the report's tables (columns of ``reports.tables.COLUMNS``)."""
    columns = COLUMNS[table]
    return Sheet(
        name=str(LABELS[table]),
        headers=[_header(c) for c in columns],
        rows=[[(row.get(c.key), _column_kind(c)) for c in columns] for row in rows],
        title=title,
    )


def kpi_sheet(kpis, title: str = "") -> Sheet:
    """The KPIs: value and target as numbers, their unit, status and the counts behind them."""
    rows = []
    for row in kpi_rows(kpis):
        key = row["key"]
        kind = "minutes" if key in MINUTE_KEYS else "rate2" if key == "late_rate" else "rate"
        target = kpis.targets.get(key, {})
        limit = target.get("max", target.get("min"))
        comparison = COMPARISONS.get(key, "≥") if limit is not None else None
        rows.append(
            [
                (row["label"], "text"),
                (kpis.values[key], kind),
                (_("phút") if kind == "minutes" else "%", "text"),
                (comparison, "text"),
                (limit, kind),
                (row["status_label"], "text"),
                (row["basis"], "text"),
            ]
        )
    return Sheet(
        name=_("Chỉ tiêu"),
        headers=[
            _("Chỉ tiêu"),
            _("Giá trị"),
            _("Đơn vị tính"),
            _("Điều kiện đạt"),
            _("Mục tiêu"),
            _("Đánh giá"),
            _("Số liệu tính"),
        ],
        rows=rows,
        title=title,
    )


# --- PDF -------------------------------------------------------------------------------------


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=9.5, leading=12.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10.5, leading=14, alignment=TA_CENTER
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=bold, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "sign": ParagraphStyle("sign", parent=base, fontName=bold, alignment=TA_CENTER),
    }


def _p(text, style) -> Paragraph:
    escaped = nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, style)


def _grid(
    data: list[list], widths: list[float], fonts: tuple[str, str], cell_colours: list[tuple] = ()
) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    regular, bold = fonts
    style = [
        ("FONTNAME", (0, 0), (-1, -1), regular),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("FONTNAME", (0, 0), (-1, 0), bold),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e2e8f0")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#94a3b8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("TEXTCOLOR", cell, cell, colors.HexColor(colour)) for cell, colour in cell_colours]
    table.setStyle(TableStyle(style))
    return table


def _place(office) -> str:
    """The place name of the dateline ("Vĩnh Yên, ngày ..."), from the top office's name."""
    root = office
    while root.parent is not None:
        root = root.parent
    name = root.name
    for prefix in ("UBND ", "Ủy ban nhân dân "):
        name = name[len(prefix) :] if name.startswith(prefix) else name
    for level in (
        "thành phố ",
        "thị xã ",
        "tỉnh ",
        "huyện ",
        "quận ",
        "phường ",
        "xã ",
        "thị trấn ",
    ):
        if name.lower().startswith(level):
            return name[len(level) :]
    return name


def _heading(office, period, today: dt.date, styles, fonts):
    def draw(canvas, document):
        canvas.saveState()
        width, height = A4
        bottom = document_header(
            canvas,
            [office.name.upper(), _("BỘ PHẬN MỘT CỬA")],
            list(NATIONAL_HEADING),
            height - 14 * mm,
            width,
            16 * mm,
            size=10.5,
            fonts=fonts,
        )
        canvas.setFont(fonts[0], 9.5)
        canvas.drawString(16 * mm + 12 * mm, bottom - 2 * mm, nfc(_("Số: ....../BC-MC")))
        dateline = _(
            "%(place)s, ngày %(d)s tháng %(m)s năm %(y)s",
            place=_place(office),
            d=f"{today.day:02d}",
            m=f"{today.month:02d}",
            y=today.year,
        )
        canvas.setFont(fonts[0], 9.5)
        canvas.drawRightString(width - 16 * mm - 6 * mm, bottom - 2 * mm, nfc(dateline))
        canvas.restoreState()
        _footer(canvas, document, fonts)

    return draw


def _footer(canvas, document, fonts) -> None:
    canvas.saveState()
    canvas.setFont(fonts[0], 8)
    canvas.setFillColor(colors.HexColor("#475569"))
    canvas.drawRightString(A4[0] - 16 * mm, 10 * mm, nfc(_("Trang %(n)s", n=document.page)))
    canvas.restoreState()


def report_pdf(
    kpis,
    ranking: list[dict],
    overdue: list[dict],
    charts: dict[str, bytes],
    today: dt.date | None = None,
) -> bytes:
    """The A4 report of an office and period, fit to send with the quarterly report.

    :param kpis: the ``reports.kpi.Kpis`` of the office and period.
    :param ranking: rows of ``reports.tables.rows_for("offices", ...)``.
    :param overdue: rows of ``reports.tables.rows_for("overdue", ...)``.
    :param charts: PNG images by name (``reports.charts.NAMES``) — the dashboard's figures.
    """
    today = today or clock.today()
    fonts = register_fonts()
    regular, bold = fonts
    styles = _styles(regular, bold)
    office, period = kpis.office, kpis.period
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=nfc(_("Báo cáo chỉ tiêu Bộ phận Một cửa")),
        author=nfc(office.name),
    )
    scope_text = (
        _("gồm các đơn vị trực thuộc")
        if kpis.scope.office_ids != {office.id}
        else _("riêng đơn vị")
    )
    story = [
        Spacer(
            1, HEADER_HEIGHT
        ),  # the first page's administrative heading is drawn above the story
        _p(_("BÁO CÁO"), styles["title"]),
        _p(
            _("Kết quả thực hiện các chỉ tiêu cải cách hành chính tại Bộ phận Một cửa"),
            styles["subtitle"],
        ),
        _p(
            _(
                "Kỳ báo cáo: từ ngày %(start)s đến ngày %(end)s (%(scope)s)",
                start=period.start.strftime("%d/%m/%Y"),
                end=period.end.strftime("%d/%m/%Y"),
                scope=scope_text,
            ),
            styles["subtitle"],
        ),
        Spacer(1, 5 * mm),
        _p(_("I. CÁC CHỈ TIÊU SO VỚI KẾ HOẠCH"), styles["h2"]),
    ]
    rows = kpi_rows(kpis)
    data = [
        [
            _p(h, styles["cell"])
            for h in (_("Chỉ tiêu"), _("Kết quả"), _("Mục tiêu"), _("Đánh giá"), _("Số liệu tính"))
        ]
    ]
    colours = []
    for index, row in enumerate(rows, start=1):
        data.append(
            [
                _p(row["label"], styles["cell"]),
                row["value"],
                _p(row["target"], styles["cell"]),
                row["status_label"],
                _p(row["basis"], styles["small"]),
            ]
        )
        colours.append(((3, index), STATUS_COLOURS[row["status"]]))
    story.append(_grid(data, [48 * mm, 24 * mm, 28 * mm, 20 * mm, 58 * mm], fonts, colours))
    story.append(Spacer(1, 2 * mm))
    story.append(
        _p(
            "; ".join(f"{label}: {value}" for label, value in volume_rows(kpis)) + ".",
            styles["small"],
        )
    )

    story.append(_p(_("II. BIỂU ĐỒ"), styles["h2"]))
    for name, png in charts.items():
        image = Image(io.BytesIO(png))
        scale = (178 * mm) / image.imageWidth
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        story.append(
            KeepTogether(
                [_p(str(TITLES.get(name, name)), styles["base"]), image, Spacer(1, 3 * mm)]
            )
        )

    story.append(_p(_("III. XẾP HẠNG CÁC ĐƠN VỊ"), styles["h2"]))
    story.append(_ranking_table(ranking, styles, fonts))
    story.append(
        _p(
            _(
                "IV. HỒ SƠ QUÁ HẠN CHƯA GIẢI QUYẾT XONG (tại ngày %(day)s)",
                day=period.end.strftime("%d/%m/%Y"),
            ),
            styles["h2"],
        )
    )
    story.append(_overdue_table(overdue, styles, fonts))
    story.append(Spacer(1, 10 * mm))
    story.append(
        Table(
            [
                [
                    _p(_("NGƯỜI LẬP BIỂU"), styles["sign"]),
                    _p(_("THỦ TRƯỞNG ĐƠN VỊ"), styles["sign"]),
                ],
                [
                    _p(_("(Ký, ghi rõ họ tên)"), styles["small"]),
                    _p(_("(Ký tên, đóng dấu)"), styles["small"]),
                ],
            ],
            colWidths=[89 * mm, 89 * mm],
            style=[("ALIGN", (0, 0), (-1, -1), "CENTER")],
        )
    )
    first = _heading(office, period, today, styles, fonts)
    document.build(story, onFirstPage=first, onLaterPages=lambda c, d: _footer(c, d, fonts))
    return buffer.getvalue()


def _cell(value, column: Column) -> str:
    kind = column.kind
    if value is None:
        return "—"
    if kind == "rate":
        return percent_text(value, 2 if column.key.startswith("late") else 1)
    if kind == "minutes":
        return minutes_text(value).split(" ")[0]
    if kind == "count" or kind == "rank":
        return number(value)
    if kind == "score":
        return f"{value:.1f}".replace(".", ",")
    if kind == "datetime":
        return _local(value, "dd/MM/yy HH:mm")
    if kind == "date":
        return value.strftime("%d/%m/%Y")
    return str(value)


def _ranking_table(rows: list[dict], styles, fonts) -> Table:
    keys = (
        "rank",
        "office_code",
        "score",
        "avg_wait_min",
        "late_rate",
        "late_target",
        "online_rate",
        "reuse_rate",
        "satisfaction_rate",
    )
    columns = [c for c in COLUMNS["offices"] if c.key in keys]
    data = [[_p(str(c.header), styles["small"]) for c in columns]]
    colours = []
    for y, row in enumerate(rows, start=1):
        data.append([_cell(row.get(c.key), c) for c in columns])
        for x, column in enumerate(columns):
            if column.status:
                colours.append(((x, y), STATUS_COLOURS[row["statuses"].get(column.status, "none")]))
    return _grid(
        data,
        [12 * mm, 22 * mm, 16 * mm, 20 * mm, 20 * mm, 22 * mm, 21 * mm, 22 * mm, 21 * mm],
        fonts,
        colours,
    )


def _overdue_table(rows: list[dict], styles, fonts):
    if not rows:
        return _p(_("Không có hồ sơ quá hạn."), styles["base"])
    columns = [c for c in COLUMNS["overdue"] if c.key != "received_at"]
    data = [[_p(str(c.header), styles["small"]) for c in columns]]
    for row in rows:
        data.append([_p(_cell(row.get(c.key), c), styles["small"]) for c in columns])
    return _grid(data, [37 * mm, 16 * mm, 46 * mm, 16 * mm, 22 * mm, 24 * mm, 15 * mm], fonts)
