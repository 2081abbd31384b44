"""Appointment slots of a service: cut from the office's hours, with the seats left in each.

A day's slots are SLOT_MINUTES long and follow the office's sessions (queues.hours): a
slot lies wholly inside a session and ends by the service's last-ticket time, days off
of the working-day calendar have none, and a slot that has started is no longer offered.
Citizens book from today to BOOKING_DAYS ahead. An office open around the clock (no
hours set) takes bookings in the usual office week, DEFAULT_SESSIONS.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from appointments.models import SlotCapacity, SlotCount
from onestop import audit, clock
from onestop.clock import LOCAL_TZ
from onestop.exceptions import ValidationError
from onestop.extensions import db
from queues import hours
from queues.models import Counter, Service, counter_service

SLOT_MINUTES = 30
SLOT = dt.timedelta(minutes=SLOT_MINUTES)
BOOKING_DAYS = 14
_WORKDAY = ((dt.time(7, 30), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 0)))
DEFAULT_SESSIONS = {weekday: _WORKDAY for weekday in range(1, 6)}


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware UTC
    end: dt.datetime
    seats: int
    free: int

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(LOCAL_TZ)

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(LOCAL_TZ)


def booking_week(office_id: int) -> hours.Week:
    """The office's week for bookings: its hours, or DEFAULT_SESSIONS when it keeps none."""
    week = hours.week_of(office_id)
    if week.always_open:
        return hours.Week(DEFAULT_SESSIONS, hours.day_kinds_of(office_id))
    return week


def default_seats(service: Service) -> int:
    """Seats per slot when the admin set none: half of what the service's counters serve.

    The active counters serving the service, times SLOT_MINUTES, divided by the service's
    minutes per citizen (``default_service_min``), halved so that walk-ins keep at least
    half of the counters' time; at least one seat when a counter serves the service, none
    when no counter does. E.g. 2 counters, 8 min per citizen: 2 × 30 / 8 / 2 = 3 seats.
    """
    counters = db.session.scalar(
        select(func.count())
        .select_from(counter_service)
        .join(Counter, Counter.id == counter_service.c.counter_id)
        .where(counter_service.c.service_id == service.id, Counter.active.is_(True))
    )
    if not counters:
        return 0
    minutes = max(service.default_service_min or 1, 1)
    return max(1, int(counters * SLOT_MINUTES / minutes / 2))


def seats_of(service: Service) -> int:
    """Seats per slot: the admin's number, or ``default_seats``; 0 means no bookings."""
    if not service.active:
        return 0
    setting = db.session.get(SlotCapacity, service.id)
    return setting.seats if setting is not None else default_seats(service)


def booking_days(now: dt.datetime) -> list[dt.date]:
    """The local dates a citizen may book: today and the next BOOKING_DAYS days."""
    today = clock.local_date(now)
    return [today + dt.timedelta(days=offset) for offset in range(BOOKING_DAYS + 1)]


def slot_starts(week: hours.Week, service: Service, day: dt.date) -> Iterator[dt.datetime]:
    """The local starts of a day's slots, past ones included."""
    last = service.last_ticket
    for opens, closes in week.sessions_on(day):
        start = dt.datetime.combine(day, opens, LOCAL_TZ)
        end = dt.datetime.combine(day, closes, LOCAL_TZ)
        if last is not None:
            end = min(end, dt.datetime.combine(day, last, LOCAL_TZ))
        while start + SLOT <= end:
            yield start
            start += SLOT


def day_slots(service: Service, day: dt.date, now: dt.datetime) -> list[Slot]:
    """The slots of ``service`` on a local date that can still be booked, with seats left."""
    seats = seats_of(service)
    if seats <= 0 or day not in booking_days(now):
        return []
    starts = [
        start.astimezone(dt.UTC)
        for start in slot_starts(booking_week(service.office_id), service, day)
        if start > now
    ]
    if not starts:
        return []
    taken = dict(
        db.session.execute(
            select(SlotCount.starts_at, SlotCount.taken).where(
                SlotCount.service_id == service.id,
                SlotCount.starts_at >= starts[0],
                SlotCount.starts_at <= starts[-1],
            )
        ).all()
    )
    return [
        Slot(start, start + SLOT, seats, max(seats - taken.get(start, 0), 0)) for start in starts
    ]


def find_slot(service: Service, start: dt.datetime, now: dt.datetime) -> Slot | None:
    """The bookable slot of ``service`` starting at ``start`` (aware), or None."""
    start = start.astimezone(dt.UTC)
    for slot in day_slots(service, clock.local_date(start), now):
        if slot.start == start:
            return slot
    return None


def open_days(service: Service, now: dt.datetime) -> list[tuple[dt.date, int]]:
    """The bookable local dates of the window, each with its free seats (days off left out)."""
    days = []
    for day in booking_days(now):
        slots = day_slots(service, day, now)
        if slots:
            days.append((day, sum(slot.free for slot in slots)))
    return days


SEATS_MAX = 50


def set_seats(service: Service, raw, user) -> None:
    """Save the admin's seats per slot of a service; blank goes back to the computed default.

    ValidationError for a value that is not a whole number from 0 (no bookings) to SEATS_MAX.
    """
    text = str(raw if raw is not None else "").strip()
    setting = db.session.get(SlotCapacity, service.id)
    if not text:
        if setting is not None:
            db.session.delete(setting)
    else:
        if not text.isdigit() or int(text) > SEATS_MAX:
            raise ValidationError(
                {
                    f"seats-{service.id}": _(
                        "Số chỗ phải là số nguyên từ 0 đến %(max)d.", max=SEATS_MAX
                    )
                }
            )
        if setting is None:
            db.session.add(SlotCapacity(service_id=service.id, seats=int(text)))
        else:
            setting.seats = int(text)
    audit.record(
        "edit",
        service.office,
        user=user,
        detail=f"booking seats {service.code}: {text or 'default'}",
    )
