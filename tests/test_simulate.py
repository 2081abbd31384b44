"""simulate: believable, consistent history written in bulk, the CLI, and the demo seed."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from dossiers.models import Dossier, DossierEvent
from feedback.models import Rating
from onestop import clock
from onestop.extensions import db
from onestop.models import Office
from queues.models import DailyCounter, Ticket, TicketEvent
from reports import kpi, rollup
from reports.measures import Scope
from reports.periods import Period
from simulate.history import simulate
from tests.fixtures.demo import seed_demo_without_history


@pytest.fixture
def demo(app, fixed_clock):
    """The demo offices, queues, procedures and users, without the simulated history."""
    fixed_clock(dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC))
    seed_demo_without_history(app)
    return app


def test_simulated_tickets_hang_together(demo):
    summary = simulate(3, ["VY", "VY-LB"], seed=7)
    assert (
        summary.offices == 2
        and summary.tickets > 100
        and summary.dossiers > 0
        and summary.ratings > 0
    )
    tickets = db.session.scalars(select(Ticket).where(Ticket.day < clock.today())).all()
    assert len(tickets) == summary.tickets
    kinds = {}
    for ticket_id, kind in db.session.execute(select(TicketEvent.ticket_id, TicketEvent.kind)):
        kinds.setdefault(ticket_id, []).append(kind)
    for ticket in tickets:
        assert kinds[ticket.id][0] == "issued"
        assert ticket.issued_at <= ticket.queued_at
        if ticket.status == "done":
            assert ticket.called_at <= ticket.finished_at and "finished" in kinds[ticket.id]
        if ticket.status == "no_show":
            assert "no_show" in kinds[ticket.id] and ticket.called_at is not None
        if ticket.waited_before_min:
            assert "transferred" in kinds[ticket.id]
    # Numbers have no gaps per issuing service and day, and the daily counters know the last one.
    rows = db.session.execute(
        select(
            Ticket.issued_service_id, Ticket.day, func.count(), func.max(Ticket.number)
        ).group_by(Ticket.issued_service_id, Ticket.day)
    ).all()
    for service_id, day, count, last in rows:
        assert count == last == db.session.get(DailyCounter, (service_id, day)).last_number


def test_simulated_dossiers_are_stored_as_the_lifecycle_leaves_them(demo):
    simulate(4, ["VY"], seed=3)
    for dossier in db.session.scalars(select(Dossier).where(Dossier.code.like("%-2611%"))):
        assert dossier.received_at <= dossier.due_at
        statuses = [
            e.to_status
            for e in db.session.scalars(
                select(DossierEvent)
                .where(DossierEvent.dossier_id == dossier.id)
                .order_by(DossierEvent.at)
            )
        ]
        assert statuses[-1] == dossier.status
        if dossier.result_ready_at:
            assert "result_ready" in statuses
        if dossier.status == "awaiting_supplement":
            assert dossier.paused_at is not None and dossier.supplement_count >= 1
    ratings = db.session.scalars(select(Rating).where(Rating.ticket_id.is_not(None))).all()
    assert all(r.created_at.date() <= clock.today() for r in ratings)


def test_the_same_seed_gives_the_same_history_and_the_rollups_agree(demo):
    simulate(3, ["VY-LB"], seed=11)
    office = db.session.scalar(select(Office).where(Office.code == "VY-LB"))
    period = Period(clock.today() - dt.timedelta(days=3), clock.today())
    with_rollups = kpi.compute(office, Scope(frozenset({office.id})), period).as_json()
    rollup.invalidate(period.start, period.end)
    db.session.commit()
    assert kpi.compute(office, Scope(frozenset({office.id})), period).as_json() == with_rollups
    assert with_rollups["tickets_issued"] > 0 and with_rollups["avg_wait_min"] is not None


def test_cli_shows_progress_and_a_summary_and_can_run_again(demo, runner):
    args = ["simulate", "--days", "2", "--offices", "VY-TS,VY-HH", "--seed", "5"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Simulated 2 days at 2 offices:" in result.output
    first = db.session.scalar(select(func.count(Ticket.id)))
    # The same seed again appends the same history: numbers continue, tokens never repeat.
    assert runner.invoke(args=args).exit_code == 0
    assert db.session.scalar(select(func.count(Ticket.id))) == 2 * first
    result = runner.invoke(args=["simulate", "--days", "2", "--offices", "NOPE"])
    assert result.exit_code != 0 and "No office" in result.output


def test_demo_seed_gives_the_dashboard_two_months(demo):
    from simulate.demo import DEMO_DAYS, seed

    seed()
    first = db.session.scalar(select(func.min(Ticket.day)))
    assert first == clock.today() - dt.timedelta(days=DEMO_DAYS)
