"""The queue's rules under real concurrency: threads with own sessions, SQLite and PostgreSQL."""

import threading
import time
from contextlib import nullcontext

import pytest
from sqlalchemy import func, select, update

from onestop.extensions import db
from onestop.models import Office, User
from queues import tickets, writelock
from queues.demo import add_queues
from queues.models import BoardVersion, Counter, DailyCounter, Ticket, TicketEvent
from tests.fixtures.threads import run_threads

COUNTERS = 6


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    add_queues(
        office,
        [("dat-dai", "A", "Đất đai", 10), ("ho-tich", "B", "Hộ tịch", 6)],
        [(n, f"Quầy {n}", ["dat-dai", "ho-tich"]) for n in range(1, COUNTERS + 1)],
    )
    officer = make_user("officer1", "officer", office)
    db.session.commit()
    ids = {
        "office": office.id,
        "officer": officer.id,
        "counters": list(db.session.scalars(select(Counter.id).order_by(Counter.number))),
    }
    db.session.remove()  # the threads use their own sessions; nothing stays open here
    return ids


@pytest.fixture(params=["as-built", "no-writer-lock"])
def locking(request, app, monkeypatch):
    """Run with the SQLite writer lock and without it: the database's own locking must suffice."""
    if request.param == "no-writer-lock":
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the writer lock only exists on SQLite")
        monkeypatch.setattr(writelock, "sqlite_writer_lock", nullcontext)
    return request.param


def test_concurrent_issuers_get_every_number_once_without_gaps(app, hall, locking):
    def issue(index, out):
        office = db.session.get(Office, hall["office"])
        for _ in range(25):
            out.append(tickets.issue_ticket(office, "dat-dai").number)

    numbers = run_threads(app, 8, issue)
    assert sorted(numbers) == list(range(1, 201))
    stored = list(db.session.scalars(select(Ticket.number)))
    assert sorted(stored) == list(range(1, 201))
    assert (
        db.session.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == "issued")
        )
        == 200
    )


def test_concurrent_call_next_hands_each_ticket_to_exactly_one_counter(app, hall, locking):
    with app.app_context():
        office = db.session.get(Office, hall["office"])
        for i in range(90):
            tickets.issue_ticket(office, "dat-dai" if i % 3 else "ho-tich")
        db.session.remove()

    def drain(index, out):
        counter = db.session.get(Counter, hall["counters"][index])
        officer = db.session.get(User, hall["officer"])
        while (ticket := tickets.call_next(counter, officer)) is not None:
            out.append((ticket.id, counter.id))

    calls = run_threads(app, COUNTERS, drain)
    ids = [ticket_id for ticket_id, _ in calls]
    assert len(ids) == 90 and len(set(ids)) == 90
    called_events = db.session.scalars(
        select(TicketEvent.ticket_id).where(TicketEvent.kind == "called")
    ).all()
    assert sorted(called_events) == sorted(ids)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.status == "waiting")
        )
        == 0
    )


def test_impatient_clicks_at_one_counter_leave_one_current_ticket(app, hall, locking):
    with app.app_context():
        office = db.session.get(Office, hall["office"])
        for _ in range(40):
            tickets.issue_ticket(office, "dat-dai")
        db.session.remove()

    def click(index, out):
        counter = db.session.get(Counter, hall["counters"][0])
        officer = db.session.get(User, hall["officer"])
        for _ in range(5):
            out.append(tickets.call_next(counter, officer).id)

    ids = run_threads(app, 4, click)
    assert len(set(ids)) == 20
    statuses = db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
    assert dict(statuses) == {"done": 19, "called": 1, "waiting": 20}


def test_a_double_tap_racing_itself_gives_one_ticket(app, hall, locking):
    def tap(index, out):
        office = db.session.get(Office, hall["office"])
        out.append(tickets.issue_ticket(office, "dat-dai", request_id="kiosk-1-tap-42").id)

    ids = run_threads(app, 6, tap)
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    # the losers' counter bumps were rolled back with them: the next number has no gap
    office = db.session.get(Office, hall["office"])
    assert tickets.issue_ticket(office, "dat-dai").number == 2


@pytest.mark.postgres  # SQLite writes one transaction at a time
def test_a_writer_holding_the_board_does_not_hold_up_numbering(app, hall):
    """PostgreSQL: the kiosk's ticket, number and all, is committed before the board's bump,
    so a transaction holding the office's board row (an admin's counter edit) delays that
    ticket's bump, not its number, nor the next citizens' numbers."""
    office = tickets.OfficeRef(hall["office"], "")
    issued = []

    def issue():
        with app.app_context():
            try:
                issued.append(tickets.issue_ticket_with_place(office, "dat-dai"))
            finally:
                db.session.remove()

    with db.engine.connect() as holder, db.engine.connect() as observer:
        holder.execute(
            update(BoardVersion)
            .where(BoardVersion.office_id == hall["office"])
            .values(version=BoardVersion.version + 1)
        )
        issuer = threading.Thread(target=issue)
        issuer.start()
        deadline = time.monotonic() + 10
        while not observer.scalar(select(func.count()).select_from(Ticket)):
            assert time.monotonic() < deadline, "the ticket was not committed"
            observer.rollback()
            time.sleep(0.01)
        # the service's number is free for the next citizen while the bump still waits
        number = observer.scalar(select(DailyCounter.last_number).with_for_update(nowait=True))
        observer.rollback()
        assert number == 1 and issuer.is_alive()
        holder.rollback()
    issuer.join(10)
    assert not issuer.is_alive()
    [(ticket, place)] = issued
    assert (ticket.display_number, place.people_ahead) == ("A001", 0)
