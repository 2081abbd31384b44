"""Input the app can store, checked at one place before any view runs.

Every text field of a request (query string, form, URL segment, JSON body) is refused
with a 400 in the user's language when it holds a control character other than tab
and line breaks, or a lone UTF-16 surrogate: PostgreSQL cannot store NUL, no database
driver can encode a surrogate, and neither belongs in anything a citizen or an officer
types. Integer ids in URLs are bounded to what an INTEGER column holds, and JSON bodies
to a size and a nesting depth, so that a crafted body is a 400 and never a crash.
"""

import json
import math
import re

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, ValidationError

from onestop.exceptions import DomainError

# The largest value of a PostgreSQL INTEGER column (every primary key of the schema).
MAX_ID = 2**31 - 1
# JSON bodies of this API are a few hundred bytes and two levels deep.
MAX_JSON_BYTES = 256 * 1024
MAX_JSON_DEPTH = 20
# Integers beyond what JavaScript represents exactly have no meaning in this API.
MAX_JSON_INTEGER = 2**53 - 1

# C0 and C1 controls except tab, line feed and carriage return (browsers send CR LF
# for a textarea's line breaks), DEL, and the surrogate block.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class BadInput(DomainError):
    """A request the app refuses before reading it further: nothing is stored."""

    status = 400
    code = "bad_input"


class TooLarge(BadInput):
    status = 413
    code = "too_large"


def forbidden_character(text: str) -> str | None:
    """The first character of ``text`` that cannot be stored, or None."""
    found = _FORBIDDEN.search(text)
    return found.group() if found else None


def check_text(text: str) -> str:
    """Return ``text`` if it can be stored; raise BadInput otherwise."""
    if forbidden_character(text) is not None:
        raise BadInput(
            _("Dữ liệu chứa ký tự điều khiển hoặc ký tự không hợp lệ. Vui lòng nhập lại."),
            "bad_text",
        )
    return text


def db_id(value) -> int:
    """An id as stored in the database, from a form or JSON value.

    Raises ValueError for anything else, so that ``request.form.get(name, type=db_id)``
    answers the default for a huge or negative number as it does for a word.
    """
    if isinstance(value, bool):
        raise ValueError("not an id")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            raise ValueError("not an id")
        number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError("id out of range")
    return number


def id_or_none(value) -> int | None:
    """``db_id(value)``, or None when the value is not an id."""
    try:
        return db_id(value)
    except (TypeError, ValueError):
        return None


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number an INTEGER column holds, else 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str):
        # int() of thousands of digits is slow or refused; such a number is never an id.
        if len(value) > len(str(MAX_ID)) or not value.isascii():
            raise ValidationError()
        return super().to_python(value)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_json(value) -> None:
    """Walk a parsed JSON value without recursion: depth, integers and every string."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadInput(_("Dữ liệu JSON lồng nhau quá sâu."), "too_deep")
            children = item.items() if isinstance(item, dict) else ((None, v) for v in item)
            for key, child in children:
                if key is not None:
                    check_text(key)
                pending.append((child, depth + 1))
        elif isinstance(item, str):
            check_text(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            if abs(item) > MAX_JSON_INTEGER:
                raise BadInput(_("Số trong dữ liệu JSON quá lớn."), "bad_json")
        elif isinstance(item, float) and not math.isfinite(item):
            raise BadInput(_("Số trong dữ liệu JSON quá lớn."), "bad_json")


def load_request_json(data: bytes | str):
    """Parse a request body as JSON within the limits; BadInput if it is unsafe.

    Malformed JSON raises ValueError, as ``json.loads`` does, so that
    ``get_json(silent=True)`` still answers None for it.
    """
    if len(data) > MAX_JSON_BYTES:
        raise TooLarge(_("Dữ liệu JSON quá lớn: tối đa %(n)d KB.", n=MAX_JSON_BYTES // 1024))
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadInput(_("Dữ liệu JSON lồng nhau quá sâu."), "too_deep") from None
    _check_json(value)
    return value


class JSONProvider(DefaultJSONProvider):
    """Flask hands ``app.json`` to every request: its bodies are read by load_request_json."""

    def loads(self, s, **kwargs):
        return load_request_json(s)


class CheckedRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:
            raise BadInput(_("Cần gửi dữ liệu dạng JSON (application/json)."), "not_json")
        raise BadInput(_("Dữ liệu JSON không đọc được."), "bad_json")


def _check_fields() -> None:
    """Refuse a request whose query string, URL, form or JSON body carries text that
    cannot be stored."""
    for key, value in request.args.items(multi=True):
        check_text(key)
        check_text(value)
    if request.view_args:
        for value in request.view_args.values():
            if isinstance(value, str):
                check_text(value)
    if request.is_json:
        # Read now, so that text a body cannot store is refused before the view's own
        # checks (a login or a device), the same way a form's is; the view reads the cache.
        request.get_json(silent=True)
    if request.method != "GET" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, value in request.form.items(multi=True):
            check_text(key)
            check_text(value)
        for key, upload in request.files.items(multi=True):
            check_text(key)
            check_text(upload.filename or "")


def init_app(app: Flask) -> None:
    """Bound ``<int:...>`` in URLs, read JSON bodies with limits, check every text field.

    Call before any blueprint is registered (the converter applies to the routes added
    after it) and before any other ``before_request`` hook reads the request.
    """
    app.url_map.converters["int"] = IdConverter
    app.request_class = CheckedRequest
    app.json = JSONProvider(app)
    app.before_request(_check_fields)


class BadRequestBody(DomainError):
    """A JSON API body that is not what the endpoint takes (400)."""

    status = 400
    code = "bad_request"


def json_object() -> dict:
    """The request's JSON body, which must be an object; BadRequestBody otherwise."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequestBody(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return body
