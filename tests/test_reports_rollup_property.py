"""Precomputed totals are never stale: after any sequence of changes to past facts, every KPI
read through the normal report path equals the same KPI counted live from the tables.

The changes go through the domain functions a user's action calls: a dossier taken in with
a past time or imported from the portal, a status set at a past time, a late rating of an
old ticket, a holiday added or removed, an office moved to another parent or given a new
wait target, and rebuilds of arbitrary ranges. The clock stands at Thu 10/12/2026, so all
of November is closed and has day and month rollups.
"""

import datetime as dt
import json
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dossiers import office_days
from dossiers.intake import import_dossiers, receive_dossier
from dossiers.lifecycle import allowed_next, change_status
from dossiers.models import Dossier, Holiday
from feedback.ratings import rate_ticket
from onestop import clock
from onestop.accounts import save_office
from onestop.extensions import db
from onestop.models import Office, office_subtree_ids
from queues.models import Counter, Service, Ticket
from reports import breakdowns, flows, kpi, rollup
from reports.measures import Scope
from reports.periods import Period
from tests.fixtures.dossiers import local

NOW = dt.datetime(2026, 12, 10, 3, 0, tzinfo=dt.UTC)  # Thu 10/12/2026 10:00 local
NOTES = {"awaiting_supplement": "Bản sao CCCD", "rejected": "Không đủ điều kiện"}
PERIODS = (
    Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
    Period(dt.date(2026, 11, 9), dt.date(2026, 12, 8)),
)


class History:
    """The world's offices plus an office of another branch, tickets to rate and a few dossiers."""

    def __init__(self, world, make_office):
        self.world = world
        self.other = make_office("XA", "UBND xã Khác", "commune", agency_code="000.99.01.H62")
        self.officers = {
            world.city.id: world.officer,
            world.lb.id: world.lb_officer,
            world.ts.id: world.ts_officer,
        }
        self.procedures = {
            world.city.id: "1.001612",
            world.lb.id: "2.000815",
            world.ts.id: "2.000815",
        }
        self.tickets = self._tickets()
        self.rated: set[int] = set()
        self.imported = 0
        for day in (3, 5, 12):
            receive_dossier(
                world.city,
                "1.001612",
                "Nguyễn Thị Lan",
                "0912345678",
                "direct",
                False,
                world.officer,
                received_at=local(2026, 11, day, 9, 0),
            )
        db.session.commit()

    def _tickets(self) -> list[int]:
        tickets = []
        for office in (self.world.city, self.world.lb):
            service = Service(office=office, code="s", letter="A", name="Hộ tịch", field="Hộ tịch")
            counter = Counter(
                office=office, number=1, name="Quầy 1", is_open=True, services=[service]
            )
            db.session.add_all([service, counter])
            db.session.flush()
            for n, (day, wait) in enumerate(((4, 10), (11, 25), (18, 40), (25, 5)), start=1):
                issued = local(2026, 11, day, 8, 0)
                called = issued + dt.timedelta(minutes=wait)
                ticket = Ticket(
                    office_id=office.id,
                    service_id=service.id,
                    issued_service_id=service.id,
                    day=issued.date(),
                    number=n,
                    status="done",
                    issued_at=issued,
                    queued_at=issued,
                    called_at=called,
                    last_called_at=called,
                    finished_at=called + dt.timedelta(minutes=7),
                    counter_id=counter.id,
                    officer_id=self.officers[office.id].id,
                    token=secrets.token_hex(8),
                )
                db.session.add(ticket)
                tickets.append(ticket)
        db.session.commit()
        return [ticket.id for ticket in tickets]

    # --- the changes ---------------------------------------------------------------------------

    def intake(self, office_pick: int, day: int, hour: int, imported: bool) -> None:
        office = self._office(office_pick)
        received = local(2026, 11, day, hour, 0)
        if imported and office.id == self.world.city.id:
            self.imported += 1
            item = {
                "MaHoSo": f"G22-{self.imported:06d}",
                "MaTTHC": "1.001612",
                "ChuHoSo": "Lê Văn Cường",
                "SoDienThoai": "0701234567",
                "KenhThucHien": 2,
                "NgayTiepNhan": received.strftime("%Y%m%d%H%M%S"),
                "NgayHenTra": "20261231",
            }
            import_dossiers(
                office, "cong-dvc.json", json.dumps([item]).encode(), self.officers[office.id]
            )
            return
        receive_dossier(
            office,
            self.procedures[office.id],
            "Trần Thị Bình",
            "0912345678",
            "online",
            hour % 2 == 0,
            self.officers[office.id],
            received_at=received,
        )

    def status(self, pick: int, choice: int, hours: int) -> None:
        dossiers = list(db.session.scalars(select(Dossier).order_by(Dossier.id)))
        dossier = dossiers[pick % len(dossiers)]
        targets = allowed_next(dossier.status)
        if not targets:
            return
        last = max([dossier.received_at] + [e.at for e in dossier.events])
        at = last + dt.timedelta(hours=hours)
        if at >= NOW - dt.timedelta(days=1):
            return
        target = targets[choice % len(targets)]
        change_status(
            dossier, target, self.officers[dossier.office_id], NOTES.get(target, ""), at=at
        )

    def rate(self, pick: int, score: int) -> None:
        unrated = [ticket_id for ticket_id in self.tickets if ticket_id not in self.rated]
        if unrated:
            ticket_id = unrated[pick % len(unrated)]
            rate_ticket(db.session.get(Ticket, ticket_id), score)
            self.rated.add(ticket_id)

    def holiday(self, day: int, remove: bool) -> None:
        world = self.world
        if remove:
            row = db.session.scalar(select(Holiday).order_by(Holiday.id.desc()))
            if row is not None:
                office_days.delete_office_day(row.id, world.admin)
            return
        when = dt.date(2026, 11, 1) + dt.timedelta(days=day)
        if db.session.scalar(
            select(Holiday).where(Holiday.office_id == world.city.id, Holiday.day == when)
        ):
            return
        working = office_days.calendar_for(world.city).is_working_day(when)
        kind = "day_off" if working else "makeup_day"
        office_days.add_office_day(
            world.city, when, kind, "Quyết định của UBND", world.admin, clock.today()
        )

    def office_edit(self, pick: int, wait_target: int, reparent: bool) -> None:
        office = self._office(pick)
        parent = office.parent
        if reparent and office.id != self.world.city.id:
            parent = self.other if parent is self.world.city else self.world.city
        save_office(
            {
                "code": office.code,
                "name": office.name,
                "level": office.level,
                "agency_code": office.agency_code,
                "parent": parent.code if parent else "",
                "late_rate_target_percent": str(office.late_rate_target * 100),
                "wait_target_min": str(wait_target),
            },
            office,
        )

    def rebuild(self, first: int, span: int) -> None:
        start = dt.date(2026, 10, 20) + dt.timedelta(days=first)
        rollup.rebuild(start, start + dt.timedelta(days=span))

    def _office(self, pick: int) -> Office:
        return (self.world.city, self.world.lb, self.world.ts)[pick % 3]


days = st.integers(2, 30)
changes = st.one_of(
    st.tuples(st.just("intake"), st.integers(0, 2), days, st.integers(7, 17), st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 50), st.integers(0, 4), st.integers(1, 200)),
    st.tuples(st.just("rate"), st.integers(0, 7), st.integers(0, 2)),
    st.tuples(st.just("holiday"), st.integers(0, 40), st.booleans()),
    st.tuples(st.just("office_edit"), st.integers(0, 2), st.integers(5, 40), st.booleans()),
    st.tuples(st.just("rebuild"), st.integers(0, 50), st.integers(0, 45)),
)


def _report(history: History) -> list:
    """Every KPI, breakdown by officer and by day, for several scopes and periods."""
    world = history.world
    result = []
    # The ranking gives each office's own KPIs (the wards' among them); these, the subtrees'.
    for office in (world.city, history.other):
        scope = Scope(frozenset(office_subtree_ids(office.id)))
        for period in PERIODS:
            kpis = kpi.compute(office, scope, period)
            result.append((office.code, sorted(scope.office_ids), kpis.as_json(), kpis.counts))
    scope = Scope(frozenset(office_subtree_ids(world.city.id)))
    result.append(breakdowns.by_dimension(scope, PERIODS[0], "officer"))
    result.append(breakdowns.by_day(scope, PERIODS[1]))
    result.append(breakdowns.office_ranking(world.city, PERIODS[0]))
    return result


def _live(history: History, monkeypatch) -> list:
    with monkeypatch.context() as patch:
        patch.setattr(flows, "_built", lambda grain, period: set())
        return _report(history)


@pytest.fixture
def history(world, make_office, fixed_clock):
    fixed_clock(NOW)
    history = History(world, make_office)
    rollup.rebuild(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    return history


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(changes, min_size=1, max_size=6))
def test_precomputed_kpis_always_equal_the_live_ones(history, monkeypatch, steps):
    try:
        for name, *args in steps:
            getattr(history, name)(*args)
        assert _report(history) == _live(history, monkeypatch)
    finally:
        # The next example starts from fresh totals, as after a nightly rebuild (every change
        # falls in November or early December).
        rollup.rebuild(dt.date(2026, 11, 1), dt.date(2026, 12, 31))


def test_the_rollups_are_used_where_fresh(history, monkeypatch):
    # Without this, the property above would hold trivially with every day counted live.
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    scope = Scope(frozenset({history.world.city.id}))
    assert flows._fresh_days(scope, november) == set(november.each_day())
    history.intake(0, 16, 10, imported=True)
    assert flows._fresh_days(scope, november) == set(november.each_day()) - {dt.date(2026, 11, 16)}
    assert flows._months_and_rest(scope, november)[0] == []
    rollup.rebuild(dt.date(2026, 11, 16), dt.date(2026, 11, 16))
    assert flows._months_and_rest(scope, november)[0] == [dt.date(2026, 11, 1)]
    assert _report(history) == _live(history, monkeypatch)
