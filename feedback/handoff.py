"""Continuing a complaint on the citizen's own phone: a short-lived signed link to the form.

The kiosk shows the link as a QR. It names the office only (its code is public), so the
QR, the address and the server's logs hold nothing about the citizen. It expires soon so
that a photo of the kiosk's screen is not a lasting entry point tied to the kiosk.
"""

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from onestop import clock
from onestop.exceptions import Conflict, NotFound
from onestop.extensions import db
from onestop.models import Office

HANDOFF_LIFETIME = dt.timedelta(minutes=15)


class _ClockSigner(TimestampSigner):
    """Signs and checks ages against ``onestop.clock``, the application's one time source."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="complaint-handoff", signer=_ClockSigner
    )


def handoff_token(office: Office) -> str:
    """The signed, dated token of the phone link for ``office``'s complaint form."""
    return _serializer().dumps({"office": office.code})


def office_of_handoff(token: str) -> Office:
    """The office a phone link was made for, while it is fresh.

    :raises Conflict: ``handoff_expired`` when older than :data:`HANDOFF_LIFETIME`.
    :raises NotFound: a token that was not signed here, or an office no longer active.
    """
    try:
        data = _serializer().loads(token or "", max_age=int(HANDOFF_LIFETIME.total_seconds()))
    except SignatureExpired:
        raise Conflict(
            _(
                "Mã QR này đã hết hạn (chỉ dùng được trong %(minutes)d phút). Ông/bà vẫn có thể "
                "gửi phản ánh tại đây: vui lòng chọn đơn vị tiếp nhận.",
                minutes=int(HANDOFF_LIFETIME.total_seconds() // 60),
            ),
            code="handoff_expired",
        ) from None
    except BadSignature:
        raise NotFound(_("Liên kết gửi phản ánh không hợp lệ.")) from None
    code = data.get("office") if isinstance(data, dict) else None
    office = db.session.scalar(
        select(Office).where(Office.code == str(code), Office.active.is_(True))
    )
    if office is None:
        raise NotFound(_("Liên kết gửi phản ánh không hợp lệ."))
    return office
