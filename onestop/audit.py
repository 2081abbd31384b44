"""The audit trail: who changed the configuration, and who looked at citizens' personal data.

An entry says who, when, what (an action on an object type and id) and where (the office);
never the personal data itself. A change is recorded by ``record`` in the session of the
change, so the entry and the change are committed together or not at all; a view of
personal data is recorded by ``record_view`` in a short write of its own.
"""

import datetime as dt
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String, func, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import begin_write, db
from onestop.models import Office, User

ACTIONS = {
    "create": _l("Tạo mới"),
    "edit": _l("Sửa"),
    "activate": _l("Mở lại"),
    "deactivate": _l("Khóa"),
    "password_reset": _l("Đặt lại mật khẩu"),
    "token": _l("Cấp token API"),
    "pair": _l("Ghép nối"),
    "revoke": _l("Thu hồi"),
    "import": _l("Nhập tệp"),
    "delete": _l("Xóa"),
    "view": _l("Xem dữ liệu cá nhân"),
    "export": _l("Xuất dữ liệu cá nhân"),
    "purge": _l("Xóa dữ liệu cá nhân hết hạn lưu trữ"),
    "restore": _l("Khôi phục mặc định"),
    "retry": _l("Gửi lại"),
}
OBJECT_TYPES = {
    "office": _l("Đơn vị"),
    "user": _l("Người dùng"),
    "service": _l("Dịch vụ"),
    "counter": _l("Quầy"),
    "device": _l("Thiết bị"),
    "procedure": _l("Thủ tục"),
    "holiday": _l("Ngày nghỉ, làm bù"),
    "dossier": _l("Hồ sơ"),
    "complaint": _l("Phản ánh"),
    "message_template": _l("Mẫu tin nhắn"),
    "outbox_message": _l("Tin nhắn"),
}
# Column names that are never written into an entry's detail, even as a changed field's name.
_HIDDEN_FIELDS = {"password_hash": "password", "secret_hash": "secret", "pairing_code_hash": "code"}
# Kept by the system itself, never an administrator's change of its own.
_BOOKKEEPING_FIELDS = {"created_at", "updated_at", "session_epoch"}
DETAIL_MAX = 500
PAGE_SIZE = 50


class AuditEntry(db.Model):
    """One administrative change or one view of personal data."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_user_at", "user_id", "at"),
        Index("ix_audit_entry_office_at", "office_id", "at"),
        Index("ix_audit_entry_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # None for the system: a command run on the server (the purge, a CLI account).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    action: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int | None]
    # What changed (field names, counts, a dossier's code), never a personal value.
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX), default="")

    user: Mapped[User | None] = relationship()
    office: Mapped[Office | None] = relationship()


def _acting_user() -> User | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def changed_fields(obj) -> str:
    """The names of ``obj``'s changed columns and relations, before they are flushed."""
    names = []
    for attr in inspect(obj).attrs:
        if attr.key in _BOOKKEEPING_FIELDS or not attr.history.has_changes():
            continue
        if attr.key.endswith("_id") and attr.key[:-3] in inspect(obj).attrs.keys():
            continue  # the relation of the same name says it
        names.append(_HIDDEN_FIELDS.get(attr.key, attr.key))
    return ", ".join(sorted(set(names)))


def record(
    action: str,
    obj=None,
    *,
    detail: str | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    office_id: int | None = None,
    user: User | None = None,
) -> AuditEntry:
    """Add an entry for ``action`` on ``obj`` to the session; the caller's commit stores it.

    Call it before the change is flushed: the detail of a change to an existing object
    lists the fields that changed.
    The user is the one logged in unless given (None from the command line).

    :param obj: a model instance (Office, User, Service, Dossier, ...), or None with
        ``object_type`` for an action on many objects (an import, a purge).
    """
    if obj is not None:
        if inspect(obj).key is None:
            db.session.flush()  # a new object gets its id
        elif detail is None:
            detail = changed_fields(obj)
        object_type = object_type or type(obj).__name__.lower()
        object_id = obj.id
        if office_id is None:
            office_id = obj.id if isinstance(obj, Office) else getattr(obj, "office_id", None)
    user = user or _acting_user()
    entry = AuditEntry(
        at=clock.now(),
        user_id=user.id if user is not None else None,
        office_id=office_id,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        detail=(detail or "")[:DETAIL_MAX],
    )
    db.session.add(entry)
    return entry


def record_view(obj, detail: str = "", action: str = "view") -> None:
    """Store at once that the logged-in user is shown ``obj``'s personal data.

    A view changes nothing else, so the entry is a write of its own; the caller's
    objects stay usable afterwards (they reload what they need).
    """
    object_type, object_id = type(obj).__name__.lower(), obj.id
    office_id = getattr(obj, "office_id", None)
    user = _acting_user()
    begin_write()
    record(
        action,
        object_type=object_type,
        object_id=object_id,
        office_id=office_id,
        detail=detail,
        user=user,
    )
    db.session.commit()


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page is narrowed to; every field optional."""

    user_id: int | None = None
    action: str = ""
    object_type: str = ""
    office_id: int | None = None
    start: dt.date | None = None  # local dates, inclusive
    end: dt.date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        """Read the query string; values that make no sense are dropped, not refused."""

        def number(name: str) -> int | None:
            value = str(args.get(name, "")).strip()
            return int(value) if value.isdigit() and len(value) <= 9 else None

        def day(name: str) -> dt.date | None:
            try:
                value = dt.date.fromisoformat(str(args.get(name, "")).strip())
            except ValueError:
                return None
            # Far-off years would overflow the UTC conversion; nothing is logged there anyway.
            return value if 2000 <= value.year <= 2999 else None

        action = str(args.get("action", ""))
        object_type = str(args.get("type", ""))
        return cls(
            user_id=number("user"),
            action=action if action in ACTIONS else "",
            object_type=object_type if object_type in OBJECT_TYPES else "",
            office_id=number("office"),
            start=day("from"),
            end=day("to"),
            page=max(1, min(number("page") or 1, 100_000)),
        )

    def as_args(self) -> dict:
        """The query string of these filters (without the page)."""
        return {
            "user": self.user_id or "",
            "action": self.action,
            "type": self.object_type,
            "office": self.office_id or "",
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }


def search(filters: AuditFilters) -> tuple[list[AuditEntry], int]:
    """Entries matching ``filters``, newest first: one page of them and the total count."""
    conditions = []
    if filters.user_id is not None:
        conditions.append(AuditEntry.user_id == filters.user_id)
    if filters.action:
        conditions.append(AuditEntry.action == filters.action)
    if filters.object_type:
        conditions.append(AuditEntry.object_type == filters.object_type)
    if filters.office_id is not None:
        conditions.append(AuditEntry.office_id == filters.office_id)
    if filters.start is not None:
        conditions.append(AuditEntry.at >= clock.local_midnight(filters.start))
    if filters.end is not None:
        conditions.append(AuditEntry.at < clock.local_midnight(filters.end + dt.timedelta(days=1)))
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions))
    rows = db.session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    )
    return list(rows), total
