"""The simulated offices: their services, counters, staff, procedures and character."""

import functools
import random
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from dossiers.models import Procedure, procedure_office
from dossiers.office_days import calendar_for
from onestop.extensions import db
from onestop.models import Office, User
from onestop.text import fold
from queues.models import Counter, Service
from simulate import dossiers as sd
from simulate.tickets import CounterSpec, ServiceSpec

# Share of a day's counter capacity that citizens fill, by office level: city offices are busy.
LOAD = {"province": 0.6, "district": 0.55, "commune": 0.32}
# Relative demand per field (matched on the folded service code or name).
FIELD_WEIGHTS = {
    "ho-tich": 3.5,
    "tu-phap": 3.5,
    "chung-thuc": 3.0,
    "dat-dai": 2.0,
    "kinh-doanh": 1.5,
    "lao-dong": 1.2,
}


@dataclass
class OfficeSetup:
    office: Office
    profile: sd.OfficeProfile
    services: list[ServiceSpec]
    counters: list[CounterSpec]
    daily_arrivals: float


def _service_weight(service: Service) -> float:
    key = fold(f"{service.code} {service.name}")
    return next(
        (w for name, w in FIELD_WEIGHTS.items() if name in key or name.replace("-", " ") in key),
        1.0,
    )


def _staff(office: Office, counters: list[Counter]) -> list[int]:
    """One officer per counter: the office's officers, then inactive simulated colleagues."""
    officers = list(
        db.session.scalars(
            select(User.id)
            .where(User.office_id == office.id, User.role == "officer")
            .order_by(User.id)
        )
    )
    missing = len(counters) - len(officers)
    if missing > 0:
        # Inactive: they staff the simulated history but cannot log in nor appear as demo accounts.
        password = _unusable_password()
        # Names from their own generator: the office's history draws the same whether or not
        # its staff had to be created first.
        names = random.Random(office.code)
        taken = set(db.session.scalars(select(User.username).where(User.username.like("sim-%"))))
        for n in range(1, 100):
            if missing == 0:
                break
            username = f"sim-{office.code.lower()}-{n}"
            if username in taken:
                continue
            user = User(
                username=username,
                full_name=sd.person(names),
                role="officer",
                office_id=office.id,
                password_hash=password,
                active=False,
            )
            db.session.add(user)
            db.session.flush()
            officers.append(user.id)
            missing -= 1
    return officers


@functools.cache
def _unusable_password() -> str:
    # One hash per process: scrypt is slow on purpose, and nobody knows this password.
    return generate_password_hash(secrets.token_hex(16))


def _procedures_by_service(
    office: Office, services: list[Service], procedures: list[Procedure]
) -> dict:
    result = {}
    for service in services:
        words = {
            w
            for w in fold(f"{service.name} {service.field}").replace("–", " ").split()
            if len(w) > 2
        }
        matched = [p for p in procedures if words & set(fold(p.field).split())]
        result[service.id] = [sd.ProcedureSpec(p.id, p.processing_days) for p in matched]
    return result


def setup(office: Office, rng: random.Random) -> OfficeSetup | None:
    """What the simulator needs of an office, or None when it has no services or counters."""
    services = list(
        db.session.scalars(
            select(Service)
            .where(Service.office_id == office.id, Service.active.is_(True))
            .order_by(Service.ordering)
        )
    )
    counters = list(
        db.session.scalars(
            select(Counter)
            .where(Counter.office_id == office.id, Counter.active.is_(True))
            .order_by(Counter.number)
        )
    )
    if not services or not counters:
        return None
    officers = _staff(office, counters)
    specs = [
        ServiceSpec(s.id, s.code, float(s.default_service_min), _service_weight(s))
        for s in services
    ]
    minutes = {s.id: s.minutes for s in specs}
    counter_specs = []
    capacity = 0.0
    for counter, officer_id in zip(counters, officers, strict=False):
        served = frozenset(s.id for s in counter.services if s.id in minutes)
        if served:
            counter_specs.append(CounterSpec(counter.id, served, officer_id))
            capacity += 8 * 60 / (sum(minutes[s] for s in served) / len(served))
    procedures = list(
        db.session.scalars(
            select(Procedure)
            .join(procedure_office, procedure_office.c.procedure_id == Procedure.id)
            .where(procedure_office.c.office_id == office.id, Procedure.active.is_(True))
            .order_by(Procedure.id)
        )
    )
    profile = sd.OfficeProfile(
        id=office.id,
        agency_code=office.agency_code or office.code,
        calendar=calendar_for(office),
        procedures=[sd.ProcedureSpec(p.id, p.processing_days) for p in procedures],
        procedures_by_service=_procedures_by_service(office, services, procedures),
        officer_ids=officers,
        online_share=rng.uniform(0.3, 0.6),
        reuse_share=rng.uniform(0.15, 0.4),
        late_share=rng.choice((0.0, 0.001, 0.002, 0.003, 0.005, 0.008, 0.015)),
        mood=rng.uniform(-0.08, 0.1),
    )
    return OfficeSetup(
        office, profile, specs, counter_specs, capacity * LOAD.get(office.level, 0.4)
    )
