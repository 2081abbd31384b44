"""Retention of citizens' personal data: closed records are anonymised once their period is over.

Decree 13/2023/NĐ-CP, and the Law on Personal Data Protection (91/2025/QH15) after it, let
an office process a citizen's name, phone and ID number for handling the procedure, and
keep them no longer than that purpose needs (domain.md section 7). Each feature package
declares, in a ``retention.py`` of its own, which columns of which model hold personal
data, when a record counts as closed, and the configuration key of the number of days
it is kept after closing. ``purge`` then blanks those columns of the records closed
longer ago than that.

The rows themselves stay, with every time, status, office, officer and score: each KPI
reads the same after a purge as before, live or from the rollups.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update

from onestop import audit, clock
from onestop.extensions import begin_write, db

# Records per transaction: SQLite's single writer lock is held for a moment only, and kiosks
# and counters keep working while a first purge runs through years of records.
BATCH = 2000


@dataclass(frozen=True)
class PersonalData:
    """The personal columns of one model and when its records may lose them.

    :param name: the object type in the audit log (``dossier``, ``complaint``).
    :param columns: the columns to blank; a new personal column is added to this list.
    :param closed_before: the SQL condition "closed before this instant".
    :param period_key: the configuration key of the days kept after closing.
    :param default_days: the period when the configuration does not set one.
    """

    name: str
    model: type
    columns: tuple[str, ...]
    closed_before: Callable[[dt.datetime], ColumnElement[bool]]
    period_key: str
    default_days: int

    def blank(self, column: str):
        """What a purged column holds: NULL where the column allows it, else ''."""
        return None if self.model.__table__.c[column].nullable else ""

    def holds_data(self) -> ColumnElement[bool]:
        """Some personal column of the record is not blank yet."""
        conditions = []
        for name in self.columns:
            column = getattr(self.model, name)
            blank = self.blank(name)
            conditions.append(column.is_not(None) if blank is None else column != blank)
        return or_(*conditions)


_REGISTRY: dict[str, PersonalData] = {}


def register(spec: PersonalData) -> PersonalData:
    """Declare a model's personal data (from a feature package's retention.py)."""
    _REGISTRY[spec.name] = spec
    return spec


def registered() -> list[PersonalData]:
    return list(_REGISTRY.values())


def period_days(spec: PersonalData, config) -> int:
    """The configured retention period in days.

    :raises ValueError: a value that is not a whole number of days, at least 1.
    """
    value = config.get(spec.period_key, spec.default_days)
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(f"{spec.period_key} must be a whole number of days, at least 1.")
    return int(text)


@dataclass(frozen=True)
class Plan:
    """What a purge of one model does: records closed before ``cutoff`` that still hold data."""

    spec: PersonalData
    cutoff: dt.datetime
    ids: list[int]


def plan(now: dt.datetime, config) -> list[Plan]:
    """The records each registered model would have anonymised at ``now``."""
    plans = []
    for spec in registered():
        cutoff = now - dt.timedelta(days=period_days(spec, config))
        ids = db.session.scalars(
            select(spec.model.id)
            .where(and_(spec.closed_before(cutoff), spec.holds_data()))
            .order_by(spec.model.id)
        )
        plans.append(Plan(spec, cutoff, list(ids)))
    db.session.rollback()  # end the read: each batch below is a write transaction of its own
    return plans


def purge(plans: list[Plan], progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Blank the personal columns of the planned records, a batch per transaction.

    Each batch commits with its own audit entry, so the log says exactly what was
    anonymised even if the purge is stopped halfway (a second run does the rest).

    :returns: the number of records anonymised per model name.
    """
    done: dict[str, int] = {}
    for item in plans:
        spec = item.spec
        values = {name: spec.blank(name) for name in spec.columns}
        done[spec.name] = 0
        batches = [item.ids[i : i + BATCH] for i in range(0, len(item.ids), BATCH)]
        # A run with nothing to do is logged too: the log shows that the purge is scheduled.
        for batch in batches or [[]]:
            begin_write()
            count = 0
            if batch:
                # Re-checked in the statement: a record changed since the plan is left alone.
                count = db.session.execute(
                    update(spec.model)
                    .where(
                        spec.model.id.in_(batch),
                        spec.closed_before(item.cutoff),
                        spec.holds_data(),
                    )
                    .values(values)
                    .execution_options(synchronize_session=False)
                ).rowcount
            audit.record(
                "purge",
                object_type=spec.name,
                detail=(
                    f"{count} {spec.name} closed before "
                    f"{clock.local_date(item.cutoff).isoformat()}: {', '.join(spec.columns)}"
                ),
            )
            db.session.commit()
            done[spec.name] += count
            if progress is not None:
                progress(len(batch))
    return done


def _described(plans: list[Plan], counts: dict[str, int]) -> str:
    return ", ".join(
        f"{counts[p.spec.name]} {p.spec.name} (closed before "
        f"{clock.local_date(p.cutoff).isoformat()})"
        for p in plans
    )


@click.command("purge-personal-data")
@click.option("--dry-run", is_flag=True, help="Count what would be anonymised; change nothing.")
def purge_personal_data(dry_run: bool):
    """Anonymise the personal data of closed records older than their retention period."""
    try:
        plans = plan(clock.now(), current_app.config)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if dry_run:
        planned = _described(plans, {p.spec.name: len(p.ids) for p in plans})
        click.echo(f"Dry run: would anonymise {planned}; nothing changed.")
        return
    with click.progressbar(length=sum(len(p.ids) for p in plans), label="Anonymising") as bar:
        done = purge(plans, bar.update)
    click.echo(f"Anonymised {_described(plans, done)}; every count and time kept.")
