"""Queuing a message in the caller's transaction."""

import pytest
from sqlalchemy import func, select

from notify.models import OutboxMessage
from notify.outbox import DEFAULT_TEMPLATES, UnknownTemplate, enqueue
from onestop.extensions import db


def _count():
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_message_commits_with_the_event_and_not_without_it(app, make_office):
    office = make_office()
    enqueue(
        "0912 345 678",
        "ticket_called",
        {"number": "A015", "counter": 3, "office": "VY"},
        key="ticket:1:called",
        office_id=office.id,
    )
    db.session.rollback()
    assert _count() == 0

    message = enqueue(
        "+84912345678",
        "ticket_called",
        {"number": "A015", "counter": 3},
        key="ticket:1:called",
        office_id=office.id,
    )
    db.session.commit()
    assert _count() == 1
    assert (message.to, message.status, message.attempts) == ("0912345678", "pending", 0)


def test_the_same_event_queues_one_message(app):
    enqueue("0912345678", "ticket_called", {"number": "A015", "counter": 3}, key="ticket:1:called")
    db.session.commit()
    assert enqueue("0912345678", "ticket_called", {}, key="ticket:1:called") is None
    db.session.commit()
    assert _count() == 1


def test_no_message_to_a_number_that_is_not_a_mobile(app):
    assert enqueue("12345", "ticket_called", {}, key="ticket:1:called") is None
    db.session.commit()
    assert _count() == 0


def test_an_unknown_template_is_a_programming_error(app):
    with pytest.raises(UnknownTemplate):
        enqueue("0912345678", "lottery_win", {}, key="x")


@pytest.mark.parametrize("code", sorted(DEFAULT_TEMPLATES))
def test_built_in_texts_fit_one_sms_with_long_values(code):
    values = {
        "number": "A015",
        "counter": 12,
        "office": "UBND phường Liên Bảo",
        "ahead": 3,
        "code": "000.00.12.H62-261205-0001",
        "service": "Hộ tịch",
        "time": "08:30",
        "date": "07/12/2026",
    }
    assert len(DEFAULT_TEMPLATES[code].format(**values)) <= 160
