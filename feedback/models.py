"""Ratings of a ticket or a dossier, and complaints with their recorded steps."""

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db
from onestop.models import Office, User
from queues.models import Counter, Service, Ticket

# The regulation's three levels and their points (domain.md section 1.6).
SCORES = (2, 1, 0)
# What a rating can point at, good or bad (the aspects citizens are asked about).
REASONS = ("attitude", "time", "guidance", "visits", "facilities")
CHANNELS = ("phone", "kiosk", "tablet", "api")
COMMENT_MAX = 500

COMPLAINT_STATUSES = ("received", "handling", "answered")
COMPLAINT_TOPICS = ("regulation", "attitude", "other")
COMPLAINT_CHANNELS = ("kiosk", "web", "api")
# Decision 766, indicator 5.2: a complaint is handled within 15 working days.
COMPLAINT_WORKING_DAYS = 15


class Rating(db.Model):
    """One citizen's rating of one ticket or one dossier: anonymous, at most one per subject."""

    __tablename__ = "rating"
    __table_args__ = (
        CheckConstraint("(ticket_id IS NULL) <> (dossier_id IS NULL)", name="one_subject"),
        CheckConstraint("score IN (0, 1, 2)", name="score"),
        Index("ix_rating_office_created", "office_id", "created_at"),
        Index("ix_rating_officer_created", "officer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraints are what keeps a rating single under concurrent taps.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), unique=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    score: Mapped[int]
    reasons: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(String(COMMENT_MAX), default="")
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # When the citizen added reasons or a comment after the tap (only once).
    details_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    office: Mapped[Office] = relationship()
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[User | None] = relationship()
    service: Mapped[Service | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    # A string target: dossiers is a sibling package, its model is resolved by name.
    dossier: Mapped["Dossier | None"] = relationship("Dossier")  # noqa: F821

    @property
    def reason_list(self) -> list[str]:
        return [reason for reason in self.reasons.split(",") if reason]

    @property
    def satisfied(self) -> bool:
        """Whether the rating counts towards the satisfaction rate (1 or 2 points)."""
        return self.score >= 1


class Complaint(db.Model):
    """A citizen's complaint or suggestion about rules or service, tracked by a public code."""

    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_office_status", "office_id", "status"),
        Index("ix_complaint_office_received", "office_id", "received_at"),  # the reports' periods
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    topic: Mapped[str] = mapped_column(String(12), default="other")
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Personal data: shown only to the staff handling it, never public, never logged.
    contact: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10), default="web")
    status: Mapped[str] = mapped_column(String(10), default="received")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    due_date: Mapped[dt.date]
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    office: Mapped[Office] = relationship()
    assignee: Mapped[User | None] = relationship()
    events: Mapped[list["ComplaintEvent"]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.at, ComplaintEvent.id"
    )

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Still unanswered after its due date."""
        return self.status != "answered" and self.due_date < (today or clock.today())


class ComplaintEvent(db.Model):
    """One step of a complaint (received, assigned, handling, answered, published): who and when."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(500), default="")

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()
