"""Sums of the counted events over a period: rollups where built, live SQL for the rest.

Correctness never depends on the rollups having been built: the state table says which
days and months exist, those are read from the rollups (restricted to exactly those
periods, so a rollup committed meanwhile is not counted twice), and every other day is
counted live from the tables by the same definitions (``reports.measures``). A day that
a write has marked stale for one of the offices read (``reports.rollup.stale_days``)
counts as not built, and so does the month holding it. Nothing here writes.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, or_, select

from onestop.extensions import db
from reports import measures
from reports.measures import DOSSIER_MEASURES, MEASURES, Scope
from reports.periods import Period, full_months, month_end
from reports.rollup import (
    MONTH_MEASURES,
    report_day,
    report_month,
    report_rollup_state,
    report_wait_month,
    stale_days,
)

DAY_DIMENSIONS = ("office_id", "day")
MONTH_DIMENSIONS = ("office_id", "service_id", "counter_id", "officer_id")

Groups = dict[tuple, Counter]


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day - dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _built(grain: str, period: Period) -> set[dt.date]:
    state = report_rollup_state.c
    return set(
        db.session.scalars(
            select(state.period).where(
                state.grain == grain, state.period.between(period.start, period.end)
            )
        )
    )


def _fresh_days(scope: Scope, period: Period) -> set[dt.date]:
    """Days of ``period`` whose day rollups exist and are not marked stale for the scope."""
    if scope.narrowed:
        return set()
    built = _built("day", period)
    return built - stale_days(scope.office_ids, period) if built else built


def _add(groups: Groups, rows, dims: tuple[str, ...], names: tuple[str, ...]) -> None:
    for row in rows:
        key = tuple(getattr(row, d) for d in dims)
        counts = groups.setdefault(key, Counter())
        for name in names:
            counts[name] += int(getattr(row, name) or 0)


def _live(groups: Groups, scope: Scope, runs, dims, names, parts: str) -> None:
    for start, end in runs:
        period = Period(start, end)
        events = measures.event_rows(
            scope, start, end, period.start_instant, period.end_instant, parts
        )
        keys = [events.c[d] for d in dims]
        query = select(*keys, *[func.sum(events.c[m]).label(m) for m in names]).group_by(*keys)
        _add(groups, db.session.execute(query), dims, names)


def sums(scope: Scope, period: Period, dims: tuple[str, ...] = (), parts: str = "all") -> Groups:
    """Every measure of ``reports.measures`` over ``period`` by ``dims`` ⊆ (office_id, day).

    :param parts: ``all``, or ``dossiers`` alone (cheaper when only those are wanted).
    :returns: {(dimension values...): Counter(measure -> sum)}; () is the key without dims.
    """
    assert set(dims) <= set(DAY_DIMENSIONS), dims
    names = DOSSIER_MEASURES if parts == "dossiers" else MEASURES
    groups: Groups = {}
    built = _fresh_days(scope, period)
    if built:
        table = report_day.c
        query = (
            select(*[table[d] for d in dims], *[func.sum(table[m]).label(m) for m in names])
            .where(
                table.office_id.in_(scope.office_ids),
                or_(*[table.day.between(a, b) for a, b in _runs(built)]),
            )
            .group_by(*[table[d] for d in dims])
        )
        _add(groups, db.session.execute(query), dims, names)
    _live(groups, scope, _runs(set(period.each_day()) - built), dims, names, parts)
    return groups


def _months_and_rest(
    scope: Scope, period: Period
) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """Built months wholly inside the period, and the runs of days that must be counted live."""
    months = [] if scope.narrowed else sorted(set(full_months(period)) & _built("month", period))
    if months:
        stale = {day.replace(day=1) for day in stale_days(scope.office_ids, period)}
        months = [month for month in months if month not in stale]
    covered = {day for month in months for day in Period(month, month_end(month)).each_day()}
    return months, _runs(set(period.each_day()) - covered)


def ticket_sums(scope: Scope, period: Period, dims: tuple[str, ...]) -> Groups:
    """Ticket and rating measures by ``dims`` ⊆ (office, service, counter, officer)."""
    assert set(dims) <= set(MONTH_DIMENSIONS), dims
    groups: Groups = {}
    months, rest = _months_and_rest(scope, period)
    if months:
        table = report_month.c
        query = (
            select(
                *[table[d] for d in dims], *[func.sum(table[m]).label(m) for m in MONTH_MEASURES]
            )
            .where(table.office_id.in_(scope.office_ids), table.month.in_(months))
            .group_by(*[table[d] for d in dims])
        )
        _add(groups, db.session.execute(query), dims, MONTH_MEASURES)
    _live(groups, scope, rest, dims, MONTH_MEASURES, "tickets")
    return groups


def wait_histogram(
    scope: Scope, period: Period, by_hour: bool = False
) -> dict[tuple, dict[int, list[int]]]:
    """Wait samples counted per whole minute: {(hour,) or (): {wait_min: [samples, seconds]}}."""
    dims = ("hour",) if by_hour else ()
    result: dict[tuple, dict[int, list[int]]] = {}

    def add(rows):
        for row in rows:
            key = (row.hour,) if by_hour else ()
            bucket = result.setdefault(key, {}).setdefault(int(row.wait_min), [0, 0])
            bucket[0] += int(row.waits)
            bucket[1] += int(row.wait_sec)

    months, rest = _months_and_rest(scope, period)
    if months:
        table = report_wait_month.c
        keys = [table[d] for d in dims] + [table.wait_min]
        add(
            db.session.execute(
                select(
                    *keys,
                    func.sum(table.waits).label("waits"),
                    func.sum(table.wait_sec).label("wait_sec"),
                )
                .where(table.office_id.in_(scope.office_ids), table.month.in_(months))
                .group_by(*keys)
            )
        )
    for start, end in rest:
        part = Period(start, end)
        called = measures.tickets_called(scope, part.start_instant, part.end_instant).subquery()
        keys = [called.c[d] for d in dims] + [called.c.wait_min]
        add(
            db.session.execute(
                select(
                    *keys,
                    func.count().label("waits"),
                    func.sum(called.c.wait_sec).label("wait_sec"),
                )
                .where(called.c.waits == 1)
                .group_by(*keys)
            )
        )
    return result


def percentile(histogram: dict[int, list[int]], fraction: float) -> int | None:
    """The smallest whole number of minutes m such that at least ``fraction`` of the waits are ≤ m.

    Method: nearest rank (no interpolation) over the histogram of waits in whole minutes.
    Each wait is rounded *up* to whole minutes (a wait in (k-1, k] minutes is in bucket k;
    ``reports.measures.tickets_called``), so the resolution is one minute and the answer is
    always a minute that some citizen's wait reached: with n waits, p50 is the wait of rank
    ⌈0.5·n⌉ and p90 that of rank ⌈0.9·n⌉ in ascending order. "p90 = 34" means at least
    90 % of the citizens waited 34 minutes or less, and fewer than 90 % waited 33 or less.
    The histogram is a sum (monthly rollup or live SQL), never a list of samples, so a year
    costs no more than a day, and both databases give the same histogram, hence the same
    percentile.
    """
    total = sum(n for n, _ in histogram.values())
    if not total:
        return None
    needed = fraction * total
    seen = 0
    for minute in sorted(histogram):
        seen += histogram[minute][0]
        if seen >= needed - 1e-9:
            return minute
    return max(histogram)
