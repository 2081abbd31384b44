"""The official slips of TT 01/2018/TT-VPCP as A4 PDFs (reportlab): Mẫu 01, 02, 03 and 04.

The builders are pure: they take a ``SlipData`` and return PDF bytes. The forms are
legal documents handed to the citizen, so their wording is the prescribed Vietnamese
whatever language the officer's screen uses. The line naming a form's legal basis
("Mẫu số 01 ban hành kèm theo Thông tư số …") is data (``SlipForm`` rows): the newest
edition valid for the office on the slip's date is printed, so a new circular's forms
need a row, not code.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import or_, select

from dossiers.documents import DocumentCount
from dossiers.models import SLIP_FORMS, SlipForm
from onestop.clock import LOCAL_TZ
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.models import Office
from onestop.pdf import NATIONAL_HEADING, document_header, draw_qr, nfc, register_fonts

PAGE_W, PAGE_H = A4
LEFT, RIGHT, TOP, BOTTOM = 25 * mm, 15 * mm, 15 * mm, 15 * mm
HEADER_MARGIN = 15 * mm
CHANNEL_WORDS = {
    "direct": "Trực tiếp",
    "online": "Trực tuyến",
    "postal": "Qua dịch vụ bưu chính công ích",
}
_PLACE_PREFIXES = (
    "ủy ban nhân dân",
    "uỷ ban nhân dân",
    "ubnd",
    "thành phố",
    "thị xã",
    "thị trấn",
    "quận",
    "huyện",
    "phường",
    "xã",
    "tỉnh",
)


@dataclass(frozen=True)
class SlipData:
    """Everything a slip prints (``SlipData.of(dossier, ...)`` collects it from a dossier)."""

    code: str
    number: int
    office_name: str
    procedure_name: str
    procedure_code: str
    processing_days: int
    fee: int
    documents: tuple[str, ...]
    applicant_name: str
    phone: str
    channel: str
    received_at: dt.datetime
    due_date: dt.date
    officer_name: str
    public_url: str
    lookup_url: str
    supplement_items: tuple[str, ...] = ()
    supplement_at: dt.datetime | None = None
    supplement_count: int = 0
    rejection_reason: str = ""
    rejected_at: dt.datetime | None = None
    rejected_by: str = ""
    apology_date: dt.date | None = None
    apology_reason: str = ""
    apology_at: dt.datetime | None = None
    processing_text: str = ""  # "15 ngày làm việc", "15 ngày", "4 giờ làm việc"
    address: str = ""
    email: str = ""
    received_documents: tuple[DocumentCount, ...] = ()
    supplement_documents: tuple[DocumentCount, ...] = ()
    supplement_reason: str = ""
    rules_url: str = ""
    # Form number ("01".."04") -> its legal basis line; a form without one prints none.
    legal_bases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, dossier, public_url: str, lookup_url: str, rules_url: str = "") -> "SlipData":
        """Collect a dossier's printable facts (with its latest supplement and rejection)."""
        supplement = dossier.supplements[-1] if dossier.supplements else None
        rejection = next((e for e in reversed(dossier.events) if e.to_status == "rejected"), None)
        procedure = dossier.procedure
        # A supplement asked with counted papers has its reason in the note; an older one
        # listed the papers in the note, one per line.
        counted = tuple(_counts(d) for d in supplement.documents) if supplement else ()
        received_day = _local_day(dossier.received_at, dossier.due_date)
        days = {
            "01": received_day,
            "02": _local_day(supplement.requested_at if supplement else None, received_day),
            "03": _local_day(rejection.at if rejection else None, received_day),
            "04": _local_day(dossier.apology_at, received_day),
        }
        editions = slip_form_editions(dossier.office_id)
        return cls(
            code=dossier.code,
            number=dossier.number,
            office_name=dossier.office.name,
            procedure_name=procedure.name,
            procedure_code=procedure.code,
            processing_days=procedure.processing_days,
            processing_text=procedure.processing.text(),
            fee=procedure.fee,
            documents=tuple(procedure.document_list),
            applicant_name=dossier.applicant_name,
            phone=dossier.phone,
            channel=dossier.channel,
            received_at=dossier.received_at,
            due_date=dossier.due_date,
            officer_name=dossier.officer.full_name if dossier.officer else "",
            public_url=public_url,
            lookup_url=lookup_url,
            supplement_items=tuple(supplement.items) if supplement else (),
            supplement_at=supplement.requested_at if supplement else None,
            supplement_count=dossier.supplement_count,
            rejection_reason=rejection.note if rejection else "",
            rejected_at=rejection.at if rejection else None,
            rejected_by=rejection.officer.full_name if rejection and rejection.officer else "",
            apology_date=dossier.apology_date,
            apology_reason=dossier.apology_reason,
            apology_at=dossier.apology_at,
            address=dossier.address,
            email=dossier.email,
            received_documents=tuple(_counts(d) for d in dossier.documents),
            supplement_documents=counted,
            supplement_reason=supplement.note if supplement and counted else "",
            rules_url=rules_url,
            legal_bases={
                form: basis
                for form, day in days.items()
                if (basis := legal_basis(editions, form, dossier.office_id, day))
            },
        )


def add_slip_form(
    form: str, legal_basis: str, valid_from: dt.date, office: Office | None = None
) -> SlipForm:
    """Record a new edition of a slip's form, for one office or (``office`` None) for all.

    :raises ValidationError: an unknown form number, an empty or too long line, or an
        edition already recorded for that office, form and date.
    """
    legal_basis = " ".join(nfc(legal_basis).split())
    errors = {}
    if form not in SLIP_FORMS:
        errors["form"] = _("Mẫu phiếu phải là một trong: %(forms)s.", forms=", ".join(SLIP_FORMS))
    if not legal_basis or len(legal_basis) > 300:
        errors["legal_basis"] = _("Ghi căn cứ ban hành mẫu phiếu, tối đa 300 ký tự.")
    office_id = office.id if office is not None else None
    duplicate = select(SlipForm.id).where(
        SlipForm.form == form,
        SlipForm.valid_from == valid_from,
        SlipForm.office_id == office_id if office_id is not None else SlipForm.office_id.is_(None),
    )
    if not errors and db.session.scalar(duplicate):
        errors["valid_from"] = _("Đã có mẫu phiếu này áp dụng từ ngày đó.")
    if errors:
        raise ValidationError(errors)
    edition = SlipForm(
        office_id=office_id, form=form, legal_basis=legal_basis, valid_from=valid_from
    )
    db.session.add(edition)
    db.session.commit()
    return edition


def _counts(row) -> DocumentCount:
    return DocumentCount(row.name, row.originals, row.certified_copies, row.photocopies)


def slip_form_editions(office_id: int) -> list[SlipForm]:
    """Every form edition that may apply to an office: its own and the general ones."""
    return list(
        db.session.scalars(
            select(SlipForm).where(
                or_(SlipForm.office_id == office_id, SlipForm.office_id.is_(None))
            )
        )
    )


def legal_basis(editions: list[SlipForm], form: str, office_id: int, day: dt.date) -> str:
    """The legal basis line of ``form`` on ``day``: the newest edition already valid then.

    On the same ``valid_from`` the office's own edition wins over the general one.
    """
    valid = [
        e
        for e in editions
        if e.form == form and e.valid_from <= day and e.office_id in (None, office_id)
    ]
    if not valid:
        return ""
    return max(valid, key=lambda e: (e.valid_from, e.office_id is not None)).legal_basis


def place_name(office_name: str) -> str:
    """The place written before the date: "UBND phường Liên Bảo" -> "Liên Bảo"."""
    name = office_name.strip()
    changed = True
    while changed:
        changed = False
        for prefix in _PLACE_PREFIXES:
            if name.lower().startswith(prefix + " "):
                name, changed = name[len(prefix) + 1 :].strip(), True
    return name or office_name


def _long_date(day: dt.date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _time_and_date(instant: dt.datetime) -> str:
    local = instant.astimezone(LOCAL_TZ)
    return f"{local.hour:02d} giờ {local.minute:02d} phút, {_long_date(local.date())}"


def _local_day(instant: dt.datetime | None, fallback: dt.date) -> dt.date:
    return instant.astimezone(LOCAL_TZ).date() if instant else fallback


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng" if amount else "Không thu"


def _e(text: object) -> str:
    """Escape user text for reportlab's Paragraph markup."""
    return escape(nfc(text))


class _Qr(Flowable):
    """A QR code as a flowable square."""

    def __init__(self, data: str, size: float):
        super().__init__()
        self.data, self.size = data, size
        self.width = self.height = size

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        draw_qr(self.canv, self.data, 0, 0, self.size)


class _Styles:
    def __init__(self, regular: str, bold: str):
        self.body = ParagraphStyle(
            "body", fontName=regular, fontSize=11, leading=14.5, alignment=TA_JUSTIFY, spaceAfter=2
        )
        self.small = ParagraphStyle("small", parent=self.body, fontSize=9.5, leading=12.5)
        self.cell = ParagraphStyle(
            "cell", parent=self.body, fontSize=10, leading=12.5, spaceAfter=0
        )
        self.cell_head = ParagraphStyle(
            "cell_head", parent=self.cell, fontName=bold, alignment=TA_CENTER
        )
        self.title = ParagraphStyle(
            "title",
            fontName=bold,
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            spaceBefore=6,
            spaceAfter=1,
        )
        self.subtitle = ParagraphStyle(
            "subtitle", parent=self.body, alignment=TA_CENTER, spaceAfter=6
        )
        self.centre = ParagraphStyle("centre", parent=self.body, alignment=TA_CENTER, spaceAfter=0)
        self.centre_bold = ParagraphStyle("centre_bold", parent=self.centre, fontName=bold)
        self.number = ParagraphStyle("number", parent=self.centre, fontSize=10, leading=14)
        self.note = ParagraphStyle("note", parent=self.small, alignment=TA_LEFT)
        self.bold = bold


def _header_lines(data: SlipData) -> list[str]:
    return [data.office_name.upper(), "BỘ PHẬN MỘT CỬA"]


def _build(data: SlipData, title: str, story: list, font_path: str | None) -> bytes:
    """Lay out a slip: the two-column administrative header on page 1, then ``story``."""
    regular, bold = register_fonts(font_path)
    left_lines = _header_lines(data)
    # Measure where the header ends on a scratch canvas, so the first frame starts just below it.
    scratch = rl_canvas.Canvas(io.BytesIO(), pagesize=A4)
    header_bottom = document_header(
        scratch,
        left_lines,
        NATIONAL_HEADING,
        PAGE_H - TOP,
        PAGE_W,
        HEADER_MARGIN,
        fonts=(regular, bold),
    )

    def draw_header(canvas, _doc):
        document_header(
            canvas,
            left_lines,
            NATIONAL_HEADING,
            PAGE_H - TOP,
            PAGE_W,
            HEADER_MARGIN,
            fonts=(regular, bold),
        )

    width = PAGE_W - LEFT - RIGHT
    first = Frame(
        LEFT, BOTTOM, width, header_bottom - BOTTOM, id="first", leftPadding=0, rightPadding=0
    )
    later = Frame(
        LEFT, BOTTOM, width, PAGE_H - TOP - BOTTOM, id="later", leftPadding=0, rightPadding=0
    )
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{title} - {data.code}",
        author=data.office_name,
        subject=data.code,
        creator="Một Cửa",
    )
    doc.addPageTemplates(
        [PageTemplate("first", [first], onPage=draw_header), PageTemplate("later", [later])]
    )
    doc.build([NextPageTemplate("later")] + story)
    return buffer.getvalue()


def _number_and_place(data: SlipData, styles: _Styles, number: str, day: dt.date) -> Table:
    width = PAGE_W - LEFT - RIGHT
    table = Table(
        [
            [
                Paragraph(f"Số: {_e(number)}", styles.number),
                Paragraph(
                    f"<i>{_e(place_name(data.office_name))}, {_long_date(day)}</i>", styles.centre
                ),
            ]
        ],
        colWidths=[width * 0.48, width * 0.52],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _grid(rows: list[list], widths: list[float], styles: _Styles) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
            ]
        )
    )
    return table


def _signatures(
    styles: _Styles, left: tuple[str, str, str] | None, right: tuple[str, str, str]
) -> KeepTogether:
    """Two signature columns: (role, hint, printed name); ``left`` may be empty."""

    def column(block):
        if block is None:
            return ""
        role, hint, name = block
        return [
            Paragraph(_e(role), styles.centre_bold),
            Paragraph(f"<i>{_e(hint)}</i>", styles.centre),
            Spacer(1, 17 * mm),
            Paragraph(f"<b>{_e(name)}</b>", styles.centre),
        ]

    width = PAGE_W - LEFT - RIGHT
    table = Table([[column(left), column(right)]], colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 3 * mm), table])


def _qr_block(data: SlipData, styles: _Styles, text: str) -> Table:
    width = PAGE_W - LEFT - RIGHT
    qr_size = 26 * mm
    words = [
        Paragraph(text, styles.note),
        Paragraph(f"Trang hồ sơ: <font size=8.5>{_e(data.public_url)}</font>", styles.note),
    ]
    table = Table(
        [[_Qr(data.public_url, qr_size), words]],
        colWidths=[qr_size + 6 * mm, width - qr_size - 6 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#999999")),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
            ]
        )
    )
    return table


def _legal_basis(data: SlipData, form: str, styles: _Styles) -> list:
    basis = data.legal_bases.get(form)
    return [Paragraph(f"<i>({_e(basis)})</i>", styles.subtitle)] if basis else []


def _or_dots(value: str, dots: int) -> str:
    """A filled field, or the dotted blank the citizen writes on by hand."""
    return _e(value) if value else "." * dots


def _applicant(data: SlipData, styles: _Styles, intro: str) -> list:
    return [
        Paragraph(f"{intro} Ông/Bà: <b>{_e(data.applicant_name)}</b>", styles.body),
        Paragraph(f"Địa chỉ: {_or_dots(data.address, 110)}", styles.body),
        Paragraph(
            f"Số điện thoại: {_e(data.phone)} &nbsp;&nbsp;&nbsp; Email: {_or_dots(data.email, 60)}",
            styles.body,
        ),
        Paragraph(
            f"Nội dung yêu cầu giải quyết: <b>{_e(data.procedure_name)}</b> "
            f"(mã thủ tục {_e(data.procedure_code)}).",
            styles.body,
        ),
    ]


def _paper_table(
    documents: tuple[DocumentCount, ...], s: _Styles, heading: str, counted: bool
) -> Table:
    """STT, the paper, and its copies: originals, certified copies, photocopies."""
    width = PAGE_W - LEFT - RIGHT
    count_width = 21 * mm
    rows = [
        [
            Paragraph("STT", s.cell_head),
            Paragraph(heading, s.cell_head),
            Paragraph("Bản chính", s.cell_head),
            Paragraph("Bản sao có chứng thực", s.cell_head),
            Paragraph("Bản photo", s.cell_head),
        ]
    ]
    for i, document in enumerate(documents, start=1):
        counts = (
            [str(document.originals), str(document.certified_copies), str(document.photocopies)]
            if counted
            else ["", "", ""]
        )
        rows.append([str(i), Paragraph(_e(document.name), s.cell), *counts])
    table = _grid(rows, [12 * mm, width - 12 * mm - 3 * count_width, *[count_width] * 3], s)
    table.setStyle(TableStyle([("ALIGN", (2, 1), (-1, -1), "CENTER")]))
    return table


def receipt_pdf(data: SlipData, font_path: str | None = None) -> bytes:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01), with a QR of the public page."""
    regular, bold = register_fonts(font_path)
    s = _Styles(regular, bold)
    received_day = _local_day(data.received_at, data.due_date)
    # The papers counted at intake; for a dossier taken in without them (an import), the
    # procedure's components with the counts left blank, to be written by hand.
    documents = data.received_documents or tuple(
        DocumentCount(name) for name in data.documents or ("Theo thành phần hồ sơ của thủ tục",)
    )
    table = _paper_table(documents, s, "Tên giấy tờ", counted=bool(data.received_documents))
    processing = (
        "trong ngày làm việc (hồ sơ nhận sau 15 giờ trả vào ngày làm việc tiếp theo)"
        if data.processing_days == 0
        else data.processing_text
    )
    collect = (
        f"Bộ phận một cửa {data.office_name}"
        if data.channel != "postal"
        else "Địa chỉ của người nộp, qua dịch vụ bưu chính công ích"
    )
    story = [
        _number_and_place(data, s, data.code, received_day),
        Paragraph("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", s.title),
        *_legal_basis(data, "01", s),
        Paragraph(f"Mã hồ sơ: <b>{_e(data.code)}</b>", s.subtitle),
        Paragraph(f"Bộ phận tiếp nhận và trả kết quả {_e(data.office_name)}", s.body),
        *_applicant(data, s, "Tiếp nhận hồ sơ của:"),
        Paragraph(f"Kênh nộp hồ sơ: {CHANNEL_WORDS.get(data.channel, data.channel)}.", s.body),
        Paragraph("1. Thành phần hồ sơ nộp gồm:", s.body),
        table,
        Spacer(1, 2 * mm),
        Paragraph("2. Số lượng hồ sơ: 01 (bộ).", s.body),
        Paragraph(f"3. Thời gian giải quyết hồ sơ theo quy định: {processing}.", s.body),
        Paragraph(f"4. Thời gian nhận hồ sơ: {_time_and_date(data.received_at)}.", s.body),
        Paragraph(
            f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{_long_date(data.due_date)}</b>.",
            s.body,
        ),
        Paragraph(f"6. Đăng ký nhận kết quả tại: {_e(collect)}.", s.body),
        Paragraph(f"7. Phí, lệ phí: {_money(data.fee)}.", s.body),
        Paragraph(
            f"Vào Sổ theo dõi hồ sơ, Quyển số: {received_day.year}, Số thứ tự: {data.number:04d}.",
            s.body,
        ),
        _qr_block(
            data,
            s,
            "Quét mã QR để xem tình trạng hồ sơ, hoặc tra cứu tại "
            f"<b>{_e(data.lookup_url)}</b> bằng mã hồ sơ và 4 số cuối điện thoại.",
        ),
        _signatures(
            s,
            ("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", data.applicant_name),
            ("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", data.officer_name),
        ),
    ]
    return _build(data, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", story, font_path)


def supplement_pdf(data: SlipData, font_path: str | None = None) -> bytes:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): what is missing; the clock stops."""
    regular, bold = register_fonts(font_path)
    s = _Styles(regular, bold)
    asked_at = data.supplement_at or data.received_at
    if data.supplement_documents:
        table = _paper_table(data.supplement_documents, s, "Thành phần hồ sơ", counted=True)
    else:
        papers = tuple(DocumentCount(item) for item in data.supplement_items)
        table = _paper_table(papers, s, "Thành phần hồ sơ", counted=False)
    rules = (
        f"Ông/Bà xem quy định về thành phần hồ sơ của thủ tục tại Danh mục thủ tục hành chính: "
        f"<b>{_e(data.rules_url)}</b> và tại nơi niêm yết của Bộ phận một cửa."
        if data.rules_url
        else "Ông/Bà xem quy định về thành phần hồ sơ của thủ tục tại nơi niêm yết của "
        "Bộ phận một cửa."
    )
    story = [
        _number_and_place(data, s, f"{data.code}/HDHS", _local_day(asked_at, data.due_date)),
        Paragraph("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", s.title),
        *_legal_basis(data, "02", s),
        Paragraph(f"Bộ phận tiếp nhận và trả kết quả {_e(data.office_name)}", s.body),
        *_applicant(data, s, "Tiếp nhận hồ sơ của:"),
        Paragraph(
            f"Mã hồ sơ: <b>{_e(data.code)}</b>, tiếp nhận lúc {_time_and_date(data.received_at)}.",
            s.body,
        ),
        Paragraph("Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:", s.body),
        table,
        Spacer(1, 2 * mm),
        Paragraph(f"Lý do: {_or_dots(data.supplement_reason, 100)}", s.body),
        Paragraph(
            f"Thời gian giải quyết hồ sơ tạm dừng từ {_time_and_date(asked_at)} "
            "đến khi Ông/Bà nộp đủ "
            "giấy tờ bổ sung; thời gian chờ bổ sung không tính vào thời hạn giải quyết. "
            "Ngày hẹn trả kết quả mới sẽ được thông báo khi nhận đủ hồ sơ.",
            s.body,
        ),
        Paragraph(
            f"Đây là lần yêu cầu bổ sung thứ {data.supplement_count or 1} đối với hồ sơ này.",
            s.body,
        ),
        Paragraph(rules, s.body),
        Paragraph(
            f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ cán bộ "
            f"{_e(data.officer_name)} tại Bộ phận một cửa {_e(data.office_name)} "
            "để được hướng dẫn.",
            s.body,
        ),
        Spacer(1, 2 * mm),
        _qr_block(data, s, "Quét mã QR để theo dõi tình trạng hồ sơ."),
        _signatures(s, None, ("NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", data.officer_name)),
    ]
    return _build(data, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", story, font_path)


def rejection_pdf(data: SlipData, font_path: str | None = None) -> bytes:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03), with the reason."""
    regular, bold = register_fonts(font_path)
    s = _Styles(regular, bold)
    reasons = [line for line in data.rejection_reason.splitlines() if line.strip()] or [""]
    story = [
        _number_and_place(data, s, f"{data.code}/TC", _local_day(data.rejected_at, data.due_date)),
        Paragraph("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", s.title),
        *_legal_basis(data, "03", s),
        Paragraph(f"Bộ phận tiếp nhận và trả kết quả {_e(data.office_name)}", s.body),
        *_applicant(data, s, "Tiếp nhận hồ sơ của:"),
        Paragraph(
            f"Mã hồ sơ: <b>{_e(data.code)}</b>, tiếp nhận lúc {_time_and_date(data.received_at)}.",
            s.body,
        ),
        Paragraph(
            f"Qua xem xét, {_e(data.office_name)} từ chối tiếp nhận, giải quyết hồ sơ này "
            "với lý do cụ thể như sau:",
            s.body,
        ),
        *[Paragraph(f"<b>{_e(line)}</b>", s.body) for line in reasons],
        Paragraph("Xin thông báo để Ông/Bà được biết và thực hiện.", s.body),
        _signatures(
            s,
            None,
            (
                "NGƯỜI TIẾP NHẬN HỒ SƠ",
                "(Ký và ghi rõ họ tên)",
                data.rejected_by or data.officer_name,
            ),
        ),
    ]
    return _build(data, "Phiếu từ chối tiếp nhận giải quyết hồ sơ", story, font_path)


def apology_pdf(data: SlipData, font_path: str | None = None) -> bytes:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04), with the reason and the new date."""
    regular, bold = register_fonts(font_path)
    s = _Styles(regular, bold)
    new_date = data.apology_date or data.due_date
    office = _e(data.office_name)
    story = [
        _number_and_place(data, s, f"{data.code}/PXL", _local_day(data.apology_at, data.due_date)),
        Paragraph("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", s.title),
        *_legal_basis(data, "04", s),
        Spacer(1, 3 * mm),
        Paragraph(f"Kính gửi: Ông/Bà <b>{_e(data.applicant_name)}</b>", s.centre),
        Paragraph(f"Địa chỉ: {_or_dots(data.address, 80)}", s.centre),
        Paragraph(f"Số điện thoại: {_e(data.phone)}", s.centre),
        Spacer(1, 4 * mm),
        Paragraph(
            f"Ngày {data.received_at.astimezone(LOCAL_TZ):%d/%m/%Y}, {office} "
            "tiếp nhận giải quyết hồ sơ "
            f"<b>{_e(data.procedure_name)}</b> của Ông/Bà, mã hồ sơ <b>{_e(data.code)}</b>. "
            f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {_long_date(data.due_date)}.",
            s.body,
        ),
        Paragraph(
            f"Tuy nhiên đến nay, {office} chưa trả kết quả giải quyết hồ sơ "
            "cho Ông/Bà đúng hẹn như đã ghi "
            "trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
            s.body,
        ),
        Paragraph(f"Lý do: {_e(data.apology_reason)}", s.body),
        Paragraph(
            "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, thời gian của Ông/Bà. "
            f"{office} xin lỗi "
            f"Ông/Bà và hẹn lại thời gian trả kết quả vào <b>{_long_date(new_date)}</b>.",
            s.body,
        ),
        Paragraph("Trân trọng!", s.body),
        _signatures(
            s,
            ("Nơi nhận:", "- Như trên; - Lưu: VT.", ""),
            ("THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", ""),
        ),
    ]
    return _build(data, "Phiếu xin lỗi và hẹn lại ngày trả kết quả", story, font_path)
