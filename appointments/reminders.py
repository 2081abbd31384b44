"""The day-before reminder of a booking, queued in the notification outbox.

Run once a day (``flask --app wsgi appointments remind``, e.g. by a timer in the
afternoon): each office's bookings of its next working day get a ``booking_reminder``
message. The key ``booking:<id>:reminder`` makes a second run, or a second machine,
add nothing.
"""

import datetime as dt

from sqlalchemy import select

from appointments.models import Booking
from appointments.slots import BOOKING_DAYS, booking_week
from notify.outbox import enqueue
from onestop import clock
from onestop.clock import LOCAL_TZ
from onestop.extensions import db
from queues import hours

DATE_FORMAT = "%d/%m/%Y"


def next_working_day(office_id: int, today: dt.date) -> dt.date | None:
    """The office's first day after ``today`` with a session (days off skipped)."""
    week = booking_week(office_id)
    for offset in range(1, BOOKING_DAYS + 2):
        day = today + dt.timedelta(days=offset)
        if week.sessions_on(day):
            return day
    return None


def enqueue_reminders(now: dt.datetime) -> int:
    """Queue a reminder for every open booking of each office's next working day; commits.

    Returns how many messages were queued.
    """
    today = clock.local_date(now)
    office_ids = db.session.scalars(
        select(Booking.office_id)
        .where(Booking.status == "booked", Booking.starts_at > now)
        .group_by(Booking.office_id)
    ).all()
    queued = 0
    for office_id in office_ids:
        day = next_working_day(office_id, today)
        if day is None:
            continue
        begins = clock.local_midnight(day)
        due = db.session.scalars(
            select(Booking)
            .where(
                Booking.office_id == office_id,
                Booking.status == "booked",
                Booking.starts_at >= begins,
                Booking.starts_at < begins + dt.timedelta(days=1),
            )
            .order_by(Booking.starts_at, Booking.id)
        )
        for booking in due:
            start = booking.starts_at.astimezone(LOCAL_TZ)
            message = enqueue(
                booking.phone or "",
                "booking_reminder",
                {
                    "code": booking.code,
                    "service": booking.service.name,
                    "time": hours.hhmm(start),
                    "date": start.strftime(DATE_FORMAT),
                    "office": booking.office.name,
                },
                key=f"booking:{booking.id}:reminder",
                office_id=office_id,
            )
            queued += message is not None
    db.session.commit()
    return queued
