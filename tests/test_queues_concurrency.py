"""The queue's rules under real concurrency: threads with own sessions, SQLite and PostgreSQL."""

import threading
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from onestop.extensions import db
from onestop.models import Office, User
from queues import tickets
from queues.demo import add_queues
from queues.models import BoardVersion, Counter, Ticket, TicketEvent

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


def run_threads(app, count: int, work) -> list:
    """Start ``count`` threads at one barrier, each in its own app context; fail on any error."""
    barrier = threading.Barrier(count)
    results, errors = [[] for _ in range(count)], []

    def body(index):
        with app.app_context():
            try:
                barrier.wait()
                work(index, results[index])
            except BaseException as error:  # noqa: BLE001 — reported to the test below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return [item for items in results for item in items]


def test_concurrent_issuers_get_every_number_once_without_gaps(app, hall):
    def issue(index, out):
        office = db.session.get(Office, hall["office"])
        for _ in range(25):
            out.append(tickets.issue(office, "dat-dai").ticket.number)

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


def board_version(office_id: int) -> int:
    version = db.session.scalar(
        select(BoardVersion.version).where(BoardVersion.office_id == office_id)
    )
    db.session.remove()  # no snapshot kept: the next read sees what the threads wrote
    return version or 0


def test_issuers_of_several_services_at_once_number_each_service_from_one_without_gaps(app, hall):
    before = board_version(hall["office"])

    def issue(index, out):
        office = db.session.get(Office, hall["office"])
        for i in range(20):
            service = ("dat-dai", "ho-tich")[(index + i) % 2]
            issued = tickets.issue(office, service, priority=i % 5 == 0)
            out.append((service, issued.ticket.number))

    issued = run_threads(app, 6, issue)
    numbers = defaultdict(list)
    for service, number in issued:
        numbers[service].append(number)
    assert {service: sorted(got) for service, got in numbers.items()} == {
        "dat-dai": list(range(1, 61)),
        "ho-tich": list(range(1, 61)),
    }
    # every issue bumped the board once: no bump was lost between the transactions
    assert board_version(hall["office"]) == before + 120


def test_concurrent_call_next_hands_each_ticket_to_exactly_one_counter(app, hall):
    with app.app_context():
        office = db.session.get(Office, hall["office"])
        for i in range(90):
            tickets.issue(office, "dat-dai" if i % 3 else "ho-tich")
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


def test_impatient_clicks_at_one_counter_leave_one_current_ticket(app, hall):
    with app.app_context():
        office = db.session.get(Office, hall["office"])
        for _ in range(40):
            tickets.issue(office, "dat-dai")
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


def test_a_double_tap_racing_itself_gives_one_ticket(app, hall):
    def tap(index, out):
        office = db.session.get(Office, hall["office"])
        out.append(tickets.issue(office, "dat-dai", request_id="kiosk-1-tap-42").ticket.id)

    ids = run_threads(app, 6, tap)
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    # the losers' counter bumps were rolled back with them: the next number has no gap
    office = db.session.get(Office, hall["office"])
    assert tickets.issue(office, "dat-dai").ticket.number == 2
