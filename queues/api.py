"""The queue's JSON API (DESIGN.md section 6): services, counters, the board, ticket actions."""

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from onestop import clock
from onestop.auth import role_required
from onestop.exceptions import DomainError, NotFound
from onestop.extensions import csrf, db
from onestop.inputs import id_or_none
from onestop.models import Office
from queues import board, configure, hours, tickets, waiting
from queues.models import Counter, Ticket

api_bp = Blueprint("queues_api", __name__, url_prefix="/api/v1")
# The first request of a new day ends what earlier days left waiting (queues.hours).
api_bp.before_request(hours.end_past_days)
# Officers authenticate by session or bearer token; SameSite=Lax cookies do not go cross-site.
csrf.exempt(api_bp)

STAFF = ("officer", "supervisor", "admin")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def ticket_json(ticket: Ticket) -> dict:
    """A ticket as the officers' API shows it (no public token)."""
    return {
        "id": ticket.id,
        "number": ticket.display_number,
        "service": ticket.service.code,
        "office": ticket.office.code,
        "status": ticket.status,
        "priority": ticket.priority,
        "priority_reason": ticket.priority_reason,
        "issued_at": _iso(ticket.issued_at),
        "called_at": _iso(ticket.called_at),
        "finished_at": _iso(ticket.finished_at),
        "counter": ticket.counter.number if ticket.counter else None,
        "recall_count": ticket.recall_count,
    }


def _office(code: str) -> Office:
    office = db.session.scalar(
        select(Office).where(Office.code == code.upper(), Office.active.is_(True))
    )
    if office is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=code))
    return office


def _json_body(required: bool = False) -> dict:
    """The request's JSON object; 400 when it is malformed (or missing and required)."""
    if not request.get_data(cache=True) and not required:
        return {}
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise DomainError(_("Nội dung JSON không hợp lệ: cần một đối tượng JSON."), "bad_json")
    return body


def _ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("Không tìm thấy số thứ tự."))
    return ticket


@api_bp.get("/offices/<office>/services")
def services(office: str):
    return jsonify(
        [
            {
                "code": row["service"].code,
                "letter": row["service"].letter,
                "name": row["service"].name,
                "waiting": row["waiting"],
                "eta_minutes": row["eta_minutes"],
                "open_counters": row["open_counters"],
            }
            for row in waiting.service_summaries(_office(office))
        ]
    )


@api_bp.get("/offices/<office>/hours")
def office_hours(office: str):
    return jsonify(hours.hours_json(_office(office).id, clock.now()))


@api_bp.get("/offices/<office>/counters")
def counters(office: str):
    return jsonify(
        [
            {
                "id": c.id,
                "number": c.number,
                "name": c.name,
                "services": [s.code for s in c.services],
                "open": c.is_open,
                "staffed": c.staffed,
            }
            for c in configure.counters_of(_office(office).id)
        ]
    )


@api_bp.get("/offices/<office>/board")
def office_board(office: str):
    found = board.office_version(office)
    if found is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=office))
    office_id, version = found
    etag = board.etag(office_id, version)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        state = board.board_state(db.session.get(Office, office_id))
        response = jsonify(
            {
                "version": version,
                "serving": [
                    {
                        "counter": c.number,
                        "number": t.display_number,
                        "status": t.status,
                        "called_at": _iso(t.last_called_at),
                    }
                    for c, t in state["counters"]
                    if t is not None
                ],
                "waiting": {row["service"].code: row["waiting"] for row in state["services"]},
                "recent": [
                    {
                        "id": call.event_id,
                        "kind": call.kind,
                        "counter": call.counter,
                        "number": call.number,
                        "at": _iso(call.at),
                    }
                    for call in state["calls"]
                ],
            }
        )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


@api_bp.post("/counters/<int:counter_id>/call-next")
@role_required(*STAFF)
def call_next(counter_id: int):
    _json_body()
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        raise NotFound(_("Không tìm thấy quầy."))
    ticket = tickets.call_next(counter, current_user)
    if ticket is None:
        return Response(status=204)
    return jsonify({"ticket": ticket_json(ticket)})


@api_bp.post('/tickets/<int:ticket_id>/<any(recall, "no-show", requeue, start, finish):action>')
@role_required(*STAFF)
def ticket_action(ticket_id: int, action: str):
    _json_body()
    action_function = {
        "recall": tickets.recall,
        "no-show": tickets.no_show,
        "requeue": tickets.requeue,
        "start": tickets.start,
        "finish": tickets.finish,
    }[action]
    return jsonify({"ticket": ticket_json(action_function(_ticket(ticket_id), current_user))})


@api_bp.post("/tickets/<int:ticket_id>/transfer")
@role_required(*STAFF)
def transfer(ticket_id: int):
    service = _json_body(required=True).get("service")
    if not isinstance(service, str) or not service:
        raise DomainError(_('Thiếu mã dịch vụ cần chuyển đến ("service").'), "bad_json")
    return jsonify(
        {"ticket": ticket_json(tickets.transfer(_ticket(ticket_id), service, current_user))}
    )


@api_bp.post("/tickets/<int:ticket_id>/call")
@role_required(*STAFF)
def call_ticket(ticket_id: int):
    value = _json_body(required=True).get("counter")
    counter_id = id_or_none(value) if isinstance(value, int) else None
    counter = db.session.get(Counter, counter_id) if counter_id is not None else None
    if counter is None:
        raise NotFound(_("Không tìm thấy quầy."))
    return jsonify(
        {"ticket": ticket_json(tickets.call_ticket(_ticket(ticket_id), counter, current_user))}
    )
