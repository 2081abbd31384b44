"""Appointments in the KPIs: booked citizens' waits beside walk-ins', and missed bookings.

Read from the live tables (bookings and tickets are few next to the rollups' events):

* booked / walk-in average wait: the wait samples of ``reports.measures`` (tickets first
  called in the period) split by whether the ticket was booked (``Ticket.booked_for``); a
  booked citizen's wait runs from the check-in, when the ticket was issued;
* bookings: those whose slot starts in the period; checked in, cancelled, and no-shows:
  bookings never checked in whose check-in window had passed by ``now`` (marked
  ``no_show`` at the day's close, or not yet marked), so a report never waits for the close.
"""

import datetime as dt

from sqlalchemy import and_, case, func, or_, select

from appointments.booking import CHECK_IN_LATE
from appointments.models import Booking
from onestop.extensions import db
from queues.models import Ticket
from reports.measures import Scope, _ticket_filters, is_wait_sample, wait_seconds

KEYS = (
    "bookings",
    "bookings_checked_in",
    "bookings_cancelled",
    "booking_no_shows",
    "booked_avg_wait_min",
    "walk_in_avg_wait_min",
)


def _minutes(seconds, samples) -> float | None:
    return round(seconds / samples / 60, 2) if samples else None


def booking_values(scope: Scope, start_at: dt.datetime, end_at: dt.datetime, now: dt.datetime):
    """The booking KPIs (KEYS) of ``scope`` between two instants, and their wait samples."""
    sample = is_wait_sample()
    wait = wait_seconds()
    booked = Ticket.booked_for.is_not(None)
    waits = db.session.execute(
        select(
            func.coalesce(func.sum(case((and_(sample, booked), wait), else_=0)), 0),
            func.coalesce(func.sum(case((and_(sample, booked), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(sample, ~booked), wait), else_=0)), 0),
            func.coalesce(func.sum(case((and_(sample, ~booked), 1), else_=0)), 0),
        ).where(*_ticket_filters(scope), Ticket.called_at >= start_at, Ticket.called_at < end_at)
    ).one()
    booked_sec, booked_n, walk_sec, walk_n = (int(x) for x in waits)
    filters = [
        Booking.office_id.in_(scope.office_ids),
        Booking.starts_at >= start_at,
        Booking.starts_at < end_at,
    ]
    if scope.service_id is not None:
        filters.append(Booking.service_id == scope.service_id)
    missed = or_(
        Booking.status == "no_show",
        and_(Booking.status == "booked", Booking.starts_at < now - CHECK_IN_LATE),
    )
    counts = db.session.execute(
        select(
            func.count(Booking.id),
            func.coalesce(func.sum(case((Booking.status == "checked_in", 1), else_=0)), 0),
            func.coalesce(func.sum(case((Booking.status == "cancelled", 1), else_=0)), 0),
            func.coalesce(func.sum(case((missed, 1), else_=0)), 0),
        ).where(*filters)
    ).one()
    values = {
        "bookings": int(counts[0]),
        "bookings_checked_in": int(counts[1]),
        "bookings_cancelled": int(counts[2]),
        "booking_no_shows": int(counts[3]),
        "booked_avg_wait_min": _minutes(booked_sec, booked_n),
        "walk_in_avg_wait_min": _minutes(walk_sec, walk_n),
    }
    return values, {"booked_wait_samples": booked_n, "walk_in_wait_samples": walk_n}
