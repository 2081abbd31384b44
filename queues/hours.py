"""Office hours: when an office gives tickets, and how its day ends.

An office's week is a list of sessions per ISO weekday (``OfficeSession``: 07:30-11:30 and
13:00-17:00, a Saturday morning, ...). An office with no session at all is open around the
clock, every day: the demo offices, and an office that has not set its hours yet. When an
office has hours, each service may also stop giving numbers earlier that day
(``Service.last_ticket``, e.g. 16:30).

Days off come from the working-day calendar, which belongs to ``dossiers`` (public holidays
and Tết from the ``holidays`` package, the office's own days off and make-up working days).
Queues must not import dossiers, so the calendar comes the other way: when it is imported,
``dossiers.office_days`` hands this module a function giving an office's day kinds
(``use_calendar``). On a day off the office is closed whatever its week says; a make-up
working day opens with the hours of the first weekday, from Monday on, that has sessions (a
Saturday worked in exchange is a full working day). Without that function (queues on its
own) only the weekly hours count.

At closing, tickets still waiting are closed as ``unserved`` with a "day_closed" event
(``close_day``): a status of its own rather than ``cancelled``, since the citizen did not
give up, the office ran out of time; the reports count such a ticket as issued, never as
called, served or finished. It is done by ``flask --app wsgi queues close-day``, which a
timer runs after closing, and, for days already past, by the first kiosk, counter or board
request of a new day (``close_past_days``), so that a machine without the timer still ends
each day truthfully.
The UPDATE takes only tickets still waiting and returns the ones it changed, so two runs at
once (several workers, the timer and a kiosk) never close a ticket twice nor write two
events for it.
"""

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import and_, delete, insert, or_, select, update

from onestop import audit, clock, stale
from onestop.clock import LOCAL_TZ
from onestop.exceptions import Conflict, Forbidden, ValidationError
from onestop.extensions import db
from onestop.models import Office, User, can_act_in
from queues.models import OfficeSession, Service, Ticket, TicketEvent
from queues.store import bump_office, writing

# A day's kind in the working-day calendar: "off" (holiday, Tết, the office's day off),
# "makeup" (a make-up working day) or None (an ordinary day: the week decides).
DayKinds = Callable[[dt.date], str | None]

WEEKDAYS = range(1, 8)
SESSIONS_PER_DAY = 2
WEEKDAY_NAMES = {
    1: lazy_gettext("thứ Hai"),
    2: lazy_gettext("thứ Ba"),
    3: lazy_gettext("thứ Tư"),
    4: lazy_gettext("thứ Năm"),
    5: lazy_gettext("thứ Sáu"),
    6: lazy_gettext("thứ Bảy"),
    7: lazy_gettext("Chủ nhật"),
}
# Looking further ahead than a year for the next opening means the week has no session.
_SEARCH_DAYS = 400
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_EXTENSION_KEY = "queues.days_closed_before"

_calendar_of: Callable[[int], DayKinds] | None = None
# What packages above queues end with the day (appointments: bookings never checked in).
_day_close_hooks: list[Callable[[dt.datetime], object]] = []


def use_calendar(calendar_of: Callable[[int], DayKinds]) -> None:
    """Take the function giving an office's day kinds (registered by ``dossiers``)."""
    global _calendar_of
    _calendar_of = calendar_of


def at_day_close(hook: Callable[[dt.datetime], object]) -> None:
    """Take a function that ``close_day`` runs with its instant after closing the tickets."""
    if hook not in _day_close_hooks:
        _day_close_hooks.append(hook)


def _ordinary(_day: dt.date) -> str | None:
    return None


def day_kinds_of(office_id: int) -> DayKinds:
    """The office's working-day calendar (every day ordinary when none is registered)."""
    return _calendar_of(office_id) if _calendar_of is not None else _ordinary


@dataclass(frozen=True)
class HoursState:
    """An office at an instant: open or not, when it closes, when it opens next."""

    open_now: bool
    # End of the session under way (None: closed now, or open around the clock).
    closes_at: dt.datetime | None
    # Start of the next session when closed now (None: open, or no session ahead).
    next_open_at: dt.datetime | None
    # End of the day's last session (None: no session today, or open around the clock).
    day_closes_at: dt.datetime | None

    @property
    def always_open(self) -> bool:
        return self.open_now and self.closes_at is None


@dataclass(frozen=True)
class Week:
    """An office's weekly sessions and its calendar's day kinds."""

    sessions: Mapping[int, tuple[tuple[dt.time, dt.time], ...]]
    day_kind: DayKinds = _ordinary

    @property
    def always_open(self) -> bool:
        return not any(self.sessions.values())

    def sessions_on(self, day: dt.date) -> tuple[tuple[dt.time, dt.time], ...]:
        """The sessions of a local date, days off and make-up days applied."""
        kind = self.day_kind(day)
        if kind == "off":
            return ()
        if kind == "makeup":
            for weekday in range(1, 6):
                if self.sessions.get(weekday):
                    return self.sessions[weekday]
            return ()
        return self.sessions.get(day.isoweekday(), ())

    def _instants(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        return [
            (dt.datetime.combine(day, opens, LOCAL_TZ), dt.datetime.combine(day, closes, LOCAL_TZ))
            for opens, closes in self.sessions_on(day)
        ]

    def state_at(self, now: dt.datetime) -> HoursState:
        """Whether the office is open at ``now`` (aware), and its next closing or opening."""
        if self.always_open:
            return HoursState(True, None, None, None)
        local = now.astimezone(LOCAL_TZ)
        today = self._instants(local.date())
        day_closes = today[-1][1] if today else None
        for opens, closes in today:
            if opens <= local < closes:
                return HoursState(True, closes, None, day_closes)
        return HoursState(False, None, self.next_open_after(local), day_closes)

    def next_open_after(self, local: dt.datetime) -> dt.datetime | None:
        """The start of the first session after ``local``, within about a year."""
        for offset in range(_SEARCH_DAYS):
            for opens, _closes in self._instants(local.date() + dt.timedelta(days=offset)):
                if opens > local:
                    return opens
        return None

    def day_end(self, day: dt.date) -> dt.datetime:
        """When a local date's last session ends (midnight when the office has none that day)."""
        instants = self._instants(day)
        if instants:
            return instants[-1][1]
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LOCAL_TZ)


def week_of(office_id: int) -> Week:
    """The office's week as stored, with its calendar when it has hours at all."""
    sessions_table = OfficeSession.__table__
    # A Core read on the session's connection: it runs on the kiosk's issuing path.
    rows = (
        db.session.connection()
        .execute(
            select(sessions_table.c.weekday, sessions_table.c.opens, sessions_table.c.closes)
            .where(sessions_table.c.office_id == office_id)
            .order_by(sessions_table.c.weekday, sessions_table.c.opens)
        )
        .all()
    )
    if not rows:
        return Week({})
    sessions: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for row in rows:
        sessions.setdefault(row.weekday, []).append((row.opens, row.closes))
    day_kind = day_kinds_of(office_id)
    return Week({day: tuple(found) for day, found in sessions.items()}, day_kind)


# --- what the citizen is told --------------------------------------------------------------------


def hhmm(value: dt.time | dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def opening_text(instant: dt.datetime) -> str:
    """'07:30 thứ Hai, 07/12/2026' for a next opening."""
    local = instant.astimezone(LOCAL_TZ)
    return _(
        "%(time)s %(weekday)s, %(date)s",
        time=hhmm(local),
        weekday=WEEKDAY_NAMES[local.isoweekday()],
        date=local.strftime("%d/%m/%Y"),
    )


def closed_message(state: HoursState) -> str:
    if state.next_open_at is None:
        return _("Bộ phận một cửa đang ngoài giờ làm việc.")
    return _(
        "Bộ phận một cửa đang ngoài giờ làm việc. Mở cửa lại lúc %(when)s.",
        when=opening_text(state.next_open_at),
    )


def _past_last_ticket(service, local: dt.datetime) -> bool:
    last = service.last_ticket
    return last is not None and local.time().replace(tzinfo=None) > last


def check_issuing(office_id: int, service, now: dt.datetime) -> None:
    """Refuse a ticket outside the office's hours or after the service's last-ticket time.

    ``service`` is a Service or a row with ``name`` and ``last_ticket``.

    :raises Conflict: code ``office_closed`` (HTTP 409), with when the office opens next.
    """
    week = week_of(office_id)
    if week.always_open:
        return
    state = week.state_at(now)
    if not state.open_now:
        raise Conflict(closed_message(state), "office_closed")
    if _past_last_ticket(service, now.astimezone(LOCAL_TZ)):
        later = week.next_open_after(week.day_end(clock.local_date(now)).astimezone(LOCAL_TZ))
        message = _(
            "Dịch vụ «%(name)s» đã hết giờ lấy số hôm nay (số cuối lúc %(time)s).",
            name=service.name,
            time=hhmm(service.last_ticket),
        )
        if later is not None:
            message += " " + _("Mời ông/bà quay lại lúc %(when)s.", when=opening_text(later))
        raise Conflict(message, "office_closed")


@dataclass(frozen=True)
class KioskHours:
    """What the kiosk's home needs: the office's state and a note per service code."""

    state: HoursState
    next_open_text: str | None
    # code -> (note, can still take a ticket)
    notes: dict[str, tuple[str, bool]]
    # ("thứ Hai – thứ Sáu", "07:30–11:30, 13:00–17:00"), ... for the closed screen
    week_lines: list[tuple[str, str]]


def kiosk_hours(office_id: int, summaries: list[dict], now: dt.datetime) -> KioskHours:
    """The office's state now, and for each service a note when it no longer gives numbers
    today, or when its estimated wait runs past closing time."""
    week = week_of(office_id)
    state = week.state_at(now)
    notes: dict[str, tuple[str, bool]] = {}
    if state.open_now and not state.always_open:
        local = now.astimezone(LOCAL_TZ)
        for row in summaries:
            service = row["service"]
            if _past_last_ticket(service, local):
                notes[service.code] = (
                    _(
                        "Đã hết giờ lấy số hôm nay (số cuối lúc %(time)s)",
                        time=hhmm(service.last_ticket),
                    ),
                    False,
                )
            elif now + dt.timedelta(minutes=row["eta_minutes"]) > state.day_closes_at:
                notes[service.code] = (
                    _(
                        "Có thể không kịp được phục vụ trước giờ đóng cửa %(time)s",
                        time=hhmm(state.day_closes_at.astimezone(LOCAL_TZ)),
                    ),
                    True,
                )
    next_text = opening_text(state.next_open_at) if state.next_open_at is not None else None
    return KioskHours(state, next_text, notes, week_lines(week))


def week_lines(week: Week) -> list[tuple[str, str]]:
    """The weekly sessions as lines, consecutive days with the same sessions together."""
    groups: list[tuple[int, int, tuple]] = []
    for day in WEEKDAYS:
        found = week.sessions.get(day, ())
        if not found:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == found:
            groups[-1] = (groups[-1][0], day, found)
        else:
            groups.append((day, day, found))
    return [
        (
            str(WEEKDAY_NAMES[first])
            if first == last
            else f"{WEEKDAY_NAMES[first]} – {WEEKDAY_NAMES[last]}",
            ", ".join(f"{hhmm(opens)}–{hhmm(closes)}" for opens, closes in found),
        )
        for first, last, found in groups
    ]


def hours_json(office_id: int, now: dt.datetime) -> dict:
    """The ``GET /api/v1/offices/<office>/hours`` body (DESIGN.md section 6)."""
    week = week_of(office_id)
    state = week.state_at(now)
    if week.always_open:
        days = [{"weekday": day, "opens": "00:00", "closes": "24:00"} for day in WEEKDAYS]
    else:
        days = [
            {"weekday": day, "opens": hhmm(opens), "closes": hhmm(closes)}
            for day in WEEKDAYS
            for opens, closes in week.sessions.get(day, ())
        ]
    services = db.session.execute(
        select(Service.code, Service.last_ticket)
        .where(Service.office_id == office_id, Service.active.is_(True))
        .order_by(Service.ordering, Service.letter)
    ).all()
    return {
        "open_now": state.open_now,
        "closes_at": state.closes_at.isoformat() if state.closes_at else None,
        "next_open_at": state.next_open_at.isoformat() if state.next_open_at else None,
        "week": days,
        "services": {
            row.code: hhmm(row.last_ticket) if row.last_ticket and not week.always_open else None
            for row in services
        },
    }


# --- editing -------------------------------------------------------------------------------------


def parse_clock(raw: str) -> dt.time:
    """'7:30' or '07:30' as a time; ValueError otherwise."""
    match = _CLOCK.match(raw.strip())
    if match is None:
        raise ValueError(raw)
    return dt.time(int(match.group(1)), int(match.group(2)))


def form_of(week: Week) -> dict:
    """The hours form's values for a stored week."""
    values = {"mode": "always" if week.always_open else "weekly"}
    for day, found in week.sessions.items():
        for index, (opens, closes) in enumerate(found, start=1):
            values[f"d{day}s{index}_opens"] = hhmm(opens)
            values[f"d{day}s{index}_closes"] = hhmm(closes)
    return values


def _sessions_from(data: Mapping) -> list[tuple[int, dt.time, dt.time]]:
    """The sessions a form asks for; ValidationError names each wrong field."""
    errors: dict[str, str] = {}
    sessions = []
    for day in WEEKDAYS:
        previous_close = None
        for index in range(1, SESSIONS_PER_DAY + 1):
            key = f"d{day}s{index}"
            raw_open = str(data.get(f"{key}_opens") or "").strip()
            raw_close = str(data.get(f"{key}_closes") or "").strip()
            if not raw_open and not raw_close:
                continue
            try:
                opens, closes = parse_clock(raw_open), parse_clock(raw_close)
            except ValueError:
                errors[key] = _("Nhập giờ mở và giờ đóng dạng HH:MM, ví dụ 07:30 và 11:30.")
                continue
            if closes <= opens:
                errors[key] = _("Giờ đóng cửa phải sau giờ mở cửa.")
            elif previous_close is not None and opens < previous_close:
                errors[key] = _("Buổi chiều phải bắt đầu sau khi buổi sáng kết thúc.")
            else:
                sessions.append((day, opens, closes))
                previous_close = closes
    if not errors and not sessions:
        errors["mode"] = _("Nhập ít nhất một buổi làm việc, hoặc chọn mở cửa suốt ngày đêm.")
    if errors:
        raise ValidationError(errors)
    return sessions


def save_week(office: Office, data: Mapping, user: User) -> None:
    """Replace an office's weekly hours from the admin form.

    ``mode`` "always" removes every session (open around the clock); "weekly" stores the
    sessions given, at most two a day, each closing after it opens, the second after the first.
    """
    office_id = office.id
    if user.role != "admin" or not can_act_in(user, office_id):
        raise Forbidden(_("Chỉ quản trị viên được cấu hình giờ làm việc."))
    mode = str(data.get("mode") or "")
    if mode not in ("always", "weekly"):
        raise ValidationError({"mode": _("Chọn mở cửa suốt ngày đêm hoặc theo lịch tuần.")})
    sessions = _sessions_from(data) if mode == "weekly" else []
    with writing():
        db.session.execute(delete(OfficeSession).where(OfficeSession.office_id == office_id))
        for day, opens, closes in sessions:
            db.session.add(
                OfficeSession(office_id=office_id, weekday=day, opens=opens, closes=closes)
            )
        detail = "; ".join(f"{day} {hhmm(o)}-{hhmm(c)}" for day, o, c in sessions) or "always"
        audit.record("edit", office, user=user, detail=f"hours: {detail}"[:200])


# --- the end of the day --------------------------------------------------------------------------


def _day_over(week: Week, now: dt.datetime) -> bool:
    """Whether an office with hours has given its last session of today."""
    if week.always_open:
        return False
    state = week.state_at(now)
    return not state.open_now and (state.day_closes_at is None or now >= state.day_closes_at)


def close_day(now: dt.datetime) -> int:
    """Close as unserved every ticket still waiting from an earlier day, and today's at
    offices whose day is over; returns how many were closed.

    Each gets a "day_closed" event at its office's closing time that day (or ``now``, if
    earlier); the boards change, and past days' report totals are marked stale. Then the
    hooks of ``at_day_close`` run (bookings whose check-in time passed become no-shows).
    """
    today = clock.local_date(now)
    offices_waiting = db.session.scalars(
        select(Ticket.office_id)
        .where(Ticket.day == today, Ticket.status == "waiting")
        .group_by(Ticket.office_id)
    ).all()
    weeks = {office_id: week_of(office_id) for office_id in offices_waiting}
    ended = [office_id for office_id, week in weeks.items() if _day_over(week, now)]
    closed = _close(
        or_(Ticket.day < today, and_(Ticket.day == today, Ticket.office_id.in_(ended))), now
    )
    for hook in _day_close_hooks:
        hook(now)
    return closed


def close_past_days(now: dt.datetime) -> int:
    """``close_day`` for earlier days only, once per process and local day (lazy: the first
    kiosk or counter request of a day)."""
    today = clock.local_date(now)
    if current_app.extensions.get(_EXTENSION_KEY) == today:
        return 0
    closed = _close(Ticket.day < today, now)
    current_app.extensions[_EXTENSION_KEY] = today
    return closed


def end_past_days() -> None:
    """Before a kiosk, counter or board request (``before_request``): close what earlier
    days left waiting, the first time this process serves a new day."""
    close_past_days(clock.now())


def _close(condition, now: dt.datetime) -> int:
    table = Ticket.__table__
    with writing():
        rows = db.session.execute(
            update(table)
            .where(table.c.status == "waiting", condition)
            .values(status="unserved")
            .returning(table.c.id, table.c.office_id, table.c.service_id, table.c.day)
        ).all()
        if not rows:
            return 0
        weeks: dict[int, Week] = {}
        ends: dict[tuple[int, dt.date], dt.datetime] = {}
        events = []
        for row in rows:
            key = (row.office_id, row.day)
            if key not in ends:
                week = weeks.setdefault(row.office_id, week_of(row.office_id))
                ends[key] = min(now, week.day_end(row.day).astimezone(dt.UTC))
            events.append(
                {
                    "ticket_id": row.id,
                    "office_id": row.office_id,
                    "kind": "day_closed",
                    "at": ends[key],
                    "counter_id": None,
                    "officer_id": None,
                    "service_id": row.service_id,
                    "note": "",
                }
            )
        db.session.execute(insert(TicketEvent), events)
        for office_id, day in sorted(ends):
            stale.mark_days([office_id], day, day)
        for office_id in sorted({office_id for office_id, _day in ends}):
            bump_office(office_id)
    # The rows changed under the session (expire_on_commit is off): objects it already
    # holds must read their new status.
    db.session.expire_all()
    return len(rows)
