"""Taking in dossiers: at the counter (from a ticket or not) and by importing online / postal ones.

Import format (what an export of the provincial portal gives; field names of the
national portal DVCQG). CSV: UTF-8 with a header row; JSON: a list of objects with
the same keys. At most 1 MB and 2000 dossiers per file; all or nothing.

=====================  ========  ==========================================================
column                 required  value
=====================  ========  ==========================================================
MaHoSo                 yes       the portal's dossier code (a second import of it is refused)
MaTTHC                 yes       national procedure code, e.g. ``1.001193``
ChuHoSo                yes       applicant's full name
SoDienThoai            yes       Vietnamese mobile number (``0912345678`` or ``+84912345678``)
KenhThucHien           yes       ``2`` online (trực tuyến) or ``3`` postal (bưu chính công ích)
NgayTiepNhan           yes       receipt time, local: ``yyyyMMddHHmmss`` or ``YYYY-MM-DD HH:MM``
NgayHenTra             no        the portal's due date (``yyyyMMdd`` or ``YYYY-MM-DD``);
                                 computed from the office's calendar when empty
HoSoCoThanhPhanSoHoa   no        ``1`` when reused digitised papers replaced paper copies
=====================  ========  ==========================================================

A dossier whose due date is already past is refused: it must be dealt with at once,
not imported as a new one.
"""

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from dossiers.catalogue import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportRefused,
    read_csv_rows,
    unstorable_cells,
)
from dossiers.documents import DocumentCount, parse_documents
from dossiers.idcard import ID_NUMBER
from dossiers.models import (
    CHANNELS,
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    Procedure,
)
from dossiers.office_days import calendar_for
from dossiers.workdays import due_end
from onestop import clock, stale
from onestop.exceptions import Forbidden, ValidationError
from onestop.extensions import begin_write, db
from onestop.models import Office, User, can_act_in
from onestop.phones import normalise_phone
from onestop.sql import upsert
from onestop.text import clean
from queues.models import Ticket

IMPORT_COLUMNS = (
    "MaHoSo",
    "MaTTHC",
    "ChuHoSo",
    "SoDienThoai",
    "KenhThucHien",
    "NgayTiepNhan",
    "NgayHenTra",
    "HoSoCoThanhPhanSoHoa",
)
IMPORT_REQUIRED = IMPORT_COLUMNS[:6]
PORTAL_CHANNELS = {"1": "direct", "2": "online", "3": "postal"}
# Intake fields named as the import file's columns, for the per-row error report.
_IMPORT_FIELD = {
    "procedure": "MaTTHC",
    "applicant_name": "ChuHoSo",
    "phone": "SoDienThoai",
    "channel": "KenhThucHien",
    "received_at": "NgayTiepNhan",
}
MAX_NAME = 120
MAX_ADDRESS = 300
MAX_EMAIL = 254
# Deliberately plain: one @, a dot in the domain, no spaces; the mailbox is not probed.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# A receipt time a little ahead of ours is a clock skew between machines, not a mistake.
_CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass
class IntakeValues:
    office: Office
    procedure: Procedure
    applicant_name: str
    phone: str
    channel: str
    documents_reused: bool
    received_at: dt.datetime
    due_date: dt.date
    ticket: Ticket | None = None
    external_code: str | None = None
    address: str = ""
    email: str = ""
    id_number: str = ""
    documents: tuple[DocumentCount, ...] = ()
    notify_opt_in: bool = False


@dataclass(frozen=True)
class Applicant:
    """What intake at the counter records about the person besides name and phone (all optional).

    ``documents`` are ``{name, originals, certified_copies, photocopies}`` mappings, as
    posted by the form's checklist or the API (``dossiers.documents.parse_documents``).
    ``notify``: the applicant wants an SMS / Zalo message when the result is ready or
    papers are missing.
    """

    address: str = ""
    email: str = ""
    id_number: str = ""
    documents: tuple = ()
    notify: bool = False


def _check_applicant(applicant: Applicant, errors: dict) -> dict:
    """Validate the optional personal fields and the papers; add messages to ``errors``."""
    address = " ".join(clean(applicant.address).split())
    if len(address) > MAX_ADDRESS or any(ord(ch) < 32 for ch in address):
        errors["address"] = _("Địa chỉ tối đa %(n)d ký tự.", n=MAX_ADDRESS)
    email = clean(applicant.email)
    if email and (len(email) > MAX_EMAIL or not EMAIL.match(email)):
        errors["email"] = _("Thư điện tử không đúng dạng, ví dụ: ten@example.vn.")
    id_number = re.sub(r"\s", "", clean(applicant.id_number))
    if id_number and not ID_NUMBER.match(id_number):
        errors["id_number"] = _("Số định danh cá nhân (căn cước) gồm đúng 12 chữ số.")
    documents: list[DocumentCount] = []
    try:
        documents = parse_documents(applicant.documents)
    except ValidationError as error:
        errors.update(error.errors)
    return {
        "address": address,
        "email": email,
        "id_number": id_number,
        "documents": tuple(documents),
        "notify_opt_in": bool(applicant.notify),
    }


def _validate(
    office: Office,
    procedure_code: str,
    applicant_name: str,
    phone: str,
    channel: str,
    documents_reused: bool,
    officer: User,
    ticket: Ticket | None,
    received_at: dt.datetime,
    due_date: dt.date | None = None,
    external_code: str | None = None,
    applicant: Applicant | None = None,
) -> IntakeValues:
    """Check one dossier's fields; raise ValidationError with a message per bad field."""
    if not can_act_in(officer, office.id):
        raise Forbidden(_("Bạn không tiếp nhận hồ sơ cho đơn vị này."))
    errors: dict[str, str] = {}
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == clean(procedure_code)))
    if procedure is None or not procedure.active:
        errors["procedure"] = _(
            "Không có thủ tục mã “%(code)s” trong danh mục.", code=clean(procedure_code)
        )
    elif office not in procedure.offices:
        errors["procedure"] = _("%(office)s không giải quyết thủ tục này.", office=office.name)
    name = " ".join(clean(applicant_name).split())
    if not name:
        errors["applicant_name"] = _("Nhập họ và tên người nộp hồ sơ.")
    elif len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        errors["applicant_name"] = _("Họ tên tối đa %(n)d ký tự.", n=MAX_NAME)
    normalised = normalise_phone(phone)
    if normalised is None:
        errors["phone"] = _(
            "Số điện thoại di động Việt Nam gồm 10 số, bắt đầu bằng 03, 05, 07, 08 hoặc 09."
        )
    if channel not in CHANNELS:
        errors["channel"] = _("Chọn kênh nộp: trực tiếp, trực tuyến hoặc bưu chính.")
    if ticket is not None and ticket.office_id != office.id:
        errors["ticket"] = _("Số thứ tự này thuộc đơn vị khác.")
    if received_at > clock.now() + _CLOCK_SKEW:
        errors["received_at"] = _("Thời điểm tiếp nhận không được ở tương lai.")
    person = _check_applicant(applicant or Applicant(), errors)
    if errors:
        raise ValidationError(errors)
    if due_date is None:
        due_date = calendar_for(office).due_date(
            received_at, procedure.processing_time, procedure.processing_unit
        )
    return IntakeValues(
        office=office,
        procedure=procedure,
        applicant_name=name,
        phone=normalised,
        channel=channel,
        documents_reused=bool(documents_reused),
        received_at=received_at,
        due_date=due_date,
        ticket=ticket,
        external_code=external_code,
        **person,
    )


def _next_number(office_id: int, day: dt.date) -> int:
    """Bump the office's counter for ``day`` and return the new number (gap-free, concurrency-safe).

    The upsert's row lock (PostgreSQL) or the write transaction (SQLite) serialises
    concurrent intakes; the number commits or rolls back with the dossier.
    """
    statement = (
        upsert(DossierCounter)
        .values(office_id=office_id, day=day, last_number=1)
        .on_conflict_do_update(
            index_elements=["office_id", "day"],
            set_={"last_number": DossierCounter.last_number + 1},
        )
        .returning(DossierCounter.last_number)
    )
    return db.session.execute(statement).scalar_one()


def _create(values: IntakeValues, officer: User) -> Dossier:
    office = values.office
    day = clock.local_date(values.received_at)
    number = _next_number(office.id, day)
    code = f"{office.agency_code or office.code}-{day:%y%m%d}-{number:04d}"
    dossier = Dossier(
        code=code,
        office=office,
        procedure=values.procedure,
        received_day=day,
        number=number,
        applicant_name=values.applicant_name,
        phone=values.phone,
        address=values.address,
        email=values.email,
        id_number=values.id_number,
        notify_opt_in=values.notify_opt_in,
        documents=[
            DossierDocument(
                position=position,
                name=document.name,
                originals=document.originals,
                certified_copies=document.certified_copies,
                photocopies=document.photocopies,
            )
            for position, document in enumerate(values.documents, start=1)
        ],
        channel=values.channel,
        documents_reused=values.documents_reused,
        status="received",
        received_at=values.received_at,
        due_date=values.due_date,
        due_at=due_end(values.due_date),
        ticket=values.ticket,
        officer_id=officer.id,
        external_code=values.external_code,
        token=secrets.token_urlsafe(18),
    )
    db.session.add(dossier)
    stale.mark_instant(office.id, values.received_at)  # an import or a back-dated intake
    db.session.add(
        DossierEvent(
            dossier=dossier,
            office_id=office.id,
            kind="intake",
            from_status=None,
            to_status="received",
            at=values.received_at,
            officer_id=officer.id,
        )
    )
    return dossier


def receive_dossier(
    office: Office,
    procedure_code: str,
    applicant_name: str,
    phone: str,
    channel: str,
    documents_reused: bool,
    officer: User,
    ticket: Ticket | None = None,
    received_at: dt.datetime | None = None,
    applicant: Applicant | None = None,
) -> Dossier:
    """Take in a dossier: validate, number it, compute its due date, record the intake event.

    :param office: the receiving office (the officer must be allowed to act in it).
    :param procedure_code: national code of a procedure that this office handles.
    :param phone: a Vietnamese mobile number in any usual notation; stored as ``0xxxxxxxxx``.
    :param channel: ``direct``, ``online`` or ``postal``.
    :param ticket: the queue ticket the citizen came with, if any.
    :param received_at: the receipt instant (default now); a simulation passes past times.
    :param applicant: address, e-mail, ID number and the papers received (``Applicant``).
    :returns: the committed dossier, code ``<agency code>-<yymmdd>-<nnnn>``.
    :raises ValidationError: unknown procedure, empty name, bad phone, channel, e-mail,
        ID number or copy count; a postal dossier without an address. Nothing is stored.
    """
    received_at = received_at or clock.now()
    begin_write()
    values = _validate(
        office,
        procedure_code,
        applicant_name,
        phone,
        channel,
        documents_reused,
        officer,
        ticket,
        received_at,
        applicant=applicant,
    )
    dossier = _create(values, officer)
    db.session.commit()
    return dossier


def _parse_local_time(text: str) -> dt.datetime | None:
    text = clean(text)
    for pattern in (
        "%Y%m%d%H%M%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ):
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=clock.LOCAL_TZ)
        except ValueError:
            continue
    return None


def _parse_day(text: str) -> dt.date | None:
    text = clean(text)
    for pattern in ("%Y%m%d", "%Y-%m-%d", "%Y%m%d%H%M%S"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _import_row(
    row: dict, office: Office, officer: User, today: dt.date, seen: set[str]
) -> IntakeValues:
    """Validate one imported row; raise ValidationError with every problem found."""
    errors: dict[str, str] = {}
    external = clean(row.get("MaHoSo"))
    if not external or len(external) > 60:
        errors["MaHoSo"] = _("thiếu mã hồ sơ của cổng dịch vụ công")
    elif external in seen:
        errors["MaHoSo"] = _("mã %(code)s lặp lại trong tệp", code=external)
    elif db.session.scalar(select(Dossier.id).where(Dossier.external_code == external)):
        errors["MaHoSo"] = _("hồ sơ %(code)s đã được nhập trước đây", code=external)
    channel = PORTAL_CHANNELS.get(clean(row.get("KenhThucHien")))
    if channel not in ("online", "postal"):
        errors["KenhThucHien"] = _("kênh phải là 2 (trực tuyến) hoặc 3 (bưu chính)")
    received_at = _parse_local_time(row.get("NgayTiepNhan"))
    if received_at is None:
        errors["NgayTiepNhan"] = _("ngày tiếp nhận không đúng dạng yyyyMMddHHmmss")
    due_date = None
    if clean(row.get("NgayHenTra")):
        due_date = _parse_day(row.get("NgayHenTra"))
        if due_date is None:
            errors["NgayHenTra"] = _("ngày hẹn trả không đúng dạng yyyyMMdd")
    reused = clean(row.get("HoSoCoThanhPhanSoHoa")) in {"1", "true", "True", "x"}
    try:
        values = _validate(
            office,
            row.get("MaTTHC") or "",
            row.get("ChuHoSo") or "",
            row.get("SoDienThoai") or "",
            channel or "online",
            reused,
            officer,
            None,
            received_at or clock.now(),
            due_date,
            external,
        )
    except ValidationError as error:
        errors.update(
            {_IMPORT_FIELD.get(field, field): message for field, message in error.errors.items()}
        )
        values = None
    if values is not None and received_at is not None:
        if values.due_date < today:
            errors["NgayHenTra"] = _(
                "ngày hẹn trả %(day)s đã qua", day=values.due_date.strftime("%d/%m/%Y")
            )
        elif values.due_date < clock.local_date(received_at):
            errors["NgayHenTra"] = _("ngày hẹn trả trước ngày tiếp nhận")
    if errors:
        raise ValidationError(errors)
    seen.add(external)
    return values


def _rows_from_upload(filename: str, data: bytes) -> list[dict]:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused([(0, _("Tệp quá lớn: tối đa %(n)d KB.", n=MAX_IMPORT_BYTES // 1024))])
    if not filename.lower().endswith(".json"):
        return read_csv_rows(data, IMPORT_COLUMNS, IMPORT_REQUIRED)
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ImportRefused(
            [(0, _("Tệp JSON không đọc được (cần UTF-8, một danh sách đối tượng)."))]
        ) from None
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed):
        raise ImportRefused([(0, _("Tệp JSON phải là một danh sách các hồ sơ."))])
    if not parsed:
        raise ImportRefused([(0, _("Tệp không có dòng dữ liệu nào."))])
    if len(parsed) > MAX_IMPORT_ROWS:
        raise ImportRefused([(0, _("Quá nhiều dòng: tối đa %(n)d.", n=MAX_IMPORT_ROWS))])
    rows = [
        {key: "" if item.get(key) is None else str(item.get(key)) for key in IMPORT_COLUMNS}
        for item in parsed
    ]
    errors = [e for number, row in enumerate(rows, start=1) for e in unstorable_cells(number, row)]
    if errors:
        raise ImportRefused(errors)
    return rows


def import_dossiers(office: Office, filename: str, data: bytes, officer: User) -> list[Dossier]:
    """Import online and postal dossiers from a CSV or JSON file (format: this module's docstring).

    All or nothing: if any row is bad, nothing is stored and every bad row is reported.
    CSV rows are numbered as in a spreadsheet (the first data row is 2); JSON items from 1.

    :returns: the created dossiers, numbered in order of receipt.
    :raises ImportRefused: the file or some rows are refused.
    """
    rows = _rows_from_upload(filename, data)
    first = 1 if filename.lower().endswith(".json") else 2
    begin_write()
    today = clock.today()
    seen: set[str] = set()
    accepted, errors = [], []
    for number, row in enumerate(rows, start=first):
        try:
            accepted.append(_import_row(row, office, officer, today, seen))
        except ValidationError as error:
            errors.append(
                (
                    number,
                    "; ".join(f"{field}: {message}" for field, message in error.errors.items()),
                )
            )
    if errors:
        raise ImportRefused(errors)
    dossiers = [
        _create(values, officer) for values in sorted(accepted, key=lambda v: v.received_at)
    ]
    db.session.commit()
    return dossiers
