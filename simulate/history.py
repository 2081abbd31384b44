"""Believable history for every office: tickets with their events, dossiers, ratings, complaints.

``simulate`` writes whole days at once with bulk inserts (COPY on PostgreSQL) rather than
through the per-ticket use cases of ``queues.tickets``, so that a year of a province-size
network is generated in minutes; the rows and events it writes are the ones those use
cases would have recorded. It appends to what is stored (numbers continue after the
day's existing tickets and dossiers), then rebuilds the report rollups of its days.
Run it on a database at rest: ids are handed out from max(id) + 1.
"""

import datetime as dt
import random
import time
from collections.abc import Callable

from sqlalchemy import select

from onestop import clock
from onestop.extensions import db
from onestop.models import Office
from reports import rollup
from reports.periods import Period
from simulate import dossiers as sd
from simulate import offices
from simulate.offices import OfficeSetup
from simulate.tickets import local_instant, simulate_day
from simulate.writer import Summary, Writer, ticket_rows

WEEKDAY = (1.2, 1.05, 1.0, 0.95, 0.85, 0.5, 0.3)
DIRECT_DOSSIER = 0.35  # share of citizens served at a counter who lodge a dossier
POSTAL_SHARE = 0.03
FLUSH_TICKETS = 40000


def _office_day(
    rng: random.Random,
    writer: Writer,
    setup: OfficeSetup,
    day: dt.date,
    progress: float,
    scale: float,
    now: dt.datetime,
) -> None:
    profile = setup.profile
    rows = sd.Rows()
    arrivals = 0
    if profile.calendar.is_working_day(day):
        mean = setup.daily_arrivals * WEEKDAY[day.weekday()] * scale
        arrivals = max(0, round(rng.gauss(mean, mean * 0.12)))
        tickets = simulate_day(
            rng,
            day,
            arrivals,
            setup.services,
            setup.counters,
            writer.first_numbers(setup.services, day),
        )
        with_ids = ticket_rows(writer, profile.id, day, tickets)
        sd.ticket_ratings(rng, profile, with_ids, rows, writer.ids["rating"])
        direct = 0
        for ticket_id, ticket in with_ids:
            options = profile.procedures_by_service.get(ticket.service_id) or profile.procedures
            if ticket.status != "done" or not options or rng.random() > DIRECT_DOSSIER:
                continue
            received = ticket.started_at + (ticket.finished_at - ticket.started_at) * 0.7
            channel = "postal" if rng.random() < POSTAL_SHARE else "direct"
            sd.dossier(
                rng,
                profile,
                day,
                writer.next_dossier_number(profile.id, day),
                channel,
                received,
                rng.choice(options),
                progress,
                now,
                (ticket_id, ticket) if channel == "direct" else None,
                rows,
                writer.ids,
                writer.tokens,
            )
            direct += 1
        share = min(0.85, profile.online_share + 0.12 * progress)
        online = sd.poisson(rng, direct * share / (1 - share)) if direct else 0
    else:
        # Online dossiers also arrive on days off.
        online = sd.poisson(rng, setup.daily_arrivals * DIRECT_DOSSIER * 0.3 * scale)
    for _ in range(online if profile.procedures else 0):
        received = local_instant(day, 0, 0, rng.uniform(6 * 3600, 23 * 3600))
        sd.dossier(
            rng,
            profile,
            day,
            writer.next_dossier_number(profile.id, day),
            "online",
            received,
            rng.choice(profile.procedures),
            progress,
            now,
            None,
            rows,
            writer.ids,
            writer.tokens,
        )
    sd.complaints(rng, profile, day, arrivals, now, rows, writer.ids)
    writer.add_sim(rows)


def simulate(
    days: int,
    office_codes: list[str] | None = None,
    seed: int = 1,
    scale: float = 1.0,
    end: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write ``days`` local days of history ending ``end`` (default: yesterday) for offices.

    :param office_codes: offices to simulate (default: every office with services and counters).
    :param seed: the random seed: the same seed on the same database gives the same history.
    :param scale: multiplies the number of citizens (1: a believable load for the counters).
    :param progress: called with the number of days done after each day (for a progress bar).
    :returns: what was written, with the time it took.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    end = end or clock.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=days - 1)
    now = clock.now()
    query = select(Office).where(Office.active.is_(True)).order_by(Office.id)
    if office_codes:
        query = query.where(Office.code.in_(office_codes))
    setups = [
        s
        for s in (
            offices.setup(office, random.Random(f"{seed}-{office.code}"))
            for office in db.session.scalars(query)
        )
        if s is not None
    ]
    db.session.commit()  # simulated staff
    summary = Summary(offices=len(setups), days=days)
    writer = Writer(summary, start, end)
    for n, day in enumerate(Period(start, end).each_day(), start=1):
        for setup in setups:
            _office_day(rng, writer, setup, day, n / days, scale, now)
        if len(writer.rows["ticket"]) >= FLUSH_TICKETS:
            writer.flush()
        if progress:
            progress(1)
    writer.flush()
    writer.finish(start, end)
    rollup.ensure(Period(start, end))
    summary.seconds = time.perf_counter() - started
    return summary
