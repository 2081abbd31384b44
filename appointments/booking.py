"""Booking use cases: book a slot, cancel, check in at the kiosk, and close missed bookings.

The booking page, its JSON API and the kiosk call these functions.

No slot is overbooked, whatever the number of citizens booking at once: the seats taken
in a slot are a SlotCount row bumped by ``INSERT ... ON CONFLICT DO UPDATE ... WHERE
taken < seats RETURNING taken`` in the transaction that inserts the booking. The upsert
holds the row's lock until the commit on PostgreSQL, and SQLite runs the transaction
under BEGIN IMMEDIATE (queues.store.writing), so each booking sees the seats the
others took; a full slot returns no row and nothing is stored.

Check-in window: from CHECK_IN_EARLY before the slot's start to CHECK_IN_LATE after it.
After that the booking is a no-show (``mark_no_shows``, run when the day is closed).
"""

import datetime as dt
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from appointments.models import Booking, SlotCount
from appointments.slots import SLOT, find_slot
from onestop import clock
from onestop.exceptions import Conflict, NotFound, ValidationError
from onestop.extensions import db
from onestop.models import Office
from onestop.phones import normalise_phone
from onestop.sql import upsert
from onestop.text import clean
from queues import hours
from queues.models import Service, Ticket
from queues.store import take_turns, writing
from queues.tickets import issue

CHECK_IN_EARLY = dt.timedelta(minutes=30)
CHECK_IN_LATE = dt.timedelta(minutes=15)
# Open (not yet checked in) bookings one phone number may hold at one office.
MAX_OPEN_PER_PHONE = 2
# Booking codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, which look alike on paper and screens.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
NAME_MAX = 120


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw) -> str:
    """A code as typed or scanned: upper case, without spaces or dashes."""
    return "".join(ch for ch in clean(raw).upper() if ch not in " -.")


def bookable_service(office: Office, service_code: str) -> Service:
    """The office's active service with this code, or NotFound."""
    service = db.session.scalar(
        select(Service).where(
            Service.office_id == office.id,
            Service.code == clean(service_code),
            Service.active.is_(True),
        )
    )
    if service is None:
        raise NotFound(_("Không tìm thấy dịch vụ này."))
    return service


def _check_person(name, phone) -> tuple[str, str]:
    errors = {}
    name = clean(name)
    if not name:
        errors["name"] = _("Vui lòng nhập họ và tên.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Họ và tên dài quá %(count)d ký tự.", count=NAME_MAX)
    number = normalise_phone(phone or "")
    if number is None:
        errors["phone"] = _("Số điện thoại di động không hợp lệ (ví dụ 0912 345 678).")
    if errors:
        raise ValidationError(errors)
    return name, number


def _take_seat(service_id: int, start: dt.datetime, seats: int) -> bool:
    """Take one seat of the slot in the current write transaction; False when it is full."""
    statement = (
        upsert(SlotCount)
        .values(service_id=service_id, starts_at=start, taken=1)
        .on_conflict_do_update(
            index_elements=["service_id", "starts_at"],
            set_={"taken": SlotCount.taken + 1},
            where=SlotCount.taken < seats,
        )
        .returning(SlotCount.taken)
    )
    return db.session.execute(statement).first() is not None


def book(
    office: Office, service_code: str, start: dt.datetime, name, phone, now: dt.datetime
) -> Booking:
    """Book a seat in the slot of ``service_code`` starting at ``start`` (aware).

    ValidationError for a missing name or a phone that is not a mobile number; NotFound
    for an unknown service; Conflict ``slot_closed`` for a slot not offered (past, on a
    day off, outside the hours or the booking window), ``slot_full`` when no seat is
    left, ``too_many_bookings`` when the phone already holds MAX_OPEN_PER_PHONE open
    bookings at this office.
    """
    name, number = _check_person(name, phone)
    service = bookable_service(office, service_code)
    slot = find_slot(service, start, now)
    if slot is None:
        raise Conflict(
            _("Khung giờ này không nhận đặt hẹn. Vui lòng chọn giờ khác."), "slot_closed"
        )
    office_id, service_id, seats = office.id, service.id, slot.seats
    code, token = new_code(), secrets.token_urlsafe(16)
    while db.session.scalar(select(Booking.id).where(Booking.code == code)) is not None:
        code = new_code()
    with writing():
        take_turns(f"bookings-of-phone:{office_id}:{number}")
        held = db.session.scalar(
            select(func.count(Booking.id)).where(
                Booking.office_id == office_id,
                Booking.phone == number,
                Booking.status == "booked",
                Booking.starts_at > now - CHECK_IN_LATE,
            )
        )
        if held >= MAX_OPEN_PER_PHONE:
            raise Conflict(
                _(
                    "Số điện thoại này đã có %(count)d lịch hẹn chưa đến. Vui lòng hủy bớt "
                    "một lịch hẹn trước khi đặt thêm.",
                    count=held,
                ),
                "too_many_bookings",
            )
        if not _take_seat(service_id, slot.start, seats):
            raise Conflict(_("Khung giờ này đã hết chỗ. Vui lòng chọn giờ khác."), "slot_full")
        booking = Booking(
            office_id=office_id,
            service_id=service_id,
            starts_at=slot.start,
            ends_at=slot.start + SLOT,
            code=code,
            token=token,
            name=name,
            phone=number,
            status="booked",
            created_at=now,
        )
        db.session.add(booking)
    return booking


def by_token(token: str) -> Booking:
    """The booking of a citizen's secret link, or NotFound."""
    booking = (
        db.session.scalar(select(Booking).where(Booking.token == str(token))) if token else None
    )
    if booking is None:
        raise NotFound(_("Không tìm thấy lịch hẹn này."))
    return booking


def cancel(token: str, now: dt.datetime) -> Booking:
    """The citizen cancels a booking before its slot starts; the seat is free again.

    NotFound for an unknown token; Conflict ``not_cancellable`` once it was cancelled,
    checked in or missed, or its slot has started.
    """
    booking_id = by_token(token).id
    with writing():
        booking = db.session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
        if booking.status != "booked":
            raise Conflict(_("Lịch hẹn này không còn hủy được."), "not_cancellable")
        if booking.starts_at <= now:
            raise Conflict(
                _("Đã đến giờ hẹn nên không hủy được. Nếu không đến, lịch hẹn sẽ tự hết hiệu lực."),
                "not_cancellable",
            )
        booking.status = "cancelled"
        booking.cancelled_at = now
        db.session.execute(
            update(SlotCount)
            .where(
                SlotCount.service_id == booking.service_id,
                SlotCount.starts_at == booking.starts_at,
                SlotCount.taken > 0,
            )
            .values(taken=SlotCount.taken - 1)
        )
    return booking


def _check_window(booking: Booking, now: dt.datetime) -> None:
    if booking.status == "checked_in":
        raise Conflict(_("Lịch hẹn này đã được lấy số rồi."), "already_checked_in")
    if booking.status == "cancelled":
        raise Conflict(_("Lịch hẹn này đã bị hủy."), "cancelled")
    opens = booking.starts_at - CHECK_IN_EARLY
    if now < opens:
        raise Conflict(
            _(
                "Chưa đến giờ lấy số cho lịch hẹn này. Mời ông/bà quay lại từ %(time)s.",
                time=hours.hhmm(opens.astimezone(clock.LOCAL_TZ)),
            ),
            "too_early",
        )
    if booking.status == "no_show" or now > booking.starts_at + CHECK_IN_LATE:
        raise Conflict(
            _(
                "Đã quá giờ hẹn hơn %(minutes)d phút. Mời ông/bà lấy số thường tại ki-ốt.",
                minutes=int(CHECK_IN_LATE.total_seconds() // 60),
            ),
            "too_late",
        )


def check_in(office: Office, raw_code, now: dt.datetime) -> Ticket:
    """Turn a booking into a ticket of its service, marked with the slot it was booked for.

    NotFound for a code unknown at this office; Conflict ``already_checked_in``,
    ``cancelled``, ``too_early`` or ``too_late`` (outside the check-in window). The ticket
    comes from the queue's issue, keyed by the booking (its request id), so a repeated
    or concurrent check-in never makes two tickets.
    """
    code = normalise_code(raw_code)
    booking = (
        db.session.scalar(
            select(Booking).where(Booking.office_id == office.id, Booking.code == code)
        )
        if code
        else None
    )
    if booking is None:
        raise NotFound(_("Không tìm thấy lịch hẹn với mã này. Vui lòng kiểm tra lại mã hẹn."))
    _check_window(booking, now)
    booking_id = booking.id
    ticket = issue(
        office,
        booking.service.code,
        request_id=f"booking-{booking_id}",
        booked_for=booking.starts_at,
    ).ticket
    with writing():
        booking = db.session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
        if booking.status != "booked":
            raise Conflict(_("Lịch hẹn này đã được lấy số rồi."), "already_checked_in")
        booking.status = "checked_in"
        booking.checked_in_at = now
        booking.ticket_id = ticket.id
    return ticket


def mark_no_shows(now: dt.datetime) -> int:
    """Bookings whose check-in window has passed without a check-in become no-shows."""
    with writing():
        result = db.session.execute(
            update(Booking)
            .where(Booking.status == "booked", Booking.starts_at < now - CHECK_IN_LATE)
            .values(status="no_show")
        )
    return result.rowcount


# The end-of-day close of the queues also closes the day's missed bookings.
hours.at_day_close(mark_no_shows)


def office_by_code(code: str) -> Office:
    """The active office with this code (case-insensitive), or NotFound."""
    office = db.session.scalar(
        select(Office).where(Office.code == clean(code).upper(), Office.active.is_(True))
    )
    if office is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=code))
    return office
