"""Feedback in the public JSON API: rating a ticket, submitting and tracking a complaint."""

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from feedback import complaint_queries, complaints
from feedback import ratings as rating_rules
from feedback.surfaces import complaint_rate_limit, public_url, rating_rate_limit
from onestop import ratelimit
from onestop.exceptions import ValidationError
from onestop.extensions import csrf, db
from onestop.inputs import json_object
from onestop.models import Office
from queues.devices import rate_key
from queues.tickets import ticket_by_token

api_bp = Blueprint("feedback_api", __name__, url_prefix="/api/v1")
# Public endpoints: the ticket's unguessable token (or the tracking code) is the
# capability, the rate limit the brake; no session, so no CSRF token either.
csrf.exempt(api_bp)


def rating_json(rating) -> dict:
    return {
        "id": rating.id,
        "ticket": rating.ticket.display_number if rating.ticket else None,
        "score": rating.score,
        "label": str(rating_rules.SCORE_LABELS[rating.score]),
        "reasons": rating.reason_list,
        "comment": rating.comment,
        "channel": rating.channel,
        "created_at": rating.created_at.isoformat(),
    }


@api_bp.post("/tickets/<token>/rating")
@ratelimit.limit(rating_rate_limit, scope="ratings", key=rate_key)
def rate_ticket(token: str):
    """``{"score": 0|1|2, "comment", "reasons"?}`` → 201; rated again or not finished → 409."""
    body = json_object()
    reasons = body.get("reasons") or []
    if not isinstance(reasons, list):
        raise ValidationError({"reasons": _("Lý do phải là một danh sách.")})
    ticket = ticket_by_token(token)
    rating = rating_rules.rate_ticket(
        ticket, body.get("score"), reasons, body.get("comment") or "", channel="api"
    )
    return jsonify(rating_json(rating)), 201


@api_bp.post("/complaints")
@ratelimit.limit(complaint_rate_limit, scope="complaints", key=rate_key)
def submit_complaint():
    """``{"office", "subject", "text", "contact"?, "topic"?}`` → 201 ``{code, status, url}``."""
    body = json_object()
    office = db.session.scalar(
        select(Office).where(Office.code == str(body.get("office") or "").upper())
    )
    complaint = complaints.submit(
        office,
        body.get("subject"),
        body.get("text"),
        body.get("contact") or "",
        body.get("topic") or "other",
        channel="api",
    )
    view = complaint_queries.public_view(complaint)
    view["url"] = public_url(url_for("feedback.complaint_status", code=complaint.code))
    return jsonify(view), 201


@api_bp.get("/complaints/<code>")
def complaint_status(code: str):
    """Status and dates of a complaint, and its answer once published; never the contact."""
    return jsonify(complaint_queries.public_view(complaint_queries.by_code(code)))
