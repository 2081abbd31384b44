"""Queue pages: the counter console, the hall's display board, admin of services and counters."""

import datetime as dt
import functools
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from onestop import clock
from onestop.auth import role_required, session_user_id
from onestop.exceptions import Conflict, NotFound, ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx, render_page_or_fragment
from onestop.inputs import db_id
from onestop.models import Office, visible_office_ids
from queues import board as board_model
from queues import configure, floor, hours, polls, speech, tickets, waiting
from queues.models import Counter, Service, Ticket

bp = Blueprint("queues", __name__)
# The first request of a new day ends what earlier days left waiting (queues.hours).
bp.before_request(hours.end_past_days)

STAFF = ("officer", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")
CONSOLE_COPY_LASTS = dt.timedelta(minutes=1)
TICKET_ACTIONS = {
    "recall": tickets.recall,
    "no-show": tickets.no_show,
    "requeue": tickets.requeue,
    "start": tickets.start,
    "finish": tickets.finish,
}


# --- counter console -----------------------------------------------------------------------------


def _my_counter() -> Counter | None:
    return db.session.scalar(
        select(Counter)
        .where(Counter.officer_id == current_user.id, Counter.active.is_(True))
        .options(joinedload(Counter.office))  # the console shows it: not a read of its own
    )


def _required_counter() -> Counter:
    counter = _my_counter()
    if counter is None:
        raise Conflict(_("Bạn chưa nhận quầy. Hãy chọn quầy làm việc trước."), "no_counter")
    return counter


def console_signature(current: Ticket | None) -> str:
    """A short mark of what the console's current-ticket panel shows; the poll compares it.

    A recall or a new call of the same ticket (after a no-show or a transfer) moves last_called_at.
    """
    if current is None:
        return "none"
    return f"{current.id}:{current.status}:{current.recall_count}:{current.last_called_at}"


def _console_variant(user_id: str) -> tuple:
    return ("console", user_id, polls.language())


def _console_etag(counter: Counter) -> str:
    """The tag of a console about to be rendered; its counter's services are read after it."""
    etag = polls.console_etag(counter.id, *_console_variant(str(current_user.id)))
    db.session.expire(counter, ["services"])
    # Waits are shown in whole minutes as of now: a copy lasts a minute.
    return polls.lasting(etag, clock.now() + CONSOLE_COPY_LASTS)


def _console_context(counter: Counter, notice: str | None = None, ask: dict | None = None) -> dict:
    etag = _console_etag(counter)
    office = counter.office
    dossier_endpoint = "dossiers.new" if "dossiers.new" in current_app.view_functions else None
    current = tickets.current_ticket(counter)
    queue = waiting.counter_queue(counter)
    return {
        "counter": counter,
        "office": office,
        "current": current,
        "shown": console_signature(current),
        "lists": queue.lists,
        "no_shows": queue.no_shows,
        "stats": waiting.counter_stats(counter, office.wait_target_min),
        # Asked for only where the current ticket's panel is rendered: not by most polls.
        "transfer_services": functools.partial(waiting.active_services, office.id),
        "target": office.wait_target_min,
        "now": clock.now(),
        "wait_of": waiting.ticket_wait,
        "notice": notice,
        "ask": ask,
        "dossier_endpoint": dossier_endpoint,
        "etag": etag,
        "status_labels": tickets.STATUS_LABELS,
        "priority_labels": tickets.PRIORITY_LABELS,
    }


def _console_response(counter: Counter, notice: str | None = None):
    if not is_htmx():
        if notice:
            session["console_notice"] = notice
        return redirect(url_for("queues.console"), 303)
    context = _console_context(counter, notice)
    return render_template("queues/_console_current.html", **context) + render_template(
        "queues/_console_queue.html", oob=True, **context
    )


@bp.get("/counter")
@role_required(*STAFF)
def console():
    counter = _my_counter()
    if counter is None:
        counters = configure.counters_of(current_user.office_id)
        return render_template("queues/counter_pick.html", counters=counters)
    return render_template(
        "queues/console.html", **_console_context(counter, session.pop("console_notice", None))
    )


def _staff_poll_unchanged(
    variant, office: tuple[int, int] | None = None, expiring: bool = False
) -> Response | None:
    """A 304 for a staff screen's poll whose copy is current, else None.

    Asked before the login is checked in the database: the tag is bound to the user that the
    signed session names (``variant`` makes it from that id), and a 304 tells nothing the
    browser does not hold. A user signed out or deactivated meanwhile meets the check at the
    next change the screen shows.
    """
    user_id = session_user_id()
    if user_id is None:
        return None
    return polls.unchanged(*variant(user_id), office=office, expiring=expiring)


@bp.get("/counter/live")
def console_live():
    # The poll every 3 s of each console: the version's lookup, nothing read or rendered.
    unchanged = _staff_poll_unchanged(_console_variant, expiring=True) if is_htmx() else None
    if unchanged is not None:
        return unchanged
    return _console_live()  # without htmx, the whole console


@role_required(*STAFF)
def _console_live():
    counter = _my_counter()
    if counter is None and is_htmx():
        # Signed out elsewhere (another tab, a supervisor): back to the counter picker
        # rather than an error at every poll.
        return Response(status=204, headers={"HX-Redirect": url_for("queues.console")})
    if counter is None:
        return redirect(url_for("queues.console"), 303)
    context = _console_context(counter)
    if not is_htmx():
        return render_template("queues/console.html", **context)
    queue = render_template("queues/_console_queue.html", **context)
    # The panel is re-sent only when its ticket moved elsewhere (API, another tab, the day's end):
    # re-sending it every poll would reset a transfer service the officer is choosing.
    if request.args.get("shown") != context["shown"]:
        queue += render_template("queues/_console_current.html", oob=True, **context)
    return polls.tagged(Response(queue), context["etag"])


@bp.post("/counter/sign-in")
@role_required(*STAFF)
def sign_in():
    counter = db.session.get(Counter, request.form.get("counter", type=db_id) or 0)
    if counter is None:
        raise NotFound(_("Không tìm thấy quầy."))
    configure.sign_in(counter, current_user)
    return redirect(url_for("queues.console"), 303)


@bp.post("/counter/sign-out")
@role_required(*STAFF)
def sign_out():
    configure.sign_out(_required_counter(), current_user)
    return redirect(url_for("queues.console"), 303)


@user_logged_out.connect
def _leave_counter_on_logout(_app, user, **_extra) -> None:
    if user is not None and getattr(user, "id", None) is not None:
        configure.leave_counters(user)


def _unsettled_arrival(counter: Counter):
    """Ask whether the called citizen came before calling someone else, unless answered.

    The answer comes back to the same URL with ``outcome`` and the ``ticket`` it is about;
    an answer about another ticket (the counter called someone else meanwhile) asks again.
    Returns the page that asks, or None once the answer is given and applied.
    """
    pending = tickets.awaiting_arrival(counter)
    outcome = request.form.get("outcome") or None
    asked = request.form.get("ticket", type=int)
    if pending is not None and (outcome is None or asked != pending.id):
        context = _console_context(counter, ask={"ticket": pending, "url": request.path})
        if is_htmx():
            return render_template("queues/_console_current.html", **context)
        # Without JavaScript: the console itself, its panel showing the two answers.
        return render_template("queues/console.html", **context)
    tickets.settle_arrival(counter, current_user, outcome, asked)
    return None


@bp.post("/counter/call-next")
@role_required(*STAFF)
def console_call_next():
    counter = _required_counter()
    if (question := _unsettled_arrival(counter)) is not None:
        return question
    called = tickets.call_next(counter, current_user)
    return _console_response(counter, None if called else _("Không có ai đang chờ."))


@bp.post("/counter/tickets/<int:ticket_id>/<action>")
@role_required(*STAFF)
def console_action(ticket_id: int, action: str):
    counter = _required_counter()
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("Không tìm thấy số thứ tự."))
    if action == "call":
        if (question := _unsettled_arrival(counter)) is not None:
            return question
        tickets.call_ticket(ticket, counter, current_user)
    elif action == "transfer":
        tickets.transfer(ticket, request.form.get("service", ""), current_user)
    elif action in TICKET_ACTIONS:
        TICKET_ACTIONS[action](ticket, current_user)
    else:
        abort(404)
    return _console_response(counter)


# --- display board -------------------------------------------------------------------------------


def _board_etag(office_id: int, version: int) -> str:
    return polls.etag(office_id, version, "board", polls.language())


def _board_context(office: Office) -> dict:
    now = clock.now()
    state = board_model.board_state(office)
    hero = board_model.hero_call(state["calls"], now, current_app.config["BOARD_HERO_SECONDS"])
    return {"office": office, "now": now, "hero": hero, "speech_key": speech.phrase_key, **state}


@bp.get("/board/<office_code>")
def board(office_code: str):
    found = board_model.office_version(office_code)
    if found is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=office_code))
    office = db.session.get(Office, found[0])
    return render_template("queues/board.html", etag=_board_etag(*found), **_board_context(office))


@bp.get("/board/<office_code>/live")
def board_live(office_code: str):
    found = board_model.office_version(office_code)
    if found is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=office_code))
    if (not_modified := polls.unchanged("board", polls.language(), office=found)) is not None:
        return not_modified
    office = db.session.get(Office, found[0])
    page = render_template("queues/_board.html", **_board_context(office))
    return polls.tagged(Response(page), _board_etag(*found))


@bp.get("/board/<office_code>/speech/<key>.wav")
def board_speech(office_code: str, key: str):
    """A call said aloud, rendered on its first request and then served from the instance folder."""
    if board_model.office_version(office_code) is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=office_code))
    config = current_app.config
    path = speech.speech_file(
        speech.parse_key(key),
        Path(current_app.instance_path) / "speech",
        config["SPEECH_CACHE_BYTES"],
        config["SPEECH_TIMEOUT_SECONDS"],
    )
    # The file's name is a digest of the words and the voice: it is the ETag (the file's time
    # moves with each use). Boards may keep it for a day and revalidate after.
    return send_file(path, mimetype="audio/wav", max_age=86400, conditional=True, etag=path.stem)


# --- the floor, for supervisors ------------------------------------------------------------------


def _floor_found(office_code: str) -> tuple[int, int]:
    """(office id, board version) of an office the user may supervise; NotFound otherwise."""
    found = board_model.office_version(office_code)
    if found is None or found[0] not in visible_office_ids(current_user):
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=office_code))
    return found


def _floor_variant(user_id: str) -> tuple:
    # Durations are counted on by the page from the instants given: the version says it all.
    return ("floor", user_id, polls.language())


def _floor_context(office_id: int) -> dict:
    etag = polls.current_etag(office_id, *_floor_variant(str(current_user.id)))
    office = db.session.get(Office, office_id)
    return {
        "office": office,
        "floor": floor.floor_state(office),
        "now": clock.now(),
        "etag": etag,
        "status_labels": tickets.STATUS_LABELS,
    }


@bp.get("/floor")
@role_required(*SUPERVISORS)
def floor_home():
    return redirect(url_for("queues.floor_view", office_code=current_user.office.code))


@bp.get("/floor/<office_code>")
@role_required(*SUPERVISORS)
def floor_view(office_code: str):
    context = _floor_context(_floor_found(office_code)[0])
    offices = db.session.scalars(
        select(Office)
        .where(Office.id.in_(visible_office_ids(current_user)), Office.active.is_(True))
        .order_by(Office.parent_id.is_not(None), Office.code)
    )
    return render_template("queues/floor.html", offices=list(offices), **context)


@bp.get("/floor/<office_code>/live")
def floor_live(office_code: str):
    found = board_model.office_version(office_code)
    if found is not None:
        if (not_modified := _staff_poll_unchanged(_floor_variant, found)) is not None:
            return not_modified
    return _floor_live(office_code)


@role_required(*SUPERVISORS)
def _floor_live(office_code: str):
    context = _floor_context(_floor_found(office_code)[0])
    return polls.tagged(Response(render_template("queues/_floor.html", **context)), context["etag"])


# --- administration of services and counters -----------------------------------------------------


def _admin_office() -> Office:
    code = (request.values.get("office") or current_user.office.code).upper()
    office = db.session.scalar(select(Office).where(Office.code == code))
    if office is None or office.id not in visible_office_ids(current_user):
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=code))
    return office


def _admin_context(office: Office, **extra) -> dict:
    offices = db.session.scalars(
        select(Office)
        .where(Office.id.in_(visible_office_ids(current_user)))
        .order_by(Office.parent_id.is_not(None), Office.code)
    )
    return {
        "office": office,
        "offices": list(offices),
        "services": configure.services_of(office.id),
        "counters": configure.counters_of(office.id),
        "hours_form": hours.form_of(hours.week_of(office.id)),
        "hours_errors": {},
        "weekday_names": hours.WEEKDAY_NAMES,
        "service_form": {},
        "counter_form": {},
        "service_errors": {},
        "counter_errors": {},
        **extra,
    }


@bp.get("/admin/services")
@role_required("admin")
def admin_services():
    return render_template("queues/admin.html", **_admin_context(_admin_office()))


@bp.post("/admin/hours")
@role_required("admin")
def admin_hours():
    office = _admin_office()
    try:
        hours.save_week(office, request.form, current_user)
    except ValidationError as error:
        context = _admin_context(office, hours_form=request.form, hours_errors=error.errors)
        return render_template("queues/admin.html", **context), 422
    flash(_("Đã lưu giờ làm việc của %(office)s.", office=office.name), "success")
    return _back_to_admin(office)


@bp.post("/admin/services/new")
@role_required("admin")
def admin_create_service():
    office = _admin_office()
    try:
        configure.save_service(office, request.form, current_user)
    except ValidationError as error:
        context = _admin_context(office, service_form=request.form, service_errors=error.errors)
        return render_page_or_fragment(
            "queues/admin.html", "queues/_admin_services.html", **context
        ), 422
    return (
        _admin_saved(office, "queues/_admin_services.html") if is_htmx() else _back_to_admin(office)
    )


@bp.post("/admin/counters/new")
@role_required("admin")
def admin_create_counter():
    office = _admin_office()
    form = {**request.form, "services": request.form.getlist("services")}
    try:
        configure.save_counter(office, form, current_user)
    except ValidationError as error:
        context = _admin_context(office, counter_form=form, counter_errors=error.errors)
        return render_page_or_fragment(
            "queues/admin.html", "queues/_admin_counters.html", **context
        ), 422
    return (
        _admin_saved(office, "queues/_admin_counters.html") if is_htmx() else _back_to_admin(office)
    )


def _admin_saved(office: Office, fragment: str):
    return render_template(fragment, **_admin_context(office))


def _back_to_admin(office: Office):
    return redirect(url_for("queues.admin_services", office=office.code), 303)


def _service_values(service: Service) -> dict:
    return {
        "code": service.code,
        "letter": service.letter,
        "name": service.name,
        "ordering": service.ordering,
        "default_service_min": service.default_service_min,
        "active": "1" if service.active else "",
        "last_ticket": hours.hhmm(service.last_ticket) if service.last_ticket else "",
    }


def _counter_values(counter: Counter) -> dict:
    return {
        "number": counter.number,
        "name": counter.name,
        "is_open": "1" if counter.is_open else "",
        "services": [str(service.id) for service in counter.services],
    }


def _row(kind: str, obj, form: dict | None = None, errors: dict | None = None, status: int = 200):
    office = obj.office
    if form is None:
        return render_template(f"queues/_admin_{kind}_row.html", obj=obj, office=office), status
    context = _admin_context(office, obj=obj, form=form, errors=errors or {})
    return render_page_or_fragment(
        "queues/admin_edit.html", f"queues/_admin_{kind}_form.html", kind=kind, **context
    ), status


@bp.route("/admin/services/<int:service_id>", methods=["GET", "POST"])
@bp.get("/admin/services/<int:service_id>/edit", endpoint="admin_edit_service")
@role_required("admin")
def admin_service(service_id: int):
    service = db.get_or_404(Service, service_id)
    if request.method == "GET":
        form = _service_values(service) if request.endpoint == "queues.admin_edit_service" else None
        return _row("service", service, form)
    try:
        configure.save_service(service.office, request.form, current_user, service)
    except ValidationError as error:
        return _row("service", service, request.form, error.errors, 422)
    return _row("service", service) if is_htmx() else _back_to_admin(service.office)


@bp.route("/admin/counters/<int:counter_id>", methods=["GET", "POST"])
@bp.get("/admin/counters/<int:counter_id>/edit", endpoint="admin_edit_counter")
@role_required("admin")
def admin_counter(counter_id: int):
    counter = db.get_or_404(Counter, counter_id)
    if request.method == "GET":
        form = _counter_values(counter) if request.endpoint == "queues.admin_edit_counter" else None
        return _row("counter", counter, form)
    form = {**request.form, "services": request.form.getlist("services")}
    try:
        configure.save_counter(counter.office, form, current_user, counter)
    except ValidationError as error:
        return _row("counter", counter, form, error.errors, 422)
    return _row("counter", counter) if is_htmx() else _back_to_admin(counter.office)
