"""Call-next between booked citizens and walk-ins, through the queue's own use cases."""

import datetime as dt

import pytest

from appointments import booking as bookings
from onestop import clock
from onestop.clock import LOCAL_TZ
from onestop.extensions import db
from queues import tickets
from queues.demo import add_queues
from queues.models import Counter


def at(hour, minute=0):
    return dt.datetime(2026, 11, 27, hour, minute, tzinfo=LOCAL_TZ)


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    add_queues(office, [("ho-tich", "A", "Hộ tịch", 10)], [(1, "Quầy 1", ["ho-tich"])])
    db.session.commit()
    officer = make_user("officer1", "officer", office)
    return office, db.session.query(Counter).one(), officer


def booked_ticket(office, start, checked_in, phone):
    clock.set_now(at(7, 0))
    booking = bookings.book(office, "ho-tich", start, "Công dân", phone, clock.now())
    clock.set_now(checked_in)
    return bookings.check_in(office, booking.code, clock.now())


def walk_in(office, issued):
    clock.set_now(issued)
    return tickets.issue(office, "ho-tich").ticket


def call(counter, officer, when):
    clock.set_now(when)
    return tickets.call_next(counter, officer)


def test_a_booked_citizen_whose_slot_started_is_called_before_an_earlier_walk_in(hall):
    office, counter, officer = hall
    early = walk_in(office, at(8, 50))
    booked = booked_ticket(office, at(9, 0), at(8, 52), "0912345678")
    # Before the slot: the usual order.
    assert call(counter, officer, at(8, 55)).id == early.id
    later = walk_in(office, at(8, 56))
    assert call(counter, officer, at(9, 1)).id == booked.id
    assert call(counter, officer, at(9, 5)).id == later.id


def test_at_most_one_booked_citizen_ahead_of_a_walk_in_over_the_target(hall):
    office, counter, officer = hall
    waiting_long = walk_in(office, at(8, 30))
    first = booked_ticket(office, at(8, 30), at(8, 45), "0912345678")
    second = booked_ticket(office, at(9, 0), at(8, 46), "0987654321")
    # 09:01: the walk-in has waited 31 minutes; one booked citizen goes first, then the walk-in.
    assert call(counter, officer, at(9, 1)).id == first.id
    assert call(counter, officer, at(9, 6)).id == waiting_long.id
    assert call(counter, officer, at(9, 12)).id == second.id


def test_priority_tickets_keep_their_precedence(hall):
    office, counter, officer = hall
    booked = booked_ticket(office, at(9, 0), at(8, 45), "0912345678")
    clock.set_now(at(8, 58))
    elderly = tickets.issue(office, "ho-tich", priority_reason="elderly").ticket
    assert call(counter, officer, at(9, 1)).id == elderly.id
    assert call(counter, officer, at(9, 6)).id == booked.id


def test_the_console_marks_a_booked_ticket_with_its_time(hall, client, login):
    office, counter, officer = hall
    booked_ticket(office, at(9, 0), at(8, 45), "0912345678")
    login(officer)
    client.post("/counter/sign-in", data={"counter": counter.id})
    page = client.get("/counter").get_data(as_text=True)
    assert "Hẹn 09:00" in page and "0912" not in page
