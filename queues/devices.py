"""Kiosks and counter tablets: pairing by a one-time code, then a long-lived signed device cookie."""

import datetime as dt
import hashlib
import secrets

from flask import current_app, g, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Row, bindparam, select, update

from onestop import clock
from onestop.exceptions import NotFound, ValidationError
from onestop.extensions import begin_write, db
from onestop.models import Office
from onestop.ratelimit import remote_address
from onestop.text import clean
from queues.models import Counter, Device

DEVICE_KINDS = ("kiosk", "counter_tablet")
COOKIE_NAME = "onestop_device"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600  # a kiosk is paired once for its working life
PAIRING_VALIDITY = dt.timedelta(hours=24)
# "Last seen" is for the admin list: minutes are precise enough, and a kiosk that
# refreshes its home screen every few seconds must not write each time.
SEEN_RESOLUTION = dt.timedelta(minutes=5)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_pairing(office: Office, kind: str, name: str, counter: Counter | None = None) -> tuple[Device, str]:
    """Register a device to pair; return it and its one-time code (8 digits, shown once)."""
    name = clean(name)
    errors = {}
    if kind not in DEVICE_KINDS:
        errors["kind"] = _("Loại thiết bị không hợp lệ.")
    if not name or len(name) > 80:
        errors["name"] = _("Tên thiết bị từ 1 đến 80 ký tự.")
    if kind == "counter_tablet" and (counter is None or counter.office_id != office.id):
        errors["counter"] = _("Chọn một quầy của đơn vị này.")
    if errors:
        raise ValidationError(errors)
    begin_write()
    code = f"{secrets.randbelow(10**8):08d}"
    device = Device(office=office, kind=kind, name=name, counter=counter if kind == "counter_tablet" else None,
                    pairing_code_hash=_hash(code), pairing_expires_at=clock.now() + PAIRING_VALIDITY)
    db.session.add(device)
    db.session.commit()
    return device, code


def pair(code: str) -> tuple[Device, str]:
    """Redeem a pairing code; return the device and the secret to keep in its cookie."""
    code = "".join(ch for ch in clean(code) if ch.isdigit())
    begin_write()
    device = db.session.scalar(select(Device).where(Device.pairing_code_hash == _hash(code))) if code else None
    if device is None or device.revoked_at is not None or device.pairing_expires_at < clock.now():
        db.session.rollback()  # frees SQLite's writer lock before the refusal is rendered
        raise NotFound(_("Mã ghép nối không đúng hoặc đã hết hạn."))
    secret = secrets.token_urlsafe(32)
    device.secret_hash = _hash(secret)
    device.pairing_code_hash = None
    device.pairing_expires_at = None
    device.paired_at = clock.now()
    db.session.commit()
    return device, secret


def revoke(device: Device) -> Device:
    """Unpair a device: its cookie stops working at once."""
    begin_write()
    device.revoked_at = clock.now()
    device.secret_hash = None
    device.pairing_code_hash = None
    db.session.commit()
    return device


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="onestop-device")


def cookie_value(device: Device, secret: str) -> str:
    """The signed cookie value that identifies a paired device."""
    return _serializer().dumps({"id": device.id, "secret": secret})


def set_device_cookie(response, device: Device, secret: str):
    response.set_cookie(COOKIE_NAME, cookie_value(device, secret), max_age=COOKIE_MAX_AGE, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


# What a request needs of the device that sent it; a row, not an ORM object: kiosks send
# this with every screen and ticket, and a Core read costs a fraction of an ORM one.
_DEVICE_OF_COOKIE = select(
    *(
        Device.__table__.c[name]
        for name in ("id", "office_id", "kind", "counter_id", "name", "last_seen_at",
                     "revoked_at", "secret_hash")
    )
).where(Device.__table__.c.id == bindparam("id"))


def current_device() -> Row | None:
    """The paired, unrevoked device that sent this request (its row), or None.

    Looked up once a request: the rate limit's key and the view's check both ask.
    """
    if "device" not in g:
        g.device = _device_of_cookie()
    return g.device


def rate_key() -> str:
    """Rate-limit key of device writes: the paired device (kiosks may share one address)."""
    device = current_device()
    return f"device:{device.id}" if device is not None else f"address:{remote_address()}"


def _device_of_cookie() -> Row | None:
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    device = db.session.connection().execute(_DEVICE_OF_COOKIE, {"id": data["id"]}).first()
    if device is None or device.revoked_at is not None or device.secret_hash != _hash(str(data.get("secret"))):
        return None
    return device


def mark_seen(device: Row) -> None:
    """Record that a paired device is in use (at most once per SEEN_RESOLUTION)."""
    now = clock.now()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_RESOLUTION:
        return
    device_id = device.id
    begin_write()
    db.session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=now))
    db.session.commit()


def device_allowed(office: Office | Row, kind: str = "kiosk", counter: Counter | None = None) -> bool:
    """Whether this request may write as a device of ``office`` (any browser in demo mode)."""
    if current_app.config["DEMO"]:
        return True
    device = current_device()
    if device is None or device.office_id != office.id or device.kind != kind:
        return False
    return counter is None or device.counter_id == counter.id


def devices_of(office_ids: set[int]) -> list[Device]:
    return list(db.session.scalars(select(Device).where(Device.office_id.in_(office_ids)).order_by(Device.id)))
