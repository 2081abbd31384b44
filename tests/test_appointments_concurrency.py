"""No slot is overbooked: simultaneous bookings on SQLite and PostgreSQL, one session each."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from appointments import booking as bookings
from appointments.models import Booking, SlotCapacity, SlotCount
from onestop import clock
from onestop.clock import LOCAL_TZ
from onestop.exceptions import Conflict
from onestop.extensions import db
from onestop.models import Office
from queues.demo import add_queues
from queues.models import Service
from tests.fixtures.threads import run_threads

THREADS = 20
START = dt.datetime(2026, 11, 30, 9, tzinfo=LOCAL_TZ)


@pytest.fixture
def office_id(app, make_office, fixed_clock):
    office = make_office()
    add_queues(office, [("ho-tich", "A", "Hộ tịch", 10)], [(1, "Quầy 1", ["ho-tich"])])
    db.session.commit()
    ids = office.id
    db.session.remove()
    return ids


def book_at_once(app, office_id, phone_of) -> list[str]:
    """THREADS bookings of the 9:00 slot at once, the n-th with ``phone_of(n)``; outcomes."""

    def attempt(index, out):
        office = db.session.get(Office, office_id)
        try:
            bookings.book(office, "ho-tich", START, "Công dân", phone_of(index), clock.now())
            out.append("booked")
        except Conflict as refusal:
            out.append(refusal.code)

    return run_threads(app, THREADS, attempt)


@pytest.mark.parametrize("seats", [1, 3])
def test_simultaneous_bookings_fill_a_slot_exactly(app, office_id, seats):
    service = db.session.scalar(select(Service))
    db.session.add(SlotCapacity(service_id=service.id, seats=seats))
    db.session.commit()
    db.session.remove()

    outcomes = book_at_once(app, office_id, lambda index: f"09123456{index:02d}")
    assert outcomes.count("booked") == seats
    assert outcomes.count("slot_full") == THREADS - seats
    assert db.session.scalar(select(func.count(Booking.id))) == seats
    assert db.session.scalar(select(SlotCount.taken)) == seats


def test_simultaneous_bookings_of_one_phone_stop_at_its_limit(app, office_id):
    service = db.session.scalar(select(Service))
    db.session.add(SlotCapacity(service_id=service.id, seats=THREADS))
    db.session.commit()
    db.session.remove()

    outcomes = book_at_once(app, office_id, lambda index: "0912345678")
    limit = bookings.MAX_OPEN_PER_PHONE
    assert outcomes.count("booked") == limit
    assert outcomes.count("too_many_bookings") == THREADS - limit
    assert db.session.scalar(select(SlotCount.taken)) == limit
