"""Complaints (phản ánh, kiến nghị): submitted, assigned, handled, answered and published."""

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import or_, select

from dossiers.office_days import calendar_for
from feedback.models import (
    COMPLAINT_CHANNELS,
    COMPLAINT_TOPICS,
    COMPLAINT_WORKING_DAYS,
    Complaint,
    ComplaintEvent,
)
from onestop import clock
from onestop.exceptions import Conflict, Forbidden, ValidationError
from onestop.extensions import begin_write, db
from onestop.models import Office, User, can_act_in
from onestop.text import clean

SUBJECT_MAX = 200
TEXT_MAX = 4000
CONTACT_MAX = 200
ANSWER_MAX = 4000
NOTE_MAX = 500
# No 0/O, 1/I/L: a code is read aloud over the phone and typed on a kiosk.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

STATUS_LABELS = {
    "received": lazy_gettext("Đã tiếp nhận"),
    "handling": lazy_gettext("Đang xử lý"),
    "answered": lazy_gettext("Đã trả lời"),
}
TOPIC_LABELS = {
    "regulation": lazy_gettext("Quy định, thủ tục hành chính"),
    "attitude": lazy_gettext("Thái độ, tác phong phục vụ"),
    "other": lazy_gettext("Nội dung khác"),
}
ACTION_LABELS = {
    "received": lazy_gettext("Tiếp nhận"),
    "assigned": lazy_gettext("Phân công"),
    "handling": lazy_gettext("Bắt đầu xử lý"),
    "note": lazy_gettext("Ghi chú tiến độ"),
    "answered": lazy_gettext("Trả lời"),
    "published": lazy_gettext("Công khai câu trả lời"),
    "unpublished": lazy_gettext("Thôi công khai"),
}


def new_code() -> str:
    """A tracking code like ``PA-7KQ4-M9XD``: about 40 random bits, so codes cannot be guessed."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"PA-{chars[:4]}-{chars[4:]}"


def _text(errors: dict, field: str, value, max_len: int, required: bool = True) -> str:
    text = clean(value)
    if required and not text:
        errors[field] = _("Trường này là bắt buộc.")
    elif len(text) > max_len:
        errors[field] = _("Tối đa %(max)d ký tự (đã nhập %(n)d).", max=max_len, n=len(text))
    return text


def submit(
    office: Office | None,
    subject: str,
    text: str,
    contact: str = "",
    topic: str = "other",
    channel: str = "web",
) -> Complaint:
    """Take in a citizen's complaint; its due date is 15 working days later (Decision 766, 5.2).

    :param office: the office concerned (must be active).
    :param contact: optional phone or e-mail for the answer; personal data, kept from public
        pages and logs.
    :param channel: ``kiosk``, ``web`` or ``api``.
    :raises ValidationError: a missing or overlong field, an unknown office or topic.
    """
    errors: dict[str, str] = {}
    if office is None or not office.active:
        errors["office"] = _("Chọn đơn vị mà ông/bà muốn phản ánh.")
    subject = _text(errors, "subject", subject, SUBJECT_MAX)
    text = _text(errors, "text", text, TEXT_MAX)
    contact = _text(errors, "contact", contact, CONTACT_MAX, required=False)
    if topic not in COMPLAINT_TOPICS:
        errors["topic"] = _("Chọn một loại phản ánh.")
    if channel not in COMPLAINT_CHANNELS:
        errors["channel"] = _("Kênh gửi không hợp lệ.")
    if errors:
        raise ValidationError(errors)
    begin_write()
    code = new_code()
    while db.session.scalar(select(Complaint.id).where(Complaint.code == code)) is not None:
        code = new_code()
    now = clock.now()
    complaint = Complaint(
        code=code,
        office_id=office.id,
        topic=topic,
        subject=subject,
        text=text,
        contact=contact or None,
        channel=channel,
        status="received",
        received_at=now,
        due_date=calendar_for(office).add_working_days(
            clock.local_date(now), COMPLAINT_WORKING_DAYS
        ),
    )
    db.session.add(complaint)
    db.session.add(ComplaintEvent(complaint=complaint, at=now, action="received"))
    db.session.commit()
    return complaint


def can_manage(user: User, complaint: Complaint) -> bool:
    """Supervisors and admins of the office manage a complaint; its assignee handles it too."""
    if complaint.assignee_id == user.id:
        return True
    return user.role in ("supervisor", "admin") and can_act_in(user, complaint.office_id)


def _lead(user: User, complaint: Complaint) -> None:
    if user.role not in ("supervisor", "admin") or not can_act_in(user, complaint.office_id):
        db.session.rollback()
        raise Forbidden(_("Chỉ lãnh đạo của đơn vị mới phân công hoặc công khai phản ánh."))


def _open(complaint: Complaint) -> None:
    if complaint.status == "answered":
        db.session.rollback()
        raise Conflict(_("Phản ánh này đã được trả lời."), code="answered")


def _record(complaint: Complaint, user: User, action: str, note: str = "") -> None:
    db.session.add(
        ComplaintEvent(
            complaint=complaint, user_id=user.id, at=clock.now(), action=action, note=note
        )
    )


def _start(complaint: Complaint) -> None:
    """Open the write transaction and read the complaint's committed state."""
    begin_write()
    db.session.refresh(complaint)


def _note(value) -> str:
    errors: dict[str, str] = {}
    note = _text(errors, "note", value, NOTE_MAX, required=False)
    if errors:
        raise ValidationError(errors)
    return note


def assignable_users(complaint: Complaint) -> list[User]:
    """Active staff who may be given the complaint: its office's people, supervisors above."""
    ancestors, office = [], complaint.office.parent
    while office is not None:
        ancestors.append(office.id)
        office = office.parent
    query = (
        select(User)
        .where(
            User.active.is_(True),
            or_(
                User.office_id == complaint.office_id,
                User.office_id.in_(ancestors) & User.role.in_(("supervisor", "admin")),
            ),
        )
        .order_by(User.full_name)
    )
    return list(db.session.scalars(query))


def assign(complaint: Complaint, assignee: User | None, user: User, note: str = "") -> Complaint:
    """Give the complaint to a member of staff; the first assignment starts its handling.

    :raises Forbidden: ``user`` does not lead the office.
    :raises ValidationError: ``assignee`` is not one of :func:`assignable_users`.
    :raises Conflict: the complaint is already answered.
    """
    note = _note(note)
    _start(complaint)
    _lead(user, complaint)
    _open(complaint)
    if assignee is None or assignee not in assignable_users(complaint):
        db.session.rollback()
        raise ValidationError({"assignee": _("Chọn một cán bộ của đơn vị.")})
    complaint.assignee_id = assignee.id
    if complaint.status == "received":
        complaint.status = "handling"
    _record(complaint, user, "assigned", note or assignee.full_name)
    db.session.commit()
    return complaint


def handle(complaint: Complaint, user: User, note: str = "") -> Complaint:
    """Start handling the complaint, or record how its handling progresses.

    :raises Forbidden: ``user`` may not manage it.
    :raises Conflict: it is already answered.
    """
    note = _note(note)
    _start(complaint)
    if not can_manage(user, complaint):
        db.session.rollback()
        raise Forbidden(_("Bạn không được giao xử lý phản ánh này."))
    _open(complaint)
    if complaint.status == "received":
        complaint.status = "handling"
        _record(complaint, user, "handling", note)
    elif note:
        _record(complaint, user, "note", note)
    else:
        db.session.rollback()
        raise ValidationError({"note": _("Nhập nội dung ghi chú tiến độ.")})
    db.session.commit()
    return complaint


def answer(complaint: Complaint, user: User, text: str, publish: bool = False) -> Complaint:
    """Answer the complaint; the answer becomes public on its tracking page once published.

    :raises Forbidden: ``user`` may not manage it, or may not publish.
    :raises ValidationError: an empty or overlong answer.
    :raises Conflict: it is already answered.
    """
    errors: dict[str, str] = {}
    text = _text(errors, "answer", text, ANSWER_MAX)
    if errors:
        raise ValidationError(errors)
    _start(complaint)
    if not can_manage(user, complaint):
        db.session.rollback()
        raise Forbidden(_("Bạn không được giao xử lý phản ánh này."))
    if publish:
        _lead(user, complaint)
    _open(complaint)
    now = clock.now()
    complaint.status, complaint.answer, complaint.answered_at = "answered", text, now
    _record(complaint, user, "answered")
    if publish:
        complaint.published, complaint.published_at = True, now
        _record(complaint, user, "published")
    db.session.commit()
    return complaint


def publish(complaint: Complaint, user: User, published: bool = True) -> Complaint:
    """Show the answer on the public tracking page, or take it off again.

    :raises Forbidden: ``user`` does not lead the office.
    :raises Conflict: there is no answer yet.
    """
    _start(complaint)
    _lead(user, complaint)
    if complaint.status != "answered":
        db.session.rollback()
        raise Conflict(_("Chỉ công khai được câu trả lời đã có."), code="not_answered")
    if complaint.published != published:
        complaint.published = published
        complaint.published_at = clock.now() if published else None
        _record(complaint, user, "published" if published else "unpublished")
    db.session.commit()
    return complaint
