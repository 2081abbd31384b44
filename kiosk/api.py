"""The kiosk's JSON API: take a ticket, follow it, give a number for its messages (DESIGN.md 6)."""

import datetime as dt

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _

from kiosk.citizen import public_url, ticket_facts
from kiosk.limits import contact_limit, ticket_limit
from onestop.extensions import csrf
from onestop.inputs import BadRequestBody, json_object
from queues import contacts, devices, hours, polls, tickets
from queues.tickets import Issued, ticket_by_token

api_bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1")
# The first request of a new day ends what earlier days left waiting (queues.hours).
api_bp.before_request(hours.end_past_days)
# Kiosk writes are authorised by the paired device's cookie (or demo mode), not a form token.
csrf.exempt(api_bp)


def _iso(instant: dt.datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def _parse_ticket_request(body) -> tuple[str, bool, str | None, str | None]:
    """(service, priority, priority_reason, request_id) from the body, or BadRequestBody."""
    if not isinstance(body, dict):
        raise BadRequestBody(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    service, priority = body.get("service"), body.get("priority", False)
    reason, request_id = body.get("priority_reason"), body.get("request_id")
    if not isinstance(service, str) or not service.strip():
        raise BadRequestBody(_("Thiếu mã dịch vụ (service)."))
    if (
        not isinstance(priority, bool)
        or not isinstance(reason, str | None)
        or not isinstance(request_id, str | None)
    ):
        raise BadRequestBody(
            _("priority phải là true/false; priority_reason và request_id phải là chuỗi.")
        )
    if "priority" in body and not priority:
        reason = None  # an explicit "priority": false wins over a stray reason
    return service.strip(), priority or reason is not None, reason, request_id


def issued_json(issued: Issued) -> dict:
    """The public view of a ticket just issued (201 body)."""
    ticket, place = issued.ticket, issued.place
    return {
        "id": ticket.id,
        "number": ticket.display_number,
        "service": ticket.service.code,
        "office": ticket.office.code,
        "issued_at": _iso(ticket.issued_at),
        "status": ticket.status,
        "position": place.people_ahead,
        "eta_minutes": place.eta_minutes,
        "priority": ticket.priority,
        "priority_reason": ticket.priority_reason,
        "token": ticket.token,
        "url": public_url("kiosk.ticket_status", token=ticket.token),
        "pdf_url": public_url("kiosk.ticket_pdf", token=ticket.token),
    }


@api_bp.post("/offices/<office_code>/tickets")
@ticket_limit
def issue(office_code: str):
    service_code, priority, reason, request_id = _parse_ticket_request(
        request.get_json(silent=True)
    )
    issued = tickets.issue(
        office_code,
        service_code,
        priority=priority,
        priority_reason=reason,
        request_id=request_id,
        device=devices.claim(),
    )
    response = jsonify(issued_json(issued))
    response.status_code = 201
    response.headers["Location"] = url_for("kiosk_api.ticket", token=issued.ticket.token)
    return response


@api_bp.get("/tickets/<token>")
def ticket(token: str):
    if (not_modified := polls.unchanged("ticket-api")) is not None:
        return not_modified
    ticket = ticket_by_token(token)
    etag = polls.ticket_etag(ticket, "ticket-api")
    facts = ticket_facts(ticket)
    body = {
        "number": facts.number,
        "status": ticket.status,
        "position": facts.people_ahead,
        "eta_minutes": facts.eta_minutes,
        "counter": facts.counter_number,
        "service": ticket.service.code,
        "issued_at": _iso(ticket.issued_at),
        "called_at": _iso(ticket.called_at),
        "finished_at": _iso(ticket.finished_at),
    }
    return polls.tagged(jsonify(body), etag)


@api_bp.post("/tickets/<token>/contact")
@contact_limit
def ticket_contact(token: str):
    """``{"phone"}`` → 201 with the number masked; a ticket no longer waiting → 409."""
    body = json_object()
    ticket = ticket_by_token(token)
    contact = contacts.subscribe(ticket, body.get("phone"))
    return jsonify(
        {
            "number": ticket.display_number,
            "phone": contacts.mask_phone(contact.phone),
            "created_at": _iso(contact.created_at),
        }
    ), 201
