"""Bookings, the per-slot seat counters that keep slots from being overbooked, and capacities."""

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db
from onestop.models import Office
from queues.models import Service, Ticket

# booked: waiting for the citizen; checked_in: turned into a ticket at the kiosk;
# cancelled: by the citizen; no_show: the check-in window passed without a check-in.
BOOKING_STATUSES = ("booked", "checked_in", "cancelled", "no_show")


class SlotCapacity(db.Model):
    """Seats per slot of a service, as the admin set them (no row: the computed default)."""

    __tablename__ = "slot_capacity"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    # 0: the service takes no bookings.
    seats: Mapped[int]


class SlotCount(db.Model):
    """Seats taken in one slot of a service: bumped by an upsert that locks the row."""

    __tablename__ = "slot_count"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    taken: Mapped[int] = mapped_column(default=0)


class Booking(db.Model):
    """A citizen's appointment for one slot of a service."""

    __tablename__ = "booking"
    __table_args__ = (
        Index("ix_booking_office_start", "office_id", "starts_at"),
        Index("ix_booking_phone_status", "phone", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Typed at the kiosk or scanned from the QR: short, without look-alike letters.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    # The secret of the citizen's own link (confirmation page, cancellation).
    token: Mapped[str] = mapped_column(String(32), unique=True)
    # Personal data: blanked by appointments.retention after the retention period.
    name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))

    office: Mapped[Office] = relationship()
    service: Mapped[Service] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
