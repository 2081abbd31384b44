"""Who a counter calls next when booked citizens and walk-ins both wait.

A booked ticket (checked in at the kiosk for an appointment slot) whose slot has started
goes ahead of walk-ins: that is what booking a time is for. Yet the walk-ins must not
wait without end: when the walk-in next in line has waited longer than the office's wait
target (``Office.wait_target_min``, 20 minutes), a counter calls at most ONE booked
citizen ahead of them; the call after that goes to the walk-in. Priority tickets
(elderly, disabled, ...) keep their precedence over both.

``choose`` is a pure function of the two candidates, the counter's previous call and the
time, so each case is tested with a frozen clock; ``next_ticket`` reads them for call-next.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from onestop.extensions import db
from queues.models import Service, Ticket, counter_service


@dataclass(frozen=True)
class Candidate:
    """The first waiting ticket of one line, as the rule needs it."""

    id: int
    issued_at: dt.datetime
    priority: bool = False
    # The start of the booked slot; None for a walk-in.
    booked_for: dt.datetime | None = None


@dataclass(frozen=True)
class PreviousCall:
    """The counter's last call today: whether it was a booked ticket."""

    booked: bool


def due(candidate: Candidate | None, now: dt.datetime) -> bool:
    """A booked ticket whose slot has started."""
    return (
        candidate is not None and candidate.booked_for is not None and candidate.booked_for <= now
    )


def choose(
    booked: Candidate | None,
    walk_in: Candidate | None,
    previous: PreviousCall | None,
    now: dt.datetime,
    wait_target: dt.timedelta = dt.timedelta(minutes=20),
) -> Candidate | None:
    """The ticket to call: ``booked`` (the first booked ticket, by slot) or ``walk_in`` (the
    first other ticket in the usual order: priority, then issue time); None if neither.

    - one line empty: the other;
    - the walk-in line's first is a priority ticket: it keeps its precedence;
    - the booked ticket's slot has not started: the walk-in (the booking keeps its place
      once its slot starts);
    - the walk-in has waited up to the target: the booked citizen goes first;
    - the walk-in has waited longer than the target: the booked citizen goes first unless
      the counter's previous call was already a booked citizen.
    """
    if booked is None or walk_in is None:
        return booked or walk_in
    if walk_in.priority or not due(booked, now):
        return walk_in
    if now - walk_in.issued_at <= wait_target:
        return booked
    if previous is not None and previous.booked:
        return walk_in
    return booked


# --- the candidates, read in call-next's write transaction ---------------------------------------


def _first_waiting(counter_id: int, today: dt.date, booked: bool) -> Select:
    """The first waiting ticket of a line (booked: by slot; walk-ins and priority tickets:
    priority first, then issue time) in the counter's open services.

    FOR UPDATE SKIP LOCKED (PostgreSQL): a ticket another counter is taking is passed over.
    """
    served = (
        select(counter_service.c.service_id)
        .join(Service, Service.id == counter_service.c.service_id)
        .where(counter_service.c.counter_id == counter_id, Service.active.is_(True))
    )
    query = select(Ticket).where(
        Ticket.service_id.in_(served), Ticket.day == today, Ticket.status == "waiting"
    )
    if booked:
        # A priority ticket stays in the usual line whether booked or not.
        query = query.where(Ticket.booked_for.is_not(None), Ticket.priority.is_(False))
        query = query.order_by(Ticket.booked_for, Ticket.issued_at, Ticket.id)
    else:
        query = query.where(or_(Ticket.booked_for.is_(None), Ticket.priority.is_(True)))
        query = query.order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id)
    return (
        query.limit(1).with_for_update(skip_locked=True).execution_options(populate_existing=True)
    )


def _candidate(ticket: Ticket | None) -> Candidate | None:
    if ticket is None:
        return None
    return Candidate(ticket.id, ticket.issued_at, ticket.priority, ticket.booked_for)


def next_ticket(
    counter_id: int, today: dt.date, now: dt.datetime, wait_target_min: int
) -> Ticket | None:
    """The ticket ``choose`` gives the counter, read in the caller's write transaction."""
    booked = db.session.scalar(_first_waiting(counter_id, today, booked=True))
    walk_in = db.session.scalar(_first_waiting(counter_id, today, booked=False))
    previous = None
    if booked is not None and walk_in is not None:
        last = db.session.execute(
            select(Ticket.booked_for)
            .where(
                Ticket.counter_id == counter_id,
                Ticket.day == today,
                Ticket.last_called_at.is_not(None),
            )
            .order_by(Ticket.last_called_at.desc(), Ticket.id.desc())
            .limit(1)
        ).first()
        previous = PreviousCall(booked=last.booked_for is not None) if last is not None else None
    chosen = choose(
        _candidate(booked),
        _candidate(walk_in),
        previous,
        now,
        dt.timedelta(minutes=wait_target_min),
    )
    if chosen is None:
        return None
    return booked if booked is not None and chosen.id == booked.id else walk_in
