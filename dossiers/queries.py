"""Read side of dossiers: the officer's filtered list, its counters, citizens' lookup, masking."""

import datetime as dt
import hmac
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from dossiers.lifecycle import overdue_condition
from dossiers.models import CHANNELS, OPEN_STATUSES, STATUSES, Dossier
from onestop.extensions import db
from onestop.inputs import id_or_none
from onestop.models import User, visible_office_ids
from onestop.phones import normalise_phone
from onestop.text import clean

PAGE_SIZE = 25
DUE_FILTERS = ("today", "soon", "overdue")


@dataclass
class DossierFilters:
    """The officer list's filters, parsed from a query string; bad values fall back to "all"."""

    status: str = "open"  # "", "open" or one of STATUSES
    procedure_id: int | None = None
    channel: str = ""
    due: str = ""  # "", "today", "soon" (within ``within_days``), "overdue"
    within_days: int = 3
    office_id: int | None = None
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "DossierFilters":
        def number(name, default, low, high):
            try:
                return min(max(int(args.get(name, default)), low), high)
            except (TypeError, ValueError):
                return default

        status = args.get("status", "open")
        procedure = args.get("procedure", "")
        office = args.get("office", "")
        return cls(
            status=status if status in ("", "open", *STATUSES) else "open",
            procedure_id=id_or_none(procedure),
            channel=args.get("channel", "") if args.get("channel", "") in CHANNELS else "",
            due=args.get("due", "") if args.get("due", "") in DUE_FILTERS else "",
            within_days=number("within", 3, 1, 60),
            office_id=id_or_none(office),
            q=clean(args.get("q", ""))[:60],
            page=number("page", 1, 1, 10_000),
        )


def _scope(user: User, office_id: int | None) -> set[int]:
    visible = visible_office_ids(user)
    return {office_id} & visible if office_id is not None else visible


def list_dossiers(
    user: User, filters: DossierFilters, now: dt.datetime, today: dt.date
) -> tuple[list[Dossier], int]:
    """The dossiers the user may see that match ``filters``: one page and the total count.

    Open and due filters sort the most urgent first; otherwise the newest first.
    """
    stmt = select(Dossier).where(Dossier.office_id.in_(_scope(user, filters.office_id)))
    if filters.status == "open":
        stmt = stmt.where(Dossier.status.in_(OPEN_STATUSES))
    elif filters.status:
        stmt = stmt.where(Dossier.status == filters.status)
    if filters.procedure_id:
        stmt = stmt.where(Dossier.procedure_id == filters.procedure_id)
    if filters.channel:
        stmt = stmt.where(Dossier.channel == filters.channel)
    if filters.due == "today":
        stmt = stmt.where(Dossier.status.in_(OPEN_STATUSES), Dossier.due_date == today)
    elif filters.due == "soon":
        stmt = stmt.where(
            Dossier.status.in_(OPEN_STATUSES),
            Dossier.due_date >= today,
            Dossier.due_date <= today + dt.timedelta(days=filters.within_days),
        )
    elif filters.due == "overdue":
        stmt = stmt.where(overdue_condition(now))
    if filters.q:
        phone = normalise_phone(filters.q)
        stmt = stmt.where(
            Dossier.phone == phone
            if phone
            else Dossier.code.contains(filters.q.upper(), autoescape=True)
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    urgent_first = filters.status in OPEN_STATUSES or filters.status == "open" or filters.due
    order = (
        (Dossier.due_at, Dossier.id)
        if urgent_first
        else (Dossier.received_at.desc(), Dossier.id.desc())
    )
    rows = db.session.scalars(
        stmt.options(selectinload(Dossier.procedure), selectinload(Dossier.office))
        .order_by(*order)
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    )
    return list(rows), total


def summary(user: User, office_id: int | None, now: dt.datetime, today: dt.date) -> dict[str, int]:
    """Counts for the list's header chips: open, due today, overdue, awaiting supplement."""
    scope = Dossier.office_id.in_(_scope(user, office_id))

    def count(*where) -> int:
        return db.session.scalar(select(func.count(Dossier.id)).where(scope, *where))

    return {
        "open": count(Dossier.status.in_(OPEN_STATUSES)),
        "today": count(Dossier.status.in_(OPEN_STATUSES), Dossier.due_date == today),
        "overdue": count(overdue_condition(now)),
        "awaiting_supplement": count(Dossier.status == "awaiting_supplement"),
    }


def visible_dossier(user: User, code: str) -> Dossier | None:
    """The dossier with ``code`` if the user's offices include its office."""
    return db.session.scalar(
        select(Dossier).where(
            Dossier.code == clean(code).upper(), Dossier.office_id.in_(visible_office_ids(user))
        )
    )


def by_token(token: str) -> Dossier | None:
    return db.session.scalar(select(Dossier).where(Dossier.token == clean(token)[:32]))


def find_for_lookup(code: str, phone_last4: str) -> Dossier | None:
    """The dossier for a citizen's lookup, or None; a wrong code and a wrong phone look the same.

    The phone digits are compared in constant time so that timing does not tell a
    known code from an unknown one any more than the answer does.
    """
    last4 = clean(phone_last4)
    dossier = db.session.scalar(select(Dossier).where(Dossier.code == clean(code).upper()[:60]))
    expected = dossier.phone[-4:] if dossier is not None else "0000"
    digits_ok = len(last4) == 4 and last4.isdigit()
    matches = hmac.compare_digest(expected.encode(), last4.encode() if digits_ok else b"----")
    return dossier if dossier is not None and matches else None


def mask_name(name: str) -> str:
    """Family name and initials only: "Nguyễn Thị Lan" -> "Nguyễn T. L."."""
    words = name.split()
    if len(words) <= 1:
        return (words[0][0] + "***") if words else ""
    return " ".join([words[0]] + [w[0] + "." for w in words[1:]])


def mask_id_number(id_number: str) -> str:
    """Keep the last four digits: "001099012345" -> "********2345"; "" stays ""."""
    if len(id_number) <= 4:
        return "*" * len(id_number)
    return "*" * (len(id_number) - 4) + id_number[-4:]
