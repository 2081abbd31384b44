"""The national late rule (DESIGN.md section 4) in the KPIs, the rollups and the dossier badges.

Processing ends at the first of result ready, rejected / stopped, withdrawn; a dossier is late
when it ended after its due date (supplement waits not counted) or was asked for a supplement
more than once. Every dossier below is taken in on Mon 02/11/2026 09:00 for a procedure of 3
working days: due Thu 05/11/2026, i.e. late from 06/11/2026 00:00 local.
"""

import datetime as dt

import pytest
from sqlalchemy import select

from dossiers import lifecycle, queries
from dossiers.lifecycle import change_status
from dossiers.models import Dossier
from onestop.extensions import db
from reports import kpi, rollup
from reports.measures import Scope
from reports.periods import Period
from tests.fixtures.dossiers import local

PERIOD = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 13))


@pytest.fixture
def late_world(world, fixed_clock):
    fixed_clock(dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC))
    return world


def _take_in(receive):
    dossier = receive(received_at=local(2026, 11, 2, 9, 0))
    assert dossier.due_date == dt.date(2026, 11, 5)
    return dossier


def _ready(dossier, officer, day, hour=10):
    return change_status(dossier, "result_ready", officer, at=local(2026, 11, day, hour, 0))


def _supplement(dossier, officer, day, completed_hour=None):
    change_status(
        dossier, "awaiting_supplement", officer, "Bản sao CCCD", at=local(2026, 11, day, 9, 0)
    )
    if completed_hour is not None:
        change_status(dossier, "in_progress", officer, at=local(2026, 11, day, completed_hour, 0))
    return dossier


def _kpis(world):
    return kpi.compute(world.city, Scope(frozenset({world.city.id})), PERIOD).values


def _ten_with_three_late(world, receive) -> list[Dossier]:
    """7 ready on 04/11, two ready after the due date, one ready in time after two supplements."""
    officer = world.officer
    dossiers = [_ready(_take_in(receive), officer, 4) for _ in range(7)]
    dossiers.append(_ready(_take_in(receive), officer, 6))
    dossiers.append(_ready(_take_in(receive), officer, 9))
    twice = _take_in(receive)
    _supplement(twice, officer, 3, completed_hour=15)
    _supplement(twice, officer, 4, completed_hour=15)
    dossiers.append(_ready(twice, officer, 5, hour=9))
    return dossiers


def test_rejecting_or_withdrawing_an_overdue_dossier_does_not_make_it_on_time(late_world, receive):
    officer = late_world.officer
    _ten_with_three_late(late_world, receive)
    values = _kpis(late_world)
    # 3 late of 10 received (none open at the start, none open at the end).
    assert (values["dossiers_received"], values["dossiers_late"]) == (10, 3)
    assert values["late_rate"] == 0.3

    rejected = change_status(
        _take_in(receive), "rejected", officer, "Không đủ điều kiện", at=local(2026, 11, 9, 10, 0)
    )
    withdrawn = change_status(
        _take_in(receive), "withdrawn", officer, at=local(2026, 11, 10, 10, 0)
    )
    values = _kpis(late_world)
    # Both ended after 05/11: 3 + 2 late of 12, 5 / 12 = 0.4167 (the old rule gave 3 / 12 = 0.25).
    assert values["dossiers_resolved"] == 12
    assert values["dossiers_late"] == 5
    assert values["dossiers_overdue_open"] == 0
    assert values["late_rate"] == round(5 / 12, 4) == 0.4167
    assert lifecycle.is_late(rejected) and lifecycle.is_late(withdrawn)
    now = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    assert lifecycle.timeliness(rejected, now) == lifecycle.timeliness(withdrawn, now) == "late"

    # The precomputed days give the same figures as the live tables.
    assert rollup.ensure(PERIOD) > 0
    assert _kpis(late_world) == values


def test_closing_in_time_or_during_a_supplement_wait_is_judged_without_the_wait(
    late_world, receive
):
    officer = late_world.officer
    # Rejected on 04/11, before the due date: on time (early).
    early = change_status(
        _take_in(receive), "rejected", officer, "Không thuộc thẩm quyền", at=local(2026, 11, 4)
    )
    # Asked for papers on 04/11 (in time), withdrawn on 12/11 without supplying them: the wait
    # since 04/11 is the citizen's, so the dossier ended in time.
    waited = _supplement(_take_in(receive), officer, 4)
    waited = change_status(waited, "withdrawn", officer, at=local(2026, 11, 12, 10, 0))
    # Asked for papers on 06/11, already past the due date, then stopped on 09/11: late.
    past_due = _supplement(_take_in(receive), officer, 6)
    past_due = change_status(
        past_due, "rejected", officer, "Không bổ sung", at=local(2026, 11, 9, 10, 0)
    )
    now = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    assert [lifecycle.timeliness(d, now) for d in (early, waited, past_due)] == [
        "early",
        "early",
        "late",
    ]
    late_ids = set(db.session.scalars(select(Dossier.id).where(lifecycle.late_condition())))
    assert late_ids == {past_due.id}
    values = _kpis(late_world)
    assert (values["dossiers_resolved"], values["dossiers_late"]) == (3, 1)
    assert values["late_rate"] == round(1 / 3, 4)


def test_an_open_dossier_asked_twice_for_papers_is_overdue_in_lists_and_reports(
    late_world, receive
):
    officer = late_world.officer
    # Received Wed 25/11, due Mon 30/11 (after the clock, Fri 27/11): in time by its date,
    # yet asked twice for papers, so it counts as overdue.
    twice = receive(received_at=local(2026, 11, 25, 8, 0))
    assert twice.due_date == dt.date(2026, 11, 30)
    for day in (25, 26):
        _supplement(twice, officer, day, completed_hour=15)
    in_time = receive(received_at=local(2026, 11, 26, 9, 0))
    now = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    assert now < twice.due_at
    assert lifecycle.is_overdue(twice, now)
    assert lifecycle.timeliness(twice, now) == "overdue"
    assert lifecycle.timeliness(in_time, now) == "in_time"
    overdue_ids = set(
        db.session.scalars(select(Dossier.id).where(lifecycle.overdue_condition(now)))
    )
    assert overdue_ids == {twice.id}
    counts = queries.summary(late_world.supervisor, None, now, dt.date(2026, 11, 27))
    assert counts["overdue"] == 1
    period = Period(dt.date(2026, 11, 23), dt.date(2026, 11, 27))
    values = kpi.compute(late_world.city, Scope(frozenset({late_world.city.id})), period).values
    assert values["dossiers_overdue_open"] == 1
    assert values["late_rate"] == 0.5  # 1 overdue of the 2 received
