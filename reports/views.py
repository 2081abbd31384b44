"""The supervisor's dashboard (/reports): KPI cards, SVG charts, tables, CSV, XLSX, PDF."""

import io

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from onestop.auth import role_required
from onestop.exceptions import ValidationError
from onestop.htmx import is_htmx, render_page_or_fragment
from reports import charts, exports, filters, tables
from reports import dashboard as content
from reports.portable import report_transaction

bp = Blueprint("reports", __name__)

# An SVG loaded through <img> is an image, but it still gets our response headers: matplotlib
# styles its drawing with a <style> element and style attributes, which this policy allows.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(args=None) -> filters.ReportRequest:
    report = filters.parse(request.args if args is None else args, current_user)
    report_transaction()
    return report


def _file_stem(report: filters.ReportRequest) -> str:
    return f"{report.office.code}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}"


def _dashboard_url(report: filters.ReportRequest, **changes) -> str:
    return url_for("reports.dashboard", **report.query(**changes))


@bp.get("/reports")
@role_required("supervisor", "admin")
def dashboard():
    errors, status = {}, 200
    try:
        report = _report()
    except ValidationError as error:
        # Show the report of the default period with the message next to the dates.
        errors, status = error.errors, 422
        report = _report(
            {k: v for k, v in request.args.items() if k not in ("from", "to", "period")}
        )
    context = content.context(report, current_user)
    html = render_page_or_fragment(
        "reports/dashboard.html",
        "reports/_report.html",
        errors=errors,
        form_dates=request.args if errors else {},
        **context,
    )
    response = make_response(html, status)
    if is_htmx() and not errors:
        response.headers["HX-Push-Url"] = _dashboard_url(report)
    return response


@bp.get("/reports/table")
@role_required("supervisor", "admin")
def table():
    report = _report()
    if not is_htmx():
        return redirect(_dashboard_url(report), 303)
    response = make_response(
        render_template("reports/_table.html", report=report, **content.table_context(report))
    )
    response.headers["HX-Push-Url"] = _dashboard_url(report)
    return response


@bp.get("/reports/charts/<name>.svg")
@role_required("supervisor", "admin")
def chart(name: str):
    if name not in charts.NAMES:
        abort(404)
    response = make_response(content.chart_images(_report(), [name])[name])
    response.headers.update(
        {
            "Content-Type": "image/svg+xml",
            "Content-Security-Policy": SVG_POLICY,
            "Cache-Control": "private, max-age=300",
        }
    )
    return response


def _sheet(table: str) -> tuple[exports.Sheet, str]:
    """The export of ``table`` (``kpi`` or one of ``tables.TABLES``) and its file name stem."""
    if table != "kpi" and table not in tables.TABLES:
        abort(404)
    report = _report()
    period = f"{report.period.start:%d/%m/%Y} – {report.period.end:%d/%m/%Y}"
    title = f"{report.office.name} · {period}"
    sheet = (
        exports.kpi_sheet(content.compute(report), title)
        if table == "kpi"
        else exports.table_sheet(table, tables.rows_for(table, report), title)
    )
    return sheet, f"bao-cao-{table}-{_file_stem(report)}"


@bp.get("/reports/export/<table>.csv")
@role_required("supervisor", "admin")
def export_csv(table: str):
    sheet, stem = _sheet(table)
    return send_file(
        io.BytesIO(exports.sheet_csv(sheet)),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{stem}.csv",
    )


@bp.get("/reports/export/<table>.xlsx")
@role_required("supervisor", "admin")
def export_xlsx(table: str):
    sheet, stem = _sheet(table)
    return send_file(
        io.BytesIO(exports.sheet_xlsx(sheet)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{stem}.xlsx",
    )


@bp.get("/reports/report.pdf")
@role_required("supervisor", "admin")
def report_pdf():
    report = _report()
    name = f"bao-cao-{_file_stem(report)}.pdf"
    return send_file(
        io.BytesIO(content.pdf(report)), mimetype="application/pdf", download_name=name
    )
