"""Reporting periods: the dashboard's presets, the plan's reporting periods, free ranges."""

import datetime as dt

import pytest

from onestop.exceptions import ValidationError
from reports import periods
from reports.periods import Period, full_months

TODAY = dt.date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    "key, start, end",
    [
        ("today", dt.date(2026, 11, 27), dt.date(2026, 11, 27)),
        ("week", dt.date(2026, 11, 23), dt.date(2026, 11, 27)),
        ("month", dt.date(2026, 11, 1), dt.date(2026, 11, 27)),
        ("last-month", dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        ("quarter", dt.date(2026, 10, 1), dt.date(2026, 11, 27)),
        ("last-quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("year", dt.date(2026, 1, 1), dt.date(2026, 11, 27)),
        # The plan's periods run from 15/12 of the year before to the day before each deadline.
        ("plan-q1", dt.date(2025, 12, 15), dt.date(2026, 2, 24)),
        ("plan-h1", dt.date(2025, 12, 15), dt.date(2026, 5, 24)),
        ("plan-q3", dt.date(2025, 12, 15), dt.date(2026, 8, 24)),
        ("plan-year", dt.date(2025, 12, 15), dt.date(2026, 11, 14)),
    ],
)
def test_presets(app, key, start, end):
    assert periods.preset(key, TODAY) == Period(start, end)


def test_a_plan_period_not_yet_begun_is_last_years_and_a_running_one_ends_today(app):
    assert periods.preset("plan-q1", dt.date(2026, 12, 20)) == Period(
        dt.date(2026, 12, 15), dt.date(2026, 12, 20)
    )
    assert periods.preset("plan-h1", dt.date(2026, 3, 1)) == Period(
        dt.date(2025, 12, 15), dt.date(2026, 3, 1)
    )


@pytest.mark.parametrize(
    "start, end",
    [
        ("2026-11-05", "2026-11-01"),
        ("2026-02-30", "2026-03-01"),
        ("", "2026-03-01"),
        ("2000-01-01", "2026-01-01"),
    ],
)
def test_bad_ranges_are_refused_in_vietnamese(app, start, end):
    with app.test_request_context():
        with pytest.raises(ValidationError) as refused:
            periods.parse_range(start, end)
    assert any(
        "ngày" in message.lower() or "khoảng" in message.lower()
        for message in refused.value.errors.values()
    )


def test_full_months_inside_a_period():
    assert full_months(Period(dt.date(2026, 1, 15), dt.date(2026, 4, 30))) == [
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
    ]
    assert full_months(Period(dt.date(2026, 1, 2), dt.date(2026, 1, 31))) == []


def test_instants_are_local_midnights():
    period = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 4))
    assert period.start_instant == dt.datetime(2026, 11, 1, 17, 0, tzinfo=dt.UTC)
    assert period.end_instant == dt.datetime(2026, 11, 4, 17, 0, tzinfo=dt.UTC)
    assert period.days == 3
