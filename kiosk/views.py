"""The citizen's screens: the hall kiosk, the printed ticket, the phone page, and kiosk pairing."""

import io
import uuid

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from appointments import booking as bookings
from appointments.limits import check_in_rate_limit
from dossiers.blueprint import processing_label
from dossiers.catalogue import search_by_place
from dossiers.public_views import lookup_limit, public_view
from dossiers.queries import by_token, find_for_lookup
from dossiers.scan import parse_scan
from feedback.complaint_views import complaint_form_context
from feedback.surfaces import kiosk_panel
from kiosk import printing
from kiosk.citizen import (
    citizen_links,
    office_or_404,
    priority_group,
    priority_groups,
    public_url,
    ticket_facts,
)
from kiosk.limits import contact_limit, pairing_rate_limit, ticket_limit
from onestop import clock, ratelimit
from onestop.auth import role_required
from onestop.exceptions import Conflict, Forbidden, NotFound, ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx, render_page_or_fragment
from onestop.inputs import id_or_none
from onestop.models import Office, can_act_in, visible_office_ids
from onestop.pdf import qr_svg
from onestop.text import clean
from queues import contacts, devices, hours, polls, tickets
from queues.models import Counter, Device, Ticket
from queues.tickets import ticket_by_token
from queues.waiting import Place, service_summaries

bp = Blueprint("kiosk", __name__)
# The first request of a new day ends what earlier days left waiting (queues.hours).
bp.before_request(hours.end_past_days)

# A citizen who walked away leaves the next one a fresh home screen after this long.
IDLE_SECONDS = 20


def _screen_context(office: Office, device: Device | None, **extra) -> dict:
    """What every kiosk screen shows around its content: office, clock, links, idle time."""
    return {
        "office": office,
        "now": clock.now(),
        "links": citizen_links(office),
        "idle_seconds": current_app.config.get("KIOSK_IDLE_SECONDS", IDLE_SECONDS),
        "device": device,
        "can_issue": devices.device_allowed(office, "kiosk"),
        **extra,
    }


@bp.get("/kiosk/<office_code>")
def home(office_code: str):
    device = devices.current_device()
    if device is not None:
        # First: the write ends the read transaction, and what is read after stays loaded.
        devices.mark_seen(device)
    office = office_or_404(office_code)
    summaries = service_summaries(office)
    context = _screen_context(
        office,
        device,
        summaries=summaries,
        # Closed: when the office opens next; open: a note on services near closing.
        hours=hours.kiosk_hours(office.id, summaries, clock.now()),
        # One id per rendered screen: every tap on it, however many, gives one ticket.
        request_id=uuid.uuid4().hex,
        priority=priority_group(request.args.get("priority")),
    )
    return render_page_or_fragment("kiosk/home.html", "kiosk/_home.html", **context)


@bp.get("/kiosk/<office_code>/priority")
def priority(office_code: str):
    office = office_or_404(office_code)
    context = _screen_context(office, devices.current_device(), groups=priority_groups())
    return render_page_or_fragment("kiosk/priority.html", "kiosk/_priority.html", **context)


# --- the other citizen services, in the kiosk's layout -------------------------------------------
# Their desktop pages stay as they are for phones and computers; on the kiosk each service is a
# screen of the same frame, with the way home and the idle return of every kiosk screen.


@bp.route("/kiosk/<office_code>/lookup", methods=["GET", "POST"])
@ratelimit.limit(lookup_limit, scope="dossier-lookup", methods=("POST",))
def lookup(office_code: str):
    office = office_or_404(office_code)
    context = _screen_context(
        office, devices.current_device(), code="", error=None, view=None, scan_error=None
    )
    if request.method == "GET":
        return render_template("kiosk/lookup.html", **context)
    if "scan" in request.form:
        # The scanner typed the receipt's QR (opens the dossier) or its code (asks the phone).
        try:
            scanned = parse_scan(request.form["scan"])
        except ValidationError as error:
            context["scan_error"] = error.errors["scan"]
            return render_template("kiosk/lookup.html", **context), 422
        if scanned.kind == "code":
            context["code"] = scanned.value
            return render_template("kiosk/lookup.html", **context)
        dossier = by_token(scanned.value)
        if dossier is None:
            context["scan_error"] = _(
                "Không tìm thấy hồ sơ của mã QR này. Vui lòng kiểm tra lại Giấy tiếp nhận."
            )
            return render_template("kiosk/lookup.html", **context), 404
        return _lookup_result(context, dossier)
    code = clean(request.form.get("code", ""))[:60]
    dossier = find_for_lookup(code, request.form.get("phone_last4", ""))
    if dossier is None:
        # The same words as the web lookup: a wrong code and a wrong phone look alike.
        error = _(
            "Không tìm thấy hồ sơ với mã và 4 số cuối điện thoại này. "
            "Vui lòng kiểm tra lại Giấy tiếp nhận."
        )
        context.update(code=code, error=error)
        return render_template("kiosk/lookup.html", **context), 404
    return _lookup_result(context, dossier)


def _lookup_result(context: dict, dossier):
    context["view"] = public_view(dossier, clock.now())
    response = make_response(render_template("kiosk/lookup.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/kiosk/<office_code>/procedures")
def catalogue(office_code: str):
    office = office_or_404(office_code)
    query = clean(request.args.get("q", ""))[:100]
    context = _screen_context(
        office,
        devices.current_device(),
        q=query,
        places=search_by_place(query, office),
        processing_label=processing_label,
    )
    return render_page_or_fragment(
        "kiosk/catalogue.html", "kiosk/_catalogue_results.html", **context
    )


@bp.get("/kiosk/<office_code>/rate")
def rate(office_code: str):
    office = office_or_404(office_code)
    panel, status = kiosk_panel(office, clean(request.args.get("q", "")))
    context = _screen_context(office, devices.current_device(), panel=panel)
    return render_template("kiosk/rate.html", **context), status


@bp.get("/kiosk/<office_code>/complaint")
def complaint(office_code: str):
    office = office_or_404(office_code)
    form = {"office": office.code, "topic": "other"}
    form_context = complaint_form_context(form, {}, kiosk=True)
    # The form's context names the office the complaint is about; the frame shows the kiosk's.
    form_context.pop("office")
    context = _screen_context(office, devices.current_device(), **form_context)
    return render_template("kiosk/complaint.html", **context)


@bp.route("/kiosk/<office_code>/check-in", methods=["GET", "POST"])
@ratelimit.limit(
    check_in_rate_limit, scope="appointment-check-in", key=devices.rate_key, methods=("POST",)
)
def check_in(office_code: str):
    """A booked citizen types the booking code (or scans its QR) and gets the ticket printed."""
    office = office_or_404(office_code)
    context = _screen_context(office, devices.current_device(), code="", error=None, refusal=None)
    if request.method == "GET":
        return render_template("kiosk/check_in.html", **context)
    if not devices.device_allowed(office, "kiosk"):
        raise Forbidden(_("Màn hình này chưa được đăng ký là ki-ốt."))
    code = bookings.normalise_code(request.form.get("code"))[:20]
    try:
        ticket = bookings.check_in(office, code, clock.now())
    except (NotFound, Conflict) as error:
        context.update(code=code, error=error.message, refusal=error.code)
        return render_template("kiosk/check_in.html", **context), error.status
    return redirect(
        url_for("kiosk.ticket_screen", office_code=office.code, token=ticket.token), 303
    )


@bp.post("/kiosk/<office_code>/tickets")
@ticket_limit
def issue(office_code: str):
    issued = tickets.issue(
        office_code,
        clean(request.form.get("service")),
        priority_reason=clean(request.form.get("priority_reason")) or None,
        request_id=clean(request.form.get("request_id")) or None,
        device=devices.claim(),
    )
    ticket = issued.ticket
    if not is_htmx():
        return redirect(
            url_for("kiosk.ticket_screen", office_code=ticket.office.code, token=ticket.token), 303
        )
    context = _ticket_screen_context(ticket.office, ticket, issued.place)
    return render_template("kiosk/_ticket.html", **context)


@bp.get("/kiosk/<office_code>/tickets/<token>")
def ticket_screen(office_code: str, token: str):
    office = office_or_404(office_code)
    ticket = ticket_by_token(token)
    if ticket.office_id != office.id:
        raise NotFound(_("Không tìm thấy số thứ tự này."))
    return render_template("kiosk/ticket.html", **_ticket_screen_context(office, ticket))


@bp.route("/kiosk/<office_code>/tickets/<token>/sms", methods=["GET", "POST"])
@contact_limit
def ticket_sms(office_code: str, token: str):
    """The keypad screen where a citizen gives a number for messages about the ticket just taken."""
    office = office_or_404(office_code)
    ticket = ticket_by_token(token)
    if ticket.office_id != office.id:
        raise NotFound(_("Không tìm thấy số thứ tự này."))
    context = _screen_context(
        office,
        devices.current_device(),
        facts=ticket_facts(ticket),
        error=None,
        subscribed=None,
        almost_due_ahead=contacts.ALMOST_DUE_AHEAD,
    )
    if request.method == "GET":
        return render_template("kiosk/sms.html", **context)
    try:
        contact = contacts.subscribe(ticket, request.form.get("phone", ""))
    except ValidationError as error:
        context["error"] = error.errors["phone"]
        return render_template("kiosk/sms.html", **context), 422
    except Conflict as error:
        context["error"] = error.message
        return render_template("kiosk/sms.html", **context), 409
    context["subscribed"] = contacts.mask_phone(contact.phone)
    response = make_response(render_template("kiosk/sms.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def _ticket_screen_context(office: Office, ticket: Ticket, place: Place | None = None) -> dict:
    device = devices.current_device()
    return _screen_context(
        office,
        device,
        facts=ticket_facts(ticket, place),
        qr=qr_svg(public_url("kiosk.ticket_status", token=ticket.token)),
        # Only a kiosk really paired (not any browser of a demo) prints by itself.
        autoprint=device is not None and device.kind == "kiosk",
    )


@bp.get("/tickets/<token>.pdf")
def ticket_pdf(token: str):
    ticket = ticket_by_token(token)
    facts = ticket_facts(ticket)
    data = printing.ticket_pdf(
        office_name=ticket.office.name,
        number=facts.number,
        service_name=facts.service_name,
        issued_at=ticket.issued_at,
        people_ahead=facts.people_ahead or 0,
        eta_minutes=facts.eta_minutes or 0,
        status_url=public_url("kiosk.ticket_status", token=ticket.token),
        priority_label=facts.priority.label if facts.priority else None,
        font_path=current_app.config.get("PDF_FONT"),
    )
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        download_name=f"phieu-{facts.number}.pdf",
        max_age=0,
    )


@bp.get("/t/<token>")
def ticket_status(token: str):
    variant = ("ticket", polls.language())
    if is_htmx() and (not_modified := polls.unchanged(*variant)) is not None:
        # The phone's poll every 5 s: its service's version only, not the ticket nor its queue.
        return not_modified
    try:
        ticket = ticket_by_token(token)
    except NotFound:
        return render_template("kiosk/ticket_missing.html"), 404
    etag = polls.ticket_etag(ticket, *variant)
    page = render_page_or_fragment(
        "kiosk/ticket_status.html",
        "kiosk/_ticket_status.html",
        etag=etag,
        **_phone_page_context(ticket),
    )
    return polls.tagged(make_response(page), etag)


def _phone_page_context(ticket: Ticket, contact_error: str | None = None) -> dict:
    contact = contacts.contact_of(ticket)
    return {
        "facts": ticket_facts(ticket),
        "ticket": ticket,
        "office": ticket.office,
        # Only the masked number ever reaches the page.
        "contact_masked": contacts.mask_phone(contact.phone) if contact is not None else None,
        "contact_error": contact_error,
        "almost_due_ahead": contacts.ALMOST_DUE_AHEAD,
    }


@bp.post("/t/<token>/contact")
@contact_limit
def ticket_contact(token: str):
    """The phone page's small form: the number to be told at when the turn comes."""
    ticket = ticket_by_token(token)
    try:
        contacts.subscribe(ticket, request.form.get("phone", ""))
    except (ValidationError, Conflict) as error:
        message = error.errors["phone"] if isinstance(error, ValidationError) else error.message
        context = _phone_page_context(ticket, contact_error=message)
        return render_template("kiosk/ticket_status.html", **context), error.status
    flash(_("Đã đăng ký nhận tin nhắn khi sắp đến lượt."), "success")
    return redirect(url_for("kiosk.ticket_status", token=ticket.token), 303)


@bp.route("/kiosk/pair", methods=["GET", "POST"])
@ratelimit.limit(pairing_rate_limit, methods=("POST",))
def pair():
    if request.method == "GET":
        return render_template("kiosk/pair.html", code="", errors={})
    code = clean(request.form.get("code"))
    try:
        device, secret = devices.pair(code)
    except NotFound as error:
        return render_template("kiosk/pair.html", code=code, errors={"code": error.message}), 422
    response = redirect(_start_page(device), 303)
    return devices.set_device_cookie(response, device, secret)


def _start_page(device: Device) -> str:
    """Where a freshly paired device goes: the counter's rating tablet, or its kiosk screen."""
    if device.kind == "counter_tablet" and "feedback.counter_tablet" in current_app.view_functions:
        return url_for("feedback.counter_tablet", counter_id=device.counter_id)
    return url_for("kiosk.home", office_code=device.office.code)


# --- administration: pairing kiosks and counter tablets -------------------------------------


def _devices_context(form, errors: dict, **extra) -> dict:
    office_ids = visible_office_ids(current_user)
    offices = list(
        db.session.scalars(select(Office).where(Office.id.in_(office_ids)).order_by(Office.id))
    )
    counters = list(
        db.session.scalars(
            select(Counter)
            .where(Counter.office_id.in_(office_ids), Counter.active.is_(True))
            .order_by(Counter.office_id, Counter.number)
        )
    )
    counter_options = [
        (str(c.id), _("%(office)s · Quầy %(number)s", office=c.office.code, number=c.number))
        for c in counters
    ]
    return {
        "devices": devices.devices_of(office_ids),
        "offices": offices,
        "counter_options": counter_options,
        "kinds": devices.DEVICE_KINDS,
        "pair_url": public_url("kiosk.pair"),
        "form": form,
        "errors": errors,
        **extra,
    }


def device_status(device: Device) -> str:
    """revoked, paired, expired (code never used in time) or waiting (for its code to be typed)."""
    if device.revoked_at is not None:
        return "revoked"
    if device.secret_hash is not None:
        return "paired"
    if device.pairing_expires_at is not None and device.pairing_expires_at < clock.now():
        return "expired"
    return "waiting"


@bp.context_processor
def _device_labels() -> dict:
    statuses = {
        "revoked": _("Đã thu hồi"),
        "paired": _("Đã ghép nối"),
        "expired": _("Mã đã hết hạn"),
        "waiting": _("Chờ nhập mã"),
    }
    kinds = {"kiosk": _("Ki-ốt lấy số"), "counter_tablet": _("Máy tính bảng tại quầy")}
    return {
        "device_status": device_status,
        "device_status_label": statuses.get,
        "device_kind_label": lambda kind: kinds.get(kind, kind),
    }


@bp.get("/admin/devices")
@role_required("supervisor", "admin")
def admin_devices():
    return render_template("kiosk/admin_devices.html", **_devices_context({}, {}))


@bp.post("/admin/devices")
@role_required("admin")
def create_device():
    try:
        device, code = devices.create_pairing(*_pairing_arguments(request.form))
    except ValidationError as error:
        context = _devices_context(request.form, error.errors)
        return render_page_or_fragment(
            "kiosk/admin_devices.html", "kiosk/_devices_panel.html", **context
        ), 422
    # The code is shown once, on this answer only: never in a cookie (a flash message would
    # carry it in the signed, readable session cookie) and never in a cache.
    context = _devices_context({}, {}, new_device=device, new_code=code)
    html = render_page_or_fragment(
        "kiosk/admin_devices.html", "kiosk/_devices_panel.html", **context
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def _pairing_arguments(form) -> tuple:
    """(office, kind, name, counter) for create_pairing, refusing offices the admin cannot see."""
    office = db.session.scalar(select(Office).where(Office.code == clean(form.get("office"))))
    if office is None or not can_act_in(current_user, office.id):
        raise ValidationError({"office": _("Chọn một đơn vị.")})
    counter_id = id_or_none(form.get("counter"))
    counter = db.session.get(Counter, counter_id) if counter_id is not None else None
    return office, clean(form.get("kind")), form.get("name", ""), counter


@bp.post("/admin/devices/<int:device_id>/revoke")
@role_required("admin")
def revoke_device(device_id: int):
    device = db.get_or_404(Device, device_id)
    if not can_act_in(current_user, device.office_id):
        raise Forbidden(_("Thiết bị thuộc đơn vị khác."))
    devices.revoke(device)
    if not is_htmx():
        flash(_("Đã thu hồi thiết bị %(name)s.", name=device.name), "success")
        return redirect(url_for("kiosk.admin_devices"), 303)
    return render_template("kiosk/_device_row.html", device=device)
