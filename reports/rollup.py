"""Daily and monthly rollups of the counted events: what makes a year of a million tickets fast.

Why rollups and not only indexes: a year of a province (about 1 000 000 tickets) takes
0.2-0.3 s per full aggregate over the ticket table on SQLite, and the dashboard needs a
dozen (totals, percentiles, by office, service, counter, officer, hour, day). The rollups
below hold those aggregates per local day or month, so a year reads a few ten thousand
rows instead (tables owned by reports; the lead's migrations create them):

* ``report_day``        (day, office): every measure of ``reports.measures`` — totals,
                        the office ranking and the daily trends;
* ``report_month``      (month, office, service, counter, officer): ticket and rating
                        measures — the service / counter / officer tables;
* ``report_wait_month`` (month, office, arrival hour, wait in whole minutes): the wait
                        histogram — percentiles, and average / p90 by hour;
* ``report_rollup_state`` which days and months have been built.

A local day is *closed* — rolled up — once it is ``GRACE_DAYS`` old: by then its tickets
are called and finished, and its ratings given. Newer days, months not wholly closed and
every query narrowed to a service, counter or officer are counted live from the tables
with the same SQL (``reports.flows``). Rollups are built when a report first needs them,
one month per transaction so that kiosks and counters are never held up for long, and by
``flask simulate`` for the history it writes. A correction to old data (an import, a
manual fix) must call ``invalidate`` for the days it touched.

The live parts and the builds select by office and instant; besides the indexes the
other packages already have, they want (bench/kpi_bench.py creates them; the models of
queues, dossiers and feedback should declare them): ticket (office_id, called_at),
ticket (office_id, finished_at), dossier (office_id, result_ready_at), dossier
(office_id, closed_at), complaint (office_id, received_at).
"""

import datetime as dt

from sqlalchemy import BigInteger, Column, Date, Integer, String, Table, delete, func, select
from sqlalchemy.exc import IntegrityError

from dossiers.models import Dossier
from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db
from onestop.models import Office
from queues.writelock import writing
from reports import measures
from reports.measures import MEASURES, RATING_MEASURES, TICKET_MEASURES, Scope
from reports.periods import Period, full_months, month_end
from reports.portable import month_start

GRACE_DAYS = 2
_SUMS = {"wait_sec", "service_sec"}


def _measure_columns(names) -> list[Column]:
    return [
        Column(name, BigInteger if name in _SUMS else Integer, nullable=False, default=0)
        for name in names
    ]


report_day = Table(
    "report_day",
    db.metadata,
    Column("day", Date, primary_key=True),
    Column("office_id", Integer, primary_key=True),
    *_measure_columns(MEASURES),
)

MONTH_MEASURES = TICKET_MEASURES + RATING_MEASURES
report_month = Table(
    "report_month",
    db.metadata,
    Column("month", Date, primary_key=True),
    Column("office_id", Integer, primary_key=True),
    # 0 stands for "none" (a ticket not yet at a counter), so the key has no NULLs.
    Column("service_id", Integer, primary_key=True),
    Column("counter_id", Integer, primary_key=True),
    Column("officer_id", Integer, primary_key=True),
    *_measure_columns(MONTH_MEASURES),
)

report_wait_month = Table(
    "report_wait_month",
    db.metadata,
    Column("month", Date, primary_key=True),
    Column("office_id", Integer, primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("wait_min", Integer, primary_key=True),
    *_measure_columns(("waits", "wait_sec")),
)

report_rollup_state = Table(
    "report_rollup_state",
    db.metadata,
    Column("grain", String(5), primary_key=True),  # "day" or "month"
    Column("period", Date, primary_key=True),
    Column("built_at", UTCDateTime, nullable=False),
)


def history_start(office_ids) -> dt.date | None:
    """The local date of the first dossier received by any of ``office_ids`` (None: no dossier).

    Stocks of open dossiers are balances of flows since then (``reports.dossier_stats``).
    """
    # One index seek per office (MIN over office + received_at) rather than a scan.
    first = (
        select(func.min(Dossier.received_at))
        .where(Dossier.office_id == Office.id)
        .scalar_subquery()
    )
    earliest = db.session.scalar(
        select(func.min(first)).select_from(Office).where(Office.id.in_(office_ids))
    )
    if isinstance(earliest, str):  # SQLite hands back MIN() of a timestamp as text
        earliest = dt.datetime.fromisoformat(earliest).replace(tzinfo=dt.UTC)
    return clock.local_date(earliest) if earliest else None


def closed_through(today: dt.date | None = None) -> dt.date:
    """The last local day that rollups may cover."""
    return (today or clock.today()) - dt.timedelta(days=GRACE_DAYS)


def _built(grain: str, start: dt.date, end: dt.date) -> set[dt.date]:
    rows = db.session.execute(
        select(report_rollup_state.c.period).where(
            report_rollup_state.c.grain == grain, report_rollup_state.c.period.between(start, end)
        )
    )
    return {row.period for row in rows}


def _missing(period: Period, today: dt.date | None) -> tuple[list[dt.date], list[dt.date]]:
    last = min(period.end, closed_through(today))
    if last < period.start:
        return [], []
    closed = Period(period.start, last)
    days = sorted(set(closed.each_day()) - _built("day", closed.start, closed.end))
    months = sorted(set(full_months(closed)) - _built("month", closed.start, closed.end))
    return days, months


def _all_offices() -> Scope:
    return Scope(frozenset(db.session.scalars(select(Office.id))))


def _build_days(scope: Scope, start: dt.date, end: dt.date) -> None:
    period = Period(start, end)
    events = measures.event_rows(scope, start, end, period.start_instant, period.end_instant)
    grouped = select(
        events.c.day, events.c.office_id, *[func.sum(events.c[m]) for m in MEASURES]
    ).group_by(events.c.day, events.c.office_id)
    db.session.execute(report_day.insert().from_select(["day", "office_id", *MEASURES], grouped))


def _build_month(scope: Scope, month: dt.date) -> None:
    period = Period(month, month_end(month))
    events = measures.event_rows(
        scope,
        period.start,
        period.end,
        period.start_instant,
        period.end_instant,
        "tickets",
    )
    keys = [events.c.office_id, events.c.service_id, events.c.counter_id, events.c.officer_id]
    grouped = select(
        month_start(events.c.day), *keys, *[func.sum(events.c[m]) for m in MONTH_MEASURES]
    ).group_by(month_start(events.c.day), *keys)
    names = ["month", "office_id", "service_id", "counter_id", "officer_id", *MONTH_MEASURES]
    db.session.execute(report_month.insert().from_select(names, grouped))

    called = measures.tickets_called(scope, period.start_instant, period.end_instant).subquery()
    waits = (
        select(
            month_start(called.c.day),
            called.c.office_id,
            called.c.hour,
            called.c.wait_min,
            func.count(),
            func.sum(called.c.wait_sec),
        )
        .where(called.c.waits == 1)
        .group_by(month_start(called.c.day), called.c.office_id, called.c.hour, called.c.wait_min)
    )
    names = ["month", "office_id", "hour", "wait_min", "waits", "wait_sec"]
    db.session.execute(report_wait_month.insert().from_select(names, waits))


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) runs within a month (one transaction per month)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and runs[-1][1] == day - dt.timedelta(days=1) and runs[-1][1].month == day.month:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def ensure(period: Period, today: dt.date | None = None) -> int:
    """Build the rollups that a report of ``period`` can use and that do not exist yet.

    One transaction per month of work (it commits). Two workers building the same month
    at once: the second one's state row clashes with the first's and it backs off, the
    first one's rows being there. Returns the number of days and months built.

    :param period: the period about to be reported.
    :param today: the local date deciding which days are closed (default: the clock's).
    """
    scope = _all_offices()
    # The open-dossier stock at the period's start is a balance of the flows since the first
    # dossier: those days are needed too.
    first = history_start(scope.office_ids)
    if first is not None and first < period.start:
        period = Period(first, period.end)
    days, months = _missing(period, today)
    if not days and not months:
        return 0
    built = 0
    chunks: dict[dt.date, tuple[list, list]] = {}
    for first, last in _runs(days):
        chunks.setdefault(first.replace(day=1), ([], []))[0].append((first, last))
    for month in months:
        chunks.setdefault(month, ([], []))[1].append(month)
    for _month, (runs, whole_months) in sorted(chunks.items()):
        try:
            built += _build_chunk(scope, runs, whole_months, today)
        except IntegrityError:
            db.session.rollback()  # another worker built it meanwhile
    return built


def _build_chunk(scope: Scope, runs: list, whole_months: list, today: dt.date | None) -> int:
    built = 0
    with writing():
        now = clock.now()
        for first, last in runs:
            todo = sorted(set(Period(first, last).each_day()) - _built("day", first, last))
            for start, end in _runs(todo):
                _mark("day", Period(start, end).each_day(), now)
                _build_days(scope, start, end)
                built += (end - start).days + 1
        for month in whole_months:
            if not _built("month", month, month):
                _mark("month", [month], now)
                _build_month(scope, month)
                built += 1
        db.session.commit()
    return built


def _mark(grain: str, periods: list[dt.date], now: dt.datetime) -> None:
    # The state rows go first: a concurrent builder of the same period fails here, before any data.
    db.session.execute(
        report_rollup_state.insert(),
        [{"grain": grain, "period": p, "built_at": now} for p in periods],
    )


def invalidate(start: dt.date, end: dt.date) -> None:
    """Drop the rollups of local days [start, end] and of the months they touch (caller commits).

    The next report that needs them rebuilds them from the tables.
    """
    first_month = start.replace(day=1)
    state = report_rollup_state.c
    db.session.execute(delete(report_day).where(report_day.c.day.between(start, end)))
    db.session.execute(delete(report_month).where(report_month.c.month.between(first_month, end)))
    db.session.execute(
        delete(report_wait_month).where(report_wait_month.c.month.between(first_month, end))
    )
    db.session.execute(
        delete(report_rollup_state).where(state.grain == "day", state.period.between(start, end))
    )
    db.session.execute(
        delete(report_rollup_state).where(
            state.grain == "month", state.period.between(first_month, end)
        )
    )
