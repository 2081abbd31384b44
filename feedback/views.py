"""Rating screens (phone, kiosk, counter tablet), the ratings report, and the complaint pages."""

import datetime as dt

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from feedback import complaints, stats
from feedback import ratings as rating_rules
from feedback.complaint_views import register_complaint_views
from feedback.models import SCORES
from feedback.surfaces import (
    SURFACES,
    details_panel,
    kiosk_item,
    kiosk_panel,
    panel,
    phone_panel,
    proof_for,
    rating_from_proof,
    rating_rate_limit,
    require_device,
    tablet_panel,
    ticket_page,
)
from onestop import clock, ratelimit
from onestop.auth import role_required
from onestop.exceptions import Conflict, NotFound, ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx, render_page_or_fragment
from onestop.inputs import db_id
from onestop.models import Office, visible_office_ids
from onestop.security import local_path
from queues import polls
from queues.devices import rate_key
from queues.models import Counter, Ticket
from queues.tickets import ticket_by_token

bp = Blueprint("feedback", __name__)
PANEL = "feedback/_rating_panel.html"
rating_limit = ratelimit.limit(rating_rate_limit, scope="ratings", key=rate_key, methods=("POST",))


@bp.record_once
def _template_globals(state) -> None:
    # Globals, not a context processor: the imported macros of feedback/macros.html see them too.
    state.app.jinja_env.globals.update(
        score_labels=rating_rules.SCORE_LABELS,
        reason_labels=rating_rules.REASON_LABELS,
        channel_labels=rating_rules.CHANNEL_LABELS,
        complaint_status_labels=complaints.STATUS_LABELS,
        complaint_topic_labels=complaints.TOPIC_LABELS,
        complaint_action_labels=complaints.ACTION_LABELS,
        phone_rating_panel=phone_panel,
    )


def _render_panel(context: dict, status: int = 200):
    return render_template(PANEL, panel=context), status


def _closed(surface: str, message: str, back: str):
    """A polite end (already rated, not finished yet...) on the screen rather than an error page."""
    if not is_htmx():
        flash(message, "info")
        return redirect(back, 303)
    return _render_panel(panel(surface, "closed", message=message, back=back))


def _after_tap(surface: str, rating, back: str, endpoint: str, **values):
    """The tap is stored: offer reasons and a comment (htmx), or the same on a page of its own."""
    if not is_htmx():
        return redirect(url_for(endpoint, proof=proof_for(rating), **values), 303)
    return _render_panel(details_panel(surface, rating, back))


def _office_or_404(code: str | None) -> Office:
    office = db.session.scalar(
        select(Office).where(Office.code == (code or "").upper(), Office.active.is_(True))
    )
    if office is None:
        raise NotFound(_("Không tìm thấy đơn vị này."))
    return office


# --- phone ----------------------------------------------------------------------------------------


@bp.post("/t/<token>/rating")
@rating_limit
def rate_phone(token: str):
    ticket = ticket_by_token(token)
    try:
        rating = rating_rules.rate_ticket(
            ticket, rating_rules.form_score(request.form.get("score")), channel="phone"
        )
    except Conflict as refusal:
        return _closed("phone", refusal.message, ticket_page(ticket))
    return _after_tap("phone", rating, ticket_page(ticket), "feedback.rate_phone_page", token=token)


@bp.get("/t/<token>/rating")
def rate_phone_page(token: str):
    """The follow-up of a phone rating as a page of its own, for browsers without JavaScript."""
    ticket = ticket_by_token(token)
    rating = rating_from_proof(request.args.get("proof", ""))
    if rating.ticket_id != ticket.id:
        abort(404)
    return render_template(
        "feedback/rate_phone.html",
        ticket=ticket,
        panel=details_panel("phone", rating, ticket_page(ticket)),
    )


@bp.post("/ratings/details")
@rating_limit
def rating_details():
    surface = request.form.get("surface") if request.form.get("surface") in SURFACES else "phone"
    back = local_path(request.form.get("back"), url_for("main.home"))
    try:
        rating = rating_from_proof(request.form.get("proof", ""))
        if "skip" not in request.form:
            rating_rules.add_details(
                rating, request.form.getlist("reasons"), request.form.get("comment")
            )
    except ValidationError as error:
        return _render_panel(
            details_panel(surface, rating, back, errors=error.errors, form=request.form), 422
        )
    except Conflict as refusal:
        return _closed(surface, refusal.message, back)
    if not is_htmx():
        flash(_("Xin cảm ơn ông/bà đã đánh giá!"), "success")
        return redirect(back, 303)
    return _render_panel(panel(surface, "thanks", rating=rating, back=back))


# --- kiosk ----------------------------------------------------------------------------------------


@bp.get("/rate")
def kiosk_rate():
    """The kiosk's rating screen: type today's ticket number or scan a dossier's QR, then tap."""
    if not request.args.get("office"):
        offices = db.session.scalars(
            select(Office).where(Office.active.is_(True)).order_by(Office.id)
        )
        return render_template("feedback/kiosk_offices.html", offices=list(offices))
    office = _office_or_404(request.args.get("office"))
    if request.args.get("proof"):
        context, status = (
            details_panel(
                "kiosk",
                rating_from_proof(request.args["proof"]),
                url_for("feedback.kiosk_rate", office=office.code),
            ),
            200,
        )
    else:
        context, status = kiosk_panel(office, request.args.get("q", "").strip())
    return render_page_or_fragment(
        "feedback/kiosk_rate.html", PANEL, panel=context, office=office
    ), status


@bp.post("/rate")
@rating_limit
def kiosk_submit():
    office = _office_or_404(request.form.get("office"))
    require_device(office, "kiosk")
    item = kiosk_item(office, request.form.get("item"))
    back = url_for("feedback.kiosk_rate", office=office.code)
    try:
        rating = rating_rules.rate_at_kiosk(
            office, item, rating_rules.form_score(request.form.get("score"))
        )
    except Conflict as refusal:
        return _closed("kiosk", refusal.message, back)
    return _after_tap("kiosk", rating, back, "feedback.kiosk_rate", office=office.code)


# --- counter tablet -------------------------------------------------------------------------------


def _tablet_counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None or not counter.active:
        raise NotFound(_("Không tìm thấy quầy."))
    require_device(counter.office, "counter_tablet", counter)
    return counter


def _tablet_variant(counter_id: int) -> tuple:
    return ("tablet", counter_id, polls.language())


def _tablet_panel(counter: Counter) -> dict:
    etag = polls.current_etag(polls.counter_scope(counter.id), *_tablet_variant(counter.id))
    awaiting = rating_rules.ticket_awaiting_rating(counter)
    # A finished ticket is asked about for a few minutes only: the copy lasts until then.
    until = awaiting.finished_at + rating_rules.TABLET_WINDOW if awaiting is not None else None
    return {**tablet_panel(counter, awaiting), "etag": polls.lasting(etag, until)}


@bp.get("/rate/counter/<int:counter_id>")
def counter_tablet(counter_id: int):
    """The tablet facing the citizen: it asks about the ticket its counter has just finished."""
    counter = _tablet_counter(counter_id)
    back = url_for("feedback.counter_tablet", counter_id=counter.id)
    if request.args.get("proof"):
        context = details_panel("tablet", rating_from_proof(request.args["proof"]), back)
    else:
        context = _tablet_panel(counter)
    return render_page_or_fragment(
        "feedback/counter_tablet.html", PANEL, panel=context, counter=counter
    )


@bp.get("/rate/counter/<int:counter_id>/panel")
def counter_tablet_panel(counter_id: int):
    """Polled by the tablet every 2 s: a 304 while nothing it shows has changed."""
    variant = _tablet_variant(counter_id)
    if is_htmx() and (not_modified := polls.unchanged(*variant, expiring=True)) is not None:
        return not_modified
    counter = _tablet_counter(counter_id)
    context = _tablet_panel(counter)
    page = render_page_or_fragment(
        "feedback/counter_tablet.html", PANEL, panel=context, counter=counter
    )
    return polls.tagged(make_response(page), context["etag"])


@bp.post("/rate/counter/<int:counter_id>")
@rating_limit
def counter_tablet_submit(counter_id: int):
    counter = _tablet_counter(counter_id)
    back = url_for("feedback.counter_tablet", counter_id=counter.id)
    ticket = db.session.get(Ticket, request.form.get("ticket", type=db_id) or 0)
    try:
        if ticket is None or ticket.counter_id != counter.id:
            raise Conflict(_("Phiếu này không được phục vụ tại quầy này."))
        rating = rating_rules.rate_ticket(
            ticket, rating_rules.form_score(request.form.get("score")), channel="tablet"
        )
    except Conflict as refusal:
        return _closed("tablet", refusal.message, back)
    return _after_tap("tablet", rating, back, "feedback.counter_tablet", counter_id=counter.id)


# --- ratings report -------------------------------------------------------------------------------


def _date_arg(name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


def _report_filters() -> tuple[dict, stats.Scope]:
    """Period, office and grouping from the query string, limited to what the user may see."""
    visible = visible_office_ids(current_user)
    end = _date_arg("to", clock.today())
    start = min(_date_arg("from", end - dt.timedelta(days=29)), end)
    office = db.session.scalar(
        select(Office).where(Office.code == request.args.get("office", "").upper())
    )
    if office is not None and office.id not in visible:
        office = None  # another office's ratings: show the user's own offices instead
    office_ids = {office.id} if office is not None else visible
    own = current_user.role == "officer"
    group = (
        request.args.get("group")
        if request.args.get("group") in stats.GROUPS
        else ("service" if own else "office")
    )
    level = request.args.get("level", type=int)
    filters = {
        "office": office.code if office is not None else "",
        "from": start,
        "to": end,
        "group": group,
        "level": level if level in SCORES else None,
        "own": own,
    }
    return filters, stats.Scope(frozenset(office_ids), start, end, current_user.id if own else None)


@bp.get("/ratings")
@role_required("officer", "supervisor", "admin")
def ratings_overview():
    """Officers see their own ratings; supervisors their offices', grouped as they choose."""
    filters, scope = _report_filters()
    offices = list(
        db.session.scalars(
            select(Office)
            .where(Office.id.in_(visible_office_ids(current_user)))
            .order_by(Office.id)
        )
    )
    context = {
        "filters": filters,
        "offices": offices,
        "total": stats.overall(scope),
        "tallies": stats.tally_by(filters["group"], scope),
        "bad_reasons": stats.reason_counts(scope, score=0),
        "recent": stats.recent(scope, limit=30, score=filters["level"], with_comment=True),
    }
    return render_page_or_fragment(
        "feedback/ratings.html", "feedback/_ratings_results.html", **context
    )


register_complaint_views(bp)
