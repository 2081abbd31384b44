"""Where a ticket stands: people ahead, estimated wait, and the waiting summary of each service.

How the estimated wait (ETA) is computed:
- the service time of a service is the mean of its last RECENT_SAMPLES tickets
  finished today (from start of service, or from the last call when the officer
  did not press "start", to finish), each clamped to 1..60 minutes so a
  forgotten "finish" does not distort it; while fewer than MIN_SAMPLES exist the
  missing ones count as the service's ``default_service_min``, so the morning's
  first estimates are neither empty nor jumpy;
- the open counters of a service are the active, open counters that serve it
  (at least 1: a queue with no open counter still moves once one opens);
- ETA = ceil(people ahead x service time / open counters), 0 when nobody is ahead.
"""

import math
from dataclasses import dataclass

from sqlalchemy import Row, Select, bindparam, func, or_, select

from onestop import clock
from onestop.extensions import db
from onestop.models import Office
from onestop.sql import clamped, seconds_between
from queues.models import Counter, Service, Ticket, TicketEvent, counter_service

RECENT_SAMPLES = 10
MIN_SAMPLES = 3
SERVICE_MIN_CLAMP = (1.0, 60.0)


_BEGAN = func.coalesce(Ticket.started_at, Ticket.last_called_at)


def _pace_columns() -> list:
    """The columns of a read of services that pace_of takes, correlated with each service:
    its "default_service_min"; "recent_minutes", the sum of the clamped service times of its
    latest RECENT_SAMPLES tickets finished today (ix_ticket_queue narrows to them), and
    "recent_samples", how many there are; "open_counters", its open, active counters. The
    statement takes the bound value "day".
    """
    recent = (
        select(
            clamped(seconds_between(_BEGAN, Ticket.finished_at) / 60.0, *SERVICE_MIN_CLAMP).label(
                "minutes"
            )
        )
        .where(
            Ticket.service_id == Service.id,
            Ticket.day == bindparam("day"),
            Ticket.status == "done",
            Ticket.finished_at.is_not(None),
            _BEGAN.is_not(None),
        )
        .order_by(Ticket.finished_at.desc())
        .limit(RECENT_SAMPLES)
        # A subquery in FROM is not correlated by itself: without this, its own FROM gains
        # "service", and it reads the last tickets finished anywhere in the province.
        .correlate(Service)
        .subquery()
    )
    open_counters = (
        select(func.count())
        .select_from(counter_service)
        .join(Counter, Counter.id == counter_service.c.counter_id)
        .where(
            counter_service.c.service_id == Service.id,
            Counter.is_open.is_(True),
            Counter.active.is_(True),
        )
    )
    return [
        Service.default_service_min,
        select(func.coalesce(func.sum(recent.c.minutes), 0.0))
        .scalar_subquery()
        .label("recent_minutes"),
        select(func.count()).select_from(recent).scalar_subquery().label("recent_samples"),
        open_counters.scalar_subquery().label("open_counters"),
    ]


@dataclass(frozen=True)
class Place:
    """Where a waiting ticket stands: people ahead of it and the estimated wait in minutes."""

    people_ahead: int
    eta_minutes: int


@dataclass(frozen=True)
class Pace:
    """How fast a service's queue moves now: minutes per citizen and open counters serving it."""

    service_min: float
    open_counters: int

    def place(self, ahead: int) -> Place:
        return Place(ahead, _eta(ahead, self.service_min, self.open_counters))


def _ahead_of(ticket: Ticket) -> Select:
    """Counts the people ahead of a waiting ticket in its queue: priority first, then issue time."""
    earlier = or_(
        Ticket.issued_at < ticket.issued_at,
        (Ticket.issued_at == ticket.issued_at) & (Ticket.id < ticket.id),
    )
    if ticket.priority:
        ahead = Ticket.priority.is_(True) & earlier
    else:
        ahead = Ticket.priority.is_(True) | earlier
    return (
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.service_id == ticket.service_id,
            Ticket.day == ticket.day,
            Ticket.status == "waiting",
            ahead,
        )
    )


def position(ticket: Ticket) -> int:
    """People ahead of a waiting ticket in its queue; else 0."""
    if ticket.status != "waiting":
        return 0
    return db.session.scalar(_ahead_of(ticket))


def _mean_service_minutes(recent_minutes: float, recent_samples: int, default: float) -> float:
    """The service time estimates use (see the module docstring), from _pace_columns."""
    padding = max(MIN_SAMPLES - recent_samples, 0)
    # Rounded: SQLite's durations (julianday) carry float noise an ETA's ceil would see.
    return round((recent_minutes + padding * default) / (recent_samples + padding), 6)


def pace_of(row: Row) -> Pace:
    """The pace of a service from a row read with _pace_columns."""
    minutes = _mean_service_minutes(
        row.recent_minutes, row.recent_samples, float(row.default_service_min)
    )
    return Pace(minutes, row.open_counters)


def _pace_read(service_id: int, *columns) -> Row:
    return db.session.execute(
        select(*_pace_columns(), *columns).where(Service.id == service_id),
        {"day": clock.today()},
    ).one()


def pace(service: Service) -> Pace:
    """The current pace of one service (one read): what its estimates are made of."""
    return pace_of(_pace_read(service.id))


def _eta(ahead: int, service_min: float, open_counters: int) -> int:
    if ahead <= 0:
        return 0
    return math.ceil(ahead * service_min / max(open_counters, 1))


def eta_minutes(ticket: Ticket, ahead: int | None = None) -> int:
    """Estimated minutes until a waiting ticket is called (0 once called); ``ahead`` saves work."""
    if ticket.status != "waiting":
        return 0
    ahead = position(ticket) if ahead is None else ahead
    return pace(ticket.service).place(ahead).eta_minutes


def place(ticket: Ticket) -> Place | None:
    """People ahead and estimated wait of a waiting ticket; None for any other status."""
    if ticket.status != "waiting":
        return None
    # One read, the phone page's poll: the pace and the people ahead together.
    row = _pace_read(ticket.service_id, _ahead_of(ticket).scalar_subquery().label("ahead"))
    return pace_of(row).place(row.ahead)


def active_services(office_id: int) -> list[Service]:
    """The open services of an office, in display order."""
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.office_id == office_id, Service.active.is_(True))
            .order_by(Service.ordering, Service.letter)
        )
    )


def service_summaries(office: Office) -> list[dict]:
    """For each open service of an office: {service, waiting, eta_minutes, open_counters}.

    ``eta_minutes`` is the estimate for a ticket taken now (everyone waiting is ahead).
    One read: the figures are columns correlated with each service.
    """
    waiting_now = (
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.service_id == Service.id,
            Ticket.day == bindparam("day"),
            Ticket.status == "waiting",
        )
        .scalar_subquery()
        .label("waiting")
    )
    rows = db.session.execute(
        select(
            Service,
            waiting_now,
            *_pace_columns(),
        )
        .where(Service.office_id == office.id, Service.active.is_(True))
        .order_by(Service.ordering, Service.letter),
        {"day": clock.today()},
    )
    return [
        {
            "service": row.Service,
            "waiting": row.waiting,
            "eta_minutes": pace_of(row).place(row.waiting).eta_minutes,
            "open_counters": row.open_counters,
        }
        for row in rows
    ]


def ticket_wait(ticket: Ticket, now=None) -> float:
    """Minutes a waiting ticket has waited so far, earlier services' segments included."""
    now = now or clock.now()
    return ticket.waited_before_min + max((now - ticket.queued_at).total_seconds(), 0) / 60.0


@dataclass(frozen=True)
class CounterQueue:
    """What a counter's console lists: the waiting tickets of each open service of the
    counter, in the order call-next serves them, and today's no-shows of all its services
    (the citizen may come back), by issue time."""

    lists: list[tuple[Service, list[Ticket]]]
    no_shows: list[Ticket]


def counter_queue(counter: Counter) -> CounterQueue:
    """The counter's waiting lists and no-shows, in one read."""
    services = list(counter.services)
    rows = db.session.scalars(
        select(Ticket)
        .where(
            Ticket.service_id.in_([service.id for service in services]),
            Ticket.day == clock.today(),
            Ticket.status.in_(("waiting", "no_show")),
        )
        .order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id)
    )
    by_service: dict[int, list[Ticket]] = {s.id: [] for s in services if s.active}
    no_shows = []
    for ticket in rows:
        if ticket.status == "no_show":
            no_shows.append(ticket)
        elif ticket.service_id in by_service:
            by_service[ticket.service_id].append(ticket)
    no_shows.sort(key=lambda ticket: ticket.issued_at)
    lists = [(service, by_service[service.id]) for service in services if service.active]
    return CounterQueue(lists, no_shows)


def counter_stats(counter: Counter, wait_target_min: int) -> dict:
    """Today at a counter: tickets served and called, their mean wait, the share over target.

    A called ticket's wait is ``waited_before_min`` plus its first call after it
    entered its current queue, minus that entry time (DESIGN.md section 5).
    """
    # Columns, not tickets: by the afternoon a counter has called a hundred of them.
    first_call = (
        select(Ticket.status, Ticket.waited_before_min, Ticket.queued_at, func.min(TicketEvent.at))
        .join(
            TicketEvent,
            (TicketEvent.ticket_id == Ticket.id)
            & (TicketEvent.kind == "called")
            & (TicketEvent.at >= Ticket.queued_at),
        )
        .where(
            Ticket.counter_id == counter.id,
            Ticket.day == clock.today(),
            Ticket.status.in_(("called", "serving", "done")),
        )
        .group_by(Ticket.id)
    )
    waits, served = [], 0
    for status, waited_before_min, queued_at, called_at in db.session.execute(first_call):
        waits.append(waited_before_min + max((called_at - queued_at).total_seconds(), 0) / 60.0)
        served += status == "done"
    over = sum(1 for wait in waits if wait > wait_target_min)
    return {
        "served": served,
        "called": len(waits),
        "avg_wait_min": sum(waits) / len(waits) if waits else None,
        "over_target_rate": over / len(waits) if waits else None,
    }
