"""What the hall's display board shows, and the cheap version that tells it nothing changed."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from onestop import clock
from onestop.extensions import db
from onestop.models import Office
from queues import board_watch
from queues.models import BoardVersion, Counter, Ticket, TicketEvent
from queues.waiting import service_summaries

RECENT_CALLS = 8


@dataclass(frozen=True)
class Call:
    """A call or recall on the board; ``event_id`` lets the board announce each exactly once."""

    event_id: int
    kind: str
    number: str
    counter: int
    at: dt.datetime


def office_version(office_code: str) -> tuple[int, int] | None:
    """(office id, board version) of an active office; None if unknown.

    The version is bumped in the same transaction as every ticket transition and
    counter or service change, so an unchanged version means an unchanged board.
    On PostgreSQL the process's board watch usually knows it; else one indexed query.
    """
    code = office_code.upper()
    watch = board_watch.current()
    heard = watch.version(code) if watch is not None else None
    if heard is not None:
        return heard
    row = db.session.execute(
        select(Office.id, func.coalesce(BoardVersion.version, 0))
        .outerjoin(BoardVersion, BoardVersion.office_id == Office.id)
        .where(Office.code == code, Office.active.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def current_tickets(office_id: int) -> dict[int, Ticket]:
    """The ticket called or being served at each counter of an office today, by counter id."""
    rows = db.session.scalars(
        select(Ticket)
        .where(
            Ticket.office_id == office_id,
            Ticket.day == clock.today(),
            Ticket.status.in_(("called", "serving")),
        )
        .order_by(Ticket.last_called_at)
    )
    return {ticket.counter_id: ticket for ticket in rows}  # the latest call wins


def recent_calls(office_id: int, limit: int = RECENT_CALLS) -> list[Call]:
    """The last calls and recalls of today, newest first."""
    rows = db.session.execute(
        select(TicketEvent.id, TicketEvent.kind, TicketEvent.at, Ticket, Counter.number)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Counter, Counter.id == TicketEvent.counter_id)
        .where(
            TicketEvent.office_id == office_id,
            TicketEvent.at >= clock.local_midnight(clock.today()),
            TicketEvent.kind.in_(("called", "recalled")),
        )
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(limit)
    )
    return [
        Call(event_id, kind, ticket.display_number, number, at)
        for event_id, kind, at, ticket, number in rows
    ]


def hero_call(calls: list[Call], now: dt.datetime, seconds: float) -> Call | None:
    """The newest call while it is fresh (``seconds``): the board shows it across the screen."""
    if calls and (now - calls[0].at).total_seconds() < seconds:
        return calls[0]
    return None


def board_state(office: Office) -> dict:
    """All the board shows: counters with their current ticket, recent calls, waiting counts."""
    counters = list(
        db.session.scalars(
            select(Counter)
            .where(Counter.office_id == office.id, Counter.active.is_(True))
            .order_by(Counter.number)
        )
    )
    # The services first: the tickets' letters then come from them, not from a query each.
    services = service_summaries(office)
    current = current_tickets(office.id)
    return {
        "counters": [(counter, current.get(counter.id)) for counter in counters],
        "calls": recent_calls(office.id),
        "services": services,
    }
