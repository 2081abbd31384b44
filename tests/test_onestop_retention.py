"""Retention: closed records older than their period lose their personal data; KPIs stay."""

import datetime as dt

import pytest
from flask import current_app
from sqlalchemy import select, update

from dossiers.models import Dossier
from dossiers.retention import FINAL_STATUSES
from feedback import complaints
from feedback.models import Complaint
from onestop import clock, retention
from onestop.audit import AuditEntry
from onestop.extensions import db
from onestop.models import Office, User, office_subtree_ids
from reports import kpi, rollup
from reports.measures import Scope
from reports.periods import Period
from simulate.history import simulate
from tests.fixtures.demo import seed_demo_without_history

DAYS = 10  # the retention period the tests configure, for every kind of record alike


@pytest.fixture
def history(app, fixed_clock):
    """Demo offices with five weeks of simulated history, and complaints with a contact."""
    fixed_clock(dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC))
    seed_demo_without_history(app)
    simulate(35, ["VY-LB", "VY-TS"], seed=3)
    app.config.update(
        RETENTION_DOSSIER_DAYS=DAYS,
        RETENTION_COMPLAINT_DAYS=DAYS,
        RETENTION_NOTIFY_DAYS=DAYS,
        RETENTION_BOOKING_DAYS=DAYS,
        RETENTION_TICKET_CONTACT_DAYS=DAYS,
    )
    city = db.session.scalar(select(Office).where(Office.code == "VY"))
    ward = db.session.scalar(select(Office).where(Office.code == "VY-LB"))
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    # Complaints of our own on both sides of the cutoff, answered and not.
    for received, answered in ((30, 25), (30, None), (5, 3)):
        fixed_clock(dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC) - dt.timedelta(days=received))
        complaint = complaints.submit(
            ward, "Chờ lâu", "Tôi đã chờ hai tiếng", "an@example.vn", "attitude"
        )
        if answered is not None:
            fixed_clock(
                dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC) - dt.timedelta(days=answered)
            )
            complaints.answer(complaint, supervisor, "Đã chấn chỉnh.")
    fixed_clock(dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC))
    # The simulated complaints left no contact; give most of them one.
    db.session.execute(update(Complaint).where(Complaint.id % 5 != 0).values(contact="0912000111"))
    db.session.commit()
    return city


def snapshot() -> dict:
    """Every dossier's and complaint's personal data, by kind and id."""
    rows = {
        ("dossier", d.id): (d.applicant_name, d.phone) for d in db.session.scalars(select(Dossier))
    }
    for c in db.session.scalars(select(Complaint)):
        rows["complaint", c.id] = (c.contact,)
    db.session.rollback()
    return rows


def expired() -> set[tuple[str, int]]:
    """What the law lets go: personal data of records closed more than DAYS days ago."""
    cutoff = clock.now() - dt.timedelta(days=DAYS)
    found = {
        ("dossier", d.id)
        for d in db.session.scalars(select(Dossier))
        if d.status in FINAL_STATUSES
        and (d.returned_at or d.closed_at) < cutoff
        and (d.applicant_name or d.phone)
    }
    found |= {
        ("complaint", c.id)
        for c in db.session.scalars(select(Complaint))
        if c.status == "answered" and c.answered_at < cutoff and c.contact is not None
    }
    db.session.rollback()
    return found


def all_kpis(city: Office) -> list[dict]:
    """The KPIs of the city with its wards, of a ward, and of one officer (always counted live)."""
    period = Period(clock.today() - dt.timedelta(days=35), clock.today() - dt.timedelta(days=1))
    ward = db.session.scalar(select(Office).where(Office.code == "VY-LB"))
    officer_id = db.session.scalar(
        select(Dossier.officer_id).where(Dossier.office_id == ward.id).order_by(Dossier.id).limit(1)
    )
    found = [
        kpi.compute(city, Scope(frozenset(office_subtree_ids(city.id))), period).as_json(),
        kpi.compute(ward, Scope(frozenset({ward.id})), period).as_json(),
        kpi.compute(ward, Scope(frozenset({ward.id}), officer_id=officer_id), period).as_json(),
    ]
    db.session.rollback()
    return found


def test_a_purge_changes_no_kpi_live_or_from_the_rollups(history):
    period = Period(clock.today() - dt.timedelta(days=35), clock.today() - dt.timedelta(days=1))
    rollup.invalidate(period.start, period.end)
    db.session.commit()
    live_before = all_kpis(history)
    assert rollup.ensure(period) > 0
    db.session.commit()
    rolled_before = all_kpis(history)
    assert rolled_before == live_before
    assert live_before[0]["dossiers_received"] > 0 and live_before[0]["ratings"] > 0

    before, gone = snapshot(), expired()
    done = retention.purge(retention.plan(clock.now(), current_app.config))
    after = snapshot()

    assert done == {
        "outbox_message": 0,
        "dossier": sum(kind == "dossier" for kind, _ in gone),
        "complaint": sum(kind == "complaint" for kind, _ in gone),
        "booking": 0,  # the simulated history has no appointments
        "ticket_contact": 0,  # nor phone numbers given for tickets
    }
    assert done["dossier"] > 50 and done["complaint"] > 1
    for key, values in after.items():
        if key in gone:
            assert values == (("", "") if key[0] == "dossier" else (None,)), key
        else:
            assert values == before[key], key  # open or recently closed: untouched
    # Among the untouched: open dossiers, and dossiers closed within the period.
    cutoff = clock.now() - dt.timedelta(days=DAYS)
    dossiers = db.session.scalars(select(Dossier)).all()
    assert any(d.status not in FINAL_STATUSES and d.applicant_name for d in dossiers)
    assert any(
        d.status in FINAL_STATUSES and (d.returned_at or d.closed_at) >= cutoff and d.phone
        for d in dossiers
    )
    db.session.rollback()

    assert all_kpis(history) == rolled_before  # the rollups built before the purge
    rollup.invalidate(period.start, period.end)
    db.session.commit()
    assert all_kpis(history) == live_before  # and counted live again from the tables


def test_the_command_shows_progress_logs_itself_and_can_run_again(history, runner, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 25)
    before, gone = snapshot(), expired()
    dossiers = sum(kind == "dossier" for kind, _ in gone)
    complaints_gone = sum(kind == "complaint" for kind, _ in gone)
    cutoff = (clock.today() - dt.timedelta(days=DAYS)).isoformat()

    def described(counts: dict) -> str:  # in the order the packages registered their data
        return ", ".join(
            f"{counts.get(spec.name, 0)} {spec.name} (closed before {cutoff})"
            for spec in retention.registered()
        )

    planned = described({"dossier": dossiers, "complaint": complaints_gone})

    dry = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == (f"Dry run: would anonymise {planned}; nothing changed.")
    assert snapshot() == before
    assert db.session.scalars(select(AuditEntry)).all() == []

    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert "Anonymising" in result.output
    assert result.output.strip().splitlines()[-1] == (
        f"Anonymised {planned}; every count and time kept."
    )
    logged = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert {(e.action, e.object_type, e.user_id) for e in logged} == {
        ("purge", "outbox_message", None),
        ("purge", "dossier", None),
        ("purge", "booking", None),  # nothing to do is logged too
        ("purge", "ticket_contact", None),
        ("purge", "complaint", None),
    }
    # One entry per batch, each committed with the records it anonymised.
    assert sum(e.object_type == "dossier" for e in logged) == -(-dossiers // 25)
    assert sum(int(e.detail.split()[0]) for e in logged) == dossiers + complaints_gone
    assert all("0912" not in e.detail for e in logged)

    again = runner.invoke(args=["purge-personal-data"])
    assert again.exit_code == 0
    assert again.output.strip().splitlines()[-1] == (
        f"Anonymised {described({})}; every count and time kept."
    )


@pytest.mark.parametrize("bad", ["abc", "0", "-5", "1.5", True])
def test_a_bad_retention_period_is_refused_and_nothing_changes(world, receive, runner, app, bad):
    dossier = receive()
    long_ago = clock.now() - dt.timedelta(days=400)
    db.session.execute(
        update(Dossier)
        .where(Dossier.id == dossier.id)
        .values(status="returned", returned_at=long_ago)
    )
    db.session.commit()
    app.config["RETENTION_DOSSIER_DAYS"] = bad
    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code != 0
    assert "RETENTION_DOSSIER_DAYS must be a whole number of days" in result.output
    assert snapshot()["dossier", dossier.id] == ("Nguyễn Thị Lan", "0912345678")
    app.config["RETENTION_DOSSIER_DAYS"] = "399"
    assert runner.invoke(args=["purge-personal-data"]).exit_code == 0
    assert snapshot()["dossier", dossier.id] == ("", "")


def test_defaults_keep_dossiers_five_years_complaints_a_year_message_numbers_a_month(app):
    specs = {spec.name: spec for spec in retention.registered()}
    assert retention.period_days(specs["outbox_message"], {}) == 30
    assert retention.period_days(specs["dossier"], {}) == 1826
    assert retention.period_days(specs["complaint"], {}) == 365
    assert retention.period_days(specs["ticket_contact"], {}) == 30


def test_every_text_column_of_a_record_with_personal_data_is_declared_personal_or_not(app):
    """A new text column must be classified: a personal one joins its retention list."""
    from sqlalchemy import String, Text

    not_personal = {
        "dossier": {"code", "channel", "status", "apology_reason", "external_code", "token"},
        "complaint": {"code", "topic", "subject", "text", "channel", "status", "answer"},
        "outbox_message": {"key", "template", "status", "last_error"},
        "booking": {"code", "token", "status"},
        "ticket_contact": set(),
    }
    assert {spec.name for spec in retention.registered()} == set(not_personal)
    for spec in retention.registered():
        text_columns = {
            column.name
            for column in spec.model.__table__.columns
            if isinstance(column.type, String | Text)
        }
        assert text_columns == set(spec.columns) | not_personal[spec.name], spec.name
