"""The floor as a supervisor sees it: every counter of an office now, and its queues.

Durations are given as the instant they began (a ticket's call or start, a counter's
last ticket leaving, a citizen's entry into the queue), not as minutes: the page
counts them on from there, so what it shows changes only with the office's board
version and an unchanged version means an unchanged page.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from onestop import clock
from onestop.extensions import db
from onestop.models import Office
from queues.board import current_tickets
from queues.models import Counter, Service, Ticket, TicketEvent

# Events after which a ticket is no longer at its counter: the counter is free from then.
LEFT_COUNTER = ("finished", "no_show", "transferred")


@dataclass(frozen=True)
class CounterNow:
    """A counter now: who is signed in, its ticket and since when, or since when it is free."""

    counter: Counter
    officer_name: str | None
    ticket: Ticket | None
    # When the ticket's current step began: its start of service, else its (last) call.
    ticket_since: dt.datetime | None
    # When the counter's last ticket of today left it (None: none yet, or a ticket is there).
    idle_since: dt.datetime | None


@dataclass(frozen=True)
class ServiceNow:
    """A service's queue now: how many wait, and since when the longest-waiting one waits."""

    service: Service
    waiting: int
    longest_since: dt.datetime | None


@dataclass(frozen=True)
class Floor:
    office: Office
    counters: list[CounterNow]
    services: list[ServiceNow]
    wait_target_min: int
    served_today: int

    @property
    def longest_since(self) -> dt.datetime | None:
        """Since when the longest current wait of the office runs (None: nobody waits)."""
        return min((s.longest_since for s in self.services if s.longest_since), default=None)

    @property
    def waiting(self) -> int:
        return sum(service.waiting for service in self.services)


def wait_began(ticket: Ticket) -> dt.datetime:
    """The instant a waiting ticket's wait began, counting earlier services' segments."""
    return ticket.queued_at - dt.timedelta(minutes=ticket.waited_before_min)


def _last_left(office_id: int) -> dict[int, dt.datetime]:
    """When a ticket last left each counter of an office today, by counter id."""
    rows = db.session.execute(
        select(TicketEvent.counter_id, func.max(TicketEvent.at))
        .where(
            TicketEvent.office_id == office_id,
            TicketEvent.at >= clock.local_midnight(clock.today()),
            TicketEvent.kind.in_(LEFT_COUNTER),
            TicketEvent.counter_id.is_not(None),
        )
        .group_by(TicketEvent.counter_id)
    )
    return {counter_id: at for counter_id, at in rows}


def floor_state(office: Office) -> Floor:
    """Every active counter of ``office`` now and each service's queue (today's tickets)."""
    counters = db.session.scalars(
        select(Counter)
        .where(Counter.office_id == office.id, Counter.active.is_(True))
        .order_by(Counter.number)
    )
    current = current_tickets(office.id)
    left = _last_left(office.id)
    rows = []
    for counter in counters:
        ticket = current.get(counter.id)
        since = (ticket.started_at or ticket.last_called_at) if ticket is not None else None
        rows.append(
            CounterNow(
                counter=counter,
                officer_name=counter.officer.full_name if counter.officer is not None else None,
                ticket=ticket,
                ticket_since=since,
                idle_since=left.get(counter.id) if ticket is None else None,
            )
        )
    waiting = db.session.scalars(
        select(Ticket).where(
            Ticket.office_id == office.id,
            Ticket.day == clock.today(),
            Ticket.status == "waiting",
        )
    )
    by_service: dict[int, list[dt.datetime]] = {}
    for ticket in waiting:
        by_service.setdefault(ticket.service_id, []).append(wait_began(ticket))
    services = db.session.scalars(
        select(Service)
        .where(
            Service.office_id == office.id,
            # A closed service still shows while citizens wait in it.
            Service.active.is_(True) | Service.id.in_(list(by_service)),
        )
        .order_by(Service.ordering, Service.letter)
    )
    return Floor(
        office=office,
        counters=rows,
        services=[
            ServiceNow(
                service=service,
                waiting=len(by_service.get(service.id, [])),
                longest_since=min(by_service.get(service.id, []), default=None),
            )
            for service in services
        ],
        wait_target_min=office.wait_target_min,
        served_today=db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.office_id == office.id,
                Ticket.day == clock.today(),
                Ticket.status == "done",
            )
        ),
    )
