"""A dossier's status lifecycle: allowed transitions, the supplement pause, apologies, timeliness.

Statuses and the national portal's codes (TrangThaiHoSo, domain.md section 3.1):

=====================  ====  =====================================================
status                 code  meaning
=====================  ====  =====================================================
received                2    Được tiếp nhận (the receipt, Mẫu 01, was issued)
in_progress             4    Đang xử lý (transferred to the specialist department)
awaiting_supplement     5    Yêu cầu bổ sung giấy tờ (Mẫu 02; the clock stops)
result_ready            9    Đã xử lý xong (timeliness is judged on this instant)
returned               10    Đã trả kết quả
rejected              3 / 8  Không được tiếp nhận (Mẫu 03) from received; else Dừng xử lý
withdrawn               7    Công dân yêu cầu rút hồ sơ
=====================  ====  =====================================================

Codes 1 (registered online, not yet accepted) and 6 (financial obligation) are not
tracked: imported online dossiers arrive accepted, and fees are paid at intake.

Allowed transitions (anything else is refused with 409 and the reason)::

    received            -> in_progress, awaiting_supplement, result_ready, rejected, withdrawn
    in_progress         -> awaiting_supplement, result_ready, rejected, withdrawn
    awaiting_supplement -> in_progress (papers complete: the clock restarts), rejected, withdrawn
    result_ready        -> returned
    returned, rejected, withdrawn: final

``received -> result_ready`` serves same-day procedures settled at the counter.

Timeliness (DESIGN.md section 4, the national rule of domain.md section 1.4): a dossier is
late when its processing ended after the end of its due date, that date having been moved
forward by the working days spent waiting for supplements, or when it was asked for a
supplement more than once. Processing ends at the first of: result ready
(``result_ready_at``), rejected / stopped or withdrawn (``closed_at``) — so rejecting or
withdrawing an overdue dossier does not make it on time. A dossier closed while it waited
for a supplement is judged at the instant that wait began (the clock had stopped there).
An open dossier is overdue when the current time (or, while it waits for a supplement, the
instant the clock stopped) is past the end of its due date, or when it was asked for a
supplement more than once.
"""

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from dossiers.documents import DocumentCount, parse_documents
from dossiers.models import (
    OPEN_STATUSES,
    STATUSES,
    Dossier,
    DossierEvent,
    SupplementDocument,
    SupplementRequest,
)
from dossiers.office_days import calendar_for
from dossiers.workdays import due_end
from notify.outbox import enqueue
from onestop import clock, stale
from onestop.exceptions import Conflict, Forbidden, ValidationError
from onestop.extensions import begin_write, db
from onestop.models import User, can_act_in
from onestop.text import clean

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("in_progress", "awaiting_supplement", "result_ready", "rejected", "withdrawn"),
    "in_progress": ("awaiting_supplement", "result_ready", "rejected", "withdrawn"),
    "awaiting_supplement": ("in_progress", "rejected", "withdrawn"),
    "result_ready": ("returned",),
    "returned": (),
    "rejected": (),
    "withdrawn": (),
}
NATIONAL_CODES = {
    "received": 2,
    "in_progress": 4,
    "awaiting_supplement": 5,
    "result_ready": 9,
    "returned": 10,
    "rejected": 3,
    "withdrawn": 7,
}
# A supplement request lists what is missing; a rejection gives its reason (Mẫu 02, Mẫu 03).
NOTE_REQUIRED = ("awaiting_supplement", "rejected")
MAX_NOTE = 2000


def allowed_next(status: str) -> tuple[str, ...]:
    """The statuses a dossier in ``status`` may move to."""
    return TRANSITIONS.get(status, ())


def national_code(dossier: Dossier) -> int:
    """The national portal's status code; a rejection at intake is 3, later 8 (Dừng xử lý)."""
    if dossier.status == "rejected":
        rejection = next((e for e in reversed(dossier.events) if e.to_status == "rejected"), None)
        return 3 if rejection is None or rejection.from_status == "received" else 8
    return NATIONAL_CODES[dossier.status]


def status_label(status: str) -> str:
    return {
        "received": _("Đã tiếp nhận"),
        "in_progress": _("Đang xử lý"),
        "awaiting_supplement": _("Chờ bổ sung hồ sơ"),
        "result_ready": _("Đã có kết quả"),
        "returned": _("Đã trả kết quả"),
        "rejected": _("Từ chối / dừng xử lý"),
        "withdrawn": _("Đã rút hồ sơ"),
    }.get(status, status)


def _load_for_update(dossier: Dossier) -> Dossier:
    dossier_id = dossier.id
    begin_write()
    # populate_existing: the officer's page may hold a stale copy; decide on the row as locked now.
    return db.session.get(Dossier, dossier_id, with_for_update=True, populate_existing=True)


def _check_time(dossier: Dossier, at: dt.datetime) -> None:
    last = max([dossier.received_at] + [e.at for e in dossier.events])
    if at < last:
        raise ValidationError({"at": _("Thời điểm không được trước thao tác gần nhất của hồ sơ.")})


def _refusal(dossier: Dossier, new_status: str) -> Conflict:
    allowed = allowed_next(dossier.status)
    if not allowed:
        reason = _(
            "Hồ sơ %(code)s đã ở trạng thái cuối “%(status)s”, không thể chuyển sang “%(new)s”.",
            code=dossier.code,
            status=status_label(dossier.status),
            new=status_label(new_status),
        )
    else:
        reason = _(
            "Không thể chuyển hồ sơ %(code)s từ “%(status)s” sang “%(new)s”. "
            "Được phép: %(allowed)s.",
            code=dossier.code,
            status=status_label(dossier.status),
            new=status_label(new_status),
            allowed=", ".join(f"“{status_label(s)}”" for s in allowed),
        )
    return Conflict(reason, "transition_not_allowed")


def change_status(
    dossier: Dossier,
    new_status: str,
    officer: User,
    note: str = "",
    at: dt.datetime | None = None,
    documents: tuple[DocumentCount, ...] = (),
) -> Dossier:
    """Move a dossier to ``new_status`` and record a DossierEvent.

    Asking for a supplement opens a SupplementRequest and stops the clock; leaving
    ``awaiting_supplement`` for ``in_progress`` completes it and moves the due date
    forward by the working days the pause held.

    :param officer: who acts; must be allowed in the dossier's office.
    :param note: required for a supplement request and a rejection (why); a supplement
        request without ``documents`` lists what is missing in it, one item per line.
    :param documents: the papers a supplement request asks for, with their copy counts.
    :param at: when it happened (default: now); simulations and imports pass past times.
    :raises Conflict: the transition is not allowed from the current status (the message says why).
    :raises ValidationError: unknown status, missing note, or a time before the last event.
    """
    at = at or clock.now()
    dossier = _load_for_update(dossier)
    if new_status not in STATUSES:
        raise ValidationError({"status": _("Trạng thái không hợp lệ.")})
    if not can_act_in(officer, dossier.office_id):
        raise Forbidden(_("Bạn không xử lý hồ sơ của đơn vị này."))
    if new_status not in allowed_next(dossier.status):
        raise _refusal(dossier, new_status)
    note = clean(note)
    if new_status in NOTE_REQUIRED and not note:
        message = (
            _("Ghi rõ giấy tờ cần bổ sung.")
            if new_status == "awaiting_supplement"
            else _("Ghi rõ lý do từ chối.")
        )
        raise ValidationError({"note": message})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("Tối đa %(n)d ký tự.", n=MAX_NOTE)})
    _check_time(dossier, at)
    old_status = dossier.status
    if old_status == "awaiting_supplement":
        _end_pause(dossier, at, completed=new_status == "in_progress")
    _enter(dossier, new_status, note, officer, at, documents)
    if new_status == "in_progress" and old_status == "awaiting_supplement":
        extra = _(
            "Đã nhận đủ hồ sơ bổ sung; hạn giải quyết mới: %(day)s.",
            day=dossier.due_date.strftime("%d/%m/%Y"),
        )
        note = f"{note}\n{extra}".strip()
    db.session.add(
        DossierEvent(
            dossier=dossier,
            office_id=dossier.office_id,
            kind="status",
            from_status=old_status,
            to_status=new_status,
            at=at,
            officer_id=officer.id,
            note=note,
        )
    )
    dossier.status = new_status
    _notify_applicant(dossier)
    stale.mark_instant(dossier.office_id, at)  # a status set at a past time
    db.session.commit()
    return dossier


def _notify_applicant(dossier: Dossier) -> None:
    """Queue the applicant's message about the new status, if they asked for messages.

    In the status change's transaction: no message for a change rolled back, and none
    lost for a change committed.
    """
    if not dossier.notify_opt_in:
        return
    params = {"code": dossier.code, "office": dossier.office.name}
    if dossier.status == "result_ready":
        template, key = "dossier_result_ready", f"dossier:{dossier.id}:result_ready"
    elif dossier.status == "awaiting_supplement":
        template = "dossier_supplement"
        key = f"dossier:{dossier.id}:supplement:{dossier.supplement_count}"
    else:
        return
    enqueue(dossier.phone, template, params, key=key, office_id=dossier.office_id)


def request_supplement(
    dossier: Dossier,
    documents: list,
    reason: str,
    officer: User,
    at: dt.datetime | None = None,
) -> Dossier:
    """Ask for a supplement (Mẫu 02) with the papers to add, their copy counts and the reason.

    :param documents: ``{name, originals, certified_copies, photocopies}`` entries; those
        with no copy are dropped, at least one must remain.
    :raises ValidationError: no paper or a bad count (``documents``), no reason
        (``supplement_reason``); nothing is stored.
    :raises Conflict: the dossier cannot wait for a supplement now.
    """
    errors = {}
    papers: list[DocumentCount] = []
    try:
        papers = parse_documents(documents)
    except ValidationError as error:
        errors.update(error.errors)
    if not papers and not errors:
        errors["documents"] = _("Ghi ít nhất một giấy tờ cần bổ sung và số bản.")
    if not clean(reason):
        errors["supplement_reason"] = _("Ghi rõ lý do yêu cầu bổ sung.")
    if errors:
        raise ValidationError(errors)
    return change_status(
        dossier, "awaiting_supplement", officer, reason, at=at, documents=tuple(papers)
    )


def _enter(
    dossier: Dossier,
    new_status: str,
    note: str,
    officer: User,
    at: dt.datetime,
    documents: tuple[DocumentCount, ...] = (),
) -> None:
    if new_status == "awaiting_supplement":
        dossier.supplement_count += 1
        dossier.paused_at = at
        papers = [
            SupplementDocument(
                position=position,
                name=paper.name,
                originals=paper.originals,
                certified_copies=paper.certified_copies,
                photocopies=paper.photocopies,
            )
            for position, paper in enumerate(documents, start=1)
        ]
        db.session.add(
            SupplementRequest(
                dossier=dossier,
                requested_at=at,
                note=note,
                officer_id=officer.id,
                documents=papers,
            )
        )
    elif new_status == "result_ready":
        dossier.result_ready_at = at
    elif new_status == "returned":
        dossier.returned_at = at
    elif new_status in ("rejected", "withdrawn"):
        dossier.closed_at = at


def _end_pause(dossier: Dossier, at: dt.datetime, completed: bool) -> None:
    """End the supplement wait; papers in: the due date moves by the paused days."""
    request = next((r for r in reversed(dossier.supplements) if r.completed_at is None), None)
    dossier.paused_at = None
    if request is None or not completed:
        return
    request.completed_at = at
    calendar = calendar_for(dossier.office)
    dossier.due_date = calendar.extend_for_pause(
        dossier.due_date,
        clock.local_date(request.requested_at),
        clock.local_date(at),
        dossier.procedure.processing_unit,
    )
    dossier.due_at = due_end(dossier.due_date)


def issue_apology(
    dossier: Dossier, new_date: dt.date, reason: str, officer: User, at: dt.datetime | None = None
) -> Dossier:
    """Record a Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) for an open dossier.

    The citizen gets a new appointment date; the legal due date is unchanged, so a
    dossier that ends up after it still counts as late.

    :param new_date: a working day of the office, after the current appointment, not in the past.
    :raises Conflict: the dossier is no longer open.
    :raises ValidationError: no reason, or an unsuitable date.
    """
    at = at or clock.now()
    dossier = _load_for_update(dossier)
    if not can_act_in(officer, dossier.office_id):
        raise Forbidden(_("Bạn không xử lý hồ sơ của đơn vị này."))
    if not dossier.is_open:
        raise Conflict(
            _(
                "Hồ sơ %(code)s đã kết thúc (“%(status)s”): không cần phiếu xin lỗi.",
                code=dossier.code,
                status=status_label(dossier.status),
            ),
            "not_open",
        )
    reason = clean(reason)
    errors = {}
    if not reason:
        errors["reason"] = _("Ghi rõ lý do chậm trả kết quả.")
    elif len(reason) > MAX_NOTE:
        errors["reason"] = _("Tối đa %(n)d ký tự.", n=MAX_NOTE)
    today = clock.local_date(at)
    if new_date <= dossier.appointment_date or new_date < today:
        errors["new_date"] = _(
            "Ngày hẹn mới phải sau ngày hẹn hiện tại (%(day)s) và không ở quá khứ.",
            day=dossier.appointment_date.strftime("%d/%m/%Y"),
        )
    elif not calendar_for(dossier.office).is_working_day(new_date):
        errors["new_date"] = _("Ngày hẹn mới phải là ngày làm việc của đơn vị.")
    if errors:
        raise ValidationError(errors)
    _check_time(dossier, at)
    dossier.apology_date, dossier.apology_reason, dossier.apology_at = new_date, reason, at
    note = _(
        "Hẹn lại ngày %(day)s. Lý do: %(reason)s", day=new_date.strftime("%d/%m/%Y"), reason=reason
    )
    db.session.add(
        DossierEvent(
            dossier=dossier,
            office_id=dossier.office_id,
            kind="apology",
            from_status=dossier.status,
            to_status=dossier.status,
            at=at,
            officer_id=officer.id,
            note=note,
        )
    )
    db.session.commit()
    return dossier


def processing_end(dossier: Dossier) -> dt.datetime | None:
    """The instant timeliness is judged on: result ready, else the closing (None while open).

    A dossier rejected or withdrawn while it waited for a supplement is judged at the
    request of that wait: the time spent waiting for the citizen is not counted.
    """
    if dossier.result_ready_at is not None:
        return dossier.result_ready_at
    if dossier.closed_at is None:
        return None
    pending = [r.requested_at for r in dossier.supplements if r.completed_at is None]
    return min(pending) if pending else dossier.closed_at


def is_late(dossier: Dossier) -> bool:
    """Whether a dossier counts as late: processing ended after its due date's end, or several
    supplements (result ready, rejection and withdrawal alike)."""
    if dossier.supplement_count > 1:
        return True
    ended = processing_end(dossier)
    return ended is not None and ended > dossier.due_at


def is_overdue(dossier: Dossier, now: dt.datetime) -> bool:
    """Whether an open dossier is past its due date's end (the clock stops during supplements),
    or was asked for a supplement more than once."""
    if dossier.status not in OPEN_STATUSES:
        return False
    if dossier.supplement_count > 1:
        return True
    reference = (
        dossier.paused_at if dossier.status == "awaiting_supplement" and dossier.paused_at else now
    )
    return reference > dossier.due_at


def processing_end_sql():
    """SQL form of ``processing_end`` (NULL while the dossier is open)."""
    pending = (
        select(func.min(SupplementRequest.requested_at))
        .where(SupplementRequest.dossier_id == Dossier.id, SupplementRequest.completed_at.is_(None))
        .scalar_subquery()
    )
    return func.coalesce(
        Dossier.result_ready_at,
        case((Dossier.closed_at.is_not(None), func.coalesce(pending, Dossier.closed_at))),
    )


def late_condition():
    """SQL form of ``is_late`` (for reports and lists)."""
    return or_(Dossier.supplement_count > 1, processing_end_sql() > Dossier.due_at)


def overdue_condition(now: dt.datetime):
    """SQL form of ``is_overdue(dossier, now)``."""
    return or_(
        and_(Dossier.status.in_(OPEN_STATUSES), Dossier.supplement_count > 1),
        and_(Dossier.status.in_(("received", "in_progress")), Dossier.due_at < now),
        and_(Dossier.status == "awaiting_supplement", Dossier.paused_at > Dossier.due_at),
    )


def timeliness(dossier: Dossier, now: dt.datetime) -> str:
    """early / on_time / late (processing ended), overdue / in_time (open).

    Early and on time follow the statistics' Trước hạn / Đúng hạn: processing ended
    (result ready, rejected or withdrawn) before the due date, or on it.
    """
    if dossier.is_open:
        return "overdue" if is_overdue(dossier, now) else "in_time"
    if is_late(dossier):
        return "late"
    ended = processing_end(dossier)
    if ended is None:
        return ""
    return "early" if clock.local_date(ended) < dossier.due_date else "on_time"
