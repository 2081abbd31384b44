"""Every KPI against a small network whose values are worked out by hand, on SQLite and PostgreSQL.

Period under test: local dates 2026-11-02 (Mon) .. 2026-11-04 (Wed). Times are local
(Asia/Ho_Chi_Minh, UTC+7) unless they say otherwise. The network and its hand-worked facts
are in tests/fixtures/network.py.
"""

import datetime as dt

import pytest

from onestop.models import office_subtree_ids
from reports import breakdowns, flows, kpi, rollup
from reports.measures import Scope
from reports.periods import Period, full_months
from tests.fixtures.network import PERIOD


def compute(net, with_children=False, period=PERIOD, **filters):
    ids = office_subtree_ids(net.city.id) if with_children else {net.city.id}
    return kpi.compute(net.city, Scope(frozenset(ids), **filters), period)


def test_ticket_kpis_of_the_city_alone(network):
    values = compute(network).values
    # Issued on 2-4 Nov: T1-T4, T6-T9 (T5 was issued on 1 Nov).
    assert values["tickets_issued"] == 8
    # First called in the period: T1, T2, T3, T4, T5 (after midnight), T8, T9; not T7 (5 Nov).
    assert values["tickets_called"] == 7
    assert values["no_shows"] == 1
    # Wait samples: T1 10, T2 30, T4 6+12=18, T5 25, T8 4+12=16; T3 no-show, T9 still waiting.
    assert values["avg_wait_min"] == 19.8  # 99 / 5
    assert (
        values["wait_over_target_rate"] == 0.4
    )  # T2, T5 (T3's exactly-20 minutes is no sample anyway)
    assert values["p50_wait_min"] == 18  # 10 16 [18] 25 30
    assert values["p90_wait_min"] == 30  # 4.5 of 5 needed -> the 5th
    # Finished: T1, T2, T4, T5, T8; service from the first call: 10 + 15 + 24 (T4 first called
    # 09:06, finished 09:30 after its transfer) + 5 + 10 (T8 first called in s2) = 64 min.
    assert values["tickets_finished"] == 5
    assert values["avg_service_min"] == 12.8
    result = compute(network)
    assert result.counts["wait_samples"] == 5 and result.counts["waits_over"] == 2


def test_ticket_kpis_with_children_add_the_ward_and_never_the_other_branch(network):
    values = compute(network, with_children=True).values
    assert values["tickets_issued"] == 10
    assert values["tickets_called"] == 9
    # Samples 10 30 18 25 16 + ward 2 44 = 145 / 7.
    assert values["avg_wait_min"] == round(145 / 7, 2)
    assert values["wait_over_target_rate"] == round(3 / 7, 4)
    assert values["p50_wait_min"] == 18  # 2 10 16 [18] 25 30 44
    assert values["p90_wait_min"] == 44  # 6.3 of 7 needed -> the 7th
    assert values["avg_service_min"] == 11.0  # (64 + 8 + 5) / 7


def test_dossier_kpis(network):
    result = compute(network)
    values, counts = result.values, result.counts
    assert counts["dossiers_open_at_start"] == 3  # D2, D3, D10 (D1 ended before)
    assert values["dossiers_received"] == 6  # D4 - D9
    assert values["dossiers_resolved"] == 4  # D3, D4, D9 (rejected), D10
    assert values["dossiers_late"] == 2  # D4, D10
    # Overdue and open at the end: D2 (past due), D6 (paused after due), D8 (two supplements);
    # not D5 (paused before its due date) nor D7 (due after the period).
    assert values["dossiers_overdue_open"] == 3
    assert values["late_rate"] == round(5 / 9, 4)
    assert values["online_rate"] == 0.5  # D4, D7, D9 of 6
    assert values["reuse_rate"] == round(2 / 6, 4)  # D4, D6


def test_rating_kpis(network):
    result = compute(network)
    values = result.values
    # Ratings given in the period at C: T1 (2), T2 (0), D3's dossier rating (0).
    assert values["ratings"] == 3
    assert values["satisfaction_rate"] == round(1 / 3, 4)
    assert values["rating_coverage"] == 0.4  # T1 and T2 of the 5 finished
    # 766: 1 - (5 late or overdue + 1 dossier rated 0 + 1 complaint) / 9 dossiers to handle.
    assert values["satisfaction_766"] == round(1 - 7 / 9, 4)
    assert compute(network, with_children=True).values["satisfaction_rate"] == round(2 / 4, 4)


def test_json_has_exactly_the_contract_keys_and_targets(network):
    body = compute(network).as_json()
    assert set(body) == set(kpi.JSON_KEYS) | {"targets"}
    assert body["targets"]["avg_wait_min"] == {"max": 20}
    assert body["targets"]["late_rate"] == {"max": 0.009}
    assert body["targets"]["online_rate"] == {"min": 0.5}


def test_filters_narrow_tickets_and_ratings(network):
    values = compute(network, counter_id=network.k2.id).values
    # At counter 2: T3 (no-show), T4 18, T5 25, T8 16.
    assert values["tickets_called"] == 4
    assert values["avg_wait_min"] == round(59 / 3, 2)
    assert values["dossiers_received"] is None  # dossiers have no counter
    values = compute(network, officer_id=network.o1.id).values
    assert values["ratings"] == 2 and values["avg_wait_min"] == 20.0  # T1 10, T2 30


def test_statuses_compare_with_targets(network):
    result = compute(network)
    assert result.statuses["avg_wait_min"] == "ok"  # 19.8 <= 20
    assert result.statuses["late_rate"] == "bad"
    assert result.statuses["online_rate"] == "ok"  # 50 % meets "at least 50 %"
    assert kpi.status("late_rate", 0.009, result.targets) == "warn"  # the plan says strictly below


def test_rollups_give_the_same_answers_as_the_tables(network):
    live = compute(network, with_children=True).as_json()
    live_hours = breakdowns.by_hour(Scope(frozenset({network.city.id})), PERIOD)
    # The period's days and, for the stock of open dossiers, every day since the first dossier
    # (D1, 20 Oct): 20 Oct .. 4 Nov, all closed since the clock says 20 Nov.
    assert rollup.ensure(PERIOD) == 16
    assert compute(network, with_children=True).as_json() == live
    assert breakdowns.by_hour(Scope(frozenset({network.city.id})), PERIOD) == live_hours


def test_month_rollups_give_the_same_answers(network, fixed_clock):
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    fixed_clock(dt.datetime(2026, 12, 10, 3, 0, tzinfo=dt.UTC))
    scope = Scope(frozenset(office_subtree_ids(network.city.id)))
    before = (
        compute(network, True, november).as_json(),
        breakdowns.by_dimension(scope, november, "service"),
        breakdowns.by_hour(scope, november),
    )
    assert full_months(november) == [dt.date(2026, 11, 1)]
    assert rollup.ensure(november) == 43  # 20 Oct .. 30 Nov, and the month of November
    after = (
        compute(network, True, november).as_json(),
        breakdowns.by_dimension(scope, november, "service"),
        breakdowns.by_hour(scope, november),
    )
    assert after == before
    # Dropping the rollups brings back the live answers, unchanged.
    rollup.invalidate(november.start, november.end)
    assert compute(network, True, november).as_json() == before[0]


def test_days_not_closed_are_never_rolled_up(network, fixed_clock):
    fixed_clock(dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.UTC))  # 5 Nov: the 4th is one day old
    assert rollup.ensure(PERIOD) == 15  # 20 Oct .. 3 Nov
    assert compute(network).values["tickets_issued"] == 8


def test_breakdowns_by_service_counter_officer_and_hour(network):
    scope = Scope(frozenset({network.city.id}))
    services = {
        row["label"]: row["values"] for row in breakdowns.by_dimension(scope, PERIOD, "service")
    }
    # The transferred T4 and T8 count in their last queue (B); T9 waits in B, T6/T7 never left A.
    assert services["B · Tư pháp – Hộ tịch"]["avg_wait_min"] == round((18 + 25 + 16) / 3, 2)
    assert services["A · Đất đai"]["avg_wait_min"] == 20.0
    officers = {
        row["label"]: row["values"] for row in breakdowns.by_dimension(scope, PERIOD, "officer")
    }
    assert officers["Cán bộ Một"]["satisfaction_rate"] == 0.5
    hours = {row["hour"]: row for row in breakdowns.by_hour(scope, PERIOD)}
    assert hours[8]["samples"] == 2 and hours[8]["p90_wait_min"] == 30  # T1, T2 came at 8
    assert hours[23]["avg_wait_min"] == 25.0  # T5 came at 23:50


def test_ranking_orders_units_by_score(network):
    rows = breakdowns.office_ranking(network.city, PERIOD)
    assert [row["office"].code for row in rows][:2] in (["C-W", "C"], ["C", "C-W"])
    assert all(row["rank"] for row in rows)
    ward = next(row for row in rows if row["office"].code == "C-W")
    assert ward["values"]["avg_wait_min"] == 23.0 and ward["targets"]["late_rate"]["max"] == 0.005


def test_longest_waits_and_overdue_lists(network):
    scope = Scope(frozenset({network.city.id}))
    waits = breakdowns.longest_waits(scope, PERIOD)
    assert [(w["display_number"], w["wait_min"]) for w in waits][:2] == [
        ("A002", 30.0),
        ("B001", 25.0),
    ]
    overdue = breakdowns.overdue_dossiers(scope, PERIOD)
    assert [d["code"] for d in overdue] == ["D-02", "D-06", "D-08"]


@pytest.mark.parametrize(
    "counts, expected",
    [
        ({5: 1, 7: 1}, (5, 7)),
        ({1: 9, 40: 1}, (1, 1)),
        ({3: 10}, (3, 3)),
    ],
)
def test_percentile_is_the_smallest_minute_with_enough_waits(counts, expected):
    histogram = {minute: [n, 0] for minute, n in counts.items()}
    assert (flows.percentile(histogram, 0.5), flows.percentile(histogram, 0.9)) == expected
    assert flows.percentile({}, 0.5) is None
