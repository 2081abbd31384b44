"""Kiosks and counter tablets: pairing by a one-time code, then a long-lived signed cookie."""

import datetime as dt
import functools
import hashlib
import secrets
from typing import NamedTuple

from flask import current_app, g, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, select, update

from onestop import audit, clock
from onestop.exceptions import Forbidden, NotFound, ValidationError
from onestop.extensions import db
from onestop.models import Office
from onestop.ratelimit import remote_address
from onestop.text import clean
from queues import store
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


def create_pairing(
    office: Office, kind: str, name: str, counter: Counter | None = None
) -> tuple[Device, str]:
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
    code = f"{secrets.randbelow(10**8):08d}"
    with store.writing():
        device = Device(
            office=office,
            kind=kind,
            name=name,
            counter=counter if kind == "counter_tablet" else None,
            pairing_code_hash=_hash(code),
            pairing_expires_at=clock.now() + PAIRING_VALIDITY,
        )
        db.session.add(device)
        audit.record("create", device, detail=kind)
    return device, code


def pair(code: str) -> tuple[Device, str]:
    """Redeem a pairing code; return the device and the secret to keep in its cookie."""
    code = "".join(ch for ch in clean(code) if ch.isdigit())
    with store.writing():
        device = (
            db.session.scalar(select(Device).where(Device.pairing_code_hash == _hash(code)))
            if code
            else None
        )
        if (
            device is None
            or device.revoked_at is not None
            or device.pairing_expires_at < clock.now()
        ):
            raise NotFound(_("Mã ghép nối không đúng hoặc đã hết hạn."))
        secret = secrets.token_urlsafe(32)
        device.secret_hash = _hash(secret)
        device.pairing_code_hash = None
        device.pairing_expires_at = None
        device.paired_at = clock.now()
        audit.record("pair", device, detail=device.kind)
        store.bump_office(device.office_id)  # a tablet's screen depends on its pairing
    return device, secret


def revoke(device: Device) -> Device:
    """Unpair a device: its cookie stops working at once."""
    with store.writing():
        device.revoked_at = clock.now()
        device.secret_hash = None
        device.pairing_code_hash = None
        audit.record("revoke", device)
        store.bump_office(device.office_id)
    return device


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeSerializer:
    # Built once per key: every kiosk request reads the cookie, and building costs more.
    return URLSafeSerializer(secret_key, salt="onestop-device")


def cookie_value(device: Device, secret: str) -> str:
    """The signed cookie value that identifies a paired device."""
    return _serializer().dumps({"id": device.id, "secret": secret})


def set_device_cookie(response, device: Device, secret: str):
    response.set_cookie(
        COOKIE_NAME,
        cookie_value(device, secret),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


class DeviceRow(NamedTuple):
    """What a request needs of the device that sent it: kiosks send one with every screen
    and ticket, and a Core read of these columns costs a fraction of an ORM one."""

    id: int
    office_id: int
    kind: str
    counter_id: int | None
    name: str
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None
    secret_hash: str | None


_DEVICE_OF_COOKIE = select(*(Device.__table__.c[name] for name in DeviceRow._fields)).where(
    Device.__table__.c.id == bindparam("id")
)


def current_device() -> DeviceRow | None:
    """The paired, unrevoked device that sent this request, or None.

    Looked up once a request: the view's checks and the screens ask again.
    """
    if "device" not in g:
        g.device = _device_of(_cookie_identity())
    return g.device


def _device_of(identity: tuple[int, str] | None) -> DeviceRow | None:
    """The paired, unrevoked device of a cookie's (id, secret), or None."""
    if identity is None:
        return None
    row = db.session.execute(_DEVICE_OF_COOKIE, {"id": identity[0]}).first()
    return _checked(DeviceRow(*row) if row is not None else None, identity)


class DeviceClaim(NamedTuple):
    """What a kiosk request says it is, before any read: the device its signed cookie
    names (id, secret), or in demo mode any browser."""

    identity: tuple[int, str] | None
    any_browser: bool


def claim() -> DeviceClaim:
    """The claim of this request, for a kiosk write (queues.tickets.issue checks it)."""
    return DeviceClaim(_cookie_identity(), current_app.config["DEMO"])


def check_kiosk(claim: DeviceClaim, office_id: int) -> None:
    """Refuse a kiosk write unless it comes from a paired kiosk of this office (any browser
    in demo mode): Forbidden "device_not_paired"."""
    if claim.any_browser:
        return
    device = _device_of(claim.identity)
    if device is None or device.office_id != office_id or device.kind != "kiosk":
        raise Forbidden(_("Chỉ ki-ốt đã đăng ký của đơn vị mới được lấy số."), "device_not_paired")


def cookie_device_id() -> int | None:
    """The device the request's signed cookie names, not yet checked against the database."""
    identity = _cookie_identity()
    return identity[0] if identity is not None else None


def rate_key() -> str:
    """Rate-limit key of device writes: the device named by the signed cookie (kiosks may
    share one address). No read: the signature alone shows the cookie was ours."""
    device_id = cookie_device_id()
    return f"device:{device_id}" if device_id is not None else f"address:{remote_address()}"


def _cookie_identity() -> tuple[int, str] | None:
    """(device id, secret) from the request's signed device cookie, or None."""
    if "device_identity" not in g:
        g.device_identity = _read_cookie()
    return g.device_identity


def _read_cookie() -> tuple[int, str] | None:
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    return data["id"], str(data.get("secret"))


def _checked(device: DeviceRow | None, identity: tuple[int, str] | None) -> DeviceRow | None:
    """The device, if it is the cookie's, unrevoked, and the cookie holds its secret."""
    if device is None or identity is None or device.id != identity[0]:
        return None
    if device.revoked_at is not None or device.secret_hash != _hash(identity[1]):
        return None
    return device


def mark_seen(device: DeviceRow) -> None:
    """Record that a paired device is in use (at most once per SEEN_RESOLUTION)."""
    now = clock.now()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_RESOLUTION:
        return
    device_id = device.id
    with store.writing():
        db.session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=now))


def device_allowed(office: Office, kind: str = "kiosk", counter: Counter | None = None) -> bool:
    """Whether this request may write as a device of ``office`` (any browser in demo mode)."""
    if current_app.config["DEMO"]:
        return True
    device = current_device()
    if device is None or device.office_id != office.id or device.kind != kind:
        return False
    return counter is None or device.counter_id == counter.id


def devices_of(office_ids: set[int]) -> list[Device]:
    return list(
        db.session.scalars(
            select(Device).where(Device.office_id.in_(office_ids)).order_by(Device.id)
        )
    )
