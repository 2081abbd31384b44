"""The procedure catalogue: search ignoring diacritics, admin edits, CSV import and export.

CSV format (UTF-8, comma-separated, a header row; the export gives exactly this):

    code,name,field,processing_days,fee,online_level,offices,required_documents

- ``code``: the national procedure code (e.g. ``1.001193``); an existing code is updated.
- ``processing_days``: the legal processing time as procedure texts write it:
  ``15`` or ``15 ngày làm việc`` (working days), ``15 ngày`` (calendar days),
  ``4 giờ làm việc`` (working hours), ``0,5`` or ``0.5`` (half a working day),
  ``0`` or ``trong ngày`` (same day); case, diacritics and spaces do not matter.
- ``fee``: whole đồng (``50000``, ``50.000`` or empty for free).
- ``online_level``: ``full`` (toàn trình), ``partial`` (một phần) or ``none``.
- ``offices``: office codes separated by spaces, commas or semicolons; a level name
  (``district``, ``commune``) stands for every office of that level.
- ``required_documents``: one document per line inside the quoted cell, or separated by `` | ``.

The import is all-or-nothing: one bad row refuses the file with an error per row.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from dossiers.models import ONLINE_LEVELS, Procedure
from dossiers.processing_time import ProcessingTime, ProcessingTimeError, parse_processing_time
from onestop import audit
from onestop.exceptions import ValidationError
from onestop.extensions import begin_write, db
from onestop.inputs import forbidden_character
from onestop.models import LEVELS, Office, office_subtree_ids
from onestop.text import clean, fold

CSV_COLUMNS = (
    "code",
    "name",
    "field",
    "processing_days",
    "fee",
    "online_level",
    "offices",
    "required_documents",
)
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 2000
PROCEDURE_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{2,39}$")
_LEVEL_WORDS = {
    "full": "full",
    "toàn trình": "full",
    "toan trinh": "full",
    "partial": "partial",
    "một phần": "partial",
    "mot phan": "partial",
    "none": "none",
    "không": "none",
    "khong": "none",
    "": "none",
}


def search_text(code: str, name: str, field: str) -> str:
    return fold(f"{code} {name} {field}")


def _like_words(query: str) -> list[str]:
    words = fold(clean(query)).split()
    # Escape LIKE wildcards typed by the user; "\" is the escape character below.
    return [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words[:8]]


def search_procedures(
    query: str = "",
    office: Office | None = None,
    field: str = "",
    include_inactive: bool = False,
    limit: int = 200,
    office_ids: set[int] | None = None,
) -> list[Procedure]:
    """Procedures whose code, name or field contain every word of ``query``.

    Diacritics and case are ignored ("dang ky khai sinh" finds "Đăng ký khai sinh").

    :param office: only the procedures this office handles.
    :param field: only this field (lĩnh vực), exact.
    :param office_ids: only the procedures one of these offices handles.
    """
    stmt = select(Procedure)
    for word in _like_words(query):
        stmt = stmt.where(Procedure.search_text.like(f"%{word}%", escape="\\"))
    if office is not None:
        stmt = stmt.where(Procedure.offices.any(Office.id == office.id))
    if office_ids is not None:
        stmt = stmt.where(Procedure.offices.any(Office.id.in_(office_ids)))
    if field:
        stmt = stmt.where(Procedure.field == field)
    if not include_inactive:
        stmt = stmt.where(Procedure.active.is_(True))
    found = list(db.session.scalars(stmt.order_by(Procedure.field, Procedure.name).limit(limit)))
    # Names that contain the words as typed, in order, come first.
    phrase = " ".join(fold(clean(query)).split())
    return sorted(found, key=lambda p: phrase not in fold(p.name)) if phrase else found


@dataclass(frozen=True)
class SubmitPlace:
    """Procedures found that are submitted at the same offices (one office, or several alike)."""

    offices: list[Office]
    procedures: list[Procedure]
    here: bool  # submitted at the office the citizen is standing in


def city_of(office: Office) -> Office:
    """The top of the office tree an office belongs to (the city for a ward)."""
    while office.parent is not None:
        office = office.parent
    return office


def search_by_place(query: str, here: Office, limit: int = 200) -> list[SubmitPlace]:
    """Procedures of every office of ``here``'s city, grouped by where the citizen submits them.

    A procedure ``here`` handles is listed only under ``here`` (first): the citizen need not go
    elsewhere. Any other one is listed under each office of the city that handles it, and offices
    whose lists come out the same (a ward procedure found in every ward) share one group. After
    ``here`` come the city office, then the other offices by code.
    """
    city = city_of(here)
    tree = {o.id: o for o in db.session.scalars(select(Office).where(Office.active.is_(True)))}
    within = office_subtree_ids(city.id) & tree.keys()
    found = search_procedures(query, limit=limit, office_ids=within)
    lists: dict[int, list[Procedure]] = {}
    for procedure in found:
        handled = {o.id for o in procedure.offices} & within
        for office_id in {here.id} if here.id in handled else handled:
            lists.setdefault(office_id, []).append(procedure)
    groups: dict[tuple[int, ...], list[int]] = {}
    for office_id, procedures in lists.items():
        groups.setdefault(tuple(p.id for p in procedures), []).append(office_id)

    def rank(office_id: int) -> tuple:
        return (office_id != here.id, office_id != city.id, tree[office_id].code)

    places = [
        SubmitPlace(
            offices=[tree[i] for i in sorted(ids, key=rank)],
            procedures=lists[ids[0]],
            here=here.id in ids,
        )
        for ids in groups.values()
    ]
    return sorted(places, key=lambda place: rank(place.offices[0].id))


def fields(office: Office | None = None) -> list[str]:
    """The fields (lĩnh vực) of the active catalogue, or of one office's procedures."""
    stmt = (
        select(Procedure.field)
        .where(Procedure.active.is_(True))
        .distinct()
        .order_by(Procedure.field)
    )
    if office is not None:
        stmt = stmt.where(Procedure.offices.any(Office.id == office.id))
    return list(db.session.scalars(stmt))


def _parts(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[–\-,/;]", fold(text)) if len(part.strip()) >= 4]


def field_matches(field: str, service_name: str) -> bool:
    """Whether a procedure's field belongs to a queue service ("Hộ tịch", "Tư pháp – Hộ tịch")."""
    return any(a in b or b in a for a in _parts(field) for b in _parts(service_name))


def _offices_from_words(text: str) -> tuple[list[Office], list[str]]:
    """Resolve office codes and level names; return the offices and the unknown words."""
    offices: dict[int, Office] = {}
    unknown = []
    for word in re.split(r"[\s,;]+", clean(text)):
        if not word:
            continue
        if word.lower() in LEVELS:
            for office in db.session.scalars(select(Office).where(Office.level == word.lower())):
                offices[office.id] = office
            continue
        office = db.session.scalar(select(Office).where(Office.code == word.upper()))
        if office is None:
            unknown.append(word)
        else:
            offices[office.id] = office
    return sorted(offices.values(), key=lambda o: o.code), unknown


@dataclass
class ProcedureValues:
    code: str
    name: str
    field: str
    processing: ProcessingTime
    fee: int
    online_level: str
    required_documents: str
    offices: list[Office]
    active: bool = True


def _parse_int(value: str, low: int, high: int) -> int | None:
    text = re.sub(r"[.,\s]", "", clean(value))
    # isdigit() also takes "²" and other scripts' digits; int() of a long string is refused.
    if not text.isascii() or not text.isdigit() or len(text) > 15:
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_procedure(data, offices: list[Office] | None = None) -> ProcedureValues:
    """Validate a procedure's fields (a form or a CSV row).

    The processing time is ``data["processing_days"]`` with the unit written in it (a CSV
    cell) or, when ``data`` has ``processing_unit`` (the form's select), a number in that unit.

    :param offices: the chosen offices (a form's checkboxes); None reads ``data["offices"]``.
    :raises ValidationError: with one message per bad field.
    """
    errors: dict[str, str] = {}
    code = clean(data.get("code"))
    if not PROCEDURE_CODE.match(code):
        errors["code"] = _("Mã thủ tục gồm 3–40 chữ, số, dấu chấm (ví dụ 1.001193).")
    name, field = clean(data.get("name")), clean(data.get("field"))
    if not name or len(name) > 300:
        errors["name"] = _("Nhập tên thủ tục (tối đa 300 ký tự).")
    if not field or len(field) > 120:
        errors["field"] = _("Nhập lĩnh vực (tối đa 120 ký tự).")
    processing = None
    try:
        processing = parse_processing_time(
            data.get("processing_days") or "0", data.get("processing_unit")
        )
    except ProcessingTimeError as error:
        errors["processing_days"] = error.message
    fee = _parse_int(data.get("fee") or "0", 0, 1_000_000_000)
    if fee is None:
        errors["fee"] = _("Lệ phí là số tiền (đồng), ví dụ 50000.")
    level = _LEVEL_WORDS.get(clean(data.get("online_level")).lower())
    if level not in ONLINE_LEVELS:
        errors["online_level"] = _("Mức trực tuyến: full, partial hoặc none.")
    documents = "\n".join(
        line.strip()
        for line in re.split(r"\n| \| ", clean(data.get("required_documents")).replace("\r", ""))
        if line.strip()
    )
    if len(documents) > 5000:
        errors["required_documents"] = _("Thành phần hồ sơ quá dài (tối đa 5000 ký tự).")
    if offices is None:
        offices, unknown = _offices_from_words(data.get("offices") or "")
        if unknown:
            errors["offices"] = _("Không có đơn vị: %(codes)s.", codes=", ".join(unknown))
    if not offices and "offices" not in errors:
        errors["offices"] = _("Chọn ít nhất một đơn vị giải quyết.")
    if errors:
        raise ValidationError(errors)
    return ProcedureValues(
        code=code,
        name=name,
        field=field,
        processing=processing,
        fee=fee,
        online_level=level,
        required_documents=documents,
        offices=offices,
        active=str(data.get("active", "1")).lower() not in {"0", "false", "", "off"},
    )


def _apply(procedure: Procedure, values: ProcedureValues) -> None:
    for attr in (
        "code",
        "name",
        "field",
        "processing",
        "fee",
        "online_level",
        "required_documents",
        "active",
    ):
        setattr(procedure, attr, getattr(values, attr))
    procedure.offices = list(values.offices)
    procedure.search_text = search_text(values.code, values.name, values.field)


def save_procedure(data, office_ids: list[int], procedure_id: int | None = None) -> Procedure:
    """Create a procedure, or update the one with ``procedure_id``, from form data.

    :param office_ids: the ids of the offices that handle it.
    :raises ValidationError: bad fields or a code that another procedure has.
    """
    begin_write()
    procedure = db.session.get(Procedure, procedure_id) if procedure_id else Procedure()
    offices = (
        list(db.session.scalars(select(Office).where(Office.id.in_(office_ids))))
        if office_ids
        else []
    )
    values = parse_procedure(data, offices)
    clash = db.session.scalar(select(Procedure).where(Procedure.code == values.code))
    if clash is not None and clash.id != procedure.id:
        raise ValidationError({"code": _("Mã thủ tục này đã có trong danh mục.")})
    _apply(procedure, values)
    db.session.add(procedure)
    audit.record("edit" if procedure.id else "create", procedure)
    db.session.commit()
    return procedure


class ImportRefused(ValidationError):
    """A file refused as a whole; ``rows`` lists (row number, message) for each bad row."""

    def __init__(self, rows: list[tuple[int, str]]):
        super().__init__({f"row {number}": message for number, message in rows})
        self.rows = rows


def _decode_upload(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes) or UTF-16 with its BOM ("Unicode text")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            [
                (
                    line,
                    _(
                        "Tệp phải ở mã UTF-8 (trong Excel: Lưu thành, chọn CSV UTF-8); "
                        "dòng này có ký tự ở mã khác."
                    ),
                )
            ]
        ) from None


def unstorable_cells(number: int, row: dict) -> list[tuple[int, str]]:
    """The refusal of row ``number`` if a cell holds a control character or a lone surrogate."""
    for key, value in row.items():
        if forbidden_character(str(key)) or forbidden_character(str(value or "")):
            return [
                (number, _("Cột %(col)s chứa ký tự điều khiển hoặc ký tự không hợp lệ.", col=key))
            ]
    return []


def read_csv_rows(data: bytes, columns: tuple[str, ...], required: tuple[str, ...]) -> list[dict]:
    """Decode a CSV upload into dicts; refuse an oversized or malformed file.

    Rows are numbered as in a spreadsheet: the header is row 1.

    :raises ImportRefused: too big, not UTF-8, missing columns, too many rows, cells
        that cannot be stored.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused([(0, _("Tệp quá lớn: tối đa %(n)d KB.", n=MAX_IMPORT_BYTES // 1024))])
    text = _decode_upload(data)
    # newline="": the csv module sees CR, LF and CR LF as the file has them (a spreadsheet
    # saved on Windows or an old Mac), and never a bare CR inside what it takes for a line.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows, errors = [], []
    number = 0  # the last row read whole
    try:
        header = [clean(name) for name in reader.fieldnames or []]
        number = 1
        errors += unstorable_cells(1, dict.fromkeys(header))
        missing = [name for name in required if name not in header]
        if missing:
            raise ImportRefused([(1, _("Thiếu cột: %(cols)s.", cols=", ".join(missing)))])
        reader.fieldnames = header
        for number, row in enumerate(reader, start=2):
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ImportRefused([(0, _("Quá nhiều dòng: tối đa %(n)d.", n=MAX_IMPORT_ROWS))])
            values = {k: v for k, v in row.items() if k in columns}
            errors += unstorable_cells(number, values)
            rows.append(values)
    except csv.Error as error:
        raise ImportRefused([(number + 1, _("CSV không đọc được: %(e)s", e=str(error)))]) from None
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused([(0, _("Tệp không có dòng dữ liệu nào."))])
    return rows


def import_procedures_csv(data: bytes) -> tuple[int, int]:
    """Create or update procedures from a CSV file (format in this module's docstring).

    All or nothing: one bad row refuses the whole file.

    :returns: (created, updated) counts.
    :raises ImportRefused: with the errors of every bad row (row 2 is the first data row).
    """
    rows = read_csv_rows(data, CSV_COLUMNS, ("code", "name", "field", "processing_days", "offices"))
    begin_write()
    parsed, errors, seen = [], [], set()
    for number, row in enumerate(rows, start=2):
        try:
            values = parse_procedure(row)
        except ValidationError as error:
            errors.append((number, "; ".join(error.errors.values())))
            continue
        if values.code in seen:
            errors.append((number, _("Mã %(code)s lặp lại trong tệp.", code=values.code)))
        seen.add(values.code)
        parsed.append(values)
    if errors:
        raise ImportRefused(errors)
    existing = {
        p.code: p for p in db.session.scalars(select(Procedure).where(Procedure.code.in_(seen)))
    }
    created = 0
    for values in parsed:
        procedure = existing.get(values.code)
        if procedure is None:
            procedure = Procedure()
            db.session.add(procedure)
            created += 1
        _apply(procedure, values)
    updated = len(parsed) - created
    audit.record("import", object_type="procedure", detail=f"{created} new, {updated} updated")
    db.session.commit()
    return created, updated


def catalogue_csv(procedures: list[Procedure]) -> str:
    """The catalogue as CSV in the import format."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in procedures:
        writer.writerow(
            [
                p.code,
                p.name,
                p.field,
                p.processing.text(),
                p.fee,
                p.online_level,
                " ".join(o.code for o in p.offices),
                p.required_documents,
            ]
        )
    return out.getvalue()
