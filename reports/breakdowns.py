"""KPIs broken down: offices ranked, services, counters, officers, hours, days; the worst cases."""

from collections import Counter

from sqlalchemy import select

from onestop.extensions import db
from onestop.models import Office, User
from queues.models import Counter as QueueCounter
from queues.models import Service, Ticket
from reports import dossier_stats, flows, measures
from reports.kpi import minutes, ranking_score, ratio, status, targets_for, values_from
from reports.measures import Scope
from reports.periods import Period

DIMENSIONS = ("service", "counter", "officer")


def _units(office: Office) -> list[tuple[Office, set[int]]]:
    """The ranked units: ``office`` alone, then each child with its whole subtree."""
    rows = db.session.execute(select(Office.id, Office.parent_id)).all()
    children: dict[int, list[int]] = {}
    for office_id, parent_id in rows:
        children.setdefault(parent_id, []).append(office_id)

    def subtree(root: int) -> set[int]:
        found, frontier = {root}, [root]
        while frontier:
            frontier = [
                c for parent in frontier for c in children.get(parent, []) if c not in found
            ]
            found.update(frontier)
        return found

    kids = list(
        db.session.scalars(
            select(Office).where(Office.parent_id == office.id).order_by(Office.code)
        )
    )
    return [(office, {office.id})] + [(child, subtree(child.id)) for child in kids]


def office_ranking(office: Office, period: Period, scope: Scope | None = None) -> list[dict]:
    """The office alone and each child (with its own children), ranked by ``ranking_score``.

    Each row has the unit's KPI values (judged against the unit's own targets), their
    status colours, the score and the rank (1 = best; units without data come last).
    """
    units = _units(office)
    every_id = frozenset(i for _office, ids in units for i in ids)
    narrowed = Scope(every_id, officer_id=scope.officer_id if scope else None)
    by_office = flows.sums(narrowed, period, ("office_id",))
    stocks = dossier_stats.stocks(
        narrowed, period.start_instant, period.end_instant, by_office=True
    )
    rows = []
    for unit, ids in units:
        summed, stock = Counter(), Counter()
        for office_id in ids:
            summed.update(by_office.get((office_id,), Counter()))
            stock.update(stocks.get((office_id,), Counter()))
        values, counts = values_from(summed, stock)
        targets = targets_for(unit)
        rows.append(
            {
                "office": unit,
                "with_children": len(ids) > 1,
                "values": values,
                "counts": counts,
                "targets": targets,
                "statuses": {key: status(key, values.get(key), targets) for key in targets},
                "score": ranking_score(values, targets),
            }
        )
    ordered = sorted(rows, key=lambda r: (r["score"] is None, -(r["score"] or 0), r["office"].code))
    for rank, row in enumerate(ordered, start=1):
        row["rank"] = rank if row["score"] is not None else None
    return ordered


def _ticket_values(summed: Counter) -> dict:
    return {
        "tickets_issued": summed["issued"],
        "tickets_called": summed["called"],
        "no_shows": summed["no_shows"],
        "tickets_unserved": summed["unserved"],
        "tickets_finished": summed["finished"],
        "wait_samples": summed["waits"],
        "avg_wait_min": minutes(summed["wait_sec"], summed["waits"]),
        "wait_over_target_rate": ratio(summed["waits_over"], summed["waits"]),
        "avg_service_min": minutes(summed["service_sec"], summed["served"]),
        "ratings": summed["ratings"],
        "satisfaction_rate": ratio(summed["satisfied"], summed["ratings"]),
        "rating_coverage": ratio(summed["rated"], summed["finished"]),
    }


def _labels(dimension: str, ids: set[int]) -> dict[int, tuple[str, str]]:
    """(label, office code) of each service, counter or officer id."""
    if not ids:
        return {}
    if dimension == "service":
        query = (
            select(Service.id, Service.letter, Service.name, Office.code)
            .join(Office)
            .where(Service.id.in_(ids))
        )
        return {
            i: (f"{letter} · {name}", code) for i, letter, name, code in db.session.execute(query)
        }
    if dimension == "counter":
        query = (
            select(QueueCounter.id, QueueCounter.number, QueueCounter.name, Office.code)
            .join(Office)
            .where(QueueCounter.id.in_(ids))
        )
        return {
            i: (f"{number} · {name}".strip(" ·"), code)
            for i, number, name, code in db.session.execute(query)
        }
    query = (
        select(User.id, User.full_name, Office.code)
        .join(Office, Office.id == User.office_id)
        .where(User.id.in_(ids))
    )
    return {i: (name, code) for i, name, code in db.session.execute(query)}


def by_dimension(scope: Scope, period: Period, dimension: str) -> list[dict]:
    """Ticket and rating KPIs per service, counter or officer (never-called tickets left out)."""
    column = f"{dimension}_id"
    groups = flows.ticket_sums(scope, period, (column,))
    ids = {key[0] for key in groups if key[0]}
    labels = _labels(dimension, ids)
    rows = []
    for (entity_id,), summed in groups.items():
        if not entity_id or entity_id not in labels:
            continue
        label, office_code = labels[entity_id]
        rows.append(
            {
                "id": entity_id,
                "label": label,
                "office_code": office_code,
                "values": _ticket_values(summed),
            }
        )
    return rows


def by_hour(scope: Scope, period: Period) -> list[dict]:
    """Per hour of arrival: wait samples, average wait and p50 / p90 (whole minutes)."""
    histograms = flows.wait_histogram(scope, period, by_hour=True)
    rows = []
    for (hour,), histogram in sorted(histograms.items()):
        samples = sum(n for n, _sec in histogram.values())
        seconds = sum(sec for _n, sec in histogram.values())
        rows.append(
            {
                "hour": hour,
                "samples": samples,
                "avg_wait_min": minutes(seconds, samples),
                "p50_wait_min": flows.percentile(histogram, 0.5),
                "p90_wait_min": flows.percentile(histogram, 0.9),
            }
        )
    return rows


def by_day(scope: Scope, period: Period) -> list[dict]:
    """Per local day: wait, share over target, satisfaction, online and reuse shares, and counts."""
    groups = flows.sums(scope, period, ("day",))
    rows = []
    for day in period.each_day():
        summed = groups.get((day,), Counter())
        rows.append(
            {
                "day": day,
                "sums": summed,
                **_ticket_values(summed),
                "received": summed["received"],
                "online_rate": ratio(summed["online"], summed["received"]),
                "reuse_rate": ratio(summed["reused"], summed["received"]),
            }
        )
    return rows


def longest_waits(scope: Scope, period: Period, limit: int = 30) -> list[dict]:
    """The tickets first called in the period that waited longest (wait samples only)."""
    wait = measures.wait_seconds()
    query = (
        select(
            Ticket.id,
            Ticket.day,
            Ticket.number,
            Ticket.issued_at,
            Ticket.called_at,
            Ticket.status,
            Ticket.waited_before_min,
            wait.label("wait_sec"),
            Office.code.label("office_code"),
            Service.letter,
            Service.name.label("service"),
            QueueCounter.number.label("counter"),
            User.full_name.label("officer"),
        )
        .join(Office, Office.id == Ticket.office_id)
        .join(Service, Service.id == Ticket.issued_service_id)
        .outerjoin(QueueCounter, QueueCounter.id == Ticket.counter_id)
        .outerjoin(User, User.id == Ticket.officer_id)
        .where(
            Ticket.office_id.in_(scope.office_ids),
            Ticket.called_at >= period.start_instant,
            Ticket.called_at < period.end_instant,
            measures.is_wait_sample(),
        )
        .order_by(wait.desc(), Ticket.id)
        .limit(limit)
    )
    for column, value in (
        ("service_id", scope.service_id),
        ("counter_id", scope.counter_id),
        ("officer_id", scope.officer_id),
    ):
        if value is not None:
            query = query.where(getattr(Ticket, column) == value)
    return [
        {
            **row._asdict(),
            "display_number": f"{row.letter}{row.number:03d}",
            "wait_min": round(row.wait_sec / 60, 1),
            "transferred": row.waited_before_min > 0,
        }
        for row in db.session.execute(query)
    ]


def overdue_dossiers(scope: Scope, period: Period, limit: int = 50) -> list[dict]:
    """Dossiers open and overdue at the period's end, most overdue first (no personal data)."""
    rows = dossier_stats.overdue_list(scope, period.end_instant, limit)
    codes = (
        dict(
            db.session.execute(
                select(Office.id, Office.code).where(Office.id.in_({r["office_id"] for r in rows}))
            ).all()
        )
        if rows
        else {}
    )
    for row in rows:
        row["office_code"] = codes.get(row["office_id"], "")
    return rows


def sort_rows(rows: list[dict], key: str, descending: bool) -> list[dict]:
    """Sort flat table rows by ``key``; rows without a value go last whatever the direction."""
    present = sorted(
        (r for r in rows if r.get(key) is not None), key=lambda r: r[key], reverse=descending
    )
    return present + [r for r in rows if r.get(key) is None]
