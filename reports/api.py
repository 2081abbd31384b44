"""GET /api/v1/kpi: the KPI object of DESIGN.md section 6 for the city's KPI system."""

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from onestop.errors import error_response
from onestop.exceptions import Forbidden, ValidationError
from onestop.extensions import csrf
from reports import filters, kpi
from reports.portable import report_transaction

api_bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)


@api_bp.get("/kpi")
@login_required
def kpi_object():
    """``?office=<code>&from=YYYY-MM-DD&to=YYYY-MM-DD[&scope=alone]`` (with children by default)."""
    if current_user.role not in ("supervisor", "admin"):
        raise Forbidden(_("Chỉ lãnh đạo và quản trị viên được xem chỉ tiêu."))
    if not request.args.get("from") or not request.args.get("to"):
        return error_response(400, _("Cần tham số from và to (YYYY-MM-DD)."), "bad_dates")
    try:
        report = filters.parse({**request.args.to_dict(), "period": "custom"}, current_user)
    except ValidationError as error:
        return error_response(400, error.message, "bad_dates", error.errors)
    report_transaction()
    return jsonify(kpi.compute(report.office, report.scope, report.period).as_json())
