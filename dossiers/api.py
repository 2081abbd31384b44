"""JSON API v1 for dossiers (DESIGN.md section 6): catalogue, lookup, intake, status changes."""

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dossiers import catalogue, intake, lifecycle, queries
from dossiers.blueprint import absolute_url
from dossiers.models import Dossier
from dossiers.public_views import lookup_limit
from onestop import ratelimit
from onestop.auth import role_required
from onestop.exceptions import NotFound, ValidationError
from onestop.extensions import csrf, db
from onestop.inputs import id_or_none
from onestop.models import Office, visible_office_ids
from queues.models import Ticket

api_bp = Blueprint("dossiers_api", __name__, url_prefix="/api/v1")
# Bearer token or session; SameSite=Lax cookies are not sent on cross-site POSTs.
csrf.exempt(api_bp)

OFFICER_ROLES = ("officer", "supervisor", "admin")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def dossier_json(dossier: Dossier) -> dict:
    """A dossier without personal data: what a citizen and the city's systems may read."""
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "office": dossier.office.code,
        "channel": dossier.channel,
        "status": dossier.status,
        "national_status": lifecycle.national_code(dossier),
        "received_at": _iso(dossier.received_at),
        "due_date": _iso(dossier.due_date),
        "due_at": _iso(dossier.due_at),
        "appointment_date": _iso(dossier.appointment_date),
        "result_ready_at": _iso(dossier.result_ready_at),
        "returned_at": _iso(dossier.returned_at),
        "supplement_count": dossier.supplement_count,
    }


def _payload() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError({"body": _("Gửi một đối tượng JSON.")})
    return payload


@api_bp.get("/offices/<office_code>/procedures")
def office_procedures(office_code: str):
    office = db.session.scalar(
        select(Office).where(Office.code == office_code.upper(), Office.active.is_(True))
    )
    if office is None:
        raise NotFound(_("Không có đơn vị %(code)s.", code=office_code))
    return jsonify(
        [
            {
                "code": p.code,
                "name": p.name,
                "field": p.field,
                # In days (working hours as a share of the 8-hour day); processing_time
                # gives the legal value and its unit.
                "processing_days": p.processing_days,
                "processing_time": {
                    "value": p.processing.number,
                    "unit": p.processing.unit,
                    "text": p.processing.label(),
                },
                "fee": p.fee,
                "online_level": p.online_level,
            }
            for p in catalogue.search_procedures(request.args.get("q", ""), office)
        ]
    )


@api_bp.get("/dossiers/<code>")
@ratelimit.limit(lookup_limit, scope="dossier-lookup")
def lookup(code: str):
    dossier = queries.find_for_lookup(code, request.args.get("phone_last4", ""))
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ với mã và 4 số cuối điện thoại này."))
    return jsonify(dossier_json(dossier))


def _office_for(payload: dict) -> Office:
    code = str(payload.get("office") or "").upper()
    if not code:
        return current_user.office
    office = db.session.scalar(select(Office).where(Office.code == code))
    if office is None or office.id not in visible_office_ids(current_user):
        raise ValidationError(
            {"office": _("Không có đơn vị %(code)s trong phạm vi của bạn.", code=code)}
        )
    return office


def _ticket_for(payload: dict) -> Ticket | None:
    value = payload.get("ticket")
    if value in (None, ""):
        return None
    ticket_id = id_or_none(value) if isinstance(value, int) else None
    ticket = db.session.get(Ticket, ticket_id) if ticket_id is not None else None
    if ticket is None or ticket.office_id not in visible_office_ids(current_user):
        raise ValidationError({"ticket": _("Không có số thứ tự này.")})
    return ticket


def _applicant_for(payload: dict) -> intake.Applicant:
    documents = payload.get("documents") or []
    if not isinstance(documents, list):
        raise ValidationError(
            {
                "documents": _(
                    "Trường documents phải là danh sách giấy tờ "
                    "{name, originals, certified_copies, photocopies}."
                )
            }
        )
    notify = payload.get("notify", False)
    if not isinstance(notify, bool):
        raise ValidationError({"notify": _("Trường notify phải là true hoặc false.")})
    return intake.Applicant(
        address=str(payload.get("address") or ""),
        email=str(payload.get("email") or ""),
        id_number=str(payload.get("id_number") or ""),
        documents=tuple(documents),
        notify=notify,
    )


@api_bp.post("/dossiers")
@role_required(*OFFICER_ROLES)
def create():
    payload = _payload()
    applicant = _applicant_for(payload)
    ticket = _ticket_for(payload)
    office = ticket.office if ticket is not None else _office_for(payload)
    dossier = intake.receive_dossier(
        office,
        str(payload.get("procedure") or ""),
        str(payload.get("applicant_name") or ""),
        str(payload.get("phone") or ""),
        str(payload.get("channel") or "direct"),
        payload.get("documents_reused") is True,
        current_user._get_current_object(),
        ticket=ticket,
        applicant=applicant,
    )
    body = {
        **dossier_json(dossier),
        "documents": [
            {
                "name": d.name,
                "originals": d.originals,
                "certified_copies": d.certified_copies,
                "photocopies": d.photocopies,
            }
            for d in dossier.documents
        ],
        "notify": dossier.notify_opt_in,
        "token": dossier.token,
        "url": absolute_url("dossiers.public", token=dossier.token),
        "receipt_pdf_url": url_for(
            "dossiers.slip", code=dossier.code, kind="receipt", _external=True
        ),
    }
    return jsonify(body), 201


@api_bp.post("/dossiers/<code>/status")
@role_required(*OFFICER_ROLES)
def change_status(code: str):
    dossier = queries.visible_dossier(current_user, code)
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.", code=code))
    payload = _payload()
    status = str(payload.get("status") or "")
    if status == "awaiting_supplement" and "documents" in payload:
        # A supplement request with counted papers; the note is its reason (Mẫu 02).
        documents = payload["documents"]
        if not isinstance(documents, list):
            raise ValidationError({"documents": _("Trường documents phải là danh sách giấy tờ.")})
        dossier = lifecycle.request_supplement(
            dossier, documents, str(payload.get("note") or ""), current_user._get_current_object()
        )
        return jsonify(dossier_json(dossier))
    dossier = lifecycle.change_status(
        dossier, status, current_user._get_current_object(), str(payload.get("note") or "")
    )
    return jsonify(dossier_json(dossier))
