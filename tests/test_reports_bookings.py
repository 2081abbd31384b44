"""The KPIs of appointments: booked against walk-in waits, bookings and their no-shows."""

import datetime as dt

from sqlalchemy import update

from appointments import booking as bookings
from onestop import clock
from onestop.clock import LOCAL_TZ
from onestop.extensions import db
from queues import tickets
from queues.demo import add_queues
from queues.models import Counter, Ticket
from reports import kpi
from reports.measures import Scope
from reports.periods import Period


def at(hour, minute=0):
    return dt.datetime(2026, 11, 27, hour, minute, tzinfo=LOCAL_TZ)


def test_booked_and_walk_in_waits_and_booking_no_shows(app, make_office, make_user, fixed_clock):
    office = make_office()
    add_queues(office, [("ho-tich", "A", "Hộ tịch", 10)], [(1, "Quầy 1", ["ho-tich"])])
    db.session.commit()
    officer = make_user("officer1", "officer", office)
    counter = db.session.query(Counter).one()
    fixed_clock(at(7, 0))
    kept = bookings.book(office, "ho-tich", at(9, 0), "A", "0912345678", clock.now())
    bookings.book(office, "ho-tich", at(9, 30), "B", "0987654321", clock.now())
    cancelled = bookings.book(office, "ho-tich", at(10, 0), "C", "0911111111", clock.now())
    bookings.cancel(cancelled.token, clock.now())
    fixed_clock(at(8, 40))
    walk_in = tickets.issue(office, "ho-tich").ticket
    fixed_clock(at(8, 50))
    booked = bookings.check_in(office, kept.code, clock.now())
    # Called in a set order, whatever call-next would choose: the wait split is what is tested.
    fixed_clock(at(8, 56))
    tickets.call_ticket(booked, counter, officer)
    fixed_clock(at(9, 2))
    tickets.call_ticket(walk_in, counter, officer)
    db.session.execute(update(Ticket).values(status="done"))
    db.session.commit()
    fixed_clock(at(12, 0))  # the 09:30 booking's check-in window has passed: a no-show

    day = dt.date(2026, 11, 27)
    result = kpi.compute(office, Scope(frozenset({office.id})), Period(day, day))
    body = result.as_json()
    assert body["booked_avg_wait_min"] == 6.0 and body["walk_in_avg_wait_min"] == 22.0
    assert body["bookings"] == 3 and body["bookings_checked_in"] == 1
    assert body["bookings_cancelled"] == 1 and body["booking_no_shows"] == 1
    assert body["avg_wait_min"] == 14.0  # the KPI of section 5 keeps counting everyone


def test_dashboard_shows_booking_figures(client, make_office, make_user, login, fixed_clock):
    office = make_office()
    make_user("boss", "supervisor", office)
    login("boss")
    page = client.get("/reports?office=VY&from=2026-11-27&to=2026-11-27").get_data(as_text=True)
    assert "Chờ trung bình: có lịch hẹn" in page and "Lịch hẹn không đến" in page
