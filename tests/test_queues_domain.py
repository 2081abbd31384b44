"""Queue domain: numbering, order of service, transfers, audit trail, states, office scope, ETA."""

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from onestop.exceptions import Conflict, Forbidden, NotFound, ValidationError
from onestop.extensions import db
from queues import store, tickets, waiting
from queues.demo import add_queues
from queues.models import BoardVersion, Ticket, TicketEvent

SERVICES = [("dat-dai", "A", "Đất đai", 10), ("ho-tich", "B", "Tư pháp – Hộ tịch", 6)]
COUNTERS = [
    (1, "Quầy 1", ["dat-dai", "ho-tich"]),
    (2, "Quầy 2", ["dat-dai"]),
    (3, "Quầy 3", ["ho-tich"]),
]


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    services = add_queues(office, SERVICES, COUNTERS)
    db.session.commit()
    counters = sorted(services["dat-dai"].counters, key=lambda c: c.number)
    counters = {c.number: c for c in counters + services["ho-tich"].counters}
    return SimpleNamespace(
        office=office,
        services=services,
        counters=counters,
        officer=make_user("officer1", "officer", office),
        clock=fixed_clock,
    )


def events_of(ticket):
    return list(
        db.session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
    )


def test_numbers_count_per_service_and_show_letter_and_three_digits(hall):
    issued = [
        tickets.issue(hall.office, code).ticket
        for code in ("dat-dai", "dat-dai", "ho-tich", "dat-dai")
    ]
    assert [t.display_number for t in issued] == ["A001", "A002", "B001", "A003"]
    assert len({t.token for t in issued}) == 4 and all(len(t.token) >= 20 for t in issued)
    assert all(t.day == dt.date(2026, 11, 27) and t.status == "waiting" for t in issued)


def test_numbers_restart_each_local_day(hall):
    hall.clock(dt.datetime(2026, 11, 27, 16, 59, tzinfo=dt.UTC))  # 23:59 in Vĩnh Yên
    assert tickets.issue(hall.office, "dat-dai").ticket.number == 1
    assert tickets.issue(hall.office, "dat-dai").ticket.number == 2
    hall.clock(dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC))  # midnight local: a new day
    fresh = tickets.issue(hall.office, "dat-dai").ticket
    assert (fresh.number, fresh.day) == (1, dt.date(2026, 11, 28))


def test_a_repeated_request_id_gives_the_same_ticket(hall):
    first = tickets.issue(hall.office, "dat-dai", request_id="tap-1").ticket
    again = tickets.issue(hall.office, "dat-dai", request_id="tap-1").ticket
    other = tickets.issue(hall.office, "dat-dai", request_id="tap-2").ticket
    assert again.id == first.id and other.number == 2
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 2


def test_issue_refuses_unknown_closed_service_and_bad_priority(hall):
    with pytest.raises(NotFound):
        tickets.issue(hall.office, "khong-co")
    hall.services["ho-tich"].active = False
    db.session.commit()
    with pytest.raises(Conflict) as closed:
        tickets.issue(hall.office, "ho-tich")
    assert "tạm ngừng" in closed.value.message
    with pytest.raises(ValidationError) as bad:
        tickets.issue(hall.office, "dat-dai", priority_reason="vip")
    assert "priority_reason" in bad.value.errors
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 0


def test_call_next_serves_priority_first_then_issue_order_across_the_counters_services(hall):
    a1 = tickets.issue(hall.office, "dat-dai").ticket
    hall.clock(dt.datetime(2026, 11, 27, 1, 16, tzinfo=dt.UTC))
    b1 = tickets.issue(hall.office, "ho-tich").ticket
    hall.clock(dt.datetime(2026, 11, 27, 1, 17, tzinfo=dt.UTC))
    a2 = tickets.issue(hall.office, "dat-dai", priority_reason="elderly").ticket
    counter = hall.counters[1]
    order = [tickets.call_next(counter, hall.officer) for _ in range(3)]
    assert [t.id for t in order] == [a2.id, a1.id, b1.id]
    assert tickets.call_next(counter, hall.officer) is None  # nobody waits: no error
    # each call finished the previous ticket of the counter
    assert [db.session.get(Ticket, t.id).status for t in order] == ["done", "done", "done"]


def test_a_counters_queue_lists_open_services_in_call_order_and_every_no_show(hall):
    a1 = tickets.issue(hall.office, "dat-dai").ticket
    hall.clock(dt.datetime(2026, 11, 27, 1, 16, tzinfo=dt.UTC))
    b1 = tickets.issue(hall.office, "ho-tich").ticket
    b2 = tickets.issue(hall.office, "ho-tich").ticket
    hall.clock(dt.datetime(2026, 11, 27, 1, 17, tzinfo=dt.UTC))
    a2 = tickets.issue(hall.office, "dat-dai", priority_reason="elderly").ticket
    a3 = tickets.issue(hall.office, "dat-dai").ticket
    counter, other = hall.counters[1], hall.counters[3]
    tickets.no_show(tickets.call_next(other, hall.officer), hall.officer)  # B001
    called = tickets.call_next(counter, hall.officer)
    assert called.id == a2.id  # the priority ticket, first
    tickets.no_show(called, hall.officer)

    queue = waiting.counter_queue(counter)
    assert [(s.code, [t.id for t in q]) for s, q in queue.lists] == [
        ("dat-dai", [a1.id, a3.id]),
        ("ho-tich", [b2.id]),
    ]
    assert [t.id for t in queue.no_shows] == [b1.id, a2.id]  # by issue time, both services

    hall.services["ho-tich"].active = False  # closed for today: its waiting list goes
    db.session.commit()
    queue = waiting.counter_queue(counter)
    assert [s.code for s, _ in queue.lists] == ["dat-dai"]
    assert [t.id for t in queue.no_shows] == [b1.id, a2.id]  # may still come back


def test_a_counter_only_calls_its_own_services(hall):
    tickets.issue(hall.office, "ho-tich")
    assert tickets.call_next(hall.counters[2], hall.officer) is None
    assert tickets.call_next(hall.counters[3], hall.officer).display_number == "B001"


def test_transfer_keeps_the_number_and_the_place_by_issue_time(hall):
    early = tickets.issue(hall.office, "dat-dai").ticket
    hall.clock(dt.datetime(2026, 11, 27, 1, 20, tzinfo=dt.UTC))
    later_b = tickets.issue(hall.office, "ho-tich").ticket
    hall.clock(dt.datetime(2026, 11, 27, 1, 25, tzinfo=dt.UTC))
    called = tickets.call_next(hall.counters[2], hall.officer)  # A001 after 10 min
    assert called.id == early.id
    hall.clock(dt.datetime(2026, 11, 27, 1, 28, tzinfo=dt.UTC))
    moved = tickets.transfer(called, "ho-tich", hall.officer)
    assert (
        moved.display_number == "A001"
        and moved.service.code == "ho-tich"
        and moved.status == "waiting"
    )
    assert moved.waited_before_min == pytest.approx(10.0)
    assert (
        waiting.position(moved) == 0 and waiting.position(db.session.get(Ticket, later_b.id)) == 1
    )
    # a ticket numbered B001 still exists: the transferred A001 does not collide with it
    assert tickets.call_next(hall.counters[3], hall.officer).id == early.id
    kinds = [e.kind for e in events_of(early)]
    assert kinds == ["issued", "called", "transferred", "called"]
    assert events_of(early)[2].note == "dat-dai->ho-tich"


def test_every_transition_is_recorded_with_counter_and_officer(hall):
    ticket = tickets.issue(hall.office, "dat-dai").ticket
    counter = hall.counters[1]
    tickets.call_next(counter, hall.officer)
    tickets.recall(ticket, hall.officer)
    tickets.no_show(ticket, hall.officer)
    tickets.requeue(ticket, hall.officer)
    tickets.call_ticket(ticket, counter, hall.officer)
    tickets.start(ticket, hall.officer)
    tickets.finish(ticket, hall.officer)
    events = events_of(ticket)
    assert [e.kind for e in events] == [
        "issued",
        "called",
        "recalled",
        "no_show",
        "requeued",
        "called",
        "started",
        "finished",
    ]
    assert all(
        e.counter_id == counter.id and e.officer_id == hall.officer.id
        for e in events[1:3] + events[5:]
    )
    assert events[0].officer_id is None and all(e.at is not None for e in events)
    done = db.session.get(Ticket, ticket.id)
    assert (done.status, done.recall_count, done.counter_id) == ("done", 1, counter.id)
    assert done.called_at is not None and done.finished_at is not None


@pytest.mark.parametrize("action", ["recall", "no_show", "start", "finish", "requeue"])
def test_an_action_in_the_wrong_state_is_a_conflict_with_the_reason(hall, action):
    ticket = tickets.issue(hall.office, "dat-dai").ticket
    if action == "requeue":
        tickets.call_next(hall.counters[1], hall.officer)
        tickets.finish(ticket, hall.officer)
    before = db.session.get(Ticket, ticket.id).status
    with pytest.raises(Conflict) as refused:
        getattr(tickets, action)(ticket, hall.officer)
    assert "A001" in refused.value.message and "trạng thái" in refused.value.message
    assert db.session.get(Ticket, ticket.id).status == before
    assert [e.kind for e in events_of(ticket)][-1] in ("issued", "finished")


def test_an_officer_of_another_office_is_forbidden(hall, make_office, make_user):
    ward = make_office(
        code="VY-LB", name="UBND phường Liên Bảo", level="commune", parent=hall.office
    )
    stranger = make_user("vy-lb-officer", "officer", ward)
    ticket = tickets.issue(hall.office, "dat-dai").ticket
    with pytest.raises(Forbidden):
        tickets.call_next(hall.counters[1], stranger)
    with pytest.raises(Forbidden):
        tickets.call_ticket(ticket, hall.counters[1], stranger)
    tickets.call_next(hall.counters[1], hall.officer)
    for action in (tickets.recall, tickets.no_show, tickets.finish, tickets.start):
        with pytest.raises(Forbidden):
            action(ticket, stranger)
    with pytest.raises(Forbidden):
        tickets.transfer(ticket, "ho-tich", stranger)
    assert db.session.get(Ticket, ticket.id).status == "called"


def test_a_supervisor_of_the_parent_office_may_act(hall, make_office, make_user):
    supervisor = make_user("supervisor", "supervisor", hall.office)
    tickets.issue(hall.office, "dat-dai")
    assert tickets.call_next(hall.counters[1], supervisor).display_number == "A001"


def test_transfer_refuses_same_unknown_or_closed_service(hall):
    ticket = tickets.issue(hall.office, "dat-dai").ticket
    with pytest.raises(Conflict):
        tickets.transfer(ticket, "dat-dai", hall.officer)
    with pytest.raises(NotFound):
        tickets.transfer(ticket, "khong-co", hall.officer)
    hall.services["ho-tich"].active = False
    db.session.commit()
    with pytest.raises(Conflict):
        tickets.transfer(ticket, "ho-tich", hall.officer)
    assert db.session.get(Ticket, ticket.id).service.code == "dat-dai"


def test_a_closed_counter_cannot_call(hall):
    tickets.issue(hall.office, "dat-dai")
    hall.counters[1].is_open = False
    db.session.commit()
    with pytest.raises(Conflict):
        tickets.call_next(hall.counters[1], hall.officer)


def test_yesterdays_waiting_tickets_are_not_called_today(hall):
    tickets.issue(hall.office, "dat-dai")
    hall.clock(dt.datetime(2026, 11, 28, 1, 15, tzinfo=dt.UTC))
    assert tickets.call_next(hall.counters[1], hall.officer) is None


def test_every_transition_bumps_the_board_version(hall):
    def version():
        db.session.expire_all()
        return db.session.get(BoardVersion, hall.office.id).version

    start = version()
    ticket = tickets.issue(hall.office, "dat-dai").ticket
    assert version() == start + 1
    tickets.call_next(hall.counters[1], hall.officer)
    tickets.recall(ticket, hall.officer)
    assert version() == start + 3
    tickets.call_next(hall.counters[2], hall.officer)  # nothing to call, nothing closed: unchanged
    assert version() == start + 3


def test_position_and_eta_use_recent_service_times_and_open_counters(hall):
    for _ in range(4):
        tickets.issue(hall.office, "dat-dai")
    fourth = db.session.scalar(select(Ticket).where(Ticket.number == 4))
    assert waiting.position(fourth) == 3
    # no service finished yet: the default of 10 min, two open counters serve dat-dai → ceil(3*10/2)
    assert waiting.eta_minutes(fourth) == 15
    # three citizens served in 4 minutes each: the estimate follows them
    counter = hall.counters[2]
    for minute in (20, 24, 28):
        hall.clock(dt.datetime(2026, 11, 27, 1, minute, tzinfo=dt.UTC))
        tickets.call_next(counter, hall.officer)
    hall.clock(dt.datetime(2026, 11, 27, 1, 32, tzinfo=dt.UTC))
    tickets.finish(tickets.current_ticket(counter), hall.officer)
    assert waiting.position(fourth) == 0 and waiting.eta_minutes(fourth) == 0
    tickets.issue(hall.office, "dat-dai")
    summary = {row["service"].code: row for row in waiting.service_summaries(hall.office)}
    assert summary["dat-dai"]["waiting"] == 2 and summary["dat-dai"]["open_counters"] == 2
    assert summary["dat-dai"]["eta_minutes"] == 4  # ceil(2 * 4 / 2)
    assert summary["ho-tich"] == {
        "service": hall.services["ho-tich"],
        "waiting": 0,
        "eta_minutes": 0,
        "open_counters": 2,
    }


def test_a_services_pace_is_its_own_not_another_services_or_offices(hall, make_office, make_user):
    # The same day, quick citizens served elsewhere: at another office of the province and
    # at another service of this office.
    ward = make_office("VY-LB", "Phường Liên Bảo", level="ward")
    ward_service = add_queues(ward, [("dat-dai", "A", "Đất đai", 10)], [(1, "Quầy 1", ["dat-dai"])])
    db.session.commit()
    elsewhere = [
        (ward, "dat-dai", ward_service["dat-dai"].counters[0], make_user("lb1", "officer", ward)),
        (hall.office, "ho-tich", hall.counters[3], hall.officer),  # Quầy 3 serves ho-tich only
    ]
    for office, code, counter, officer in elsewhere:
        for minute in (10, 12, 14):
            tickets.issue(office, code)
            hall.clock(dt.datetime(2026, 11, 27, 1, minute, tzinfo=dt.UTC))
            tickets.finish(tickets.call_next(counter, officer), officer)  # 0 s: 1 min each
    first = tickets.issue(hall.office, "dat-dai")
    second = tickets.issue(hall.office, "dat-dai")

    # Đất đai here has finished nobody: its default of 10 min, two open counters.
    assert waiting.pace(hall.services["ho-tich"]).service_min == 1
    assert waiting.pace(hall.services["dat-dai"]).service_min == 10
    assert first.place == waiting.Place(0, 0)
    assert second.place == waiting.Place(1, 5)  # ceil(1 * 10 / 2)
    assert waiting.place(second.ticket) == waiting.Place(1, 5)
    assert waiting.eta_minutes(second.ticket) == 5
    summary = {row["service"].code: row for row in waiting.service_summaries(hall.office)}
    assert summary["dat-dai"]["eta_minutes"] == 10  # ceil(2 * 10 / 2)


def test_service_times_are_clamped_and_padded_alike_in_every_estimate(hall):
    def at(hour, minute, second=0):
        hall.clock(dt.datetime(2026, 11, 27, hour, minute, second, tzinfo=dt.UTC))

    for _ in range(3):
        tickets.issue(hall.office, "dat-dai")
    counter = hall.counters[2]
    at(1, 10)
    tickets.finish(tickets.call_next(counter, hall.officer), hall.officer)  # 0 s: counts 1 min
    at(1, 11)
    tickets.call_next(counter, hall.officer)
    at(4, 11)  # a "finish" forgotten for three hours counts 60 min
    tickets.finish(tickets.current_ticket(counter), hall.officer)
    # two samples and the default (10 min) for the missing third: (1 + 60 + 10) / 3
    expected = round(71 / 3, 6)
    service = hall.services["dat-dai"]
    assert waiting.pace(service).service_min == expected
    summary = {row["service"].code: row for row in waiting.service_summaries(hall.office)}
    assert summary["dat-dai"]["waiting"] == 1
    assert summary["dat-dai"]["eta_minutes"] == 12  # ceil(1 * 23.67 / 2 counters)
    assert tickets.issue(hall.office, "dat-dai").place == waiting.Place(1, 12)


def test_issuing_counts_the_people_ahead_of_the_new_ticket(hall):
    tickets.issue(hall.office, "dat-dai")
    tickets.issue(hall.office, "dat-dai", priority_reason="elderly")
    issued = tickets.issue(hall.office, "dat-dai")
    ticket, place = issued.ticket, issued.place
    assert ticket.display_number == "A003" and ticket.service.code == "dat-dai"
    # the same answer as the reads the phone page makes later: 2 ahead, ceil(2 * 10 / 2)
    assert place == waiting.place(db.session.get(Ticket, ticket.id)) == waiting.Place(2, 10)
    first = tickets.issue(hall.office, "dat-dai", priority_reason="pregnant")
    assert first.place == waiting.Place(1, 5)  # only the earlier priority ticket is ahead
    again = tickets.issue(hall.office, "ho-tich", request_id="tap-1")
    same = tickets.issue(hall.office, "ho-tich", request_id="tap-1")
    assert same.ticket.id == again.ticket.id and same.place == again.place == waiting.Place(0, 0)
    stored = db.session.scalars(
        select(TicketEvent.kind).where(TicketEvent.ticket_id == first.ticket.id)
    ).all()
    assert stored == ["issued"]


def test_call_next_answers_the_stored_ticket_and_refreshes_the_one_it_finished(hall):
    first = tickets.issue(hall.office, "dat-dai").ticket
    second = tickets.issue(hall.office, "dat-dai", priority_reason="merit").ticket
    counter = hall.counters[2]
    called = tickets.call_next(counter, hall.officer)
    assert called.id == second.id  # priority first
    held = db.session.get(Ticket, called.id)  # a copy the session keeps, as a view would
    assert held.status == "called"
    then = tickets.call_next(counter, hall.officer)
    assert then.id == first.id and held.status == "done" and held.finished_at is not None
    assert (then.status, then.counter.number, then.officer_id) == ("called", 2, hall.officer.id)
    assert then.display_number == "A001" and then.office.code == hall.office.code
    db.session.expire_all()
    stored = db.session.get(Ticket, first.id)
    assert (stored.status, stored.counter_id, stored.called_at) == (
        "called",
        counter.id,
        then.called_at,
    )
    assert [e.kind for e in events_of(second)] == ["issued", "called", "finished"]
    assert [e.kind for e in events_of(first)] == ["issued", "called"]


def test_an_issue_that_fails_midway_stores_nothing_and_gives_its_number_back(hall, monkeypatch):
    def broken_bump(office_id, **scopes):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(store, "bump_versions", broken_bump)
    with pytest.raises(RuntimeError):
        tickets.issue(hall.office, "dat-dai", request_id="tap-1")
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(TicketEvent)) == 0
    monkeypatch.undo()
    retried = tickets.issue(hall.office, "dat-dai", request_id="tap-1")
    assert retried.ticket.number == 1 and retried.place == waiting.Place(0, 0)


def test_a_request_id_used_at_another_office_is_refused(hall, make_office):
    ward = make_office(code="VY-LB", name="UBND phường Liên Bảo", parent=hall.office)
    add_queues(ward, SERVICES, COUNTERS)
    db.session.commit()
    tickets.issue(hall.office, "dat-dai", request_id="kiosk-tap-7")
    with pytest.raises(Conflict) as reused:
        tickets.issue(ward, "dat-dai", request_id="kiosk-tap-7")
    assert reused.value.code == "request_reused"
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 1
