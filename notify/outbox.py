"""Queue a message to a citizen in the caller's transaction (the transactional outbox).

The event and its message commit together or not at all: a ticket called is never
left without its message, and a message never goes out for a call that was rolled
back. ``flask --app wsgi notify run`` sends what is queued.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from notify.models import MESSAGE_STATUSES, OutboxMessage
from onestop import audit, clock
from onestop.exceptions import Conflict, NotFound
from onestop.extensions import begin_write, db
from onestop.phones import normalise_phone

# The built-in texts: polite (ông/bà), under 160 characters once filled in, and
# free of personal data beyond what the recipient already knows.
DEFAULT_TEMPLATES = {
    "ticket_almost_due": (
        "Số {number} tại {office}: còn {ahead} lượt nữa đến lượt ông/bà. "
        "Xin ông/bà có mặt gần quầy."
    ),
    "ticket_called": "Mời ông/bà có số {number} đến quầy số {counter}, {office}.",
    "dossier_result_ready": (
        "Hồ sơ {code} của ông/bà đã có kết quả. Mời ông/bà đến {office} nhận kết quả."
    ),
    "dossier_supplement": (
        "Hồ sơ {code} của ông/bà cần bổ sung giấy tờ. Mời ông/bà liên hệ {office}."
    ),
    "booking_reminder": (
        "Nhắc lịch hẹn {code}: {service} lúc {time} ngày {date} tại {office}. "
        "Mời ông/bà lấy số bằng mã hẹn tại máy lấy số."
    ),
}


class UnknownTemplate(ValueError):
    pass


def enqueue(to: str, template: str, params: dict, *, key: str, office_id: int | None = None):
    """Add a message to the session (the caller commits); None if ``key`` was queued before
    or ``to`` is not a mobile number.

    A repeat of the same event (a recall, a retried request) finds its key and adds nothing.
    """
    if template not in DEFAULT_TEMPLATES:
        raise UnknownTemplate(template)
    phone = normalise_phone(to)
    if phone is None:
        return None
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(
        key=key, to=phone, template=template, params=dict(params), office_id=office_id
    )
    db.session.add(message)
    return message


PAGE_SIZE = 50


def search(status: str = "", page: int = 1) -> tuple[list[OutboxMessage], int]:
    """Messages newest first, narrowed to ``status`` if it is one: a page and the total count."""
    conditions = [OutboxMessage.status == status] if status in MESSAGE_STATUSES else []
    total = db.session.scalar(select(func.count(OutboxMessage.id)).where(*conditions))
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(*conditions)
        .order_by(OutboxMessage.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(rows), total


def retry(message_id: int) -> OutboxMessage:
    """Give a failed message a fresh round of attempts, now, under its own id (audited).

    :raises NotFound: no such message.
    :raises Conflict: the message has not failed, or its phone number was already purged.
    """
    begin_write()
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(_("Không có tin nhắn này."))
    if message.status != "failed":
        raise Conflict(_("Chỉ gửi lại được tin nhắn đã gửi không thành công."), "not_failed")
    if message.to is None:
        raise Conflict(
            _("Số điện thoại của tin nhắn này đã được xóa theo thời hạn lưu trữ."), "purged"
        )
    audit.record("retry", message, object_type="outbox_message", detail=message.template)
    message.status, message.attempts, message.next_attempt_at = "pending", 0, clock.now()
    db.session.commit()
    return message
