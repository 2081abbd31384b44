"""Procedures, dossiers, supplement requests, status history, and office days off / make-up days.

For reports: a dossier's timeliness is decided by ``dossiers.lifecycle`` (``is_late``,
``is_overdue`` and the SQL expressions ``late_condition`` / ``overdue_condition``);
``due_at`` is the last instant of the due date, already extended by supplement pauses.
"""

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dossiers.processing_time import ProcessingTime
from dossiers.workdays import WORKING_DAYS
from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db
from onestop.models import Office, User
from queues.models import Ticket

ONLINE_LEVELS = ("full", "partial", "none")
CHANNELS = ("direct", "online", "postal")
STATUSES = (
    "received",
    "in_progress",
    "awaiting_supplement",
    "result_ready",
    "returned",
    "rejected",
    "withdrawn",
)
OPEN_STATUSES = ("received", "in_progress", "awaiting_supplement")
HOLIDAY_KINDS = ("day_off", "makeup_day")
EVENT_KINDS = ("intake", "status", "apology")
# The slips of TT 01/2018/TT-VPCP by their form number: receipt, supplement, rejection, apology.
SLIP_FORMS = ("01", "02", "03", "04")

procedure_office = Table(
    "procedure_office",
    db.metadata,
    Column("procedure_id", ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
)


class Procedure(db.Model):
    """An administrative procedure (thủ tục hành chính) of the national catalogue."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    field: Mapped[str] = mapped_column(String(120))
    # Legal processing time: a number (two decimals: 0.5 working day) in processing_unit
    # (working_days, calendar_days, working_hours); 0 working days is a same-day procedure
    # (received by 15:00 -> returned that day, otherwise the next working day).
    processing_time: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False), default=0)
    processing_unit: Mapped[str] = mapped_column(String(16), default=WORKING_DAYS)
    fee: Mapped[int] = mapped_column(default=0)  # VND; 0 = free
    required_documents: Mapped[str] = mapped_column(Text, default="")  # one document per line
    online_level: Mapped[str] = mapped_column(String(10), default="none")
    # fold() of code, name and field: diacritic- and case-insensitive search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )

    offices: Mapped[list[Office]] = relationship(secondary=procedure_office, order_by="Office.code")

    @property
    def processing(self) -> ProcessingTime:
        return ProcessingTime.of(self.processing_time, self.processing_unit)

    @processing.setter
    def processing(self, value: ProcessingTime) -> None:
        self.processing_time, self.processing_unit = float(value.value), value.unit

    @property
    def processing_days(self) -> int | float:
        """The processing time in days (working hours as a share of the working day)."""
        return self.processing.days

    @processing_days.setter
    def processing_days(self, days: int | float) -> None:
        """Set the processing time in working days."""
        self.processing_time, self.processing_unit = float(days), WORKING_DAYS

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in self.required_documents.splitlines() if line.strip()]


class DossierCounter(db.Model):
    """The last dossier number given by an office on a local day; bumped by an upsert."""

    __tablename__ = "dossier_counter"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int]


class Dossier(db.Model):
    """A dossier (hồ sơ) from intake to the returned result."""

    __tablename__ = "dossier"
    __table_args__ = (
        UniqueConstraint("office_id", "received_day", "number"),
        Index("ix_dossier_office_status_due", "office_id", "status", "due_at"),
        Index("ix_dossier_office_received", "office_id", "received_at"),
        # The reports select a period's resolved and closed dossiers by office.
        Index("ix_dossier_office_ready", "office_id", "result_ready_at"),
        Index("ix_dossier_office_closed", "office_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    received_day: Mapped[dt.date] = mapped_column(Date)  # local date, part of the code
    number: Mapped[int]  # the nnnn of the code
    # Personal data: masked in lists, never on public pages or in logs.
    applicant_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(10))  # normalised: 0 + 9 digits
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # Số định danh cá nhân (12 digits, chip ID card); "" when not given.
    id_number: Mapped[str] = mapped_column(String(12), default="")
    # The applicant asked, at intake, to be told by SMS / Zalo when the result is ready or a
    # supplement is needed (nothing is sent without it).
    notify_opt_in: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(String(10))
    documents_reused: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="received")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The legal due date (local), moved forward by supplement pauses; due_at is its last instant.
    due_date: Mapped[dt.date] = mapped_column(Date)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set while waiting for the citizen's supplement: the clock stopped at that instant.
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    supplement_count: Mapped[int] = mapped_column(default=0)
    result_ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # Đã xử lý xong
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # Đã trả kết quả
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # rejected or withdrawn
    # Phiếu xin lỗi và hẹn lại (Mẫu 04): a new appointment; the dossier still counts as late.
    apology_date: Mapped[dt.date | None] = mapped_column(Date)
    apology_reason: Mapped[str] = mapped_column(Text, default="")
    apology_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The provincial portal's code of an imported online/postal dossier (re-imports are refused).
    external_code: Mapped[str | None] = mapped_column(String(60), unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )

    office: Mapped[Office] = relationship()
    procedure: Mapped[Procedure] = relationship()
    officer: Mapped[User | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    events: Mapped[list["DossierEvent"]] = relationship(
        back_populates="dossier", order_by="DossierEvent.id", cascade="all, delete-orphan"
    )
    supplements: Mapped[list["SupplementRequest"]] = relationship(
        back_populates="dossier", order_by="SupplementRequest.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list["DossierDocument"]] = relationship(
        order_by="DossierDocument.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def appointment_date(self) -> dt.date:
        """The date the citizen is told to come back: the apology's new date, else the due date."""
        return self.apology_date or self.due_date


class SupplementRequest(db.Model):
    """A request for missing papers (Mẫu 02); the clock stops until it is completed."""

    __tablename__ = "supplement_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # With documents: the reason (Lý do). Without: what is missing, one item per line.
    note: Mapped[str] = mapped_column(Text, default="")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    dossier: Mapped[Dossier] = relationship(back_populates="supplements")
    officer: Mapped[User | None] = relationship()
    documents: Mapped[list["SupplementDocument"]] = relationship(
        order_by="SupplementDocument.position", cascade="all, delete-orphan"
    )

    @property
    def items(self) -> list[str]:
        return [line.strip() for line in self.note.splitlines() if line.strip()]


def _copy_counts_check() -> CheckConstraint:
    # Named "ck_<table>_counts" by the metadata's naming convention.
    return CheckConstraint(
        "originals >= 0 AND certified_copies >= 0 AND photocopies >= 0", name="counts"
    )


class DossierDocument(db.Model):
    """A paper received at intake: the component's name and how many copies of each kind."""

    __tablename__ = "dossier_document"
    __table_args__ = (_copy_counts_check(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger)  # order on the receipt, from 1
    name: Mapped[str] = mapped_column(String(300))
    originals: Mapped[int] = mapped_column(SmallInteger, default=0)  # bản chính
    certified_copies: Mapped[int] = mapped_column(SmallInteger, default=0)  # bản sao chứng thực
    photocopies: Mapped[int] = mapped_column(SmallInteger, default=0)  # bản photo


class SupplementDocument(db.Model):
    """A paper a supplement request (Mẫu 02) asks for, with the copies of each kind."""

    __tablename__ = "supplement_document"
    __table_args__ = (_copy_counts_check(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("supplement_request.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(300))
    originals: Mapped[int] = mapped_column(SmallInteger, default=0)
    certified_copies: Mapped[int] = mapped_column(SmallInteger, default=0)
    photocopies: Mapped[int] = mapped_column(SmallInteger, default=0)


class SlipForm(db.Model):
    """An edition of a slip's form: the legal basis line it prints, from ``valid_from`` on.

    A row without an office applies everywhere; an office's own row wins over it. A slip
    prints the newest edition already valid on the day it is issued, so a new circular's
    forms are added as rows, not code.
    """

    __tablename__ = "slip_form"
    __table_args__ = (UniqueConstraint("office_id", "form", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    form: Mapped[str] = mapped_column(String(2))  # SLIP_FORMS
    legal_basis: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[dt.date] = mapped_column(Date)


class DossierEvent(db.Model):
    """Every status change (and intake, apology) of a dossier, with time, officer and note."""

    __tablename__ = "dossier_event"
    __table_args__ = (Index("ix_dossier_event_office_at", "office_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="events")
    officer: Mapped[User | None] = relationship()


class Holiday(db.Model):
    """An office's extra day off or make-up working day, on top of Vietnam's public holidays."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("office_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    office: Mapped[Office] = relationship()
