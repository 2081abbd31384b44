"""Marking past days whose precomputed report totals a write has made stale.

The reports keep totals per office and local day (``reports.rollup``); a write that
changes the facts of a day already past must say so in its own transaction, or the
totals would go on showing the old facts. Today and later need no mark: reports never
precompute a day before it is over.
"""

import datetime as dt
from collections.abc import Iterable

from onestop import clock
from onestop.extensions import db
from onestop.models import StaleReportDays


def mark_days(office_ids: Iterable[int], first_day: dt.date | None, last_day: dt.date) -> None:
    """Record that the report totals of ``office_ids`` for days [first_day, last_day] are stale.

    Added to the current session: the caller's commit stores the mark with the change.

    :param first_day: the first day touched; None for every day since the first.
    :param last_day: the last day touched; days from today on are left out.
    """
    last_day = min(last_day, clock.today() - dt.timedelta(days=1))
    if first_day is not None and first_day > last_day:
        return
    for office_id in sorted(set(office_ids)):
        db.session.add(StaleReportDays(office_id=office_id, first_day=first_day, last_day=last_day))


def mark_instant(office_id: int, at: dt.datetime) -> None:
    """Record that the totals of the local day of ``at`` are stale for ``office_id`` (if past)."""
    day = clock.local_date(at)
    mark_days([office_id], day, day)
