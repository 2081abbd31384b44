"""Shell pages: the home launcher, the language switch and the admin pages for offices and users."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from onestop import accounts
from onestop.auth import restamp_session, role_required
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx
from onestop.models import LEVELS, ROLES, Office, User
from onestop.security import local_path

bp = Blueprint("main", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
def home():
    offices = db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id))
    endpoints = set(current_app.view_functions)
    return render_template("home.html", offices=list(offices), endpoints=endpoints)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(local_path(request.form.get("next"), url_for("main.home")), 303)


def _admin_context(**extra) -> dict:
    offices = list(
        db.session.scalars(select(Office).order_by(Office.parent_id.is_not(None), Office.code))
    )
    users = list(
        db.session.scalars(select(User).join(User.office).order_by(Office.code, User.username))
    )
    return {"offices": offices, "users": users, "levels": LEVELS, "roles": ROLES, **extra}


@admin_bp.route("/")
@role_required("admin")
def index():
    return render_template("admin/index.html", **_admin_context(office_form={}, user_form={}))


def _panel(kind: str, form_data: dict, errors: dict, status: int):
    template = f"admin/_{kind}s_panel.html" if is_htmx() else "admin/index.html"
    forms = {"office_form": {}, "user_form": {}, f"{kind}_form": form_data}
    return render_template(
        template, **_admin_context(**forms, **{f"{kind}_errors": errors})
    ), status


@admin_bp.route("/offices", methods=["POST"])
@role_required("admin")
def create_office():
    try:
        office = accounts.save_office(request.form)
    except ValidationError as error:
        return _panel("office", request.form, error.errors, 422)
    return _created("office", _("Đã tạo đơn vị %(code)s.", code=office.code))


@admin_bp.route("/users", methods=["POST"])
@role_required("admin")
def create_user():
    try:
        user = accounts.save_user(request.form)
    except ValidationError as error:
        return _panel("user", request.form, error.errors, 422)
    return _created("user", _("Đã tạo người dùng %(name)s.", name=user.username))


def _created(kind: str, message: str):
    if not is_htmx():
        return redirect(url_for("admin.index"), 303)
    context = _admin_context(office_form={}, user_form={}, notice=message)
    return render_template(f"admin/_{kind}s_panel.html", **context)


def _row_or_form(kind: str, obj, form_data: dict | None, errors: dict | None, status: int = 200):
    context = _admin_context(obj=obj, form=form_data or {}, errors=errors or {})
    if form_data is None:
        return render_template(f"admin/_{kind}_row.html", **context), status
    if is_htmx():
        return render_template(f"admin/_{kind}_form_row.html", **context), status
    return render_template("admin/edit.html", kind=kind, **context), status


@admin_bp.route("/offices/<int:office_id>", methods=["GET", "POST"])
@admin_bp.route("/offices/<int:office_id>/edit", methods=["GET"], endpoint="edit_office")
@role_required("admin")
def office(office_id: int):
    obj = db.get_or_404(Office, office_id)
    if request.method == "GET":
        if request.endpoint == "admin.edit_office":
            return _row_or_form("office", obj, _office_values(obj), None)
        return _row_or_form("office", obj, None, None)
    try:
        accounts.save_office(request.form, obj)
    except ValidationError as error:
        db.session.rollback()
        return _row_or_form("office", obj, request.form, error.errors, 422)
    return (
        _row_or_form("office", obj, None, None)
        if is_htmx()
        else redirect(url_for("admin.index"), 303)
    )


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_bp.route("/users/<int:user_id>/edit", methods=["GET"], endpoint="edit_user")
@role_required("admin")
def user(user_id: int):
    obj = db.get_or_404(User, user_id)
    if request.method == "GET":
        if request.endpoint == "admin.edit_user":
            return _row_or_form("user", obj, _user_values(obj), None)
        return _row_or_form("user", obj, None, None)
    try:
        accounts.save_user(request.form, obj)
    except ValidationError as error:
        db.session.rollback()
        return _row_or_form("user", obj, request.form, error.errors, 422)
    if obj.id == current_user.id:
        restamp_session(obj)  # a new password ends the admin's other sessions, not this one
    return (
        _row_or_form("user", obj, None, None)
        if is_htmx()
        else redirect(url_for("admin.index"), 303)
    )


@admin_bp.route("/offices/<int:office_id>/active", methods=["POST"])
@role_required("admin")
def office_active(office_id: int):
    obj = accounts.set_office_active(
        db.get_or_404(Office, office_id), request.form.get("active") == "1"
    )
    return (
        _row_or_form("office", obj, None, None)
        if is_htmx()
        else redirect(url_for("admin.index"), 303)
    )


@admin_bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required("admin")
def user_active(user_id: int):
    obj = db.get_or_404(User, user_id)
    if obj.id == current_user.id:
        return _row_or_form(
            "user",
            obj,
            _user_values(obj),
            {"active": _("Không thể tự khóa tài khoản của mình.")},
            422,
        )
    accounts.set_user_active(obj, request.form.get("active") == "1")
    return (
        _row_or_form("user", obj, None, None)
        if is_htmx()
        else redirect(url_for("admin.index"), 303)
    )


def _office_values(office: Office) -> dict:
    return {
        "code": office.code,
        "name": office.name,
        "level": office.level,
        "parent": office.parent.code if office.parent else "",
        "agency_code": office.agency_code,
        "late_rate_target_percent": f"{office.late_rate_target * 100:.2f}",
        "wait_target_min": office.wait_target_min,
    }


def _user_values(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "office": user.office.code,
    }


def role_label(role: str) -> str:
    return {
        "officer": _("Cán bộ một cửa"),
        "supervisor": _("Lãnh đạo"),
        "admin": _("Quản trị"),
    }.get(role, role)


def level_label(level: str) -> str:
    return {
        "province": _("Cấp tỉnh"),
        "district": _("Cấp huyện/thành phố"),
        "commune": _("Cấp xã/phường"),
    }.get(level, level)


@bp.app_context_processor
def _shell_context() -> dict:
    return {
        "config_endpoints": lambda: current_app.view_functions.keys(),
        "role_label": role_label,
        "level_label": level_label,
    }


@bp.app_template_filter("zip_labels")
def zip_labels(values, label=None) -> list[tuple[str, str]]:
    """Pair option values with their labels for a <select>."""
    return [(value, label(value) if label else value) for value in values]
