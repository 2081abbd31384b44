"""Setting up an office's queues: services and counters (admin), and an officer taking a counter."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from onestop import audit, clock
from onestop.exceptions import Conflict, Forbidden, ValidationError
from onestop.extensions import db
from onestop.inputs import id_or_none
from onestop.models import Office, User, can_act_in
from onestop.text import clean
from queues import hours
from queues.models import Counter, Service, Ticket
from queues.store import bump_office, writing

SERVICE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,19}$")
LETTER = re.compile(r"^[A-Z]{1,2}$")


def _int_field(
    errors: dict, data: dict, field: str, low: int, high: int, default: int | None = None
) -> int:
    raw = clean(data.get(field))
    try:
        value = int(raw) if raw else default
        if value is None or not low <= value <= high:
            raise ValueError
    except ValueError:
        errors[field] = _("Nhập một số từ %(low)d đến %(high)d.", low=low, high=high)
        return default or low
    return value


def _flag(data: dict, field: str) -> bool:
    return clean(data.get(field)).lower() in {"1", "true", "on", "yes"}


def _service_values(office_id: int, data: dict, service: Service | None) -> dict:
    errors: dict[str, str] = {}
    code = clean(data.get("code")).lower()
    letter = clean(data.get("letter")).upper()
    name = clean(data.get("name"))
    if not SERVICE_CODE.match(code):
        errors["code"] = _("Mã gồm 1–20 chữ thường không dấu, số, gạch ngang.")
    elif _clash(Service, office_id, Service.code == code, service):
        errors["code"] = _("Mã dịch vụ này đã có ở đơn vị.")
    if not LETTER.match(letter):
        errors["letter"] = _("Chữ cái in hoa A–Z (một hoặc hai chữ).")
    elif _clash(Service, office_id, Service.letter == letter, service):
        errors["letter"] = _("Chữ cái này đã dùng cho dịch vụ khác.")
    elif service is not None and letter != service.letter and _issued_today(service):
        errors["letter"] = _(
            "Đã phát số hôm nay: đổi chữ cái sẽ làm sai số đã in. Hãy đổi vào ngày mai."
        )
    if not name:
        errors["name"] = _("Trường này là bắt buộc.")
    elif len(name) > 120:
        errors["name"] = _("Tối đa %(n)d ký tự.", n=120)
    last_ticket = None
    if raw_last := clean(data.get("last_ticket")):
        try:
            last_ticket = hours.parse_clock(raw_last)
        except ValueError:
            errors["last_ticket"] = _("Nhập giờ dạng HH:MM, ví dụ 16:30, hoặc để trống.")
    values = {
        "code": code,
        "letter": letter,
        "name": name,
        "field": clean(data.get("field"))[:120] or name,
        "ordering": _int_field(errors, data, "ordering", 0, 999, 0),
        "default_service_min": _int_field(errors, data, "default_service_min", 1, 120, 8),
        "active": _flag(data, "active"),
        "last_ticket": last_ticket,
    }
    if errors:
        raise ValidationError(errors)
    return values


def _clash(model, office_id: int, condition, current) -> bool:
    found = db.session.scalar(select(model).where(model.office_id == office_id, condition))
    return found is not None and found is not current


def _issued_today(service: Service) -> bool:
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.issued_service_id == service.id, Ticket.day == clock.today())
        )
    )


def _check_admin(user: User, office_id: int) -> None:
    if user.role != "admin" or not can_act_in(user, office_id):
        raise Forbidden(_("Chỉ quản trị viên được cấu hình dịch vụ và quầy."))


def save_service(office: Office, data: dict, user: User, service: Service | None = None) -> Service:
    """Create a service of ``office`` (or update ``service``) from form data; ValidationError."""
    office_id, service_id = office.id, service.id if service else None
    _check_admin(user, office_id)
    with writing():
        service = db.session.get(Service, service_id) if service_id else None
        values = _service_values(office_id, data, service)
        if service is None:
            service = Service(office_id=office_id)
            db.session.add(service)
        for key, value in values.items():
            setattr(service, key, value)
        audit.record("edit" if service.id else "create", service, user=user)
        db.session.flush()
        bump_office(office_id)
    return service


def _counter_values(office_id: int, data: dict, counter: Counter | None) -> dict:
    errors: dict[str, str] = {}
    number = _int_field(errors, data, "number", 1, 999)
    if "number" not in errors and _clash(Counter, office_id, Counter.number == number, counter):
        errors["number"] = _("Số quầy này đã có ở đơn vị.")
    name = clean(data.get("name"))
    if len(name) > 120:
        errors["name"] = _("Tối đa %(n)d ký tự.", n=120)
    wanted = {i for v in data.get("services", []) if (i := id_or_none(v)) is not None}
    services = list(
        db.session.scalars(
            select(Service)
            .where(Service.office_id == office_id, Service.id.in_(wanted))
            .order_by(Service.ordering)
        )
    )
    if not services:
        errors["services"] = _("Chọn ít nhất một dịch vụ mà quầy phục vụ.")
    if errors:
        raise ValidationError(errors)
    return {
        "number": number,
        "name": name or _("Quầy %(n)d", n=number),
        "services": services,
        "is_open": _flag(data, "is_open"),
    }


def save_counter(office: Office, data: dict, user: User, counter: Counter | None = None) -> Counter:
    """Create a counter of ``office`` (or update ``counter``): number, name, services, open."""
    office_id, counter_id = office.id, counter.id if counter else None
    _check_admin(user, office_id)
    with writing():
        counter = db.session.get(Counter, counter_id) if counter_id else None
        values = _counter_values(office_id, data, counter)
        if counter is None:
            counter = Counter(office_id=office_id)
            db.session.add(counter)
        for key, value in values.items():
            setattr(counter, key, value)
        if not counter.is_open:
            counter.officer_id = None
        audit.record("edit" if counter.id else "create", counter, user=user)
        db.session.flush()
        bump_office(office_id)
    return counter


def sign_in(counter: Counter, officer: User) -> Counter:
    """An officer takes a counter of their office: it opens; a counter they held before is left.

    A counter held by someone else is taken over (shift change, a colleague who forgot to sign out).
    """
    counter_id, officer_id = counter.id, officer.id
    if not can_act_in(officer, counter.office_id):
        raise Forbidden(_("Bạn chỉ làm việc tại quầy của đơn vị mình."))
    with writing():
        counter = db.session.get(Counter, counter_id, with_for_update=True, populate_existing=True)
        if counter is None or not counter.active:
            raise Conflict(_("Quầy này không còn hoạt động."), "counter_inactive")
        changed = {counter.office_id}
        for other in db.session.scalars(
            select(Counter).where(Counter.officer_id == officer_id, Counter.id != counter_id)
        ):
            other.officer_id = None
            other.is_open = False
            changed.add(other.office_id)  # a counter left in another office changes its screens
        counter.officer_id = officer_id
        counter.is_open = True
        for office_id in sorted(changed):
            bump_office(office_id)
    return counter


def sign_out(counter: Counter, officer: User) -> Counter:
    """The officer leaves the counter; it closes (waiting tickets stay for the other counters)."""
    counter_id = counter.id
    if not can_act_in(officer, counter.office_id):
        raise Forbidden(_("Bạn chỉ làm việc tại quầy của đơn vị mình."))
    with writing():
        counter = db.session.get(Counter, counter_id, with_for_update=True, populate_existing=True)
        counter.officer_id = None
        counter.is_open = False
        bump_office(counter.office_id)
    return counter


def leave_counters(officer: User) -> None:
    """An officer who logs out leaves their counter: the board no longer says it is ready."""
    officer_id = officer.id
    with writing():
        held = list(
            db.session.scalars(
                select(Counter).where(Counter.officer_id == officer_id).with_for_update()
            )
        )
        for counter in held:
            counter.officer_id = None
            counter.is_open = False
            bump_office(counter.office_id)


def counters_of(office_id: int) -> list[Counter]:
    """The active counters of an office by number."""
    return list(
        db.session.scalars(
            select(Counter)
            .where(Counter.office_id == office_id, Counter.active.is_(True))
            .order_by(Counter.number)
        )
    )


def services_of(office_id: int) -> list[Service]:
    """Every service of an office (open or closed) in display order."""
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.office_id == office_id)
            .order_by(Service.ordering, Service.letter)
        )
    )
