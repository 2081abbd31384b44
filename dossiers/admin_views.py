"""Admin pages of dossiers: the procedure catalogue (edit, CSV in/out) and offices' days off."""

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dossiers import catalogue, office_days
from dossiers.blueprint import bp
from dossiers.catalogue import ImportRefused
from dossiers.models import ONLINE_LEVELS, Procedure
from dossiers.processing_time import unit_label
from dossiers.workdays import UNITS
from onestop import clock
from onestop.auth import role_required
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx, render_page_or_fragment
from onestop.inputs import id_or_none
from onestop.models import Office, visible_office_ids


def _all_offices() -> list[Office]:
    return list(
        db.session.scalars(select(Office).order_by(Office.parent_id.is_not(None), Office.code))
    )


def _catalogue_context(**extra) -> dict:
    query = request.args.get("q", "")
    return {
        "procedures": catalogue.search_procedures(query, include_inactive=True, limit=1000),
        "q": query,
        "refused": [],
        "imported": None,
        **extra,
    }


@bp.get("/admin/procedures")
@role_required("admin")
def admin_procedures():
    return render_page_or_fragment(
        "dossiers/admin_procedures.html",
        "dossiers/_admin_procedure_rows.html",
        **_catalogue_context(),
    )


def _procedure_form(procedure: Procedure | None, form, errors: dict, status: int = 200):
    return render_template(
        "dossiers/admin_procedure_form.html",
        procedure=procedure,
        form=form,
        errors=errors,
        offices=_all_offices(),
        online_levels=ONLINE_LEVELS,
        processing_units=[(unit, unit_label(unit)) for unit in UNITS],
    ), status


def _procedure_values(procedure: Procedure) -> dict:
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        # No thousands separator: the field is read back as a number.
        "processing_days": format_decimal(procedure.processing.value, format="0.##"),
        "processing_unit": procedure.processing.unit,
        "fee": procedure.fee,
        "online_level": procedure.online_level,
        "required_documents": procedure.required_documents,
        "active": "1" if procedure.active else "",
        "office_ids": [str(o.id) for o in procedure.offices],
    }


@bp.route("/admin/procedures/new", methods=["GET", "POST"], endpoint="admin_procedure_new")
@bp.route(
    "/admin/procedures/<int:procedure_id>", methods=["GET", "POST"], endpoint="admin_procedure_edit"
)
@role_required("admin")
def admin_procedure(procedure_id: int | None = None):
    procedure = db.get_or_404(Procedure, procedure_id) if procedure_id else None
    if request.method == "GET":
        values = (
            _procedure_values(procedure)
            if procedure
            else {"active": "1", "online_level": "partial", "processing_unit": UNITS[0]}
        )
        return _procedure_form(procedure, values, {})
    # An unticked checkbox is absent from the form: "active" must then read as "no".
    form = {
        **request.form.to_dict(),
        "active": request.form.get("active", ""),
        "office_ids": request.form.getlist("office_ids"),
    }
    try:
        saved = catalogue.save_procedure(
            form, [i for v in form["office_ids"] if (i := id_or_none(v)) is not None], procedure_id
        )
    except ValidationError as error:
        db.session.rollback()
        return _procedure_form(procedure, form, error.errors, 422)
    flash(_("Đã lưu thủ tục %(code)s.", code=saved.code), "success")
    return redirect(url_for("dossiers.admin_procedures"), 303)


@bp.post("/admin/procedures/import")
@role_required("admin")
def admin_procedures_import():
    upload = request.files.get("file")
    data = upload.read(catalogue.MAX_IMPORT_BYTES + 1) if upload and upload.filename else b""
    try:
        if not data:
            raise ImportRefused([(0, _("Chọn một tệp CSV."))])
        created, updated = catalogue.import_procedures_csv(data)
    except ImportRefused as error:
        db.session.rollback()
        context = _catalogue_context(refused=error.rows)
        return render_page_or_fragment(
            "dossiers/admin_procedures.html", "dossiers/_admin_procedure_import.html", **context
        ), 422
    imported = _(
        "Đã nhập %(created)d thủ tục mới, cập nhật %(updated)d thủ tục.",
        created=created,
        updated=updated,
    )
    if not is_htmx():
        flash(imported, "success")
        return redirect(url_for("dossiers.admin_procedures"), 303)
    return render_template(
        "dossiers/_admin_procedure_import.html", **_catalogue_context(imported=imported)
    )


@bp.get("/admin/procedures.csv")
@role_required("admin")
def admin_procedures_export():
    body = catalogue.catalogue_csv(
        catalogue.search_procedures(include_inactive=True, limit=100_000)
    )
    # A BOM lets spreadsheet programs open the UTF-8 file with its diacritics intact.
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=danh-muc-thu-tuc.csv"},
    )


def _holiday_context(office: Office, year: int, form=None, errors=None) -> dict:
    return {
        "office": office,
        "year": year,
        "days": office_days.office_days(office, year),
        "public_days": office_days.public_holidays(year),
        "offices": _managed_offices(),
        "form": form or {},
        "errors": errors or {},
    }


def _managed_offices() -> list[Office]:
    ids = visible_office_ids(current_user)
    return [o for o in _all_offices() if o.id in ids]


def _holiday_office(value) -> Office:
    offices = {o.code: o for o in _managed_offices()}
    return offices.get(str(value or "").upper()) or current_user.office


def _year(value) -> int:
    today = clock.today()
    year = id_or_none(value)
    return year if year is not None and abs(year - today.year) <= 5 else today.year


@bp.route("/admin/holidays", methods=["GET", "POST"])
@role_required("admin", "supervisor")
def admin_holidays():
    source = request.form if request.method == "POST" else request.args
    office, year = _holiday_office(source.get("office")), _year(source.get("year"))
    if request.method == "GET":
        return render_page_or_fragment(
            "dossiers/admin_holidays.html",
            "dossiers/_holiday_panel.html",
            **_holiday_context(office, year),
        )
    try:
        day = dt.date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        return _holiday_panel(office, year, request.form, {"day": _("Chọn một ngày.")}, 422)
    try:
        office_days.add_office_day(
            office,
            day,
            request.form.get("kind", ""),
            request.form.get("reason", ""),
            current_user._get_current_object(),
            clock.today(),
        )
    except ValidationError as error:
        db.session.rollback()
        return _holiday_panel(office, year, request.form, error.errors, 422)
    return _holiday_panel(office, day.year)


def _holiday_panel(office: Office, year: int, form=None, errors=None, status: int = 200):
    if not is_htmx() and status == 200:
        return redirect(url_for("dossiers.admin_holidays", office=office.code, year=year), 303)
    return render_page_or_fragment(
        "dossiers/admin_holidays.html",
        "dossiers/_holiday_panel.html",
        **_holiday_context(office, year, form, errors),
    ), status


@bp.post("/admin/holidays/<int:holiday_id>/delete")
@role_required("admin", "supervisor")
def admin_holiday_delete(holiday_id: int):
    office, year = _holiday_office(request.form.get("office")), _year(request.form.get("year"))
    if not request.form.get("office"):
        abort(400)
    office_days.delete_office_day(holiday_id, current_user._get_current_object())
    return _holiday_panel(office, year)
