"""An office's working-day calendar: its own and its parents' extra days off and make-up days.

The same calendar closes the office's queues on days off: ``day_kinds_of`` is handed to
``queues.hours`` when this module is imported (queues cannot import dossiers).
"""

import datetime as dt

import holidays
from flask_babel import gettext as _
from sqlalchemy import select

from dossiers.models import HOLIDAY_KINDS, Holiday
from dossiers.workdays import WorkCalendar, _package_calendar
from onestop import audit
from onestop.exceptions import Forbidden, NotFound, ValidationError
from onestop.extensions import begin_write, db
from onestop.models import Office, User, can_act_in
from onestop.text import clean
from queues import hours

# Days further back than this cannot change any open dossier's due date.
_OLDEST_EDITABLE = dt.timedelta(days=366)
_LATEST_EDITABLE = dt.timedelta(days=3 * 366)


def _office_chain(office: Office) -> list[Office]:
    """The office and its ancestors, the root first."""
    chain, node, seen = [], office, set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def calendar_for(office: Office) -> WorkCalendar:
    """Return the office's WorkCalendar: public holidays, plus the days of its parents and its own.

    A ward follows the city's extra days off and make-up days; where the ward has
    its own entry for the same date, the ward's entry wins.
    """
    chain = _office_chain(office)
    rows = db.session.scalars(select(Holiday).where(Holiday.office_id.in_([o.id for o in chain])))
    depth = {o.id: i for i, o in enumerate(chain)}
    kinds: dict[dt.date, tuple[int, str]] = {}
    for row in rows:
        level = depth[row.office_id]
        if row.day not in kinds or kinds[row.day][0] < level:
            kinds[row.day] = (level, row.kind)
    return WorkCalendar(
        extra_days_off={day for day, (_level, kind) in kinds.items() if kind == "day_off"},
        makeup_days={day for day, (_level, kind) in kinds.items() if kind == "makeup_day"},
    )


def day_kinds_of(office_id: int) -> hours.DayKinds:
    """For ``queues.hours``: a function telling, for a date, "off" (public holiday, Tết, the
    office's or its parents' day off), "makeup" (a make-up working day) or None."""
    calendar = calendar_for(db.session.get(Office, office_id))

    def kind(day: dt.date) -> str | None:
        if day in calendar.makeup_days:
            return "makeup"
        if day in calendar.extra_days_off:
            return "off"
        package_off, package_workdays = _package_calendar(day.year)
        if day in package_workdays:
            return "makeup"
        return "off" if day in package_off else None

    return kind


hours.use_calendar(day_kinds_of)


def office_days(office: Office, year: int) -> list[Holiday]:
    """The days off and make-up days of ``office`` (and its parents) from ``year`` on."""
    chain = _office_chain(office)
    return list(
        db.session.scalars(
            select(Holiday)
            .where(Holiday.office_id.in_([o.id for o in chain]), Holiday.day >= dt.date(year, 1, 1))
            .order_by(Holiday.day)
        )
    )


def public_holidays(year: int) -> list[tuple[dt.date, str]]:
    """Vietnam's public holidays of ``year`` (Vietnamese names) and official make-up Saturdays."""
    calendar = holidays.country_holidays("VN", years=year, language="vi")
    days = [(day, name) for day, name in sorted(calendar.items()) if day.year == year]
    for day in sorted(getattr(calendar, "weekend_workdays", ())):
        if day.year == year:
            days.append((day, _("Ngày làm bù theo lịch nghỉ của Chính phủ")))
    return sorted(days)


def add_office_day(
    office: Office, day: dt.date, kind: str, reason: str, user: User, today: dt.date
) -> Holiday:
    """Add an extra day off or a make-up working day to an office's calendar.

    Only due dates computed afterwards use it; existing dossiers keep their dates.

    :param today: the local date, to refuse dates too far in the past or future.
    :raises ValidationError: bad kind, date or reason, or a day that is already so.
    """
    begin_write()
    if not can_act_in(user, office.id):
        raise Forbidden(_("Bạn không quản lý đơn vị này."))
    reason = clean(reason)
    errors = {}
    if kind not in HOLIDAY_KINDS:
        errors["kind"] = _("Chọn ngày nghỉ thêm hoặc ngày làm bù.")
    if not reason:
        errors["reason"] = _("Ghi lý do (ví dụ: văn bản của UBND).")
    elif len(reason) > 200:
        errors["reason"] = _("Tối đa %(n)d ký tự.", n=200)
    if not today - _OLDEST_EDITABLE <= day <= today + _LATEST_EDITABLE:
        errors["day"] = _("Chọn một ngày trong khoảng một năm trước đến ba năm tới.")
    elif db.session.scalar(
        select(Holiday).where(Holiday.office_id == office.id, Holiday.day == day)
    ):
        errors["day"] = _("Đơn vị đã có một mục cho ngày này.")
    elif kind in HOLIDAY_KINDS:
        working = calendar_for(office).is_working_day(day)
        if kind == "day_off" and not working:
            errors["day"] = _("Ngày này đã là ngày nghỉ.")
        if kind == "makeup_day" and working:
            errors["day"] = _("Ngày này đã là ngày làm việc.")
    if errors:
        raise ValidationError(errors)
    row = Holiday(office_id=office.id, day=day, kind=kind, reason=reason, created_by_id=user.id)
    db.session.add(row)
    audit.record("create", row, user=user, detail=f"{day.isoformat()} {kind}")
    db.session.commit()
    return row


def delete_office_day(holiday_id: int, user: User) -> None:
    """Remove one of an office's days off / make-up days."""
    begin_write()
    row = db.session.get(Holiday, holiday_id)
    if row is None:
        raise NotFound(_("Không tìm thấy ngày này."))
    if not can_act_in(user, row.office_id):
        raise Forbidden(_("Bạn không quản lý đơn vị này."))
    audit.record("delete", row, user=user, detail=f"{row.day.isoformat()} {row.kind}")
    db.session.delete(row)
    db.session.commit()
