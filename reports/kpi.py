"""The KPIs of DESIGN.md section 5 for an office (alone or with its children) and a period.

Everything is aggregate SQL (``reports.measures`` defines each counted event,
``reports.flows`` sums them from rollups and live tables, ``reports.dossier_stats``
counts the dossier stocks); Python only divides sums, so SQLite and PostgreSQL give the
same numbers. How each edge case is counted is written in ``reports.measures`` (tickets
across midnight, transfers, no-shows, supplement pauses) and ``reports.dossier_stats``
(dossiers overdue and still open at the period's end). In short:

* average wait = total seconds of the wait samples / samples, over tickets first called
  in the period (each sample the sum of the ticket's waiting segments); no-shows have
  none; a ticket issued before midnight and called after is sampled on the day of its call;
* wait over target = samples longer than the ticket's office's ``wait_target_min`` / samples;
* p50 / p90: whole minutes, from the histogram of waits rounded up to whole minutes
  (``reports.flows.percentile`` says exactly what the number means);
* average service time = (finished_at − first called_at) over tickets done;
* late rate = (dossiers resolved late in the period + open and overdue at its end)
  / (open at its start + received in it); resolved means processing ended (result ready,
  rejected or withdrawn), late that it ended after the due date or after several
  supplement requests; a dossier paused for a supplement at the end is judged at the
  instant it was paused;
* online rate, reuse rate = online / received, documents_reused / received;
* satisfaction = ratings of 1 or 2 points / ratings given in the period;
* satisfaction (766) = 1 − (late rate + (dossier ratings of 0 points + complaints
  received) / (open at start + received)); complaints carry no dossier, so each counts
  as one dossier with a complaint (an upper bound);
* rating coverage = tickets finished in the period that have a rating / tickets finished;
* bookings, booking no-shows, booked and walk-in average waits: ``reports.bookings``.
"""

from collections import Counter
from dataclasses import dataclass, field

from onestop import clock
from onestop.models import Office
from reports import bookings, dossier_stats, flows
from reports.measures import Scope
from reports.periods import Period

ONLINE_TARGET = 0.50  # 2022 plan and Decision 766 indicator 3.3
REUSE_TARGET = 0.30  # 2022 plan
SATISFACTION_TARGET = 0.90  # Decision 766 indicators 5.4 (full points from 90 %)

JSON_KEYS = (
    "tickets_issued",
    "tickets_called",
    "tickets_finished",
    "no_shows",
    "tickets_unserved",
    "avg_wait_min",
    "p50_wait_min",
    "p90_wait_min",
    "wait_over_target_rate",
    "avg_service_min",
    "dossiers_received",
    "dossiers_resolved",
    "dossiers_late",
    "dossiers_overdue_open",
    "late_rate",
    "online_rate",
    "reuse_rate",
    "ratings",
    "satisfaction_rate",
    "satisfaction_766",
    "rating_coverage",
    *bookings.KEYS,
)


def ratio(numerator: float, denominator: float, digits: int = 4) -> float | None:
    """numerator / denominator rounded, or None when there is nothing to divide by."""
    return round(numerator / denominator, digits) if denominator else None


def minutes(seconds: float, samples: int) -> float | None:
    """Average minutes of ``samples`` totalling ``seconds``, rounded to 0.01 min."""
    return round(seconds / samples / 60, 2) if samples else None


def targets_for(office: Office) -> dict:
    """The targets of an office, each with its direction (``max``: at most, ``min``: at least).

    The late rate must stay strictly below its target (the plan says "dưới 0,90 %").
    """
    return {
        "avg_wait_min": {"max": office.wait_target_min},
        "wait_over_target_rate": {"wait_min": office.wait_target_min},
        "late_rate": {"max": float(office.late_rate_target)},
        "online_rate": {"min": ONLINE_TARGET},
        "reuse_rate": {"min": REUSE_TARGET},
        "satisfaction_rate": {"min": SATISFACTION_TARGET},
        "satisfaction_766": {"min": SATISFACTION_TARGET},
    }


def status(key: str, value: float | None, targets: dict) -> str:
    """A KPI's colour: ``ok`` (target met), ``warn`` (close), ``bad``, ``none`` (no data)."""
    target = targets.get(key)
    if value is None or not target:
        return "none"
    if "max" in target:
        limit = target["max"]
        met = value < limit if key == "late_rate" else value <= limit
        if met:
            return "ok"
        return "warn" if value <= limit * (2 if key == "late_rate" else 1.25) else "bad"
    if "min" in target:
        if value >= target["min"]:
            return "ok"
        return "warn" if value >= target["min"] * 0.9 else "bad"
    return "none"


def values_from(sums: Counter, stock: Counter) -> tuple[dict, dict]:
    """KPI values (JSON keys but percentiles) and the counts behind them, from summed measures."""
    to_handle = stock["open_at_start"] + sums["received"]
    late = sums["resolved_late"] + stock["overdue_open"]
    complained = sums["dossier_dislikes"] + sums["complaints"]
    satisfaction_766 = (
        round(max(0.0, 1 - (late + complained) / to_handle), 4) if to_handle else None
    )
    values = {
        "tickets_issued": sums["issued"],
        "tickets_called": sums["called"],
        "tickets_finished": sums["finished"],
        "no_shows": sums["no_shows"],
        "tickets_unserved": sums["unserved"],
        "avg_wait_min": minutes(sums["wait_sec"], sums["waits"]),
        "wait_over_target_rate": ratio(sums["waits_over"], sums["waits"]),
        "avg_service_min": minutes(sums["service_sec"], sums["served"]),
        "dossiers_received": sums["received"],
        "dossiers_resolved": sums["resolved"],
        "dossiers_late": sums["resolved_late"],
        "dossiers_overdue_open": stock["overdue_open"],
        "late_rate": ratio(late, to_handle),
        "online_rate": ratio(sums["online"], sums["received"]),
        "reuse_rate": ratio(sums["reused"], sums["received"]),
        "ratings": sums["ratings"],
        "satisfaction_rate": ratio(sums["satisfied"], sums["ratings"]),
        "satisfaction_766": satisfaction_766,
        "rating_coverage": ratio(sums["rated"], sums["finished"]),
    }
    counts = {
        "wait_samples": sums["waits"],
        "waits_over": sums["waits_over"],
        "served": sums["served"],
        "dossiers_open_at_start": stock["open_at_start"],
        "dossiers_to_handle": to_handle,
        "dossiers_online": sums["online"],
        "dossiers_reused": sums["reused"],
        "ratings_satisfied": sums["satisfied"],
        "ratings_unsatisfied": sums["unsatisfied"],
        "dossier_dislikes": sums["dossier_dislikes"],
        "complaints": sums["complaints"],
        "tickets_rated": sums["rated"],
    }
    return values, counts


@dataclass
class Kpis:
    """The KPI object of one office (or subtree) and period: ``as_json()`` is the API's answer."""

    office: Office
    period: Period
    scope: Scope
    values: dict
    counts: dict
    targets: dict
    statuses: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """Exactly the keys of DESIGN.md section 6, plus ``targets``."""
        return {**{key: self.values[key] for key in JSON_KEYS}, "targets": self.targets}


def compute(office: Office, scope: Scope, period: Period) -> Kpis:
    """Compute every KPI of ``scope`` over ``period``; targets are those of ``office``.

    :param office: the office the report is about (its targets apply; with its children,
        each ticket is still judged against its own office's wait target).
    :param scope: the offices (``office`` alone or its subtree) and optional filters.
    :param period: local dates, inclusive.
    """
    summed = flows.sums(scope, period).get((), Counter())
    stock = dossier_stats.stocks(scope, period.start_instant, period.end_instant).get((), Counter())
    values, counts = values_from(summed, stock)
    histogram = flows.wait_histogram(scope, period).get((), {})
    values["p50_wait_min"] = flows.percentile(histogram, 0.5)
    values["p90_wait_min"] = flows.percentile(histogram, 0.9)
    booked, booked_counts = bookings.booking_values(
        scope, period.start_instant, period.end_instant, clock.now()
    )
    values.update(booked)
    counts.update(booked_counts)
    if not scope.counts_dossiers:
        for key in (
            "dossiers_received",
            "dossiers_resolved",
            "dossiers_late",
            "dossiers_overdue_open",
            "late_rate",
            "online_rate",
            "reuse_rate",
            "satisfaction_766",
        ):
            values[key] = None
    targets = targets_for(office)
    statuses = {key: status(key, values.get(key), targets) for key in targets}
    return Kpis(
        office=office,
        period=period,
        scope=scope,
        values=values,
        counts=counts,
        targets=targets,
        statuses=statuses,
    )


def ranking_score(values: dict, targets: dict) -> float | None:
    """A 0-100 score from the KPIs, in the manner of Decision 766: each KPI earns up to 20 points.

    Points: wait 20 × min(1, target / average); late rate 20 if below target, else
    20 × target / rate; online, reuse and satisfaction 20 × min(1, value / target).
    KPIs without data are left out and the score is scaled to the KPIs that have data.
    """
    points, possible = 0.0, 0
    wait, wait_target = values.get("avg_wait_min"), targets["avg_wait_min"]["max"]
    if wait is not None:
        points += 20 * (1.0 if wait <= wait_target else wait_target / wait)
        possible += 20
    late, late_target = values.get("late_rate"), targets["late_rate"]["max"]
    if late is not None:
        points += 20 * (1.0 if late < late_target else late_target / late)
        possible += 20
    for key in ("online_rate", "reuse_rate", "satisfaction_rate"):
        value = values.get(key)
        if value is not None:
            points += 20 * min(1.0, value / targets[key]["min"])
            possible += 20
    return round(100 * points / possible, 1) if possible else None
