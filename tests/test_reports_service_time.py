"""Service time runs from a ticket's first call to its end (DESIGN.md section 5), on both paths.

Two tickets go through the real counter actions on Friday 27 Nov 2026 (local times):

* A001: issued 08:00, called 08:10, recalled 08:13, started 08:18, finished 08:30.
  Service 20 min (not 12 from "start", not 17 from the recall).
* A002: issued 08:02, called 08:31, no-show 08:33, back in the queue 08:40, called again
  08:45, started 08:46, finished 08:52. Service 21 min (not 7 from the last call).

Average service (20 + 21) / 2 = 20.5 min. Waits end at the first call: 10 and 29 min,
so p50 is the wait of rank ⌈0.5·2⌉ = 1 (10 min) and p90 that of rank ⌈0.9·2⌉ = 2 (29 min).
"""

import datetime as dt

import pytest

from onestop.clock import LOCAL_TZ
from onestop.extensions import db
from queues import tickets
from queues.demo import add_queues
from reports import breakdowns, kpi, rollup
from reports.measures import Scope
from reports.periods import Period

DAY = dt.date(2026, 11, 27)


def local(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 27, hour, minute, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


@pytest.fixture
def served(app, make_office, make_user, fixed_clock):
    office = make_office()
    services = add_queues(office, [("dat-dai", "A", "Đất đai", 10)], [(1, "Quầy 1", ["dat-dai"])])
    db.session.commit()
    counter = services["dat-dai"].counters[0]
    officer = make_user("officer1", "officer", office)

    def at(hour, minute):
        fixed_clock(local(hour, minute))

    at(8, 0)
    tickets.issue(office, "dat-dai")
    at(8, 2)
    tickets.issue(office, "dat-dai")
    at(8, 10)
    first = tickets.call_next(counter, officer)
    at(8, 13)
    tickets.recall(first, officer)
    at(8, 18)
    tickets.start(first, officer)
    at(8, 30)
    tickets.finish(first, officer)
    at(8, 31)
    second = tickets.call_next(counter, officer)
    at(8, 33)
    tickets.no_show(second, officer)
    at(8, 40)
    tickets.requeue(second, officer)
    at(8, 45)
    assert tickets.call_next(counter, officer).id == second.id
    at(8, 46)
    tickets.start(second, officer)
    at(8, 52)
    tickets.finish(second, officer)
    assert (first.display_number, second.display_number) == ("A001", "A002")
    assert second.called_at == local(8, 31) and second.last_called_at == local(8, 45)
    return office, officer, fixed_clock


def _values(office):
    return kpi.compute(office, Scope(frozenset({office.id})), Period(DAY, DAY)).values


def test_service_time_counts_from_the_first_call(served):
    office, officer, _clock = served
    values = _values(office)
    assert values["tickets_finished"] == 2
    assert values["avg_service_min"] == 20.5
    assert values["avg_wait_min"] == 19.5  # (10 + 29) / 2
    assert (values["p50_wait_min"], values["p90_wait_min"]) == (10, 29)
    scope = Scope(frozenset({office.id}))
    by_officer = breakdowns.by_dimension(scope, Period(DAY, DAY), "officer")
    assert [row["values"]["avg_service_min"] for row in by_officer] == [20.5]


def test_rollups_agree_on_service_time(served):
    office, _officer, clock = served
    live = _values(office)
    clock(dt.datetime(2026, 12, 10, 3, 0, tzinfo=dt.UTC))
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert rollup.ensure(november) > 0  # the days of November and the month itself
    assert _values(office) == live
    month = kpi.compute(office, Scope(frozenset({office.id})), november).values
    assert (month["avg_service_min"], month["p90_wait_min"]) == (20.5, 29)
