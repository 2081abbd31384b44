"""Rating a finished ticket or a dossier: one rating each, with optional reasons and comment."""

import datetime as dt
import re
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dossiers.models import Dossier
from feedback.models import CHANNELS, COMMENT_MAX, REASONS, SCORES, Rating
from onestop import clock, stale
from onestop.exceptions import Conflict, NotFound, ValidationError
from onestop.extensions import begin_write, db
from onestop.models import Office
from onestop.text import clean
from queues.models import Counter, Service, Ticket
from queues.store import bump_versions

SCORE_LABELS = {
    2: lazy_gettext("Rất hài lòng"),
    1: lazy_gettext("Hài lòng"),
    0: lazy_gettext("Không hài lòng"),
}
REASON_LABELS = {
    "attitude": lazy_gettext("Thái độ của cán bộ"),
    "time": lazy_gettext("Thời gian giải quyết"),
    "guidance": lazy_gettext("Hướng dẫn của cán bộ"),
    "visits": lazy_gettext("Số lần phải đi lại"),
    "facilities": lazy_gettext("Cơ sở vật chất"),
}
CHANNEL_LABELS = {
    "phone": lazy_gettext("Điện thoại"),
    "kiosk": lazy_gettext("Ki-ốt"),
    "tablet": lazy_gettext("Máy tại quầy"),
    "api": lazy_gettext("API"),
}
# Dossiers are rated once their result is out (the regulation rates at "trả kết quả").
RATEABLE_DOSSIER_STATUSES = ("result_ready", "returned", "rejected")
# Reasons and comment may be added after the tap for this long.
DETAILS_WINDOW = dt.timedelta(minutes=15)
# A counter tablet offers the latest ticket finished at its counter for this long.
TABLET_WINDOW = dt.timedelta(minutes=5)
# A kiosk takes a ticket's rating this long after it finished: the citizen is still in the
# hall. Later, only the ticket's own QR (its holder's phone) rates it, so a number read off
# someone else's paper cannot take that ticket's one rating.
KIOSK_WINDOW = dt.timedelta(minutes=30)

TICKET_NUMBER = re.compile(r"^([A-Z]{1,2})\s*0*(\d{1,4})$")
SCANNED_URL = re.compile(r"/([td])/([A-Za-z0-9_-]{8,64})/?$")


# A form posts the score as text: exactly one of these, no spaces, signs or other digits.
FORM_SCORES = {str(score): score for score in SCORES}


def form_score(text: str | None) -> int | None:
    """The score a form posted ("0", "1" or "2" exactly), or None, which rating refuses."""
    return FORM_SCORES.get(text) if isinstance(text, str) else None


def parse_score(value) -> int:
    """Check a score: the integer 0, 1 or 2 (not "2", 2.0 or True), or refuse it."""
    if type(value) is not int or value not in SCORES:
        raise ValidationError(
            {"score": _("Chọn một mức: Rất hài lòng, Hài lòng hoặc Không hài lòng.")}
        )
    return value


def _clean_details(reasons: Iterable[str] | None, comment) -> tuple[str, str]:
    chosen = [clean(reason) for reason in (reasons or ())]
    errors = {}
    if any(reason not in REASONS for reason in chosen):
        errors["reasons"] = _("Lý do không hợp lệ.")
    text = clean(comment)
    if len(text) > COMMENT_MAX:
        errors["comment"] = _(
            "Ý kiến dài tối đa %(max)d ký tự (đã nhập %(n)d ký tự). Vui lòng rút gọn.",
            max=COMMENT_MAX,
            n=len(text),
        )
    if errors:
        raise ValidationError(errors)
    # Stored in the fixed order of REASONS, each once.
    return ",".join(reason for reason in REASONS if reason in chosen), text


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValidationError({"channel": _("Kênh đánh giá không hợp lệ.")})


def _already_rated() -> Conflict:
    return Conflict(
        _("Lượt phục vụ này đã được đánh giá. Xin cảm ơn ông/bà!"), code="already_rated"
    )


def _store(rating: Rating) -> Rating:
    db.session.add(rating)
    try:
        db.session.commit()
    except IntegrityError:
        # Another tap won the race: the unique constraint on ticket_id / dossier_id decides.
        db.session.rollback()
        raise _already_rated() from None
    return rating


def rate_ticket(
    ticket: Ticket,
    score: int,
    reasons: Iterable[str] | None = (),
    comment: str = "",
    channel: str = "phone",
) -> Rating:
    """Store the rating of a finished ticket; the office, counter, officer and service come from it.

    :param ticket: the ticket rated; it must be finished (``done``).
    :param score: 2 Rất hài lòng, 1 Hài lòng, 0 Không hài lòng.
    :param reasons: aspects among :data:`feedback.models.REASONS`.
    :param comment: optional text, at most 500 characters.
    :param channel: ``phone``, ``kiosk``, ``tablet`` or ``api``.
    :raises Conflict: the ticket is not finished, or is already rated.
    :raises ValidationError: a bad score, reason, comment or channel.
    """
    score = parse_score(score)
    reason_text, comment = _clean_details(reasons, comment)
    _check_channel(channel)
    begin_write()
    # Read again inside the write transaction: the state that counts is the committed one.
    db.session.refresh(ticket)
    if ticket.status != "done":
        db.session.rollback()
        raise Conflict(_("Lượt phục vụ chưa kết thúc nên chưa thể đánh giá."), code="not_finished")
    if db.session.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)) is not None:
        db.session.rollback()
        raise _already_rated()
    now = clock.now()
    # The ticket's finished day counts it as rated: a late rating changes that day's totals.
    stale.mark_instant(ticket.office_id, ticket.finished_at)
    # The counter's tablet stops asking about a rated ticket at its next poll, the phone too.
    bump_versions(ticket.office_id, services=[ticket.service_id], counters=[ticket.counter_id])
    return _store(
        Rating(
            ticket_id=ticket.id,
            office_id=ticket.office_id,
            counter_id=ticket.counter_id,
            officer_id=ticket.officer_id,
            service_id=ticket.service_id,
            score=score,
            reasons=reason_text,
            comment=comment,
            channel=channel,
            created_at=now,
            details_at=now if reason_text or comment else None,
        )
    )


def rate_dossier(
    dossier: Dossier,
    score: int,
    reasons: Iterable[str] | None = (),
    comment: str = "",
    channel: str = "kiosk",
) -> Rating:
    """Store the rating of a dossier whose result is out; counter and service come from its ticket.

    :param dossier: a dossier in one of :data:`RATEABLE_DOSSIER_STATUSES`.
    :raises Conflict: the dossier is still being processed, or is already rated.
    :raises ValidationError: a bad score, reason, comment or channel.
    """
    score = parse_score(score)
    reason_text, comment = _clean_details(reasons, comment)
    _check_channel(channel)
    begin_write()
    db.session.refresh(dossier)
    if dossier.status not in RATEABLE_DOSSIER_STATUSES:
        db.session.rollback()
        raise Conflict(_("Hồ sơ chưa có kết quả nên chưa thể đánh giá."), code="not_finished")
    if db.session.scalar(select(Rating.id).where(Rating.dossier_id == dossier.id)) is not None:
        db.session.rollback()
        raise _already_rated()
    ticket = db.session.get(Ticket, dossier.ticket_id) if dossier.ticket_id else None
    now = clock.now()
    return _store(
        Rating(
            dossier_id=dossier.id,
            office_id=dossier.office_id,
            counter_id=ticket.counter_id if ticket else None,
            officer_id=_dossier_officer_id(dossier, ticket),
            service_id=ticket.service_id if ticket else None,
            score=score,
            reasons=reason_text,
            comment=comment,
            channel=channel,
            created_at=now,
            details_at=now if reason_text or comment else None,
        )
    )


def _dossier_officer_id(dossier: Dossier, ticket: Ticket | None) -> int | None:
    # The officer who took the dossier in answers for it; else the one who served the ticket.
    return dossier.officer_id or (ticket.officer_id if ticket else None)


def add_details(rating: Rating, reasons: Iterable[str] | None, comment: str) -> Rating:
    """Add the reasons and comment that follow a tap, once and only shortly after it.

    :raises Conflict: details were already given, or the time for them has passed.
    :raises ValidationError: a bad reason or an overlong comment.
    """
    reason_text, comment = _clean_details(reasons, comment)
    begin_write()
    db.session.refresh(rating)
    if rating.details_at is not None or clock.now() - rating.created_at > DETAILS_WINDOW:
        db.session.rollback()
        raise Conflict(
            _("Đánh giá này đã được ghi nhận đầy đủ. Xin cảm ơn ông/bà!"), code="details_closed"
        )
    rating.reasons = reason_text
    rating.comment = comment
    rating.details_at = clock.now()
    db.session.commit()
    return rating


def rating_of_ticket(ticket: Ticket) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.ticket_id == ticket.id))


def rating_of_dossier(dossier: Dossier) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.dossier_id == dossier.id))


def ticket_awaiting_rating(counter: Counter) -> Ticket | None:
    """The ticket this counter has just finished and nobody has rated yet, for its tablet.

    Only the latest finished ticket counts, and only for a few minutes: an older one's
    citizen has left the counter.
    """
    latest = db.session.scalar(
        select(Ticket)
        .where(
            Ticket.counter_id == counter.id,
            Ticket.status == "done",
            Ticket.finished_at >= clock.now() - TABLET_WINDOW,
        )
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    if latest is None or rating_of_ticket(latest) is not None:
        return None
    return latest


def kiosk_refusal(ticket: Ticket, office: Office, now: dt.datetime) -> Conflict | None:
    """Why this kiosk may not rate this ticket now, or None: finished here, at most 30 min ago.

    :param now: the current instant (``clock.now()``), explicit so the rule is tested as such.
    """
    number = ticket.display_number
    if ticket.office_id != office.id:
        return Conflict(
            _(
                "Phiếu %(number)s không phải của đơn vị này. Vui lòng đánh giá tại ki-ốt "
                "của nơi đã phục vụ ông/bà, hoặc bằng mã QR trên phiếu.",
                number=number,
            ),
            code="other_office",
        )
    if ticket.status != "done" or ticket.finished_at is None:
        return Conflict(
            _(
                "Phiếu %(number)s chưa được phục vụ xong, nên chưa thể đánh giá.",
                number=number,
            ),
            code="not_finished",
        )
    if now - ticket.finished_at > KIOSK_WINDOW:
        return Conflict(
            _(
                "Phiếu %(number)s đã được phục vụ xong hơn %(minutes)d phút trước, nên không "
                "đánh giá tại ki-ốt được nữa. Ông/bà vẫn có thể đánh giá bằng mã QR trên phiếu.",
                number=number,
                minutes=int(KIOSK_WINDOW.total_seconds() // 60),
            ),
            code="kiosk_window_closed",
        )
    return None


def rate_at_kiosk(office: Office, item: Ticket | Dossier, score: int) -> Rating:
    """Store a rating tapped on this office's kiosk: a ticket within the kiosk's window, or a
    dossier of this office whose result is out.

    :raises Conflict: the ticket or dossier is not this office's, a ticket finished more than
        30 minutes ago or not at all, or it is already rated.
    """
    if isinstance(item, Ticket):
        refusal = kiosk_refusal(item, office, clock.now())
        if refusal is not None:
            raise refusal
        return rate_ticket(item, score, channel="kiosk")
    if item.office_id != office.id:
        raise Conflict(_("Hồ sơ này không phải của đơn vị này."), code="other_office")
    return rate_dossier(item, score, channel="kiosk")


def find_for_kiosk(office: Office, query: str):
    """Find what a citizen wants to rate at a kiosk: today's ticket by its number, or a scanned QR.

    :param query: ``A015``; or the text a QR scanner types: a ticket's ``/t/<token>`` or a
        dossier's ``/d/<token>`` address. Dossier codes typed by hand are not accepted: they can
        be guessed, and a guessed rating would take the one rating of someone else's dossier.
    :returns: a :class:`Ticket` or a dossier of ``office``.
    :raises NotFound: nothing of this office matches.
    """
    text = clean(query)
    number = TICKET_NUMBER.match(text.upper().replace("-", ""))
    scanned = SCANNED_URL.search(text)
    found = None
    if number:
        letter, digits = number.groups()
        found = db.session.scalar(
            select(Ticket)
            .join(Service, Ticket.service_id == Service.id)
            .where(
                Ticket.office_id == office.id,
                Service.letter == letter,
                Ticket.day == clock.today(),
                Ticket.number == int(digits),
            )
        )
    elif scanned and scanned.group(1) == "t":
        found = db.session.scalar(
            select(Ticket).where(Ticket.token == scanned.group(2), Ticket.office_id == office.id)
        )
    elif scanned:
        found = db.session.scalar(
            select(Dossier).where(Dossier.token == scanned.group(2), Dossier.office_id == office.id)
        )
    if found is None:
        raise NotFound(
            _(
                "Không tìm thấy phiếu hoặc hồ sơ “%(query)s” của đơn vị này hôm nay.",
                query=text[:40],
            )
        )
    return found
