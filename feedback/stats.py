"""Rating tallies for officers and supervisors by office, counter, officer or service."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from feedback.models import REASONS, Rating
from onestop import clock
from onestop.extensions import db
from onestop.models import Office, User
from queues.models import Counter, Service, Ticket

GROUPS = ("office", "counter", "officer", "service")
_GROUP_COLUMNS = {
    "office": Rating.office_id,
    "counter": Rating.counter_id,
    "officer": Rating.officer_id,
    "service": Rating.service_id,
}


@dataclass(frozen=True)
class Scope:
    """Which ratings to count: offices, a local-date period, and optionally one officer."""

    office_ids: frozenset[int]
    start: dt.date
    end: dt.date
    officer_id: int | None = None

    def where(self) -> list:
        clauses = [
            Rating.office_id.in_(self.office_ids),
            Rating.created_at >= clock.local_midnight(self.start),
            Rating.created_at < clock.local_midnight(self.end + dt.timedelta(days=1)),
        ]
        if self.officer_id is not None:
            clauses.append(Rating.officer_id == self.officer_id)
        return clauses


@dataclass(frozen=True)
class Tally:
    """Counts of each level for one group; ``satisfaction`` is (2 and 1 points) / all."""

    key: int | None
    label: str
    very_satisfied: int
    satisfied: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.very_satisfied + self.satisfied + self.unsatisfied

    @property
    def satisfaction(self) -> float | None:
        return (self.very_satisfied + self.satisfied) / self.total if self.total else None

    @property
    def average_points(self) -> float | None:
        return (2 * self.very_satisfied + self.satisfied) / self.total if self.total else None

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0


def _level_counts():
    return (
        func.count(Rating.id),
        func.coalesce(func.sum(case((Rating.score == 2, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Rating.score == 1, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Rating.score == 0, 1), else_=0)), 0),
    )


def overall(scope: Scope) -> Tally:
    """All ratings of the scope in one tally."""
    _, very, fine, bad = db.session.execute(select(*_level_counts()).where(*scope.where())).one()
    return Tally(None, "", int(very), int(fine), int(bad))


def tally_by(group: str, scope: Scope) -> list[Tally]:
    """One tally per office, counter, officer or service, the least satisfied first."""
    column = _GROUP_COLUMNS[group]
    rows = db.session.execute(
        select(column, *_level_counts()).where(*scope.where()).group_by(column)
    ).all()
    labels = _labels(group, {row[0] for row in rows if row[0] is not None})
    tallies = [
        Tally(key, labels.get(key, "—"), int(very), int(fine), int(bad))
        for key, _, very, fine, bad in rows
    ]
    return sorted(
        tallies, key=lambda t: (t.satisfaction if t.satisfaction is not None else 2, t.label)
    )


def _labels(group: str, keys: set[int]) -> dict[int, str]:
    if not keys:
        return {}
    if group == "office":
        return {
            o.id: f"{o.code} · {o.name}"
            for o in db.session.scalars(select(Office).where(Office.id.in_(keys)))
        }
    if group == "officer":
        return {
            u.id: u.full_name for u in db.session.scalars(select(User).where(User.id.in_(keys)))
        }
    model = Counter if group == "counter" else Service
    rows = db.session.scalars(
        select(model).where(model.id.in_(keys)).options(selectinload(model.office))
    )
    if group == "counter":
        return {c.id: f"{c.office.code} · {c.name or c.number}" for c in rows}
    return {s.id: f"{s.office.code} · {s.name}" for s in rows}


def reason_counts(scope: Scope, score: int | None = None) -> list[tuple[str, int]]:
    """How often each reason was chosen (for one level, e.g. 0: what went wrong), most first."""
    clauses = scope.where() + [Rating.reasons != ""]
    if score is not None:
        clauses.append(Rating.score == score)
    counts = dict.fromkeys(REASONS, 0)
    for reasons in db.session.scalars(select(Rating.reasons).where(*clauses)):
        for reason in reasons.split(","):
            if reason in counts:
                counts[reason] += 1
    return sorted(counts.items(), key=lambda item: -item[1])


def recent(
    scope: Scope, limit: int = 50, score: int | None = None, with_comment: bool = False
) -> list[Rating]:
    """The latest ratings of the scope, with what is needed to show where they belong."""
    clauses = scope.where()
    if score is not None:
        clauses.append(Rating.score == score)
    if with_comment:
        clauses.append(Rating.comment != "")
    query = (
        select(Rating)
        .where(*clauses)
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .limit(limit)
        .options(
            selectinload(Rating.office),
            selectinload(Rating.counter),
            selectinload(Rating.officer),
            selectinload(Rating.service),
            selectinload(Rating.ticket).selectinload(Ticket.service),
            selectinload(Rating.dossier),
        )
    )
    return list(db.session.scalars(query))
