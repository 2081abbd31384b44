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
from tests.test_kiosk_screens import build_hall


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    return build_hall(make_office, make_user, fixed_clock)


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
    mine = tickets.issue_ticket(hall.office, "ho-tich")
    contact = contacts.subscribe(fresh(mine), "+84 912.345.678")
    assert contact.phone == "0912345678"
    assert stored_phones() == [(mine.id, "0912345678")]


@pytest.mark.parametrize(
    "raw", ["", "12345", "0212345678", "09123456789", "số điện thoại", None, 912]
)
def test_an_invalid_number_is_refused_and_nothing_is_stored(hall, raw):
    mine = tickets.issue_ticket(hall.office, "ho-tich")
    with pytest.raises(ValidationError) as refused:
        contacts.subscribe(fresh(mine), raw)
    assert "Số điện thoại di động không hợp lệ" in refused.value.errors["phone"]
    assert stored_phones() == []


def test_a_second_number_replaces_the_first(hall):
    mine = tickets.issue_ticket(hall.office, "ho-tich")
    contacts.subscribe(fresh(mine), "0912345678")
    contacts.subscribe(fresh(mine), "0987 654 321")
    assert stored_phones() == [(mine.id, "0987654321")]


@pytest.mark.parametrize("step", ["call", "no_show", "finish"])
def test_only_a_waiting_ticket_takes_a_number(hall, step):
    mine = tickets.issue_ticket(hall.office, "ho-tich")
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
    mine = tickets.issue_ticket(hall.office, "ho-tich")
    hall.clock(dt.datetime(2026, 11, 28, 1, 15, tzinfo=dt.UTC))
    with pytest.raises(Conflict):
        contacts.subscribe(fresh(mine), "0912345678")
    assert stored_phones() == []


def test_a_refused_replacement_keeps_the_first_number(hall):
    mine = tickets.issue_ticket(hall.office, "ho-tich")
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
    old = tickets.issue_ticket(hall.office, "ho-tich")
    contacts.subscribe(fresh(old), "0912345678")
    hall.clock(dt.datetime(2027, 1, 8, 1, 15, tzinfo=dt.UTC))  # 42 days later
    recent = tickets.issue_ticket(hall.office, "ho-tich")
    contacts.subscribe(fresh(recent), "0987654321")

    plans = retention.plan(hall.clock(dt.datetime(2027, 1, 8, 2, 0, tzinfo=dt.UTC)), app.config)
    done = retention.purge(plans)

    assert done["ticket_contact"] == 1
    assert sorted(stored_phones()) == [(old.id, None), (recent.id, "0987654321")]
    assert db.session.get(Ticket, old.id) is not None
    assert contacts.contact_of(fresh(old)) is None


def test_the_contact_period_is_configurable(hall, app):
    mine = tickets.issue_ticket(hall.office, "ho-tich")
    contacts.subscribe(fresh(mine), "0912345678")
    app.config["RETENTION_TICKET_CONTACT_DAYS"] = 2
    one_day_later = dt.datetime(2026, 11, 28, 1, 15, tzinfo=dt.UTC)
    assert retention.purge(retention.plan(one_day_later, app.config))["ticket_contact"] == 0
    two_days_later = dt.datetime(2026, 11, 29, 1, 16, tzinfo=dt.UTC)
    assert retention.purge(retention.plan(two_days_later, app.config))["ticket_contact"] == 1
    assert stored_phones() == [(mine.id, None)]
