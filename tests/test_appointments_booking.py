"""Appointments: slots, seats, booking limits, cancel, check-in window, no-shows, reminders."""

import datetime as dt

import pytest
from sqlalchemy import select

from appointments import booking as bookings
from appointments import reminders, slots
from appointments.models import Booking, SlotCapacity, SlotCount
from notify.models import OutboxMessage
from onestop import clock
from onestop.clock import LOCAL_TZ
from onestop.exceptions import Conflict, NotFound, ValidationError
from onestop.extensions import db
from queues import hours
from queues.demo import add_queues
from queues.models import OfficeSession, Service, Ticket

PHONE = "0912345678"


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ)


@pytest.fixture
def office(app, make_office, fixed_clock):
    """An office open around the clock (bookings follow the usual week), one counter, one
    10-minute service: 1 × 30 / 10 / 2 → 1 seat per slot by default."""
    office = make_office()
    add_queues(office, [("ho-tich", "A", "Hộ tịch", 10)], [(1, "Quầy 1", ["ho-tich"])])
    db.session.commit()
    return office


def book(office, start, phone=PHONE, name="Trần Thị Bình"):
    return bookings.book(office, "ho-tich", start, name, phone, clock.now())


def test_default_seats_come_from_counters_and_service_time(office):
    service = db.session.scalar(select(Service))
    assert slots.default_seats(service) == 1
    service.default_service_min = 5
    assert slots.default_seats(service) == 3  # 1 × 30 / 5 / 2
    db.session.add(SlotCapacity(service_id=service.id, seats=4))
    assert slots.seats_of(service) == 4


def test_slots_skip_past_times_weekends_and_respect_the_window(office):
    service = db.session.scalar(select(Service))
    # Friday 27/11 08:15: the 07:30 and 08:00 slots have started.
    today = slots.day_slots(service, dt.date(2026, 11, 27), clock.now())
    assert [s.local_start.strftime("%H:%M") for s in today[:2]] == ["08:30", "09:00"]
    assert today[-1].local_end.strftime("%H:%M") == "17:00"
    assert all(s.free == 1 for s in today)
    assert slots.day_slots(service, dt.date(2026, 11, 28), clock.now()) == []  # Saturday
    assert slots.day_slots(service, dt.date(2026, 12, 14), clock.now()) == []  # beyond 14 days
    monday = slots.day_slots(service, dt.date(2026, 11, 30), clock.now())
    assert len(monday) == 8 + 7  # 07:30-11:30 and 13:30-17:00


def test_slots_follow_office_hours_and_the_last_ticket_time(office):
    service = db.session.scalar(select(Service))
    db.session.add(
        OfficeSession(office=office, weekday=1, opens=dt.time(7, 30), closes=dt.time(11, 0))
    )
    service.last_ticket = dt.time(10, 0)
    db.session.commit()
    monday = slots.day_slots(service, dt.date(2026, 11, 30), clock.now())
    assert [s.local_start.strftime("%H:%M") for s in monday] == [
        "07:30",
        "08:00",
        "08:30",
        "09:00",
        "09:30",
    ]
    assert slots.day_slots(service, dt.date(2026, 12, 1), clock.now()) == []  # no Tuesday hours


def test_days_off_have_no_slots(office, monkeypatch):
    service = db.session.scalar(select(Service))
    monkeypatch.setattr(
        hours,
        "day_kinds_of",
        lambda _id: lambda day: "off" if day == dt.date(2026, 11, 30) else None,
    )
    assert slots.day_slots(service, dt.date(2026, 11, 30), clock.now()) == []
    assert dt.date(2026, 11, 30) not in [
        day for day, _free in slots.open_days(service, clock.now())
    ]


def test_booking_takes_a_seat_and_a_full_slot_refuses(office):
    first = book(office, local(30, 9))
    assert len(first.code) == 6 and set(first.code) <= set(bookings.CODE_ALPHABET)
    assert first.status == "booked" and first.ends_at - first.starts_at == dt.timedelta(minutes=30)
    with pytest.raises(Conflict) as full:
        book(office, local(30, 9), phone="0987654321")
    assert full.value.code == "slot_full"
    assert db.session.scalar(select(SlotCount.taken)) == 1
    assert db.session.query(Booking).count() == 1


@pytest.mark.parametrize(
    "start",
    [local(27, 8), local(28, 9), local(30, 9, 10), local(30, 12), local(12, 9, month=12)],
    ids=["started", "saturday", "off-grid", "lunch", "beyond-window"],
)
def test_a_slot_not_offered_is_closed(office, start):
    with pytest.raises(Conflict) as closed:
        book(office, start)
    assert closed.value.code == "slot_closed"


def test_bad_name_and_phone_are_refused(office):
    with pytest.raises(ValidationError) as bad:
        bookings.book(office, "ho-tich", local(30, 9), " ", "12345", clock.now())
    assert set(bad.value.errors) == {"name", "phone"}
    with pytest.raises(NotFound):
        bookings.book(office, "nope", local(30, 9), "An", PHONE, clock.now())


def test_a_phone_holds_at_most_two_open_bookings(office):
    book(office, local(30, 9))
    book(office, local(30, 10), phone="+84 912 345 678")  # the same number, written otherwise
    with pytest.raises(Conflict) as limit:
        book(office, local(30, 11))
    assert limit.value.code == "too_many_bookings"
    book(office, local(30, 11), phone="0987654321")


def test_cancel_frees_the_seat_once(office):
    booking = book(office, local(30, 9))
    bookings.cancel(booking.token, clock.now())
    assert booking.status == "cancelled"
    assert db.session.scalar(select(SlotCount.taken)) == 0
    with pytest.raises(Conflict):
        bookings.cancel(booking.token, clock.now())
    again = book(office, local(30, 9), phone="0987654321")
    assert again.status == "booked"
    with pytest.raises(NotFound):
        bookings.cancel("no-such-token", clock.now())


def test_cancel_after_the_start_is_refused(office, fixed_clock):
    booking = book(office, local(27, 9))
    fixed_clock(local(27, 9, 5).astimezone(dt.UTC))
    with pytest.raises(Conflict):
        bookings.cancel(booking.token, clock.now())


def test_check_in_gives_a_booked_ticket_in_the_window(office, fixed_clock):
    booking = book(office, local(27, 9))
    fixed_clock(local(27, 8, 29).astimezone(dt.UTC))
    with pytest.raises(Conflict) as early:
        bookings.check_in(office, booking.code, clock.now())
    assert early.value.code == "too_early" and "08:30" in early.value.message
    fixed_clock(local(27, 8, 30).astimezone(dt.UTC))
    ticket = bookings.check_in(office, booking.code.lower(), clock.now())
    assert ticket.status == "waiting" and ticket.service.code == "ho-tich"
    assert ticket.booked_for == booking.starts_at and ticket.display_number == "A001"
    assert booking.status == "checked_in" and booking.ticket_id == ticket.id
    with pytest.raises(Conflict) as twice:
        bookings.check_in(office, booking.code, clock.now())
    assert twice.value.code == "already_checked_in"
    assert db.session.query(Ticket).count() == 1


def test_check_in_too_late_unknown_and_cancelled(office, fixed_clock):
    late = book(office, local(27, 9))
    cancelled = book(office, local(27, 10), phone="0987654321")
    bookings.cancel(cancelled.token, clock.now())
    fixed_clock(local(27, 9, 16).astimezone(dt.UTC))
    with pytest.raises(Conflict) as too_late:
        bookings.check_in(office, late.code, clock.now())
    assert too_late.value.code == "too_late"
    with pytest.raises(Conflict) as gone:
        bookings.check_in(office, cancelled.code, clock.now())
    assert gone.value.code == "cancelled"
    with pytest.raises(NotFound):
        bookings.check_in(office, "AAAAAA", clock.now())


def test_missed_bookings_become_no_shows_when_the_day_closes(office, fixed_clock):
    missed = book(office, local(27, 9))
    later = book(office, local(27, 16), phone="0987654321")
    fixed_clock(local(27, 12).astimezone(dt.UTC))
    hours.close_day(clock.now())
    db.session.expire_all()
    assert (missed.status, later.status) == ("no_show", "booked")
    with pytest.raises(Conflict) as too_late:
        bookings.check_in(office, missed.code, clock.now())
    assert too_late.value.code == "too_late"


def test_reminders_go_to_the_next_working_days_bookings_once(office, fixed_clock):
    monday = book(office, local(30, 9))
    book(office, local(1, 9, month=12), phone="0987654321")  # Tuesday: not yet
    cancelled = book(office, local(30, 10), phone="0911111111")
    bookings.cancel(cancelled.token, clock.now())
    assert reminders.enqueue_reminders(clock.now()) == 1  # Friday: the next working day is Monday
    assert reminders.enqueue_reminders(clock.now()) == 0
    message = db.session.scalar(select(OutboxMessage))
    assert message.key == f"booking:{monday.id}:reminder" and message.to == PHONE
    assert message.template == "booking_reminder"
    assert message.params == {
        "code": monday.code,
        "service": "Hộ tịch",
        "time": "09:00",
        "date": "30/11/2026",
        "office": office.name,
    }


def test_purge_blanks_name_and_phone_of_past_bookings_only(office, fixed_clock, runner, app):
    old = book(office, local(27, 9))
    kept = book(office, local(30, 9), phone="0987654321")
    fixed_clock(local(28, 12, month=12).astimezone(dt.UTC))  # 31 days later
    app.config["RETENTION_BOOKING_DAYS"] = 30
    assert runner.invoke(args=["purge-personal-data"]).exit_code == 0
    db.session.expire_all()
    assert (old.name, old.phone) == (None, None) and old.code and old.status == "booked"
    assert (kept.name, kept.phone) == ("Trần Thị Bình", "0987654321")


def test_cli_commands(office, fixed_clock, runner):
    book(office, local(30, 9))
    result = runner.invoke(args=["appointments", "remind"])
    assert result.exit_code == 0 and "1 booking reminder(s) queued." in result.output
    fixed_clock(local(30, 12).astimezone(dt.UTC))
    result = runner.invoke(args=["appointments", "no-shows"])
    assert result.exit_code == 0 and "1 booking(s) marked as no-show." in result.output
