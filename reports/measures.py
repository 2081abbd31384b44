"""The definition of every counted thing, as SQL over the other packages' tables.

Each *part* below is a SELECT over one table that yields one row per event (a ticket
issued, called, finished; a rating; a dossier received or resolved; a complaint) with the
same columns: the dimensions ``DIMENSIONS`` and the 0/1 or seconds measures ``MEASURES``.
The live KPI queries and the rollup builds (``reports.rollup``) both group these parts, so
a number means the same whether it comes from a rollup or straight from the tables.

How the edge cases are counted (DESIGN.md section 5):

* A ticket's day for *issued* is ``Ticket.day`` (its local issue date); it is *called* on
  the local date of its first call (``called_at``), and *finished* on the local date of
  ``finished_at``. A ticket issued before midnight and called after therefore counts as
  issued on the first day and as called, with its wait sample, on the second; its wait
  includes the hours across midnight.
* A wait sample is the whole wait of a ticket that reached a counter: the segments of
  earlier queues (``waited_before_min``, accumulated by ``queues.tickets.transfer``)
  plus, in its current queue, ``queued_at`` → the first "called" event at or after
  ``queued_at``. For a ticket never transferred after a call that event is ``called_at``;
  otherwise it is read from ``ticket_event``. The sample belongs to the day of the
  ticket's first call. A transferred ticket still waiting in its new queue has no
  sample yet (status ``waiting``); it gets one when it is called there.
* A ticket still waiting when its office closed (final status ``unserved``, set by
  ``queues.hours.close_day``) counts as issued and as not served, on its issue day; it is
  never called, so it is neither a wait sample nor finished.
* A no-show (final status ``no_show``) counts as called and as a no-show, never as a
  wait sample. A no-show who came back and was served is a normal sample whose wait
  ends at the first call (the absence afterwards is not waiting time).
* Service time is ``finished_at`` − the ticket's first call (``called_at``, which a recall,
  a later call after a no-show or a transfer never moves), over tickets finished (status
  ``done``): the counter's time with the citizen starts when it first calls the number,
  whether or not the officer pressed "start" and however many times it recalled.
* Dossiers: received on ``received_at``; resolved when processing ended — result ready
  (``result_ready_at``), or rejected / withdrawn (``closed_at``), whichever came first. A
  resolved dossier is late as ``dossiers.lifecycle.late_condition`` says (the national
  rule): processing ended after ``due_at`` (which the dossier package moves forward by the
  working days of each completed supplement pause, so a pause is not counted), or more
  than one supplement request. A rejection or withdrawal after the due date is late too:
  closing an overdue dossier does not make it on time. Stocks (open at the start, open and
  overdue at the end) are in ``reports.dossier_stats``.
"""

from dataclasses import dataclass

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql import Select

from dossiers.lifecycle import late_condition
from dossiers.models import Dossier
from feedback.models import Complaint, Rating
from onestop.models import Office
from onestop.sql import seconds_between
from queues.models import Ticket, TicketEvent
from reports.portable import local_date, local_hour, whole_seconds

DIMENSIONS = ("office_id", "service_id", "counter_id", "officer_id", "day", "hour", "wait_min")
TICKET_MEASURES = (
    "issued",
    "unserved",
    "called",
    "no_shows",
    "waits",
    "wait_sec",
    "waits_over",
    "finished",
    "served",
    "service_sec",
    "rated",
)
RATING_MEASURES = ("ratings", "satisfied", "unsatisfied", "dossier_dislikes")
DOSSIER_MEASURES = ("received", "online", "reused", "resolved", "resolved_late", "complaints")
MEASURES = TICKET_MEASURES + RATING_MEASURES + DOSSIER_MEASURES

# Statuses of a ticket whose (last) waiting segment has ended at a counter.
SAMPLE_STATUSES = ("called", "serving", "done")


@dataclass(frozen=True)
class Scope:
    """What to count: a set of offices, optionally narrowed to one service, counter or officer.

    Services and counters belong to one office, so a narrowed scope is always small and is
    counted straight from the tables. Dossiers and complaints have no service or counter:
    a service or counter filter leaves them out; an officer filter keeps the dossiers that
    officer received.
    """

    office_ids: frozenset[int]
    service_id: int | None = None
    counter_id: int | None = None
    officer_id: int | None = None

    @property
    def narrowed(self) -> bool:
        return any(v is not None for v in (self.service_id, self.counter_id, self.officer_id))

    @property
    def counts_dossiers(self) -> bool:
        return self.service_id is None and self.counter_id is None


def _segment_call():
    """The call that ended the ticket's last waiting segment (see the module docstring)."""
    later_call = (
        select(func.min(TicketEvent.at))
        .where(
            TicketEvent.ticket_id == Ticket.id,
            TicketEvent.kind == "called",
            TicketEvent.at >= Ticket.queued_at,
        )
        .scalar_subquery()
    )
    return case((Ticket.called_at >= Ticket.queued_at, Ticket.called_at), else_=later_call)


ZERO = literal_column("0", Integer)
ONE = literal_column("1", Integer)


def _row(dims: dict, measures: dict) -> list:
    """Columns in the common order; absent dimensions are a typed NULL and absent measures 0."""
    columns = [
        (dims[name] if name in dims else cast(null(), Date if name == "day" else Integer)).label(
            name
        )
        for name in DIMENSIONS
    ]
    columns += [(measures[name] if name in measures else ZERO).label(name) for name in MEASURES]
    return columns


def _flag(condition):
    return case((condition, 1), else_=0)


def _ticket_filters(scope: Scope) -> list:
    clauses = [Ticket.office_id.in_(scope.office_ids)]
    if scope.service_id is not None:
        clauses.append(Ticket.service_id == scope.service_id)
    if scope.counter_id is not None:
        clauses.append(Ticket.counter_id == scope.counter_id)
    if scope.officer_id is not None:
        clauses.append(Ticket.officer_id == scope.officer_id)
    return clauses


def _ticket_dims(day, hour) -> dict:
    return {
        "office_id": Ticket.office_id,
        "service_id": Ticket.service_id,
        "counter_id": func.coalesce(Ticket.counter_id, 0),
        "officer_id": func.coalesce(Ticket.officer_id, 0),
        "day": day,
        "hour": hour,
    }


def tickets_issued(scope: Scope, start_day, end_day) -> Select:
    """One row per ticket issued on a local date in [start_day, end_day] (cancelled ones too)."""
    return select(
        *_row(
            _ticket_dims(Ticket.day, local_hour(Ticket.issued_at)),
            {"issued": ONE, "unserved": _flag(Ticket.status == "unserved")},
        )
    ).where(*_ticket_filters(scope), Ticket.day >= start_day, Ticket.day <= end_day)


def wait_seconds():
    """A ticket's whole wait in integer seconds (NULL while its last segment has not ended)."""
    wait = Ticket.waited_before_min * 60.0 + seconds_between(Ticket.queued_at, _segment_call())
    return whole_seconds(case((wait < 0, 0.0), else_=wait))


def is_wait_sample():
    return and_(Ticket.status.in_(SAMPLE_STATUSES), _segment_call().is_not(None))


def tickets_called(scope: Scope, start_at, end_at) -> Select:
    """One row per ticket first called in [start_at, end_at), with its wait sample if it has one.

    ``hour`` is the local hour the citizen arrived (issued_at): the hour chart shows how
    long people who came at 8 o'clock waited. ``wait_min`` is the wait rounded up to whole
    minutes (a wait in (k-1, k] minutes has wait_min k), the histogram's bucket.
    """
    sample = is_wait_sample()
    wait = wait_seconds()
    target_sec = Office.wait_target_min * 60
    dims = _ticket_dims(local_date(Ticket.called_at), local_hour(Ticket.issued_at))
    dims["wait_min"] = case((sample, (wait + 59) // 60), else_=null())
    measures = {
        "called": ONE,
        "no_shows": _flag(Ticket.status == "no_show"),
        "waits": _flag(sample),
        "wait_sec": case((sample, wait), else_=0),
        "waits_over": _flag(and_(sample, wait > target_sec)),
    }
    return (
        select(*_row(dims, measures))
        .join(Office, Office.id == Ticket.office_id)
        .where(*_ticket_filters(scope), Ticket.called_at >= start_at, Ticket.called_at < end_at)
    )


def tickets_finished(scope: Scope, start_at, end_at) -> Select:
    """One row per ticket finished (status done) in [start_at, end_at), with its service time
    from its first call (DESIGN.md section 5)."""
    call = Ticket.called_at
    service = seconds_between(call, Ticket.finished_at)
    has_rating = exists().where(Rating.ticket_id == Ticket.id)
    measures = {
        "finished": ONE,
        "served": _flag(call.is_not(None)),
        "service_sec": case(
            (call.is_not(None), whole_seconds(case((service < 0, 0.0), else_=service))), else_=0
        ),
        "rated": _flag(has_rating),
    }
    return select(
        *_row(_ticket_dims(local_date(Ticket.finished_at), local_hour(Ticket.issued_at)), measures)
    ).where(
        *_ticket_filters(scope),
        Ticket.status == "done",
        Ticket.finished_at >= start_at,
        Ticket.finished_at < end_at,
    )


def ratings(scope: Scope, start_at, end_at) -> Select:
    """One row per rating (of a ticket or a dossier) given in [start_at, end_at)."""
    dims = {
        "office_id": Rating.office_id,
        "service_id": func.coalesce(Rating.service_id, 0),
        "counter_id": func.coalesce(Rating.counter_id, 0),
        "officer_id": func.coalesce(Rating.officer_id, 0),
        "day": local_date(Rating.created_at),
        "hour": local_hour(Rating.created_at),
    }
    measures = {
        "ratings": ONE,
        "satisfied": _flag(Rating.score >= 1),
        "unsatisfied": _flag(Rating.score == 0),
        "dossier_dislikes": _flag(and_(Rating.dossier_id.is_not(None), Rating.score == 0)),
    }
    clauses = [
        Rating.office_id.in_(scope.office_ids),
        Rating.created_at >= start_at,
        Rating.created_at < end_at,
    ]
    for column, value in (
        (Rating.service_id, scope.service_id),
        (Rating.counter_id, scope.counter_id),
        (Rating.officer_id, scope.officer_id),
    ):
        if value is not None:
            clauses.append(column == value)
    return select(*_row(dims, measures)).where(*clauses)


def _dossier_dims(day) -> dict:
    return {
        "office_id": Dossier.office_id,
        "service_id": ZERO,
        "counter_id": ZERO,
        "officer_id": func.coalesce(Dossier.officer_id, 0),
        "day": day,
        "hour": local_hour(Dossier.received_at),
    }


def _dossier_filters(scope: Scope) -> list:
    clauses = [Dossier.office_id.in_(scope.office_ids)]
    if scope.officer_id is not None:
        clauses.append(Dossier.officer_id == scope.officer_id)
    return clauses


def dossiers_received(scope: Scope, start_at, end_at) -> Select:
    """One row per dossier received in [start_at, end_at), with its channel and document reuse."""
    measures = {
        "received": ONE,
        "online": _flag(Dossier.channel == "online"),
        "reused": _flag(Dossier.documents_reused.is_(True)),
    }
    return select(*_row(_dossier_dims(Dossier.received_day), measures)).where(
        *_dossier_filters(scope), Dossier.received_at >= start_at, Dossier.received_at < end_at
    )


def ended_at():
    """When a dossier's processing ended: result ready, else rejected or withdrawn; NULL if open."""
    return func.coalesce(Dossier.result_ready_at, Dossier.closed_at)


def dossiers_resolved(scope: Scope, start_at, end_at) -> Select:
    """One row per dossier whose processing ended in [start_at, end_at), flagged when late."""
    ended = or_(
        and_(Dossier.result_ready_at >= start_at, Dossier.result_ready_at < end_at),
        and_(
            Dossier.result_ready_at.is_(None),
            Dossier.closed_at >= start_at,
            Dossier.closed_at < end_at,
        ),
    )
    measures = {"resolved": ONE, "resolved_late": _flag(late_condition())}
    return select(*_row(_dossier_dims(local_date(ended_at())), measures)).where(
        *_dossier_filters(scope), ended
    )


def complaints(scope: Scope, start_at, end_at) -> Select:
    """One row per complaint received in [start_at, end_at) (complaints carry no dossier)."""
    dims = {
        "office_id": Complaint.office_id,
        "service_id": ZERO,
        "counter_id": ZERO,
        "officer_id": ZERO,
        "day": local_date(Complaint.received_at),
        "hour": local_hour(Complaint.received_at),
    }
    return select(*_row(dims, {"complaints": ONE})).where(
        Complaint.office_id.in_(scope.office_ids),
        Complaint.received_at >= start_at,
        Complaint.received_at < end_at,
    )


def event_rows(scope: Scope, start_day, end_day, start_at, end_at, parts: str = "all"):
    """The parts (``all``, ``tickets`` — tickets and ratings — or ``dossiers``) for the local dates
    [start_day, end_day] ( = instants [start_at, end_at)), as one subquery."""
    selects = []
    if parts in ("all", "tickets"):
        selects += [
            tickets_issued(scope, start_day, end_day),
            tickets_called(scope, start_at, end_at),
            tickets_finished(scope, start_at, end_at),
            ratings(scope, start_at, end_at),
        ]
    if parts in ("all", "dossiers") and scope.counts_dossiers:
        selects += [
            dossiers_received(scope, start_at, end_at),
            dossiers_resolved(scope, start_at, end_at),
        ]
        if scope.officer_id is None:
            selects.append(complaints(scope, start_at, end_at))
    if not selects:  # dossiers asked of a scope narrowed to a service or counter: nothing counts
        selects.append(select(*_row({}, {})).where(literal_column("0") == 1))
    return union_all(*selects).subquery("events")
