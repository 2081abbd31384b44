"""Who a counter calls next when booked citizens and walk-ins both wait.

A booked ticket (checked in at the kiosk for an appointment slot) whose slot has started
goes ahead of walk-ins: that is what booking a time is for. Yet the walk-ins must not
wait without end: when the walk-in next in line has waited longer than the office's wait
target (``Office.wait_target_min``, 20 minutes), a counter calls at most ONE booked
citizen ahead of them; the call after that goes to the walk-in. Priority tickets
(elderly, disabled, ...) keep their precedence over both.

``choose`` is a pure function of the two candidates, the counter's previous call and the
time, so each case is tested with a frozen clock; ``next_to_call`` reads them for call-next.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.engine import Connection

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


def _served(counter_id):
    service = Service.__table__
    return (
        select(counter_service.c.service_id)
        .join(service, service.c.id == counter_service.c.service_id)
        .where(counter_service.c.counter_id == counter_id, service.c.active.is_(True))
    )


def _first_waiting(counter_id, today: dt.date, booked: bool) -> Select:
    ticket = Ticket.__table__
    query = select(ticket.c.id, ticket.c.issued_at, ticket.c.priority, ticket.c.booked_for).where(
        ticket.c.service_id.in_(_served(counter_id)),
        ticket.c.day == today,
        ticket.c.status == "waiting",
    )
    if booked:
        # Priority tickets stay in the usual line whatever their booking.
        query = query.where(
            ticket.c.booked_for.is_not(None), ticket.c.priority.is_(False)
        ).order_by(ticket.c.booked_for, ticket.c.issued_at, ticket.c.id)
    else:
        query = query.where(
            or_(ticket.c.booked_for.is_(None), ticket.c.priority.is_(True))
        ).order_by(ticket.c.priority.desc(), ticket.c.issued_at, ticket.c.id)
    # PostgreSQL: a ticket another counter is taking is skipped (SQLite serialises writers).
    return query.limit(1).with_for_update(skip_locked=True)


def next_to_call(
    connection: Connection,
    counter_id: int,
    today: dt.date,
    now: dt.datetime,
    wait_target_min: int,
) -> int | None:
    """The id of the ticket ``choose`` gives the counter, read in the caller's write transaction."""
    ticket = Ticket.__table__
    rows = [
        connection.execute(_first_waiting(counter_id, today, flag)).first()
        for flag in (True, False)
    ]
    booked, walk_in = (
        Candidate(row.id, row.issued_at, row.priority, row.booked_for) if row is not None else None
        for row in rows
    )
    previous = None
    if booked is not None and walk_in is not None:
        last = connection.execute(
            select(ticket.c.booked_for)
            .where(
                ticket.c.counter_id == counter_id,
                ticket.c.day == today,
                ticket.c.last_called_at.is_not(None),
            )
            .order_by(ticket.c.last_called_at.desc(), ticket.c.id.desc())
            .limit(1)
        ).first()
        previous = PreviousCall(booked=last.booked_for is not None) if last is not None else None
    chosen = choose(booked, walk_in, previous, now, dt.timedelta(minutes=wait_target_min))
    return chosen.id if chosen is not None else None
