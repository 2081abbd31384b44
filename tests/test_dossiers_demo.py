"""Demo data: at least 30 procedures at both levels, and dossiers in every kind of state."""

from collections import Counter

from sqlalchemy import select

from dossiers import lifecycle
from dossiers.demo import seed
from dossiers.models import Dossier, Holiday, Procedure
from onestop import clock
from onestop.demo import seed as seed_offices_and_users
from onestop.extensions import db


def test_demo_seed(app, fixed_clock, client):
    seed_offices_and_users()
    seed()
    procedures = list(db.session.scalars(select(Procedure)))
    assert len(procedures) >= 30
    levels = Counter(office.level for p in procedures for office in p.offices)
    assert levels["district"] >= 10 and levels["commune"] >= 10 * 9
    by_code = {p.code: p for p in procedures}
    # domain.md section 4.3: same-day civil status and copies, 3 working days household
    # business, 15 calendar days building permit; shortened local commitments in hours.
    assert by_code["1.001193"].processing_days == 0 and by_code["2.000815"].processing_days == 0
    assert by_code["1.001612"].processing_days == 3 and by_code["1.009994"].processing_days == 15
    time = {code: (p.processing_time, p.processing_unit) for code, p in by_code.items()}
    assert time["1.001612"] == (3, "working_days")
    assert time["1.009994"] == (15, "calendar_days")
    assert time["1.001266"] == (4, "working_hours")
    assert time["2.000575"] == (1.5, "working_days")

    dossiers = list(db.session.scalars(select(Dossier)))
    now = clock.now()
    statuses = Counter(d.status for d in dossiers)
    assert {
        "received",
        "in_progress",
        "awaiting_supplement",
        "result_ready",
        "returned",
        "rejected",
    } <= set(statuses)
    offices = Counter(d.office.code for d in dossiers)
    assert offices["VY"] >= 20 and offices["VY-LB"] >= 5 and offices["VY-TS"] >= 3
    overdue = [d for d in dossiers if lifecycle.is_overdue(d, now)]
    assert 3 <= len(overdue) <= len(dossiers) // 4
    assert any(lifecycle.is_late(d) for d in dossiers)
    assert any(d.apology_date for d in dossiers)
    assert len({d.code for d in dossiers}) == len(dossiers)
    assert sum(d.channel == "online" for d in dossiers) / len(dossiers) > 0.35
    assert {h.kind for h in db.session.scalars(select(Holiday))} == {"day_off", "makeup_day"}

    client.post("/login", data={"username": "officer1", "password": "demo"})
    assert client.get("/dossiers?status=&due=overdue").status_code == 200
