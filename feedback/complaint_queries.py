"""Reading complaints: by tracking code, the staff's list, the overdue ones, the public view."""

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from feedback.models import Complaint
from onestop import clock
from onestop.exceptions import NotFound
from onestop.extensions import db
from onestop.models import User, visible_office_ids
from onestop.text import clean

# The staff list shows this many; filters narrow it down.
LIST_LIMIT = 100


def normalise_code(code: str) -> str:
    """Accept a code typed in lower case, with spaces or without dashes."""
    compact = "".join(ch for ch in clean(code).upper() if ch.isalnum())
    if compact.startswith("PA") and len(compact) == 10:
        return f"PA-{compact[2:6]}-{compact[6:]}"
    return clean(code).upper()


def by_code(code: str) -> Complaint:
    """The complaint with this tracking code.

    :raises NotFound: no such code.
    """
    complaint = db.session.scalar(select(Complaint).where(Complaint.code == normalise_code(code)))
    if complaint is None:
        raise NotFound(_("Không tìm thấy phản ánh với mã này. Vui lòng kiểm tra lại mã tra cứu."))
    return complaint


def for_staff(
    user: User,
    status: str | None = None,
    office_id: int | None = None,
    only_overdue: bool = False,
    limit: int = LIST_LIMIT,
) -> tuple[list[Complaint], int]:
    """The complaints a member of staff sees: the offices they lead, or those assigned to them.

    :param status: one status, ``"open"`` for those not yet answered, or None for all.
    :returns: the first ``limit`` complaints, unanswered first by due date (so the overdue
        ones lead), and how many match in all.
    """
    offices = visible_office_ids(user) if user.role in ("supervisor", "admin") else set()
    clauses = [or_(Complaint.office_id.in_(offices), Complaint.assignee_id == user.id)]
    if status == "open":
        clauses.append(Complaint.status != "answered")
    elif status:
        clauses.append(Complaint.status == status)
    if office_id:
        clauses.append(Complaint.office_id == office_id)
    if only_overdue:
        clauses += [Complaint.status != "answered", Complaint.due_date < clock.today()]
    query = (
        select(Complaint)
        .where(*clauses)
        .order_by(Complaint.status == "answered", Complaint.due_date, Complaint.id)
        .options(selectinload(Complaint.office), selectinload(Complaint.assignee))
        .limit(limit)
    )
    total = db.session.scalar(select(func.count()).select_from(Complaint).where(*clauses))
    return list(db.session.scalars(query)), total


def overdue(office_ids: set[int]) -> list[Complaint]:
    """Unanswered complaints past their due date in these offices, the oldest first."""
    query = (
        select(Complaint)
        .where(
            Complaint.office_id.in_(office_ids),
            Complaint.status != "answered",
            Complaint.due_date < clock.today(),
        )
        .order_by(Complaint.due_date, Complaint.id)
    )
    return list(db.session.scalars(query))


def public_view(complaint: Complaint) -> dict:
    """What anyone holding the tracking code may see: status and dates, the answer once published.

    Neither the contact nor the text is shown: a tracking code gets passed around, and
    citizens write names and phone numbers into their text.
    """
    shown = complaint.status == "answered" and complaint.published
    return {
        "code": complaint.code,
        "office": complaint.office.code,
        "office_name": complaint.office.name,
        "topic": complaint.topic,
        "subject": complaint.subject,
        "status": complaint.status,
        "received_at": complaint.received_at.isoformat(),
        "due_date": complaint.due_date.isoformat(),
        "overdue": complaint.is_overdue(),
        "answered_at": complaint.answered_at.isoformat() if shown else None,
        "answer": complaint.answer if shown else None,
    }
