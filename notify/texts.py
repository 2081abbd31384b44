"""The wording of each message: the built-in text or the admin's, checked before it is saved."""

import string

from flask_babel import gettext as _
from sqlalchemy import select

from notify.models import MessageTemplate
from notify.outbox import DEFAULT_TEMPLATES
from onestop import audit, clock
from onestop.exceptions import ValidationError
from onestop.extensions import begin_write, db
from onestop.text import clean

# One SMS: 160 characters (Zalo has room for more; the SMS is the tighter of the two).
MAX_LENGTH = 160
# The longest values a placeholder takes in practice: a text that fits with them fits always.
LONG_VALUES = {
    "number": "A015",
    "counter": "12",
    "office": "UBND phường Liên Bảo",
    "ahead": "10",
    "code": "000.00.12.H62-261205-0001",
    "service": "Tư pháp – Hộ tịch",
    "time": "08:30",
    "date": "07/12/2026",
}


def placeholders(body: str) -> set[str]:
    """The ``{name}`` fields of a text.

    :raises ValueError: a brace left open, or a field with a format spec, conversion or index.
    """
    names = set()
    for _literal, field, spec, conversion in string.Formatter().parse(body):
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ValueError(field)
        names.add(field)
    return names


def texts() -> dict[str, str]:
    """Every template's current text: the admin's wording where there is one, else the built-in."""
    edited = dict(db.session.execute(select(MessageTemplate.code, MessageTemplate.body)).all())
    return {code: edited.get(code, default) for code, default in DEFAULT_TEMPLATES.items()}


def render(code: str, params: dict, body: str | None = None) -> str:
    """The text sent: ``body`` (default: the template's current text) filled with ``params``."""
    if body is None:
        row = db.session.get(MessageTemplate, code)
        body = row.body if row is not None else DEFAULT_TEMPLATES[code]
    return body.format_map({name: params.get(name, "") for name in placeholders(body)})


def check(code: str, body: str) -> str:
    """The cleaned text, if it may replace ``code``'s built-in one.

    :raises ValidationError: ``body`` empty, a placeholder the built-in text lacks (or a
        malformed one), or longer than one SMS once filled with long values.
    """
    body = " ".join(clean(body).split())
    allowed = placeholders(DEFAULT_TEMPLATES[code])
    names = ", ".join("{" + name + "}" for name in sorted(allowed))
    if not body:
        raise ValidationError({"body": _("Nhập nội dung tin nhắn.")})
    try:
        used = placeholders(body)
    except ValueError:
        raise ValidationError(
            {
                "body": _(
                    "Dấu ngoặc nhọn chỉ dùng cho các chỗ điền: %(names)s.",
                    names=names,
                )
            }
        ) from None
    if unknown := used - allowed:
        raise ValidationError(
            {
                "body": _(
                    "Không có chỗ điền %(unknown)s cho tin này. Chỉ dùng: %(names)s.",
                    unknown=", ".join("{" + name + "}" for name in sorted(unknown)),
                    names=names,
                )
            }
        )
    length = len(render(code, LONG_VALUES, body))
    if length > MAX_LENGTH:
        raise ValidationError(
            {
                "body": _(
                    "Tin nhắn dài %(length)d ký tự khi điền giá trị dài nhất, "
                    "quá %(max)d ký tự của một tin SMS. Hãy rút gọn.",
                    length=length,
                    max=MAX_LENGTH,
                )
            }
        )
    return body


def save(code: str, body: str) -> str:
    """Store the admin's wording of ``code`` (checked), with its audit entry; returns it."""
    body = check(code, body)
    begin_write()
    row = db.session.get(MessageTemplate, code)
    if row is None:
        row = MessageTemplate(code=code, body=body)
        db.session.add(row)
    row.body, row.updated_at = body, clock.now()
    audit.record("edit", object_type="message_template", detail=code)
    db.session.commit()
    return body


def restore(code: str) -> None:
    """Go back to the built-in text of ``code``, with its audit entry."""
    begin_write()
    row = db.session.get(MessageTemplate, code)
    if row is not None:
        db.session.delete(row)
        audit.record("restore", object_type="message_template", detail=code)
    db.session.commit()
