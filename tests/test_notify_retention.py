"""Retention: the phone number of a message that is done goes once its period is over."""

import datetime as dt

from flask import current_app
from sqlalchemy import select

from notify.models import OutboxMessage
from notify.outbox import enqueue
from onestop import clock, retention
from onestop.audit import AuditEntry
from onestop.extensions import db


def _message(index: int, status: str, days_ago: int) -> int:
    message = enqueue(
        f"091234567{index}",
        "dossier_result_ready",
        {"code": f"H62-{index}", "office": "VY"},
        key=f"dossier:{index}:result_ready",
    )
    message.status = status
    message.attempts = 1
    message.created_at = clock.now() - dt.timedelta(days=days_ago)
    db.session.commit()
    return message.id


def test_done_messages_lose_their_number_after_the_period(app, fixed_clock):
    app.config["RETENTION_NOTIFY_DAYS"] = 30
    old_sent = _message(1, "sent", 31)
    old_failed = _message(2, "failed", 31)
    old_pending = _message(3, "pending", 31)  # still to be sent: the number is needed
    recent_sent = _message(4, "sent", 29)

    done = retention.purge(retention.plan(clock.now(), current_app.config))

    assert done["outbox_message"] == 2
    db.session.expire_all()
    numbers = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.to)).all())
    assert numbers == {
        old_sent: None,
        old_failed: None,
        old_pending: "0912345673",
        recent_sent: "0912345674",
    }
    # What was sent, when and how stays: the admin's list and the counts still read it.
    kept = db.session.get(OutboxMessage, old_sent)
    assert (kept.status, kept.template, kept.params) == (
        "sent",
        "dossier_result_ready",
        {
            "code": "H62-1",
            "office": "VY",
        },
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "outbox_message"))
    assert entry.action == "purge" and entry.detail.startswith("2 outbox_message closed before")
    assert "0912" not in entry.detail
