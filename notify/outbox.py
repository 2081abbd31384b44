"""Queue a message to a citizen in the caller's transaction (the transactional outbox).

The event and its message commit together or not at all: a ticket called is never
left without its message, and a message never goes out for a call that was rolled
back. ``flask --app wsgi notify run`` sends what is queued.
"""

from sqlalchemy import select

from notify.models import OutboxMessage
from onestop.extensions import db
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
