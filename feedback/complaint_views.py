"""Complaint pages: citizens submit and track; staff list, assign, handle, answer and publish."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from feedback import complaint_queries, complaints, handoff
from feedback.models import COMPLAINT_STATUSES, COMPLAINT_TOPICS
from feedback.surfaces import complaint_rate_limit, public_url, require_device
from onestop import audit, ratelimit
from onestop.auth import role_required
from onestop.exceptions import Conflict, Forbidden, NotFound, ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx, render_page_or_fragment
from onestop.inputs import db_id
from onestop.models import Office, User, visible_office_ids
from onestop.pdf import qr_svg
from queues.devices import rate_key

STAFF = ("officer", "supervisor", "admin")


def _offices() -> list[Office]:
    return list(
        db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id))
    )


def complaint_form_context(form, errors: dict, kiosk: bool, done=None) -> dict:
    offices = _offices()
    chosen = done.office.code if done is not None else form.get("office", "")
    context = {
        "form": form,
        "errors": errors,
        "kiosk": kiosk,
        "topics": COMPLAINT_TOPICS,
        "done": done,
        "office_options": [(office.code, office.name) for office in offices],
        "office": next((office for office in offices if office.code == chosen), None),
    }
    if kiosk and done is None and context["office"] is not None:
        context["handoff"] = _handoff(context["office"])
    if done is not None:
        context["status_url"] = public_url(url_for("feedback.complaint_status", code=done.code))
        context["status_qr"] = Markup(qr_svg(context["status_url"]))
    return context


def _handoff(office: Office) -> dict:
    """The QR that takes this office's complaint form to the citizen's own phone."""
    url = public_url(url_for("feedback.complaint_handoff", token=handoff.handoff_token(office)))
    return {
        "url": url,
        "qr": Markup(qr_svg(url)),
        "minutes": int(handoff.HANDOFF_LIFETIME.total_seconds() // 60),
    }


def complaint_handoff(token: str):
    """A phone opening the kiosk's QR: the complaint form of that office, on the phone."""
    try:
        office = handoff.office_of_handoff(token)
    except Conflict as expired:
        flash(expired.message, "info")
        return redirect(url_for("feedback.complaint_new"), 303)
    return redirect(url_for("feedback.complaint_new", office=office.code), 303)


def complaint_new():
    """A citizen's complaint, from a kiosk (``kiosk=1``: paired kiosks only) or any browser."""
    kiosk = request.values.get("kiosk") == "1"
    if request.method == "GET":
        form = {"office": request.args.get("office", "").upper(), "topic": "other"}
        context = complaint_form_context(form, {}, kiosk)
        return render_template("feedback/complaint_new.html", **context)
    office = db.session.scalar(
        select(Office).where(Office.code == request.form.get("office", "").upper())
    )
    if kiosk and office is not None:
        require_device(office, "kiosk")
    try:
        complaint = complaints.submit(
            office,
            request.form.get("subject"),
            request.form.get("text"),
            request.form.get("contact"),
            request.form.get("topic", "other"),
            channel="kiosk" if kiosk else "web",
        )
    except ValidationError as error:
        return render_page_or_fragment(
            "feedback/complaint_new.html",
            "feedback/_complaint_form.html",
            **complaint_form_context(request.form, error.errors, kiosk),
        ), 422
    if is_htmx():
        return render_template(
            "feedback/_complaint_form.html", **complaint_form_context({}, {}, kiosk, done=complaint)
        )
    return redirect(
        url_for(
            "feedback.complaint_status", code=complaint.code, new=1, kiosk=1 if kiosk else None
        ),
        303,
    )


def complaint_track():
    """Find a complaint by the tracking code typed in."""
    code = request.args.get("code", "")
    try:
        complaint = complaint_queries.by_code(code)
    except NotFound as missing:
        form = {"office": "", "topic": "other"}
        return render_template(
            "feedback/complaint_new.html",
            track_error=missing.message,
            track_code=code,
            **complaint_form_context(form, {}, request.args.get("kiosk") == "1"),
        ), 404
    return redirect(url_for("feedback.complaint_status", code=complaint.code), 303)


def complaint_status(code: str):
    """What the holder of a tracking code sees: status, dates and the published answer."""
    complaint = complaint_queries.by_code(code)
    return render_template(
        "feedback/complaint_status.html",
        complaint=complaint,
        view=complaint_queries.public_view(complaint),
        new=request.args.get("new") == "1",
        kiosk=request.args.get("kiosk") == "1",
        status_qr=Markup(qr_svg(public_url(request.path))),
    )


def complaint_list():
    """Complaints of the offices a supervisor leads, or assigned to an officer; overdue first."""
    # Unanswered ones by default: the list is a to-do list.
    status = request.args.get("status", "open")
    status = status if status in (*COMPLAINT_STATUSES, "open") else None
    office = db.session.scalar(
        select(Office).where(Office.code == request.args.get("office", "").upper())
    )
    overdue_only = request.args.get("overdue") == "1"
    rows, total = complaint_queries.for_staff(
        current_user,
        status=status,
        office_id=office.id if office else None,
        only_overdue=overdue_only,
    )
    offices = [o for o in _offices() if o.id in visible_office_ids(current_user)]
    filters = {
        "status": status or "",
        "office": office.code if office else "",
        "overdue": overdue_only,
    }
    return render_page_or_fragment(
        "feedback/complaints.html",
        "feedback/_complaints_table.html",
        complaints=rows,
        total=total,
        offices=offices,
        filters=filters,
        overdue_count=len(complaint_queries.overdue({o.id for o in offices})),
    )


def _managed(code: str):
    complaint = complaint_queries.by_code(code)
    if not complaints.can_manage(current_user, complaint):
        raise Forbidden(_("Bạn không được giao xử lý phản ánh này."))
    return complaint


def _manage_response(complaint, errors: dict | None = None, status: int = 200):
    if not is_htmx() and status < 400:
        return redirect(url_for("feedback.complaint_manage", code=complaint.code), 303)
    context = {
        "complaint": complaint,
        "errors": errors or {},
        "form": request.form,
        "assignees": complaints.assignable_users(complaint),
    }
    return render_page_or_fragment(
        "feedback/complaint_manage.html", "feedback/_complaint_manage.html", **context
    ), status


def complaint_manage(code: str):
    complaint = _managed(code)
    audit.record_view(complaint, complaint.code)
    return render_page_or_fragment(
        "feedback/complaint_manage.html",
        "feedback/_complaint_manage.html",
        complaint=complaint,
        errors={},
        form={},
        assignees=complaints.assignable_users(complaint),
    )


def complaint_action(code: str, action: str):
    """Assign, handle, answer or publish; a refused form comes back with its errors (422)."""
    complaint = _managed(code)
    form = request.form
    try:
        if action == "assign":
            assignee = db.session.get(User, form.get("assignee", type=db_id) or 0)
            complaints.assign(complaint, assignee, current_user, form.get("note", ""))
        elif action == "handle":
            complaints.handle(complaint, current_user, form.get("note", ""))
        elif action == "answer":
            complaints.answer(
                complaint, current_user, form.get("answer", ""), publish=form.get("publish") == "1"
            )
        else:
            complaints.publish(complaint, current_user, published=form.get("published") == "1")
    except ValidationError as error:
        db.session.rollback()
        return _manage_response(complaint, error.errors, 422)
    return _manage_response(complaint)


def register_complaint_views(bp: Blueprint) -> None:
    """Add the complaint routes to the feedback blueprint (endpoints ``feedback.complaint_*``)."""
    bp.add_url_rule(
        "/complaints/new",
        view_func=ratelimit.limit(
            complaint_rate_limit, scope="complaints", key=rate_key, methods=("POST",)
        )(complaint_new),
        methods=["GET", "POST"],
    )
    bp.add_url_rule("/complaints/track", view_func=complaint_track)
    bp.add_url_rule("/c/<token>", view_func=complaint_handoff)
    bp.add_url_rule("/complaints/<code>", view_func=complaint_status)
    bp.add_url_rule(
        "/complaints", endpoint="complaints", view_func=role_required(*STAFF)(complaint_list)
    )
    bp.add_url_rule("/complaints/<code>/manage", view_func=role_required(*STAFF)(complaint_manage))
    for action in ("assign", "handle", "answer", "publish"):
        bp.add_url_rule(
            f"/complaints/<code>/{action}",
            endpoint=f"complaint_{action}",
            view_func=role_required(*STAFF)(complaint_action),
            methods=["POST"],
            defaults={"action": action},
        )
