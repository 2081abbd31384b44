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

A local day is *closed* — may be rolled up — once it is ``GRACE_DAYS`` old: by then its
tickets are called and finished, and its ratings given. Newer days, months not wholly
closed, days not built yet and every query narrowed to a service, counter or officer are
counted live from the tables with the same SQL (``reports.flows``). Reading never writes:
rollups are built by ``flask reports rebuild --from --to`` (run it nightly; ``rebuild``),
one month per transaction so that kiosks and counters are never held up for long, and by
``flask simulate`` for the history it writes (``ensure``).

Never stale: a write that changes the facts of a past day marks it, in its own
transaction, in ``stale_report_days`` (owned by ``onestop``, written through
``onestop.stale``, so that the lower packages need not import this one). A report reads
the marked days of its offices — and the months holding them — live, as if they were
not built; ``rebuild`` rebuilds them and removes the marks. The writes that mark:

* a dossier taken in or imported with a past receipt time (``dossiers.intake``);
* a status set at a past time — result ready, rejected, withdrawn, a supplement
  (``dossiers.lifecycle.change_status``);
* a rating of a ticket finished on a past day: that day counts it as rated
  (``feedback.ratings``);
* a new wait target of an office: its past waits are judged against it
  (``onestop.accounts``), every day of the office;
* a counter action (no-show, transfer, finish …) on a ticket first called on a past
  day: its wait sample belongs to that day (``queues.tickets``).

Changes that need no mark, because no rollup row depends on them: an office moved to
another parent (rows are per office; a report gathers the subtree when it reads), and
holiday edits (due dates are stored at intake and moved only by a supplement pause,
itself a status change; a holiday added later never moves an existing due date).

The live parts and the builds select by office and instant; besides the indexes the
other packages already have, they want (bench/kpi_bench.py creates them; the models of
queues, dossiers and feedback should declare them): ticket (office_id, called_at),
ticket (office_id, finished_at), dossier (office_id, result_ready_at), dossier
(office_id, closed_at), complaint (office_id, received_at).
"""

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Date, Integer, String, Table, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from dossiers.models import Dossier
from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db
from onestop.models import Office, StaleReportDays
from queues.store import writing
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


def _marks_overlapping(start: dt.date, end: dt.date, office_ids=None):
    marks = StaleReportDays
    query = select(marks).where(
        marks.last_day >= start, or_(marks.first_day.is_(None), marks.first_day <= end)
    )
    if office_ids is not None:
        query = query.where(marks.office_id.in_(office_ids))
    return db.session.scalars(query)


def stale_days(office_ids, period: Period) -> set[dt.date]:
    """The days of ``period`` that a write has marked stale for any of ``office_ids``."""
    days: set[dt.date] = set()
    for mark in _marks_overlapping(period.start, period.end, office_ids):
        first = max(mark.first_day or period.start, period.start)
        days.update(Period(first, min(mark.last_day, period.end)).each_day())
    return days


def _missing(period: Period, today: dt.date | None) -> tuple[list[dt.date], list[dt.date]]:
    last = min(period.end, closed_through(today))
    if last < period.start:
        return [], []
    closed = Period(period.start, last)
    days = sorted(set(closed.each_day()) - _built("day", closed.start, closed.end))
    months = sorted(set(full_months(closed)) - _built("month", closed.start, closed.end))
    return days, months


def _extended(period: Period, scope: Scope) -> Period:
    # The open-dossier stock at the period's start is a balance of the flows since the first
    # dossier: those days are needed too.
    first = history_start(scope.office_ids)
    return Period(first, period.end) if first is not None and first < period.start else period


def ensure(period: Period, today: dt.date | None = None) -> int:
    """Build the rollups that a report of ``period`` can use and that do not exist yet, and
    rebuild the months holding days marked stale (``flask simulate`` calls it).

    One transaction per month of work (it commits). Two workers building the same month
    at once: the second one's state row clashes with the first's and it backs off, the
    first one's rows being there. Returns the number of days and months built.

    :param period: the period about to be reported.
    :param today: the local date deciding which days are closed (default: the clock's).
    """
    scope = _all_offices()
    period = _extended(period, scope)
    last = min(period.end, closed_through(today))
    stale_months = (
        {day.replace(day=1) for day in stale_days(scope.office_ids, Period(period.start, last))}
        if last >= period.start
        else set()
    )
    built = sum(sum(_rebuild_month(scope, month, today)) for month in sorted(stale_months))
    days, months = _missing(period, today)
    days = [day for day in days if day.replace(day=1) not in stale_months]
    months = [month for month in months if month not in stale_months]
    chunks: dict[dt.date, tuple[list, list]] = {}
    for first, final in _runs(days):
        chunks.setdefault(first.replace(day=1), ([], []))[0].append((first, final))
    for month in months:
        chunks.setdefault(month, ([], []))[1].append(month)
    for _month, (runs, whole_months) in sorted(chunks.items()):
        try:
            built += _build_chunk(scope, runs, whole_months)
        except IntegrityError:
            db.session.rollback()  # another worker built it meanwhile
    return built


def _build_chunk(scope: Scope, runs: list, whole_months: list) -> int:
    built = 0
    with writing():
        now = clock.now()
        for first, last in runs:
            todo = sorted(set(Period(first, last).each_day()) - _built("day", first, last))
            for start, end in _runs(todo):
                _record_built("day", Period(start, end).each_day(), now)
                _build_days(scope, start, end)
                built += (end - start).days + 1
        for month in whole_months:
            if not _built("month", month, month):
                _record_built("month", [month], now)
                _build_month(scope, month)
                built += 1
        db.session.commit()
    return built


def _record_built(grain: str, periods: list[dt.date], now: dt.datetime) -> None:
    # The state rows go first: a concurrent builder of the same period fails here, before any data.
    db.session.execute(
        report_rollup_state.insert(),
        [{"grain": grain, "period": p, "built_at": now} for p in periods],
    )


def _clear_marks(start: dt.date, end: dt.date) -> int:
    """Remove the marks of days [start, end], keeping the parts of a mark outside them."""
    cleared = 0
    for mark in list(_marks_overlapping(start, end)):
        if mark.first_day is None or mark.first_day < start:
            db.session.add(
                StaleReportDays(
                    office_id=mark.office_id,
                    first_day=mark.first_day,
                    last_day=start - dt.timedelta(days=1),
                )
            )
        if mark.last_day > end:
            db.session.add(
                StaleReportDays(
                    office_id=mark.office_id,
                    first_day=end + dt.timedelta(days=1),
                    last_day=mark.last_day,
                )
            )
        db.session.delete(mark)
        cleared += 1
    db.session.flush()
    return cleared


def _rebuild_month(scope: Scope, month: dt.date, today: dt.date | None) -> tuple[int, int]:
    """Rebuild one month's closed days (and the month if wholly closed) in one transaction.

    The marks go first, before the facts are read: a write committed meanwhile either is
    read by the build or leaves its own mark behind. Returns (days built, months built);
    (0, 0) when another worker rebuilt the month at the same time.
    """
    last = min(month_end(month), closed_through(today))
    if last < month:
        return 0, 0
    whole = last == month_end(month)
    try:
        with writing():
            now = clock.now()
            _clear_marks(month, last)
            invalidate(month, last)
            days = Period(month, last).each_day()
            _record_built("day", days, now)
            _build_days(scope, month, last)
            if whole:
                _record_built("month", [month], now)
                _build_month(scope, month)
            db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the other worker's rows are the same
        return 0, 0
    return len(days), int(whole)


@dataclass
class Rebuilt:
    """What ``rebuild`` did, for the command's one-line summary."""

    start: dt.date
    end: dt.date
    days: int = 0
    months: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        if not self.days:
            return "Nothing rebuilt: the range has no closed day yet."
        return (
            f"Rebuilt {self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}: {self.days} days, "
            f"{self.months} whole months, in {self.seconds:.1f} s."
        )


def months_of(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months that [start, end] touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = month_end(month) + dt.timedelta(days=1)
    return months


def months_to_rebuild(start: dt.date, end: dt.date, today: dt.date | None = None) -> list[dt.date]:
    """The months that ``rebuild(start, end)`` rebuilds: those touched, with a closed day."""
    last = min(month_end(end), closed_through(today))
    return months_of(start, last) if last >= start else []


def rebuild(start: dt.date, end: dt.date, today: dt.date | None = None, progress=None) -> Rebuilt:
    """Rebuild every rollup of the months that local days [start, end] touch; clear their marks.

    Whole months, because a month's rollup sums its days; only closed days (``closed_through``)
    are built, the rest being counted live anyway. One transaction per month.

    :param progress: called with 1 after each month (a progress bar's ``update``).
    """
    started = time.perf_counter()
    scope = _all_offices()
    months = months_to_rebuild(start, end, today)
    result = Rebuilt(start.replace(day=1), min(month_end(end), closed_through(today)))
    for month in months:
        days, whole = _rebuild_month(scope, month, today)
        result.days += days
        result.months += whole
        if progress:
            progress(1)
    result.seconds = time.perf_counter() - started
    return result


def invalidate(start: dt.date, end: dt.date) -> None:
    """Drop the rollups of local days [start, end] and of the months they touch (caller commits).

    Reports count those days live until they are built again.
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
