"""The admin page of the audit trail: filter by user, action, object type, office and dates."""

from flask import request, url_for
from sqlalchemy import select

from onestop import audit
from onestop.auth import role_required
from onestop.extensions import db
from onestop.htmx import render_page_or_fragment
from onestop.models import Office, User
from onestop.views import admin_bp


@admin_bp.get("/audit")
@role_required("admin")
def audit_log():
    filters = audit.AuditFilters.from_args(request.args)
    rows, total = audit.search(filters)
    args = filters.as_args()
    context = {
        "filters": filters,
        "rows": rows,
        "total": total,
        "page_size": audit.PAGE_SIZE,
        "page_url": lambda page: url_for("admin.audit_log", **args, page=page),
        "users": list(db.session.scalars(select(User).order_by(User.username))),
        "offices": list(
            db.session.scalars(select(Office).order_by(Office.parent_id.is_not(None), Office.code))
        ),
        "actions": audit.ACTIONS,
        "object_types": audit.OBJECT_TYPES,
    }
    return render_page_or_fragment("admin/audit.html", "admin/_audit_results.html", **context)
