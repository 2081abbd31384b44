"""Dossier stocks at an instant: open at a period's start, and open and overdue at its end.

Flows (received, resolved, late) are in ``reports.measures``. A stock is a question about
an instant in the past, answered from the stored times:

* open at instant T: received before T, and its processing had not ended at T (no result
  ready, rejection or withdrawal before T);
* overdue at T (DESIGN.md section 4, domain.md section 1.4): open at T, and either asked
  for a supplement more than once before T, or past the end of its due date at T — where,
  while a supplement request was pending at T, the clock had stopped at that request
  (a dossier paused for a supplement is judged at the instant it was paused, not at T).
  Due dates are taken as stored now, i.e. moved forward by every completed pause: exact
  for periods ending today; for a past period end with a pause that was still pending
  then and completed later, the due date includes that later extension.
"""

import datetime as dt
from collections import Counter

from sqlalchemy import and_, case, func, or_, select

from dossiers.models import OPEN_STATUSES, Dossier, Procedure, SupplementRequest
from onestop import clock
from onestop.extensions import db
from reports import flows, rollup
from reports.measures import Scope
from reports.periods import Period
from reports.portable import unindexed


def _open_terms(instant: dt.datetime) -> list:
    """Three disjoint SQL conditions whose union is "received and not yet ended at ``instant``".

    Open now; result ready at or after the instant; rejected or withdrawn at or after it.
    Each is asked on its own so that it runs on its own index (office + status, office +
    result_ready_at, office + closed_at): one OR would make SQLite read every dossier
    received before the instant.
    """
    received = unindexed(Dossier.received_at) < instant
    return [
        and_(received, Dossier.status.in_(OPEN_STATUSES)),
        and_(received, Dossier.result_ready_at >= instant),
        and_(received, Dossier.result_ready_at.is_(None), Dossier.closed_at >= instant),
    ]


def _pending_request_at(instant: dt.datetime):
    return (
        select(func.max(SupplementRequest.requested_at))
        .where(
            SupplementRequest.dossier_id == Dossier.id,
            SupplementRequest.requested_at < instant,
            or_(
                SupplementRequest.completed_at.is_(None), SupplementRequest.completed_at >= instant
            ),
        )
        .scalar_subquery()
    )


def _requests_before(instant: dt.datetime):
    return (
        select(func.count(SupplementRequest.id))
        .where(SupplementRequest.dossier_id == Dossier.id, SupplementRequest.requested_at < instant)
        .scalar_subquery()
    )


def clock_stopped_at(instant: dt.datetime):
    """When a dossier open at ``instant`` is judged: at its pending supplement request, or then."""
    return func.coalesce(_pending_request_at(instant), instant)


def overdue_at(instant: dt.datetime):
    """SQL condition for a dossier open at ``instant``: overdue then."""
    return or_(_requests_before(instant) > 1, clock_stopped_at(instant) > Dossier.due_at)


def _filters(scope: Scope) -> list:
    clauses = [Dossier.office_id.in_(scope.office_ids)]
    if scope.officer_id is not None:
        clauses.append(Dossier.officer_id == scope.officer_id)
    return clauses


def open_at_start(scope: Scope, start: dt.date, by_office: bool = False) -> dict[tuple, int]:
    """Dossiers open as ``start`` begins: those received before it minus those ended before it.

    Every dossier that ended before that midnight was received before it, so the balance of
    the two flows since the first dossier is exactly the stock; the flows come from the
    daily rollups (``reports.flows``), which makes this cheap however long the history.
    """
    first = rollup.history_start(scope.office_ids)
    if first is None or first >= start:
        return {}
    dims = ("office_id",) if by_office else ()
    history = Period(first, start - dt.timedelta(days=1))
    groups = flows.sums(scope, history, dims, parts="dossiers")
    return {key: sums["received"] - sums["resolved"] for key, sums in groups.items()}


def overdue_open(scope: Scope, end_at: dt.datetime, by_office: bool = False) -> dict[tuple, int]:
    """Dossiers open and overdue at ``end_at`` (see the module docstring)."""
    keys = [Dossier.office_id] if by_office else []
    result: Counter = Counter()
    for term in _open_terms(end_at):
        query = (
            select(*keys, func.count().label("n"))
            .where(*_filters(scope), term, overdue_at(end_at))
            .group_by(*keys)
        )
        for row in db.session.execute(query):
            result[(row.office_id,) if by_office else ()] += row.n
    return dict(result)


def stocks(
    scope: Scope, start_at: dt.datetime, end_at: dt.datetime, by_office: bool = False
) -> dict[tuple, Counter]:
    """Dossiers open at ``start_at`` (a local midnight) and open and overdue at ``end_at``.

    :returns: {(office_id,) or (): Counter(open_at_start=..., overdue_open=...)}
    """
    result: dict[tuple, Counter] = {}
    if not scope.counts_dossiers:
        return result
    start = clock.local_date(start_at)
    for name, counts in (
        ("open_at_start", open_at_start(scope, start, by_office)),
        ("overdue_open", overdue_open(scope, end_at, by_office)),
    ):
        for key, n in counts.items():
            result.setdefault(key, Counter())[name] += n
    return result


def overdue_list(scope: Scope, end_at: dt.datetime, limit: int = 50) -> list[dict]:
    """The dossiers open and overdue at ``end_at``, most overdue first (no personal data)."""
    if not scope.counts_dossiers:
        return []
    stopped = clock_stopped_at(end_at)
    columns = (
        Dossier.id,
        Dossier.code,
        Dossier.office_id,
        Dossier.status,
        Dossier.received_at,
        Dossier.due_date,
        Dossier.due_at,
        Dossier.channel,
        Dossier.supplement_count,
        Procedure.name.label("procedure"),
        Procedure.field.label("field"),
        stopped.label("stopped_at"),
        case((Dossier.status == "awaiting_supplement", 1), else_=0).label("paused"),
    )
    rows = []
    for term in _open_terms(end_at):
        query = (
            select(*columns)
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .where(*_filters(scope), term, overdue_at(end_at))
            .order_by(Dossier.due_at, Dossier.id)
            .limit(limit)
        )
        rows += [row._asdict() for row in db.session.execute(query)]
    rows = sorted(rows, key=lambda r: (r["due_at"], r["id"]))[:limit]
    for item in rows:
        stopped_at = item["stopped_at"]
        if isinstance(stopped_at, str):  # SQLite hands back MAX() of a timestamp as text
            stopped_at = dt.datetime.fromisoformat(stopped_at).replace(tzinfo=dt.UTC)
        item["days_over"] = max(0, (stopped_at - item["due_at"]).days)
    return rows
