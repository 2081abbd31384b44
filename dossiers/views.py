"""Officer pages: the dossier list, intake at the counter, a dossier's status and slips, imports."""

import datetime as dt

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from dossiers import admin_views, catalogue, idcard, intake, lifecycle, public_views, queries, slips
from dossiers.blueprint import bp, pdf_response, slip_data
from dossiers.catalogue import ImportRefused
from dossiers.documents import COUNT_FIELDS, documents_from_form
from dossiers.models import CHANNELS, Dossier, Procedure
from dossiers.office_days import calendar_for
from onestop import audit, clock
from onestop.auth import role_required
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx, render_page_or_fragment
from onestop.inputs import id_or_none
from onestop.models import Office, visible_office_ids
from queues.models import Ticket

__all__ = ["bp", "admin_views", "public_views"]  # the route modules register themselves on bp

OFFICER_ROLES = ("officer", "supervisor", "admin")
SLIPS = {
    "receipt": (slips.receipt_pdf, "giay-tiep-nhan"),
    "supplement": (slips.supplement_pdf, "phieu-yeu-cau-bo-sung"),
    "rejection": (slips.rejection_pdf, "phieu-tu-choi"),
    "apology": (slips.apology_pdf, "phieu-xin-loi"),
}


def _user():
    return current_user._get_current_object()


def _visible_offices() -> list[Office]:
    ids = visible_office_ids(_user())
    return list(
        db.session.scalars(
            select(Office)
            .where(Office.id.in_(ids), Office.active.is_(True))
            .order_by(Office.parent_id.is_not(None), Office.code)
        )
    )


def _chosen_office(value) -> Office:
    """The office picked in a form among the user's, or the user's own."""
    offices = {str(o.id): o for o in _visible_offices()}
    return offices.get(str(value or "")) or _user().office


def _visible_or_404(code: str) -> Dossier:
    dossier = queries.visible_dossier(_user(), code)
    if dossier is None:
        abort(404)
    return dossier


@bp.get("/dossiers")
@role_required(*OFFICER_ROLES)
def index():
    filters = queries.DossierFilters.from_args(request.args)
    now, today = clock.now(), clock.today()
    rows, total = queries.list_dossiers(_user(), filters, now, today)
    offices = _visible_offices()
    procedures = db.session.scalars(
        select(Procedure)
        .where(Procedure.offices.any(Office.id.in_([o.id for o in offices])))
        .order_by(Procedure.field, Procedure.name)
    )
    args = request.args.to_dict()
    return render_page_or_fragment(
        "dossiers/index.html",
        "dossiers/_list.html",
        filters=filters,
        rows=rows,
        total=total,
        counts=queries.summary(_user(), filters.office_id, now, today),
        offices=offices,
        procedures=list(procedures),
        channels=CHANNELS,
        page_size=queries.PAGE_SIZE,
        page_url=lambda page: url_for("dossiers.index", **{**args, "page": page}),
    )


# Rows for papers outside the procedure's components (a power of attorney, …).
EXTRA_PAPER_ROWS = 2


def checklist(component_names: list[str], form) -> list[dict]:
    """The paper rows of a form: each component, then free rows, with what was posted."""
    posted = {row["name"]: row for row in documents_from_form(form) if row["name"].strip()}
    empty = dict.fromkeys(COUNT_FIELDS, "")
    rows = [
        {**empty, **posted.pop(name, {}), "name": name, "fixed": True} for name in component_names
    ]
    extra = [{**row, "fixed": False} for row in posted.values()]
    extra += [{**empty, "name": "", "fixed": False}] * max(EXTRA_PAPER_ROWS - len(extra), 0)
    return rows + extra


def _intake_context(form, errors: dict) -> dict:
    office = _chosen_office(form.get("office"))
    ticket = None
    if (ticket_id := id_or_none(form.get("ticket"))) is not None:
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is not None and ticket.office_id in visible_office_ids(_user()):
            office = ticket.office
        else:
            ticket = None
    procedures = catalogue.search_procedures(office=office)
    service = f"{ticket.service.name} – {ticket.service.field}" if ticket is not None else ""
    fields: dict[str, list[Procedure]] = {}
    # The ticket's service comes first: its procedures are the likely ones.
    for procedure in sorted(
        procedures, key=lambda p: (not catalogue.field_matches(p.field, service), p.field, p.name)
    ):
        fields.setdefault(procedure.field, []).append(procedure)
    selected = next((p for p in procedures if p.code == form.get("procedure")), None)
    return {
        "form": form,
        "errors": errors,
        "office": office,
        "offices": _visible_offices(),
        "ticket": ticket,
        "fields": fields,
        "procedure": selected,
        "channels": CHANNELS,
        "preview_due": calendar_for(office).due_date(
            clock.now(), selected.processing_time, selected.processing_unit
        )
        if selected
        else None,
        "papers": checklist(selected.document_list if selected else [], form),
    }


def _applicant(form) -> intake.Applicant:
    return intake.Applicant(
        address=form.get("address", ""),
        email=form.get("email", ""),
        id_number=form.get("id_number", ""),
        documents=tuple(documents_from_form(form)),
        notify=form.get("notify") == "1",
    )


def _filled_from_card(form, holder: idcard.CardHolder) -> dict:
    """The form as posted, with the card holder's name, ID number and address."""
    filled = {key: form.getlist(key) for key in form}
    filled.update(
        applicant_name=[holder.full_name],
        id_number=[holder.id_number],
        address=[holder.address],
        scan=[""],
    )
    return MultiDict([(key, value) for key, values in filled.items() for value in values])


def _render_intake(form, errors: dict, status: int, notice: str = ""):
    template = "dossiers/_intake_form.html" if is_htmx() else "dossiers/new.html"
    return render_template(template, notice=notice, **_intake_context(form, errors)), status


@bp.route("/dossiers/new", methods=["GET", "POST"])
@role_required(*OFFICER_ROLES)
def new():
    if request.method == "GET":
        return render_page_or_fragment(
            "dossiers/new.html", "dossiers/_intake_form.html", **_intake_context(request.args, {})
        )
    if request.form.get("action") == "refresh":  # another office picked: show its procedures
        return _render_intake(request.form, {}, 200)
    if request.form.get("scan", "").strip():
        # Without JavaScript the scanner's Enter posts the form: fill it from the card, show it
        # again, and take nothing in yet.
        try:
            holder = idcard.parse_id_card_qr(request.form.get("scan", ""), clock.today())
        except ValidationError as error:
            return _render_intake(request.form, error.errors, 422)
        notice = _("Đã điền họ tên, số định danh và địa chỉ từ thẻ căn cước.")
        return _render_intake(_filled_from_card(request.form, holder), {}, 200, notice)
    context = _intake_context(request.form, {})
    try:
        dossier = intake.receive_dossier(
            context["office"],
            request.form.get("procedure", ""),
            request.form.get("applicant_name", ""),
            request.form.get("phone", ""),
            request.form.get("channel", ""),
            request.form.get("documents_reused") == "1",
            _user(),
            ticket=context["ticket"],
            applicant=_applicant(request.form),
        )
    except ValidationError as error:
        db.session.rollback()
        return _render_intake(request.form, error.errors, 422)
    flash(
        _(
            "Đã tiếp nhận hồ sơ %(code)s. Hãy in Giấy tiếp nhận và hẹn trả kết quả.",
            code=dossier.code,
        ),
        "success",
    )
    return _go_to(url_for("dossiers.detail", code=dossier.code))


def _go_to(target: str):
    """Leave a form for another page: a real redirect, or a full navigation for htmx."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


@bp.route("/dossiers/procedure-info", methods=["GET", "POST"])
@role_required(*OFFICER_ROLES)
def procedure_info():
    # The procedure's facts, and its components as the paper checklist (out of band). The
    # form posts itself here, so the applicant's fields it carries never land in a URL.
    form = request.form if request.method == "POST" else request.args
    return render_template("dossiers/_procedure_change.html", **_intake_context(form, {}))


@bp.post("/dossiers/id-card")
@role_required(*OFFICER_ROLES)
def id_card():
    """Read a scanned ID card QR for the intake form's script: the fields to fill, as JSON."""
    try:
        holder = idcard.parse_id_card_qr(request.form.get("scan", ""), clock.today())
    except ValidationError as error:
        return jsonify({"error": {"code": "invalid", "message": error.errors["scan"]}}), 422
    return jsonify(
        {
            "applicant_name": holder.full_name,
            "id_number": holder.id_number,
            "address": holder.address,
            "message": _("Đã điền họ tên, số định danh và địa chỉ từ thẻ căn cước."),
        }
    )


@bp.get("/dossiers/<code>")
@role_required(*OFFICER_ROLES)
def detail(code: str):
    dossier = _visible_or_404(code)
    audit.record_view(dossier, dossier.code)
    return render_template("dossiers/detail.html", dossier=dossier, errors={}, form={})


def _panel(dossier: Dossier, errors: dict | None = None, form=None, status: int = 200):
    context = {"dossier": dossier, "errors": errors or {}, "form": form or {}}
    if is_htmx():
        return render_template("dossiers/_panel.html", **context), status
    if status != 200:
        return render_template("dossiers/detail.html", **context), status
    return redirect(url_for("dossiers.detail", code=dossier.code), 303)


@bp.post("/dossiers/<code>/status")
@role_required(*OFFICER_ROLES)
def change_status(code: str):
    dossier = _visible_or_404(code)
    try:
        lifecycle.change_status(
            dossier, request.form.get("status", ""), _user(), request.form.get("note", "")
        )
    except ValidationError as error:
        db.session.rollback()
        return _panel(dossier, error.errors, request.form, 422)
    return _panel(dossier)


@bp.post("/dossiers/<code>/supplement")
@role_required(*OFFICER_ROLES)
def supplement(code: str):
    dossier = _visible_or_404(code)
    try:
        lifecycle.request_supplement(
            dossier, documents_from_form(request.form), request.form.get("reason", ""), _user()
        )
    except ValidationError as error:
        db.session.rollback()
        return _panel(dossier, error.errors, request.form, 422)
    return _panel(dossier)


@bp.post("/dossiers/<code>/apology")
@role_required(*OFFICER_ROLES)
def apology(code: str):
    dossier = _visible_or_404(code)
    try:
        new_date = dt.date.fromisoformat(request.form.get("new_date", ""))
    except ValueError:
        return _panel(dossier, {"new_date": _("Chọn ngày hẹn mới.")}, request.form, 422)
    try:
        lifecycle.issue_apology(dossier, new_date, request.form.get("reason", ""), _user())
    except ValidationError as error:
        db.session.rollback()
        return _panel(dossier, error.errors, request.form, 422)
    return _panel(dossier)


def slip_available(dossier: Dossier, kind: str) -> bool:
    return {
        "receipt": True,
        "supplement": bool(dossier.supplements),
        "rejection": dossier.status == "rejected",
        "apology": dossier.apology_date is not None,
    }.get(kind, False)


@bp.get("/dossiers/<code>/<kind>.pdf")
@role_required(*OFFICER_ROLES)
def slip(code: str, kind: str):
    dossier = _visible_or_404(code)
    if kind not in SLIPS or not slip_available(dossier, kind):
        abort(404)
    builder, name = SLIPS[kind]
    audit.record_view(dossier, f"{dossier.code} {kind}.pdf", action="export")
    return pdf_response(
        builder(slip_data(dossier), current_app.config["PDF_FONT"]), f"{dossier.code}-{name}.pdf"
    )


@bp.route("/dossiers/import", methods=["GET", "POST"])
@role_required(*OFFICER_ROLES)
def import_dossiers():
    context = {
        "offices": _visible_offices(),
        "office": _chosen_office(request.form.get("office")),
        "refused": [],
        "created": [],
    }
    if request.method == "GET":
        return render_template("dossiers/import.html", **context)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        context["refused"] = [(0, _("Chọn một tệp CSV hoặc JSON."))]
        return render_page_or_fragment(
            "dossiers/import.html", "dossiers/_import_result.html", **context
        ), 422
    try:
        context["created"] = intake.import_dossiers(
            context["office"], upload.filename, upload.read(catalogue.MAX_IMPORT_BYTES + 1), _user()
        )
    except ImportRefused as error:
        db.session.rollback()
        context["refused"] = error.rows
        return render_page_or_fragment(
            "dossiers/import.html", "dossiers/_import_result.html", **context
        ), 422
    return render_page_or_fragment(
        "dossiers/import.html", "dossiers/_import_result.html", **context
    )


@bp.context_processor
def _slip_helpers() -> dict:
    return {"slip_available": slip_available, "checklist": checklist}
