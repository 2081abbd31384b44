"""Appointments in the public JSON API (DESIGN.md section 6): slots, booking, cancel, check-in."""

import datetime as dt

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from appointments import booking as bookings
from appointments.limits import booking_limit, check_in_limit
from appointments.links import booking_url
from appointments.slots import day_slots
from onestop import clock
from onestop.exceptions import Forbidden, ValidationError
from onestop.extensions import csrf
from onestop.inputs import json_object
from queues import devices

api_bp = Blueprint("appointments_api", __name__, url_prefix="/api/v1")
# Public endpoints: the booking's secret token is the capability, the rate limit the brake;
# the check-in is a kiosk write, allowed to paired kiosks (any browser in demo mode).
csrf.exempt(api_bp)


def parse_day(raw) -> dt.date:
    try:
        return dt.date.fromisoformat(str(raw or ""))
    except ValueError:
        raise ValidationError({"date": _("Ngày phải có dạng YYYY-MM-DD.")}) from None


def parse_start(raw) -> dt.datetime:
    """An ISO date-time; without a zone it is Vietnam's local time."""
    try:
        start = dt.datetime.fromisoformat(str(raw or ""))
    except ValueError:
        raise ValidationError(
            {"start": _("Giờ hẹn phải có dạng ISO 8601, ví dụ 2026-12-07T08:00:00+07:00.")}
        ) from None
    return start if start.tzinfo is not None else start.replace(tzinfo=clock.LOCAL_TZ)


@api_bp.get("/offices/<office_code>/slots")
def slots(office_code: str):
    office = bookings.office_by_code(office_code)
    service = bookings.bookable_service(office, request.args.get("service", ""))
    day = parse_day(request.args.get("date"))
    return jsonify(
        [
            {"start": slot.start.isoformat(), "end": slot.end.isoformat(), "free": slot.free}
            for slot in day_slots(service, day, clock.now())
        ]
    )


@api_bp.post("/offices/<office_code>/appointments")
@booking_limit
def book(office_code: str):
    body = json_object()
    office = bookings.office_by_code(office_code)
    for field in ("service", "start", "name", "phone"):
        if not isinstance(body.get(field), str):
            raise ValidationError({field: _("Thiếu trường %(field)s (chuỗi).", field=field)})
    booking = bookings.book(
        office,
        body["service"],
        parse_start(body["start"]),
        body["name"],
        body["phone"],
        clock.now(),
    )
    answer = {
        "code": booking.code,
        "token": booking.token,
        "start": booking.starts_at.isoformat(),
        "end": booking.ends_at.isoformat(),
        "service": booking.service.code,
        "office": office.code,
        "url": booking_url(booking),
    }
    return jsonify(answer), 201


@api_bp.delete("/appointments/<token>")
@booking_limit
def cancel(token: str):
    booking = bookings.cancel(token, clock.now())
    return jsonify({"code": booking.code, "status": booking.status})


@api_bp.post("/offices/<office_code>/check-in")
@check_in_limit
def check_in(office_code: str):
    body = json_object()
    office = bookings.office_by_code(office_code)
    if not devices.device_allowed(office, "kiosk"):
        raise Forbidden(_("Chỉ ki-ốt đã đăng ký của đơn vị mới được lấy số."), "device_not_paired")
    if not isinstance(body.get("code"), str):
        raise ValidationError({"code": _("Thiếu mã hẹn (code).")})
    ticket = bookings.check_in(office, body["code"], clock.now())
    return jsonify(
        {
            "ticket": {
                "id": ticket.id,
                "number": ticket.display_number,
                "service": ticket.service.code,
                "status": ticket.status,
                "token": ticket.token,
                "booked_for": ticket.booked_for.isoformat(),
            }
        }
    ), 201
