"""A phone number for a ticket: who may give one, what is stored, the messages calls queue."""

import datetime as dt

import pytest
from sqlalchemy import select

from notify.models import OutboxMessage
from onestop import retention
from onestop.exceptions import Conflict, ValidationError
from onestop.extensions import db
from queues import contacts, tickets
from queues.models import Ticket, TicketContact
from tests.fixtures.halls import take


def stored_phones() -> list[tuple[int, str]]:
    return list(db.session.execute(select(TicketContact.ticket_id, TicketContact.phone)))


def messages(template: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if template is not None:
        query = query.where(OutboxMessage.template == template)
    return list(db.session.scalars(query))


def fresh(ticket) -> Ticket:
    return db.session.get(Ticket, ticket.id)


# --- subscribing ----------------------------------------------------------------------------------


def test_a_waiting_ticket_stores_the_number_normalised(hall):
    mine = take(hall, "ho-tich")
    contact = contacts.subscribe(fresh(mine), "+84 912.345.678")
    assert contact.phone == "0912345678"
    assert stored_phones() == [(mine.id, "0912345678")]


@pytest.mark.parametrize(
    "raw", ["", "12345", "0212345678", "09123456789", "số điện thoại", None, 912]
)
def test_an_invalid_number_is_refused_and_nothing_is_stored(hall, raw):
    mine = take(hall, "ho-tich")
    with pytest.raises(ValidationError) as refused:
        contacts.subscribe(fresh(mine), raw)
    assert "Số điện thoại di động không hợp lệ" in refused.value.errors["phone"]
    assert stored_phones() == []


def test_a_second_number_replaces_the_first(hall):
    mine = take(hall, "ho-tich")
    contacts.subscribe(fresh(mine), "0912345678")
    contacts.subscribe(fresh(mine), "0987 654 321")
    assert stored_phones() == [(mine.id, "0987654321")]


@pytest.mark.parametrize("step", ["call", "no_show", "finish"])
def test_only_a_waiting_ticket_takes_a_number(hall, step):
    mine = take(hall, "ho-tich")
    tickets.call_next(hall.counters[1], hall.officer)
    if step == "no_show":
        tickets.no_show(fresh(mine), hall.officer)
    elif step == "finish":
        tickets.finish(fresh(mine), hall.officer)
    with pytest.raises(Conflict) as refused:
        contacts.subscribe(fresh(mine), "0912345678")
    assert refused.value.code == "not_waiting" and refused.value.status == 409
    assert stored_phones() == []


def test_a_ticket_of_an_earlier_day_takes_no_number(hall):
    mine = take(hall, "ho-tich")
    hall.clock(dt.datetime(2026, 11, 28, 1, 15, tzinfo=dt.UTC))
    with pytest.raises(Conflict):
        contacts.subscribe(fresh(mine), "0912345678")
    assert stored_phones() == []


def test_a_refused_replacement_keeps_the_first_number(hall):
    mine = take(hall, "ho-tich")
    contacts.subscribe(fresh(mine), "0912345678")
    with pytest.raises(ValidationError):
        contacts.subscribe(fresh(mine), "0912")
    tickets.call_next(hall.counters[1], hall.officer)
    with pytest.raises(Conflict):
        contacts.subscribe(fresh(mine), "0987654321")
    assert stored_phones() == [(mine.id, "0912345678")]


def test_the_number_is_shown_back_masked():
    assert contacts.mask_phone("0912345678") == "09•••••678"
    assert contacts.mask_phone(None) == ""


# --- retention ------------------------------------------------------------------------------------


def test_the_purge_blanks_numbers_older_than_their_period_and_keeps_the_ticket(hall, app):
    old = take(hall, "ho-tich")
    contacts.subscribe(fresh(old), "0912345678")
    hall.clock(dt.datetime(2027, 1, 8, 1, 15, tzinfo=dt.UTC))  # 42 days later
    recent = take(hall, "ho-tich")
    contacts.subscribe(fresh(recent), "0987654321")

    plans = retention.plan(hall.clock(dt.datetime(2027, 1, 8, 2, 0, tzinfo=dt.UTC)), app.config)
    done = retention.purge(plans)

    assert done["ticket_contact"] == 1
    assert sorted(stored_phones()) == [(old.id, None), (recent.id, "0987654321")]
    assert db.session.get(Ticket, old.id) is not None
    assert contacts.contact_of(fresh(old)) is None


def test_the_contact_period_is_configurable(hall, app):
    mine = take(hall, "ho-tich")
    contacts.subscribe(fresh(mine), "0912345678")
    app.config["RETENTION_TICKET_CONTACT_DAYS"] = 2
    one_day_later = dt.datetime(2026, 11, 28, 1, 15, tzinfo=dt.UTC)
    assert retention.purge(retention.plan(one_day_later, app.config))["ticket_contact"] == 0
    two_days_later = dt.datetime(2026, 11, 29, 1, 16, tzinfo=dt.UTC)
    assert retention.purge(retention.plan(two_days_later, app.config))["ticket_contact"] == 1
    assert stored_phones() == [(mine.id, None)]


# --- messages queued by calls ---------------------------------------------------------------------


def subscribed(hall, service: str, phone: str = "0912345678"):
    ticket = take(hall, service)
    contacts.subscribe(fresh(ticket), phone)
    return ticket


def test_a_call_queues_the_called_message_with_the_counter(hall):
    mine = subscribed(hall, "ho-tich")
    tickets.call_next(hall.counters[1], hall.officer)
    db.session.rollback()  # what counts is what the call committed
    (message,) = messages()
    assert (message.key, message.template, message.to) == (
        f"ticket:{mine.id}:called",
        "ticket_called",
        "0912345678",
    )
    assert message.params == {"number": "A001", "counter": 1, "office": "UBND thành phố Vĩnh Yên"}
    assert message.office_id == hall.office.id and message.status == "pending"


def test_recalls_and_a_second_call_send_nothing_more(hall):
    mine = subscribed(hall, "ho-tich")
    tickets.call_next(hall.counters[1], hall.officer)
    tickets.recall(fresh(mine), hall.officer)
    tickets.recall(fresh(mine), hall.officer)
    tickets.no_show(fresh(mine), hall.officer)
    tickets.call_ticket(fresh(mine), hall.counters[1], hall.officer)
    assert [m.key for m in messages()] == [f"ticket:{mine.id}:called"]


def test_a_call_out_of_turn_queues_the_called_message(hall):
    take(hall, "ho-tich")
    mine = subscribed(hall, "ho-tich")
    tickets.call_ticket(fresh(mine), hall.counters[1], hall.officer)
    assert [(m.template, m.params["counter"]) for m in messages()] == [("ticket_called", 1)]


def test_a_call_rolled_back_leaves_no_message(hall, monkeypatch):
    mine = subscribed(hall, "ho-tich")
    queue_messages = contacts.notify_after_call

    def queue_then_fail(*args):
        queue_messages(*args)
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(contacts, "notify_after_call", queue_then_fail)
    with pytest.raises(RuntimeError):
        tickets.call_next(hall.counters[1], hall.officer)
    with pytest.raises(RuntimeError):
        tickets.call_ticket(fresh(mine), hall.counters[1], hall.officer)
    db.session.rollback()
    assert messages() == [] and fresh(mine).status == "waiting"


def test_tickets_without_a_number_get_no_message(hall):
    for _ in range(5):
        take(hall, "ho-tich")
    for _ in range(5):
        tickets.call_next(hall.counters[1], hall.officer)
    assert messages() == []


def test_almost_due_goes_once_when_a_call_leaves_three_ahead(hall):
    for _ in range(4):
        take(hall, "ho-tich")
    mine = subscribed(hall, "ho-tich")  # A005: 4 people ahead
    assert messages() == []
    tickets.call_next(hall.counters[1], hall.officer)  # A001 called: 3 ahead now
    (message,) = messages("ticket_almost_due")
    assert message.key == f"ticket:{mine.id}:almost_due" and message.to == "0912345678"
    assert message.params == {"number": "A005", "office": "UBND thành phố Vĩnh Yên", "ahead": 3}
    for _ in range(3):
        tickets.call_next(hall.counters[1], hall.officer)
    assert len(messages("ticket_almost_due")) == 1
    tickets.call_next(hall.counters[1], hall.officer)  # A005 itself
    assert [m.template for m in messages()] == ["ticket_almost_due", "ticket_called"]


def test_almost_due_waits_while_more_than_three_are_ahead(hall):
    for _ in range(5):
        take(hall, "ho-tich")
    subscribed(hall, "ho-tich")  # 5 ahead
    tickets.call_next(hall.counters[1], hall.officer)  # 4 ahead
    assert messages() == []


def test_almost_due_reaches_only_the_queue_the_call_moved(hall):
    take(hall, "ho-tich")
    take(hall, "ho-tich")
    land = subscribed(hall, "dat-dai", "0987654321")  # first in its own queue
    near = subscribed(hall, "ho-tich")  # 2 ahead in Hộ tịch
    first = db.session.scalar(
        select(Ticket).where(Ticket.number == 1, Ticket.service_id == near.service_id)
    )
    tickets.call_ticket(first, hall.counters[1], hall.officer)
    assert [(m.key, m.params["ahead"]) for m in messages()] == [(f"ticket:{near.id}:almost_due", 1)]
    tickets.call_next(hall.counters[2], hall.officer)  # counter 2 serves Đất đai only: calls it
    assert [m.key for m in messages()][-1] == f"ticket:{land.id}:called"


def test_a_priority_ticket_counts_ahead_as_the_queue_does(hall):
    for _ in range(5):
        take(hall, "ho-tich")
    mine = take(hall, "ho-tich", priority_reason="elderly")
    contacts.subscribe(fresh(mine), "0912345678")
    tickets.call_next(hall.counters[1], hall.officer)  # the priority ticket itself goes first
    assert [m.template for m in messages()] == ["ticket_called"]


def test_every_holder_near_the_front_is_told_in_one_call(hall):
    take(hall, "ho-tich")
    second = subscribed(hall, "ho-tich", "0911111111")
    third = subscribed(hall, "ho-tich", "0922222222")
    tickets.call_next(hall.counters[1], hall.officer)
    assert sorted((m.to, m.params["ahead"]) for m in messages("ticket_almost_due")) == [
        ("0911111111", 0),
        ("0922222222", 1),
    ]
    assert {m.key for m in messages()} == {
        f"ticket:{second.id}:almost_due",
        f"ticket:{third.id}:almost_due",
    }
