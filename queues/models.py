"""Services, counters, tickets and ticket events."""

import datetime as dt

from sqlalchemy import Column, ForeignKey, Index, String, Table, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db
from onestop.models import Office, User

# "unserved": still waiting when the office closed for the day (queues.hours.close_day).
TICKET_STATUSES = (
    "waiting",
    "called",
    "serving",
    "done",
    "no_show",
    "transferred",
    "cancelled",
    "unserved",
)
PRIORITY_REASONS = ("elderly", "disabled", "pregnant", "small_child", "merit")

counter_service = Table(
    "counter_service",
    db.metadata,
    Column("counter_id", ForeignKey("counter.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)


class Service(db.Model):
    """A queue of one office for one field of procedures (lĩnh vực)."""

    __tablename__ = "service"
    __table_args__ = (
        UniqueConstraint("office_id", "code"),
        UniqueConstraint("office_id", "letter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    letter: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(120), default="")
    ordering: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Minutes per citizen used for the estimate until there are recent service times.
    default_service_min: Mapped[int] = mapped_column(default=8)
    # Local time after which the kiosk gives no more numbers of this service (None: until closing).
    last_ticket: Mapped[dt.time | None] = mapped_column(Time)

    office: Mapped[Office] = relationship()
    counters: Mapped[list["Counter"]] = relationship(
        secondary=counter_service, back_populates="services"
    )


class Counter(db.Model):
    """A counter (quầy) of an office, serving some of its services."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("office_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(120), default="")
    is_open: Mapped[bool] = mapped_column(default=False)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    active: Mapped[bool] = mapped_column(default=True)

    office: Mapped[Office] = relationship()
    officer: Mapped[User | None] = relationship()
    services: Mapped[list[Service]] = relationship(
        secondary=counter_service, back_populates="counters", order_by="Service.ordering"
    )

    @property
    def staffed(self) -> bool:
        """An officer is signed in here: only then does the board say the counter is ready."""
        return self.officer_id is not None


class OfficeSession(db.Model):
    """One opening session of an office on a weekday (07:30-11:30); an office without any
    session is open around the clock (queues.hours)."""

    __tablename__ = "office_session"
    __table_args__ = (UniqueConstraint("office_id", "weekday", "opens"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    # ISO weekday: 1 Monday ... 7 Sunday.
    weekday: Mapped[int]
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)

    office: Mapped[Office] = relationship()


class DailyCounter(db.Model):
    """The last ticket number given for a service on a local day; bumped by an upsert."""

    __tablename__ = "daily_counter"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    last_number: Mapped[int]


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        # Numbers count per service whose sequence gave them; a transfer keeps the number.
        UniqueConstraint("issued_service_id", "day", "number"),
        # The waiting list of a service, in the order call-next serves it.
        Index("ix_ticket_queue", "service_id", "day", "status", "priority", "issued_at"),
        # The ticket at a counter today (call-next finishes it; the console shows it).
        Index("ix_ticket_counter_day", "counter_id", "day", "status"),
        Index("ix_ticket_office_day", "office_id", "day"),
        # The reports select a period's called and finished tickets by office.
        Index("ix_ticket_office_called", "office_id", "called_at"),
        Index("ix_ticket_office_finished", "office_id", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    # The queue the ticket is in now (changes on a transfer).
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    # The service whose daily sequence gave the number: its letter is printed and stays
    # through transfers.
    issued_service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    day: Mapped[dt.date]
    number: Mapped[int]
    priority: Mapped[bool] = mapped_column(default=False)
    priority_reason: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # When the ticket entered its current service's queue: issue time, or transfer time.
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recall_count: Mapped[int] = mapped_column(default=0)
    # Minutes waited in earlier services' queues before a transfer (each segment counts).
    waited_before_min: Mapped[float] = mapped_column(default=0.0)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    # The kiosk's one-time request id: a repeated tap or a retried request gets the same ticket.
    request_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The start of the appointment slot the ticket was booked for (None: a walk-in); call
    # order uses it (queues.order).
    booked_for: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    office: Mapped[Office] = relationship()
    service: Mapped[Service] = relationship(foreign_keys=[service_id])
    issued_service: Mapped[Service] = relationship(foreign_keys=[issued_service_id])
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[User | None] = relationship()

    @property
    def display_number(self) -> str:
        """The number as printed and announced: letter + three digits (A015), kept on transfer."""
        return f"{self.issued_service.letter}{self.number:03d}"


# Today's waiting tickets in call order across services (priority first, then issue time):
# call-next walks it and stops at the first ticket of a service its counter serves, no sort.
Index(
    "ix_ticket_call_order",
    Ticket.day,
    Ticket.status,
    Ticket.priority.desc(),
    Ticket.issued_at,
    Ticket.id,
)


class TicketContact(db.Model):
    """The phone number a citizen gave to be told by message when their ticket's turn comes.

    Personal data: shown back only masked, never on public pages, the board or in logs,
    and blanked by queues.retention once its period is over.
    """

    __tablename__ = "ticket_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))  # None once purged
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    ticket: Mapped[Ticket] = relationship()


class TicketEvent(db.Model):
    """Every transition of a ticket: the audit trail and the source of wait measures."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_office_at", "office_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    note: Mapped[str] = mapped_column(String(200), default="")

    ticket: Mapped[Ticket] = relationship()
    counter: Mapped[Counter | None] = relationship()


class BoardVersion(db.Model):
    """A per-office number bumped by every ticket transition and counter change (board ETag)."""

    __tablename__ = "board_version"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class ServiceVersion(db.Model):
    """Bumped by every change to a service's tickets: the citizen's phone page (its ETag).

    With its office, so that a poll reads this row and the office's, not the service's.
    """

    __tablename__ = "service_version"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    version: Mapped[int] = mapped_column(default=0)


class CounterVersion(db.Model):
    """Bumped by every change to what a counter serves: its rating tablet (its ETag).

    With its office, so that a poll reads this row and the office's, not the counter's.
    """

    __tablename__ = "counter_version"

    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    version: Mapped[int] = mapped_column(default=0)


class Device(db.Model):
    """A kiosk or a counter tablet paired to an office by a one-time code."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "kiosk" or "counter_tablet"
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    name: Mapped[str] = mapped_column(String(80))
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    paired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    office: Mapped[Office] = relationship()
    counter: Mapped[Counter | None] = relationship()
