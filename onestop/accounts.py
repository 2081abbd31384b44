"""Creating and editing offices, users and API tokens, with validation."""

import functools
import re
import secrets
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from onestop import audit, clock
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.models import LEVELS, ROLES, ApiToken, Office, User
from onestop.stale import mark_days
from onestop.text import clean

OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


def _required(errors: dict, data: dict, field: str, max_len: int) -> str:
    value = clean(data.get(field))
    if not value:
        errors[field] = _("Trường này là bắt buộc.")
    elif len(value) > max_len:
        errors[field] = _("Tối đa %(n)d ký tự.", n=max_len)
    return value


def _office_fields(data: dict, office: Office | None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    code = _required(errors, data, "code", 20).upper()
    if code and "code" not in errors:
        if not OFFICE_CODE.match(code):
            errors["code"] = _("Mã chỉ gồm chữ in hoa không dấu, số và dấu gạch ngang.")
        else:
            clash = db.session.scalar(select(Office).where(Office.code == code))
            if clash is not None and clash is not office:
                errors["code"] = _("Mã đơn vị này đã tồn tại.")
    values["code"] = code
    values["name"] = _required(errors, data, "name", 200)
    level = clean(data.get("level"))
    if level not in LEVELS:
        errors["level"] = _("Cấp không hợp lệ.")
    values["level"] = level
    values["agency_code"] = clean(data.get("agency_code"))[:40]
    parent_code = clean(data.get("parent")).upper()
    values["parent"] = None
    if parent_code:
        parent = db.session.scalar(select(Office).where(Office.code == parent_code))
        if parent is None:
            errors["parent"] = _("Không có đơn vị cấp trên này.")
        elif office is not None and _is_descendant_or_self(parent, office):
            errors["parent"] = _("Đơn vị cấp trên không thể là chính nó hoặc đơn vị cấp dưới.")
        values["parent"] = parent
    try:
        percent = Decimal(clean(data.get("late_rate_target_percent")) or "0.90")
        if not Decimal("0") <= percent <= Decimal("100"):
            raise InvalidOperation
        values["late_rate_target"] = percent / 100
    except InvalidOperation:
        errors["late_rate_target_percent"] = _("Nhập một tỉ lệ phần trăm từ 0 đến 100.")
    try:
        minutes = int(clean(data.get("wait_target_min")) or "20")
        if not 1 <= minutes <= 240:
            raise ValueError
        values["wait_target_min"] = minutes
    except ValueError:
        errors["wait_target_min"] = _("Nhập số phút từ 1 đến 240.")
    if errors:
        raise ValidationError(errors)
    return values


def _is_descendant_or_self(candidate: Office, office: Office) -> bool:
    node = candidate
    while node is not None:
        if node is office:
            return True
        node = node.parent
    return False


def save_office(data: dict, office: Office | None = None) -> Office:
    """Create an office, or update ``office``, from form data; raise ValidationError."""
    values = _office_fields(data, office)
    if office is None:
        office = Office()
        db.session.add(office)
    elif values["wait_target_min"] != office.wait_target_min:
        # Every past ticket of the office is judged against the new target.
        mark_days([office.id], None, clock.today())
    for key, value in values.items():
        setattr(office, key, value)
    audit.record("edit" if office.id else "create", office)
    db.session.commit()
    return office


def set_office_active(office: Office, active: bool) -> Office:
    office.active = active
    audit.record("activate" if active else "deactivate", office)
    db.session.commit()
    return office


def _user_fields(data: dict, user: User | None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    username = _required(errors, data, "username", 60).lower()
    if username and "username" not in errors:
        if not USERNAME.match(username):
            errors["username"] = _(
                "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch."
            )
        else:
            clash = db.session.scalar(select(User).where(User.username == username))
            if clash is not None and clash is not user:
                errors["username"] = _("Tên đăng nhập này đã được dùng.")
    values["username"] = username
    values["full_name"] = _required(errors, data, "full_name", 120)
    role = clean(data.get("role"))
    if role not in ROLES:
        errors["role"] = _("Vai trò không hợp lệ.")
    values["role"] = role
    office_code = clean(data.get("office")).upper()
    office = (
        db.session.scalar(select(Office).where(Office.code == office_code)) if office_code else None
    )
    if office is None:
        errors["office"] = _("Không có đơn vị này.")
    values["office"] = office
    password = data.get("password") or ""
    if user is None or password:
        if len(password) < 8:
            errors["password"] = _("Mật khẩu cần ít nhất 8 ký tự.")
        elif len(password) > 200:
            errors["password"] = _("Tối đa %(n)d ký tự.", n=200)
    if errors:
        raise ValidationError(errors)
    values["password"] = password
    return values


def save_user(data: dict, user: User | None = None) -> User:
    """Create a user, or update ``user``, from form data; raise ValidationError."""
    values = _user_fields(data, user)
    password = values.pop("password")
    if user is None:
        user = User()
        db.session.add(user)
    for key, value in values.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
        if user.id is not None:
            _raise_epoch(user)
    audit.record("create" if user.id is None else "password_reset" if password else "edit", user)
    db.session.commit()
    return user


def _raise_epoch(user: User) -> None:
    # In SQL, so two raises at once both count.
    user.session_epoch = User.session_epoch + 1


def end_sessions(user: User) -> None:
    """Log ``user`` out everywhere: every session cookie issued so far stops working."""
    _raise_epoch(user)
    db.session.commit()


@functools.cache
def _dummy_hash() -> str:
    # Made like a real password's hash (same method and cost), once per process.
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None.

    An unknown or inactive username is checked against a dummy hash: the answer takes
    as long as a wrong password's, so its timing does not tell which usernames exist.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    usable = user is not None and user.active
    matches = check_password_hash(user.password_hash if usable else _dummy_hash(), password)
    return user if usable and matches else None


def set_user_active(user: User, active: bool) -> User:
    user.active = active
    audit.record("activate" if active else "deactivate", user)
    db.session.commit()
    return user


def create_token(user: User, name: str) -> str:
    """Create an API token for ``user``; return the token, which is shown only once."""
    name = clean(name)
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Tên token từ 1 đến 80 ký tự.")})
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name, token_hash=ApiToken.hash(token)))
    audit.record("token", user, detail=name)
    db.session.commit()
    return token


# One query per API call: every request of an integration or a counter tablet asks it.
_USER_OF_TOKEN = (
    select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked.is_(False),
        User.active.is_(True),
    )
)


def user_for_token(token: str) -> User | None:
    """The active user behind an unrevoked bearer token, or None."""
    return db.session.scalar(_USER_OF_TOKEN, {"token_hash": ApiToken.hash(token)})
