"""The rating screens' shared pieces: panel states, follow-up proof, device checks, limits."""

from flask import current_app, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from dossiers.models import Dossier
from feedback.models import REASONS, Rating
from feedback.ratings import (
    DETAILS_WINDOW,
    RATEABLE_DOSSIER_STATUSES,
    find_for_kiosk,
    kiosk_refusal,
    rating_of_dossier,
    rating_of_ticket,
)
from onestop import clock
from onestop.exceptions import Conflict, Forbidden, NotFound
from onestop.extensions import db
from onestop.models import Office
from queues.devices import device_allowed
from queues.models import Counter, Service, Ticket

SURFACES = ("phone", "kiosk", "tablet")
RATING_RATE_LIMIT = "30 per minute"
COMPLAINT_RATE_LIMIT = "10 per hour"


def public_url(path: str) -> str:
    """An address citizens' phones can open: ONESTOP_PUBLIC_URL, else this request's host."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


def rating_rate_limit() -> str:
    """Rating writes per device or address (config FEEDBACK_RATING_RATE_LIMIT)."""
    return current_app.config.get("FEEDBACK_RATING_RATE_LIMIT", RATING_RATE_LIMIT)


def complaint_rate_limit() -> str:
    """Complaints per device or address (config FEEDBACK_COMPLAINT_RATE_LIMIT)."""
    return current_app.config.get("FEEDBACK_COMPLAINT_RATE_LIMIT", COMPLAINT_RATE_LIMIT)


def require_device(office: Office, kind: str = "kiosk", counter: Counter | None = None) -> None:
    """Refuse a kiosk or tablet write from a browser not paired to this office (or counter)."""
    if not device_allowed(office, kind, counter):
        if kind == "counter_tablet":
            raise Forbidden(
                _(
                    "Màn hình này chưa được ghép nối làm máy đánh giá của quầy này. "
                    "Vui lòng liên hệ quản trị viên."
                )
            )
        raise Forbidden(_("Màn hình này chưa được đăng ký là ki-ốt của đơn vị."))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="feedback-rating-details")


def proof_for(rating: Rating) -> str:
    """A signed token that lets the screen which stored a rating add its reasons and comment."""
    return _serializer().dumps(rating.id)


def rating_from_proof(proof: str) -> Rating:
    """The rating a proof was given for, while its follow-up is still open."""
    try:
        rating_id = _serializer().loads(proof or "", max_age=int(DETAILS_WINDOW.total_seconds()))
    except SignatureExpired:
        raise Conflict(
            _("Đã hết thời gian bổ sung ý kiến. Đánh giá của ông/bà đã được ghi nhận."),
            code="details_closed",
        ) from None
    except BadSignature:
        raise Forbidden(_("Liên kết bổ sung ý kiến không hợp lệ.")) from None
    rating = db.session.get(Rating, rating_id) if isinstance(rating_id, int) else None
    if rating is None:
        raise Forbidden(_("Liên kết bổ sung ý kiến không hợp lệ."))
    return rating


def subject_of(item: Ticket | Dossier) -> dict:
    """How a rated ticket or dossier is named on the screen (no personal data)."""
    if isinstance(item, Ticket):
        parts = [item.service.name]
        if item.counter is not None:
            parts.append(_("Quầy %(number)s", number=item.counter.number))
        return {
            "kind": "ticket",
            "label": item.display_number,
            "detail": " · ".join(parts),
            "key": f"t:{item.token}",
        }
    return {
        "kind": "dossier",
        "label": item.code,
        "detail": item.procedure.name,
        "key": f"d:{item.token}",
    }


def blocked_reason(item: Ticket | Dossier) -> str | None:
    """Why this ticket or dossier cannot be rated now, or None when it can."""
    if isinstance(item, Ticket):
        if item.status != "done":
            return _(
                "Phiếu %(number)s chưa được phục vụ xong, nên chưa thể đánh giá.",
                number=item.display_number,
            )
        if rating_of_ticket(item) is not None:
            return _(
                "Phiếu %(number)s đã được đánh giá. Xin cảm ơn ông/bà!", number=item.display_number
            )
        return None
    if item.status not in RATEABLE_DOSSIER_STATUSES:
        return _("Hồ sơ này chưa có kết quả, nên chưa thể đánh giá.")
    if rating_of_dossier(item) is not None:
        return _("Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà!")
    return None


def panel(surface: str, state: str, **context) -> dict:
    """The context of ``feedback/_rating_panel.html``: one surface in one state.

    States: ``lookup`` (kiosk: type a number), ``idle`` (tablet: nothing to rate), ``ask`` (the
    three buttons), ``details`` (reasons and comment), ``thanks``, ``closed`` (nothing more to do).
    """
    return {
        "surface": surface,
        "state": state,
        "reasons": REASONS,
        "errors": {},
        "form": {},
        **context,
    }


def details_panel(surface: str, rating: Rating, back: str, **context) -> dict:
    """The follow-up after a tap: reasons (asked first after "Không hài lòng") and a comment."""
    return panel(
        surface,
        "details",
        rating=rating,
        proof=proof_for(rating),
        back=back,
        action=url_for("feedback.rating_details"),
        **context,
    )


def ticket_page(ticket: Ticket) -> str:
    """The ticket's phone page (kiosk package, path fixed by DESIGN.md section 6)."""
    return f"{request.script_root}/t/{ticket.token}"


def phone_panel(ticket: Ticket) -> dict | None:
    """The rating part of a finished ticket's phone page; None while the ticket is not finished."""
    if ticket.status != "done":
        return None
    rating = rating_of_ticket(ticket)
    if rating is not None:
        return panel(
            "phone",
            "closed",
            rating=rating,
            back=ticket_page(ticket),
            message=_("Ông/bà đã đánh giá lượt phục vụ này."),
        )
    return panel(
        "phone",
        "ask",
        back=ticket_page(ticket),
        action=url_for("feedback.rate_phone", token=ticket.token),
    )


def tablet_panel(counter: Counter, ticket: Ticket | None) -> dict:
    """The counter tablet: the buttons for the ticket just finished there, or an idle screen."""
    poll = url_for("feedback.counter_tablet_panel", counter_id=counter.id)
    if ticket is None:
        return panel("tablet", "idle", counter=counter, poll=poll)
    return panel(
        "tablet",
        "ask",
        counter=counter,
        poll=poll,
        subject=subject_of(ticket),
        action=url_for("feedback.counter_tablet_submit", counter_id=counter.id),
        hidden={"ticket": ticket.id},
    )


def kiosk_panel(office: Office, query: str) -> tuple[dict, int]:
    """The kiosk screen for what was typed: the number pad (with why not, 422), or the buttons."""
    back = url_for("feedback.kiosk_rate", office=office.code)
    letters = sorted(
        set(
            db.session.scalars(
                select(Service.letter).where(
                    Service.office_id == office.id, Service.active.is_(True)
                )
            )
        )
    )
    lookup = panel(
        "kiosk",
        "lookup",
        office=office,
        query=query,
        letters=letters,
        back=back,
        allowed=device_allowed(office, "kiosk"),
        action=back,
    )
    if not query:
        return lookup, 200
    try:
        item = find_for_kiosk(office, query)
    except NotFound as missing:
        return {**lookup, "errors": {"q": missing.message}}, 422
    refusal = kiosk_refusal(item, office, clock.now()) if isinstance(item, Ticket) else None
    reason = refusal.message if refusal is not None else blocked_reason(item)
    if reason:
        return {**lookup, "errors": {"q": reason}}, 422
    return panel(
        "kiosk",
        "ask",
        subject=subject_of(item),
        back=back,
        allowed=lookup["allowed"],
        action=url_for("feedback.kiosk_submit"),
        hidden={"office": office.code, "item": subject_of(item)["key"]},
    ), 200


def kiosk_item(office: Office, key: str) -> Ticket | Dossier:
    """The ticket (``t:<token>``) or dossier (``d:<token>``) of this office that the kiosk rates."""
    kind, _sep, token = (key or "").partition(":")
    model = {"t": Ticket, "d": Dossier}.get(kind)
    item = (
        db.session.scalar(select(model).where(model.token == token, model.office_id == office.id))
        if model
        else None
    )
    if item is None:
        raise NotFound(_("Không tìm thấy phiếu hoặc hồ sơ cần đánh giá."))
    return item
