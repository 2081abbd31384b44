"""The outbox of messages to citizens (SMS / Zalo) and the texts they are made from."""

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db

# pending: waiting for (another) attempt; sent: the gateway accepted it;
# failed: given up after the last attempt, shown to the admin.
MESSAGE_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(db.Model):
    """One message to one phone, written in the transaction of the event that causes it.

    ``key`` names the event (``ticket:42:called``): the same event never queues two
    messages. The row's id travels with every attempt, so the gateway can drop repeats.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    to: Mapped[str | None] = mapped_column(String(20))  # None once purged (personal data)
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=clock.now)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=clock.now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class MessageTemplate(db.Model):
    """An admin's wording of a message; without a row the built-in text is used."""

    __tablename__ = "message_template"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=clock.now)
