"""One simulated day of an office's queue: arrivals with a morning peak, counters serving, events.

A small discrete-event simulation, so that waits, service times, no-shows, recalls and
transfers hang together the way ``queues.tickets`` records them: each counter calls the
first waiting ticket of its services (priority first, then by issue time), serves it for
a time drawn around the service's ``default_service_min``, and moves on.
"""

import datetime as dt
import heapq
import math
import random
from dataclasses import dataclass, field

from onestop.clock import LOCAL_TZ

# Relative arrivals per half hour (07:30 ... 16:00): a morning peak, a smaller one after lunch.
ARRIVAL_WEIGHTS = {
    (7, 30): 0.7,
    (8, 0): 1.5,
    (8, 30): 1.8,
    (9, 0): 1.7,
    (9, 30): 1.4,
    (10, 0): 1.2,
    (10, 30): 0.9,
    (11, 0): 0.35,
    (13, 0): 0.5,
    (13, 30): 0.9,
    (14, 0): 1.0,
    (14, 30): 0.95,
    (15, 0): 0.8,
    (15, 30): 0.6,
    (16, 0): 0.35,
}
SESSIONS = (((7, 30), (11, 30)), ((13, 0), (17, 0)))
# Counters keep calling the people who took a number this long after a session ends.
OVERTIME = dt.timedelta(minutes=45)
NO_SHOW = 0.04
RECALL = 0.08
TRANSFER = 0.03
PRIORITY = 0.06
PRIORITY_REASONS = ("elderly", "elderly", "disabled", "pregnant", "small_child", "merit")


@dataclass
class ServiceSpec:
    id: int
    code: str
    minutes: float  # mean service time
    weight: float  # share of arrivals


@dataclass
class CounterSpec:
    id: int
    service_ids: frozenset[int]
    officer_id: int


@dataclass
class SimTicket:
    service_id: int
    issued_service_id: int
    number: int
    issued_at: dt.datetime
    priority_reason: str | None
    queued_at: dt.datetime = None
    status: str = "waiting"
    called_at: dt.datetime | None = None
    last_called_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    counter_id: int | None = None
    officer_id: int | None = None
    recall_count: int = 0
    waited_before_min: float = 0.0
    events: list = field(
        default_factory=list
    )  # (kind, at, counter_id, officer_id, service_id, note)

    def __post_init__(self):
        self.queued_at = self.queued_at or self.issued_at

    def event(self, kind: str, at: dt.datetime, note: str = "") -> None:
        self.events.append(
            (
                kind,
                at,
                self.counter_id,
                self.officer_id if kind != "issued" else None,
                self.service_id,
                note,
            )
        )


def local_instant(day: dt.date, hour: int, minute: int, seconds: float = 0.0) -> dt.datetime:
    """The UTC instant of a local wall-clock time on ``day``."""
    start = dt.datetime.combine(day, dt.time(hour, minute), LOCAL_TZ).astimezone(dt.UTC)
    return start + dt.timedelta(seconds=seconds)


def _arrival_times(rng: random.Random, day: dt.date, count: int) -> list[dt.datetime]:
    slots = list(ARRIVAL_WEIGHTS)
    weights = [ARRIVAL_WEIGHTS[s] for s in slots]
    chosen = rng.choices(slots, weights=weights, k=count)
    return sorted(local_instant(day, h, m, rng.uniform(0, 1800)) for h, m in chosen)


def _duration(rng: random.Random, mean_minutes: float) -> dt.timedelta:
    # Lognormal with the given mean: most visits are short, a few take much longer.
    sigma = 0.55
    mu = math.log(mean_minutes) - sigma * sigma / 2
    return dt.timedelta(minutes=min(rng.lognormvariate(mu, sigma), mean_minutes * 6))


def simulate_day(
    rng: random.Random,
    day: dt.date,
    arrivals: int,
    services: list[ServiceSpec],
    counters: list[CounterSpec],
    first_numbers: dict[int, int],
) -> list[SimTicket]:
    """Simulate ``arrivals`` citizens at one office on ``day`` and return their tickets with events.

    :param first_numbers: per service id, the first ticket number to give (after any existing).
    """
    served_ids = set().union(*(c.service_ids for c in counters)) if counters else set()
    services = [s for s in services if s.id in served_ids]
    if not services or arrivals <= 0:
        return []
    by_id = {s.id: s for s in services}
    next_number = dict(first_numbers)
    tickets: list[SimTicket] = []
    for at in _arrival_times(rng, day, arrivals):
        service = rng.choices(services, weights=[s.weight for s in services])[0]
        number = next_number.get(service.id, 1)
        next_number[service.id] = number + 1
        reason = rng.choice(PRIORITY_REASONS) if rng.random() < PRIORITY else None
        ticket = SimTicket(service.id, service.id, number, at, reason)
        ticket.event("issued", at, reason or "")
        tickets.append(ticket)

    pending = list(tickets)  # not yet in a queue, by issue time
    waiting: dict[int, list] = {
        s.id: [] for s in services
    }  # heaps of (not priority, issued_at, seq, ticket)
    sequence = 0

    def admit(until: dt.datetime) -> None:
        nonlocal sequence
        while pending and pending[0].queued_at <= until:
            ticket = pending.pop(0)
            sequence += 1
            heapq.heappush(
                waiting[ticket.service_id],
                (ticket.priority_reason is None, ticket.issued_at, sequence, ticket),
            )

    sessions = [(local_instant(day, *a), local_instant(day, *b)) for a, b in SESSIONS]
    free = [(sessions[0][0] + dt.timedelta(seconds=rng.uniform(0, 300)), c.id, c) for c in counters]
    heapq.heapify(free)
    while free:
        now, _cid, counter = heapq.heappop(free)
        # The session this moment belongs to (a counter keeps calling for OVERTIME after its end).
        session = next((s for s in sessions if now < s[1] + OVERTIME), None)
        if session is None:
            continue
        now = max(now, session[0])
        admit(now)
        queues = [waiting[sid] for sid in counter.service_ids if waiting.get(sid)]
        if queues:
            best = min(queues, key=lambda q: q[0][:3])
            ticket = heapq.heappop(best)[3]
            done_at = _serve(rng, ticket, counter, now, by_id, services, pending)
            heapq.heappush(
                free, (done_at + dt.timedelta(seconds=rng.uniform(10, 40)), counter.id, counter)
            )
            continue
        upcoming = next((t.queued_at for t in pending if t.service_id in counter.service_ids), None)
        if upcoming is not None and upcoming < session[1] + OVERTIME:
            # An idle officer calls the newcomer a little after the ticket is printed.
            heapq.heappush(
                free, (upcoming + dt.timedelta(seconds=rng.uniform(20, 120)), counter.id, counter)
            )
        elif session is sessions[0]:
            heapq.heappush(
                free,
                (sessions[1][0] + dt.timedelta(seconds=rng.uniform(0, 300)), counter.id, counter),
            )
    # Citizens who left without being called stay "waiting" on their day, as the queue records them.
    return tickets


def _serve(
    rng: random.Random,
    ticket: SimTicket,
    counter: CounterSpec,
    now: dt.datetime,
    by_id: dict[int, ServiceSpec],
    services: list[ServiceSpec],
    pending: list[SimTicket],
) -> dt.datetime:
    """The counter calls ``ticket`` at ``now``; returns when the counter is free again."""
    ticket.status = "called"
    ticket.called_at = ticket.called_at or now
    ticket.last_called_at = now
    ticket.counter_id, ticket.officer_id = counter.id, counter.officer_id
    ticket.event("called", now)
    at = now
    if rng.random() < RECALL:
        at += dt.timedelta(seconds=rng.uniform(40, 90))
        ticket.recall_count += 1
        ticket.last_called_at = at
        ticket.event("recalled", at)
    if rng.random() < NO_SHOW:
        at += dt.timedelta(seconds=rng.uniform(60, 150))
        ticket.status = "no_show"
        ticket.event("no_show", at)
        return at
    at += dt.timedelta(seconds=rng.uniform(20, 60))
    ticket.status = "serving"
    ticket.started_at = at
    ticket.event("started", at)
    others = [s for s in services if s.id != ticket.service_id]
    if others and ticket.waited_before_min == 0 and rng.random() < TRANSFER:
        at += dt.timedelta(seconds=rng.uniform(60, 180))
        target = rng.choices(others, weights=[s.weight for s in others])[0]
        ticket.waited_before_min += (now - ticket.queued_at).total_seconds() / 60
        ticket.event("transferred", at, f"{by_id[ticket.service_id].code}->{target.code}")
        ticket.service_id = target.id
        ticket.status = "waiting"
        ticket.queued_at = at
        ticket.counter_id = None
        _requeue(pending, ticket)
        return at
    at += _duration(rng, by_id[ticket.service_id].minutes)
    ticket.status = "done"
    ticket.finished_at = at
    ticket.event("finished", at)
    return at


def _requeue(pending: list[SimTicket], ticket: SimTicket) -> None:
    index = 0
    while index < len(pending) and pending[index].queued_at <= ticket.queued_at:
        index += 1
    pending.insert(index, ticket)
