"""What the dashboard, its charts and the PDF show for one report request (no HTTP here)."""

from sqlalchemy import select

from onestop import clock
from onestop.extensions import db
from onestop.models import Office, User, visible_office_ids
from queues.models import Counter, Service
from reports import breakdowns, charts, exports, kpi, periods, presentation, tables
from reports.filters import ReportRequest


def compute(report: ReportRequest) -> kpi.Kpis:
    """The KPI object of a report request."""
    return kpi.compute(report.office, report.scope, report.period)


def chart_images(report: ReportRequest, names=charts.NAMES, fmt: str = "svg") -> dict[str, bytes]:
    """Charts of ``charts.NAMES`` for a report request, as SVG (pages) or PNG (the PDF).

    The rows behind several charts (days, the office ranking) are counted once.
    """
    scope, period = report.scope, report.period
    target = report.office.wait_target_min
    # The day (week, month) going on now is drawn as partial: its figures still grow. The hour
    # going on is partial only in a report of today alone: over several days every hour's
    # bucket mixes finished days with today's morning and afternoon alike.
    now = clock.local_now()
    today = now.date() if period.start <= now.date() <= period.end else None
    hour = now.hour if period.start == period.end == today else None
    inputs: dict[str, object] = {}

    def days():
        if "days" not in inputs:
            inputs["days"] = breakdowns.by_day(scope, period)
        return inputs["days"]

    drawers = {
        "wait-by-hour": lambda: charts.wait_by_hour(
            breakdowns.by_hour(scope, period), target, fmt, hour
        ),
        "late-by-office": lambda: charts.late_by_office(
            breakdowns.office_ranking(report.office, period, scope), fmt
        ),
        "daily-wait": lambda: charts.daily_wait(days(), target, fmt, today),
        "satisfaction": lambda: charts.satisfaction(days(), fmt, today),
        "online-reuse": lambda: charts.online_reuse(days(), fmt, today),
    }
    return {name: drawers[name]() for name in names}


def _options(report: ReportRequest, user: User) -> dict:
    visible = visible_office_ids(user)
    offices = list(
        db.session.scalars(
            select(Office)
            .where(Office.id.in_(visible))
            .order_by(Office.parent_id.is_not(None), Office.code)
        )
    )
    office_id = report.office.id
    services = db.session.scalars(
        select(Service).where(Service.office_id == office_id).order_by(Service.ordering)
    )
    counters = db.session.scalars(
        select(Counter).where(Counter.office_id == office_id).order_by(Counter.number)
    )
    officers = db.session.scalars(
        select(User)
        .where(User.office_id == office_id, User.role == "officer")
        .order_by(User.full_name)
    )
    return {
        "offices": offices,
        "services": list(services),
        "counters": list(counters),
        "officers": list(officers),
    }


def table_context(report: ReportRequest) -> dict:
    """The table of the selected tab, with its columns and sort state."""
    return {
        "table": report.tab,
        "columns": [c for c in tables.COLUMNS[report.tab] if c.screen],
        "rows": tables.rows_for(report.tab, report),
        "sortable": report.tab in tables.SORTABLE,
        "table_labels": tables.LABELS,
    }


def context(report: ReportRequest, user: User) -> dict:
    """Everything the dashboard page shows."""
    kpis = compute(report)
    return {
        "report": report,
        "kpis": kpis,
        "cards": presentation.kpi_rows(kpis),
        "volumes": presentation.volume_rows(kpis),
        "presets": periods.PRESETS,
        "plan_presets": [key for key, *_rest in periods.PLAN_DEADLINES],
        "chart_names": charts.NAMES,
        "chart_titles": charts.TITLES,
        **_options(report, user),
        **table_context(report),
    }


def pdf(report: ReportRequest) -> bytes:
    """The PDF of a request: KPI table, the dashboard's charts (PNG), ranking, overdue dossiers."""
    kpis = compute(report)
    images = chart_images(report, fmt="png")
    return exports.report_pdf(
        kpis, tables.rows_for("offices", report), tables.rows_for("overdue", report), images
    )
