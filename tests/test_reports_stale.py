"""Stale marks and rebuilds: a change to a past day shows at once; reading a report writes nothing.

The clock stands at Fri 27/11/2026 10:00 local: days up to Wed 25/11 are closed (rolled up).
"""

import datetime as dt
import json

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from dossiers.intake import import_dossiers
from onestop.accounts import save_office
from onestop.extensions import db
from onestop.models import StaleReportDays
from onestop.stale import mark_days
from queues.models import Counter, Service, Ticket
from queues.tickets import no_show
from reports import flows, kpi, rollup
from reports.measures import Scope
from reports.periods import Period
from reports.rollup import report_rollup_state
from tests.fixtures.dossiers import local

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
WEEK = Period(dt.date(2026, 11, 16), dt.date(2026, 11, 20))


@pytest.fixture
def built(world, fixed_clock):
    fixed_clock(NOW)
    result = rollup.rebuild(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert (result.days, result.months) == (25, 0)  # 1..25/11; November is not over
    return world


def _marks() -> list[tuple]:
    rows = db.session.scalars(
        select(StaleReportDays).order_by(
            StaleReportDays.office_id, StaleReportDays.first_day.is_not(None), "first_day"
        )
    )
    return [(m.office_id, m.first_day, m.last_day) for m in rows]


def _received(world, **narrow) -> int:
    scope = Scope(frozenset({world.city.id}), **narrow)
    return kpi.compute(world.city, scope, WEEK).values["dossiers_received"]


def _portal_item(code: str, received: str) -> dict:
    return {
        "MaHoSo": code,
        "MaTTHC": "1.001612",
        "ChuHoSo": "Nguyễn Văn An",
        "SoDienThoai": "0912345678",
        "KenhThucHien": 2,
        "NgayTiepNhan": received,
        "NgayHenTra": "20261203",
    }


def test_an_imported_back_dated_dossier_counts_at_once_in_the_precomputed_totals(built, runner):
    world = built
    assert _received(world) == 0
    items = [_portal_item("G22-0001", "20261118100000")]
    import_dossiers(world.city, "cong-dvc.json", json.dumps(items).encode(), world.officer)
    # The totals (rollups, but 18/11 is read live) and the officer's row (always live) agree.
    assert _received(world) == 1
    assert _received(world, officer_id=world.officer.id) == 1
    assert _marks() == [(world.city.id, dt.date(2026, 11, 18), dt.date(2026, 11, 18))]
    scope = Scope(frozenset({world.city.id}))
    assert dt.date(2026, 11, 18) not in flows._fresh_days(scope, WEEK)

    result = runner.invoke(
        args=["reports", "rebuild", "--from", "2026-11-18", "--to", "2026-11-18"]
    )
    assert result.exit_code == 0, result.output
    assert "Rebuilt 2026-11-01..2026-11-25: 25 days, 0 whole months" in result.output
    assert _marks() == []
    assert flows._fresh_days(scope, WEEK) == set(WEEK.each_day())
    assert _received(world) == 1


def test_a_rebuild_clears_only_the_days_it_rebuilt(built):
    world = built
    mark_days([world.city.id], None, dt.date(2026, 12, 31))  # cut at yesterday, 26/11
    mark_days([world.lb.id], dt.date(2026, 10, 20), dt.date(2026, 11, 26))
    mark_days([world.ts.id], dt.date(2026, 11, 27), dt.date(2026, 11, 30))  # today on: no mark
    db.session.commit()
    assert _marks() == [
        (world.city.id, None, dt.date(2026, 11, 26)),
        (world.lb.id, dt.date(2026, 10, 20), dt.date(2026, 11, 26)),
    ]
    rollup.rebuild(dt.date(2026, 11, 5), dt.date(2026, 11, 10))  # rebuilds 1..25/11
    assert _marks() == [
        (world.city.id, None, dt.date(2026, 10, 31)),
        (world.city.id, dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
        (world.lb.id, dt.date(2026, 10, 20), dt.date(2026, 10, 31)),
        (world.lb.id, dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
    ]


def _office_form(office, **changes) -> dict:
    form = {
        "code": office.code,
        "name": office.name,
        "level": office.level,
        "agency_code": office.agency_code,
        "parent": office.parent.code if office.parent else "",
        "late_rate_target_percent": "0.50",
        "wait_target_min": str(office.wait_target_min),
    }
    return {**form, **changes}


def test_a_new_wait_target_marks_every_past_day_of_the_office(built, make_office):
    world = built
    other = make_office("XA", "UBND xã Khác", "commune", agency_code="000.99.01.H62")
    # Moving an office to another parent changes no per-office total: nothing to mark.
    save_office(_office_form(world.lb, parent=other.code), world.lb)
    assert world.lb.parent_id == other.id and _marks() == []
    save_office(_office_form(world.lb, wait_target_min="15"), world.lb)
    assert _marks() == [(world.lb.id, None, dt.date(2026, 11, 26))]


def test_the_rebuild_command_refuses_a_reversed_range_and_says_when_nothing_is_closed(
    built, runner
):
    result = runner.invoke(
        args=["reports", "rebuild", "--from", "2026-11-20", "--to", "2026-11-02"]
    )
    assert result.exit_code != 0 and "--to" in result.output
    result = runner.invoke(
        args=["reports", "rebuild", "--from", "2026-12-01", "--to", "2026-12-31"]
    )
    assert result.exit_code == 0 and "Nothing rebuilt" in result.output
    result = runner.invoke(
        args=["reports", "rebuild", "--from", "2026-11-31", "--to", "2026-12-01"]
    )
    assert result.exit_code != 0


def test_reading_reports_and_the_kpi_api_writes_nothing(world, fixed_clock, client, login):
    fixed_clock(NOW)
    import_dossiers(
        world.city,
        "cong-dvc.json",
        json.dumps([_portal_item("G22-0002", "20261118100000")]).encode(),
        world.officer,
    )
    assert login(world.supervisor).status_code == 303
    writes: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "MERGE"):
            writes.append(statement)

    query = "office=VY&from=2026-11-02&to=2026-11-25"
    event.listen(Engine, "before_cursor_execute", record)
    try:
        pages = [
            client.get(f"/reports?{query}&period=custom"),
            client.get(
                f"/reports/table?{query}&period=custom&tab=overdue", headers={"HX-Request": "true"}
            ),
            client.get(f"/reports/charts/late-by-office.svg?{query}&period=custom"),
            client.get(f"/reports/export/kpi.csv?{query}&period=custom"),
            client.get(f"/reports/report.pdf?{query}&period=custom"),
            client.get(f"/api/v1/kpi?{query}"),
        ]
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert [page.status_code for page in pages] == [200] * 6
    assert writes == []
    # Nothing was built by reading, and the API counted the imported dossier live.
    assert db.session.scalar(select(func.count()).select_from(report_rollup_state)) == 0
    assert pages[-1].get_json()["dossiers_received"] == 1


def test_a_ticket_left_open_on_a_past_day_marks_its_call_day_when_acted_on(built):
    world = built
    service = Service(office=world.city, code="s", letter="A", name="Đất đai", field="Đất đai")
    counter = Counter(office=world.city, number=1, name="Quầy 1", is_open=True, services=[service])
    db.session.add_all([service, counter])
    db.session.flush()
    issued = local(2026, 11, 18, 8, 0)
    ticket = Ticket(
        office_id=world.city.id,
        service_id=service.id,
        issued_service_id=service.id,
        day=issued.date(),
        number=1,
        status="called",
        issued_at=issued,
        queued_at=issued,
        called_at=issued + dt.timedelta(minutes=30),
        last_called_at=issued + dt.timedelta(minutes=30),
        counter_id=counter.id,
        officer_id=world.officer.id,
        token="t" * 32,
    )
    db.session.add(ticket)
    db.session.commit()
    rollup.rebuild(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    scope = Scope(frozenset({world.city.id}))
    assert kpi.compute(world.city, scope, WEEK).values["avg_wait_min"] == 30.0
    no_show(ticket, world.officer)
    assert _marks() == [(world.city.id, dt.date(2026, 11, 18), dt.date(2026, 11, 18))]
    values = kpi.compute(world.city, scope, WEEK).values
    assert (values["no_shows"], values["avg_wait_min"]) == (1, None)
