"""The citizen's booking pages (a phone, plain forms) and the admin's seats per slot."""

import datetime as dt

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appointments import booking as bookings
from appointments.api import parse_day, parse_start
from appointments.limits import booking_limit
from appointments.links import booking_url
from appointments.models import Booking, SlotCapacity
from appointments.slots import (
    SEATS_MAX,
    day_slots,
    default_seats,
    open_days,
    seats_of,
    set_seats,
)
from onestop import clock
from onestop.auth import role_required
from onestop.exceptions import Conflict, ValidationError
from onestop.extensions import db
from onestop.models import Office, visible_office_ids
from onestop.pdf import qr_svg
from queues.models import Service

bp = Blueprint("appointments", __name__)


def _bookable_services(office: Office) -> list[Service]:
    services = db.session.scalars(
        select(Service)
        .where(Service.office_id == office.id, Service.active.is_(True))
        .order_by(Service.ordering, Service.id)
    )
    return [service for service in services if seats_of(service) > 0]


@bp.get("/book/<office_code>")
def start(office_code: str):
    office = bookings.office_by_code(office_code)
    return render_template(
        "appointments/services.html", office=office, services=_bookable_services(office)
    )


@bp.get("/book/<office_code>/<service_code>")
def slots(office_code: str, service_code: str):
    """The service's open days and, for the chosen one (first open day by default), its slots."""
    office = bookings.office_by_code(office_code)
    service = bookings.bookable_service(office, service_code)
    now = clock.now()
    days = open_days(service, now)
    chosen = parse_day(request.args["date"]) if request.args.get("date") else None
    if chosen is None and days:
        chosen = days[0][0]
    return render_template(
        "appointments/slots.html",
        office=office,
        service=service,
        days=days,
        chosen=chosen,
        slots=day_slots(service, chosen, now) if chosen else [],
    )


def _form_context(office: Office, service: Service, start: dt.datetime, **extra) -> dict:
    return {
        "office": office,
        "service": service,
        "start": start.astimezone(clock.LOCAL_TZ),
        "form": {},
        "errors": {},
        "conflict": None,
        **extra,
    }


@bp.get("/book/<office_code>/<service_code>/details")
def details(office_code: str, service_code: str):
    office = bookings.office_by_code(office_code)
    service = bookings.bookable_service(office, service_code)
    start = parse_start(request.args.get("start"))
    return render_template("appointments/details.html", **_form_context(office, service, start))


@bp.post("/book/<office_code>/<service_code>/details")
@booking_limit
def book(office_code: str, service_code: str):
    office = bookings.office_by_code(office_code)
    service = bookings.bookable_service(office, service_code)
    start = parse_start(request.form.get("start"))
    form = {"name": request.form.get("name", ""), "phone": request.form.get("phone", "")}
    try:
        booking = bookings.book(
            office, service.code, start, form["name"], form["phone"], clock.now()
        )
    except ValidationError as error:
        context = _form_context(office, service, start, form=form, errors=error.errors)
        return render_template("appointments/details.html", **context), 422
    except Conflict as error:
        context = _form_context(office, service, start, form=form, conflict=error.message)
        return render_template("appointments/details.html", **context), 409
    return redirect(url_for("appointments.booking_page", token=booking.token), 303)


def _status_label(status: str) -> str:
    return {
        "booked": _("Đã đặt hẹn"),
        "checked_in": _("Đã lấy số"),
        "cancelled": _("Đã hủy"),
        "no_show": _("Không đến"),
    }[status]


def _booking_page(booking: Booking, status: int = 200):
    response = make_response(
        render_template(
            "appointments/booking.html",
            booking=booking,
            office=booking.office,
            qr=qr_svg(booking.code),
            url=booking_url(booking),
            can_cancel=booking.status == "booked" and booking.starts_at > clock.now(),
            status_label=_status_label(booking.status),
        ),
        status,
    )
    # The page is the citizen's own (its address is the secret): never kept by a cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/booking/<token>")
def booking_page(token: str):
    return _booking_page(bookings.by_token(token))


@bp.post("/booking/<token>/cancel")
@booking_limit
def cancel(token: str):
    try:
        bookings.cancel(token, clock.now())
    except Conflict:
        return _booking_page(bookings.by_token(token), 409)
    return redirect(url_for("appointments.booking_page", token=token), 303)


# --- administration: seats per slot --------------------------------------------------------------


def _admin_context(errors: dict) -> dict:
    office_ids = visible_office_ids(current_user)
    services = list(
        db.session.scalars(
            select(Service)
            .where(Service.office_id.in_(office_ids))
            .order_by(Service.office_id, Service.ordering, Service.id)
        )
    )
    settings = {
        row.service_id: row.seats
        for row in db.session.scalars(
            select(SlotCapacity).where(SlotCapacity.service_id.in_([s.id for s in services]))
        )
    }
    rows = [(service, settings.get(service.id), default_seats(service)) for service in services]
    return {"rows": rows, "errors": errors, "seats_max": SEATS_MAX}


@bp.get("/admin/appointments")
@role_required("admin")
def admin_seats():
    return render_template("appointments/admin.html", **_admin_context({}))


@bp.post("/admin/appointments")
@role_required("admin")
def save_seats():
    office_ids = visible_office_ids(current_user)
    services = db.session.scalars(select(Service).where(Service.office_id.in_(office_ids)))
    errors = {}
    for service in services:
        field = f"seats-{service.id}"
        if field not in request.form:
            continue
        try:
            set_seats(service, request.form[field], current_user)
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        db.session.rollback()
        return render_template("appointments/admin.html", **_admin_context(errors)), 422
    db.session.commit()
    return redirect(url_for("appointments.admin_seats", saved=1), 303)


@bp.app_template_filter("slot_time")
def slot_time(instant: dt.datetime) -> str:
    local = instant.astimezone(clock.LOCAL_TZ)
    return f"{local.hour:02d}:{local.minute:02d}"


@bp.app_template_filter("booking_day")
def booking_day(day: dt.date, pattern: str = "dd/MM/yyyy") -> str:
    return format_date(day, pattern)
