"""Citizens' pages: a dossier's public page, the lookup by code and phone, the procedure catalogue.

The public page is rendered from ``public_view()`` only, never from the dossier itself,
so no template change can put the applicant's name or phone on it.
"""

import datetime as dt

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from dossiers import catalogue, lifecycle, queries
from dossiers.blueprint import bp, channel_label
from dossiers.models import Dossier
from dossiers.scan import parse_scan
from onestop import clock, ratelimit
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.htmx import is_htmx, render_page_or_fragment
from onestop.models import Office
from onestop.text import clean

STEPS = ("received", "in_progress", "result_ready", "returned")


def lookup_limit() -> str:
    """Citizens' lookups per address: enough for a busy kiosk, far too few to guess 4 digits."""
    return current_app.config.get("DOSSIER_LOOKUP_RATE_LIMIT", "10 per minute;100 per hour")


def next_step(dossier: Dossier) -> str:
    """What the citizen should do or expect now."""
    if dossier.status == "result_ready":
        if dossier.channel == "postal":
            return _(
                "Đã có kết quả. Kết quả sẽ được gửi qua dịch vụ bưu chính công ích "
                "đến địa chỉ của ông/bà."
            )
        return _(
            "Đã có kết quả. Mời ông/bà mang Giấy tiếp nhận hồ sơ đến %(office)s để nhận kết quả.",
            office=dossier.office.name,
        )
    return {
        "received": _(
            "Hồ sơ đã được tiếp nhận và chuyển đến bộ phận chuyên môn. "
            "Ông/bà nhận kết quả vào ngày hẹn."
        ),
        "in_progress": _(
            "Hồ sơ đang được giải quyết. Nếu có thay đổi, cơ quan sẽ liên hệ với ông/bà."
        ),
        "awaiting_supplement": _(
            "Cần bổ sung giấy tờ theo Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ. Thời gian giải "
            "quyết tạm dừng đến khi ông/bà nộp đủ; ngày hẹn mới được tính lại khi đó."
        ),
        "returned": _("Đã trả kết quả. Cảm ơn ông/bà đã sử dụng dịch vụ."),
        "rejected": _(
            "Hồ sơ không được tiếp nhận hoặc đã dừng xử lý. "
            "Lý do ghi trong phiếu cơ quan đã gửi ông/bà."
        ),
        "withdrawn": _("Hồ sơ đã được rút theo đề nghị của người nộp."),
    }.get(dossier.status, "")


def public_view(dossier: Dossier, now: dt.datetime) -> dict:
    """The facts a citizen may see without logging in: no name, no phone."""
    reached = {e.to_status for e in dossier.events} | {dossier.status}
    return {
        "code": dossier.code,
        "office": dossier.office.name,
        "procedure": dossier.procedure.name,
        "channel": channel_label(dossier.channel),
        "status": dossier.status,
        "status_label": lifecycle.status_label(dossier.status),
        "received_at": dossier.received_at,
        "due_date": dossier.due_date,
        "appointment_date": dossier.appointment_date,
        "apology": dossier.apology_date is not None,
        "paused": dossier.status == "awaiting_supplement",
        "result_ready_at": dossier.result_ready_at,
        "returned_at": dossier.returned_at,
        "overdue": lifecycle.is_overdue(dossier, now),
        "next_step": next_step(dossier),
        "steps": [(step, lifecycle.status_label(step), step in reached) for step in STEPS],
        "closed_without_result": dossier.status in ("rejected", "withdrawn"),
    }


@bp.get("/d/<token>")
def public(token: str):
    dossier = queries.by_token(token)
    if dossier is None:
        abort(404)
    response = make_response(
        render_template("dossiers/public.html", view=public_view(dossier, clock.now()))
    )
    # The page is reachable by its unguessable link only; keep it out of search engines and caches.
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_found_message() -> str:
    # One answer for a wrong code and a wrong phone: nobody learns which codes exist.
    return _(
        "Không tìm thấy hồ sơ với mã và 4 số cuối điện thoại này. "
        "Vui lòng kiểm tra lại Giấy tiếp nhận."
    )


def scan_step(step: str = "scan", code: str = "", error: str | None = None) -> dict:
    """The state of the kiosk's scan box (``kiosk/_scan_lookup.html``): scan, or phone digits."""
    return {"step": step, "code": code, "error": error}


@bp.route("/lookup", methods=["GET", "POST"])
@ratelimit.limit(lookup_limit, scope="dossier-lookup", methods=("POST",))
def lookup():
    if request.method == "GET":
        return render_template(
            "dossiers/lookup.html",
            code=clean(request.args.get("code", ""))[:60],
            error=None,
            # A kiosk has a scanner: its lookup starts with the scan box.
            scan=scan_step() if request.args.get("kiosk") == "1" else None,
        )
    code = clean(request.form.get("code", ""))[:60]
    dossier = queries.find_for_lookup(code, request.form.get("phone_last4", ""))
    if dossier is None:
        error = _not_found_message()
        return render_template("dossiers/lookup.html", code=code, error=error, scan=None), 404
    return redirect(url_for("dossiers.public", token=dossier.token), 303)


def _scan_answer(scan: dict, status: int):
    """The scan box again (htmx), or the lookup page holding it; 422 is what htmx swaps in."""
    html = render_page_or_fragment(
        "dossiers/lookup.html", "kiosk/_scan_lookup.html", code="", error=None, scan=scan
    )
    return html, status


def _open_dossier(dossier):
    target = url_for("dossiers.public", token=dossier.token)
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


@bp.post("/lookup/scan")
def lookup_scan():
    """The kiosk scanner's lookup: a receipt QR opens the dossier; a code asks for phone digits.

    A scanned page address is as good as the page's own link, so it needs nothing more. A
    code can be guessed, so it goes through the same rule (and limit) as the typed lookup.
    """
    if "phone_last4" in request.form:
        ratelimit.check("dossier-lookup", lookup_limit(), ratelimit.remote_address())
        code = clean(request.form.get("code", ""))[:60]
        dossier = queries.find_for_lookup(code, request.form.get("phone_last4", ""))
        if dossier is None:
            return _scan_answer(scan_step("phone", code, _not_found_message()), 422)
        return _open_dossier(dossier)
    try:
        scanned = parse_scan(request.form.get("scan"))
    except ValidationError as error:
        return _scan_answer(scan_step(error=error.errors["scan"]), 422)
    if scanned.kind == "code":
        return _scan_answer(scan_step("phone", scanned.value), 200)
    dossier = queries.by_token(scanned.value)
    if dossier is None:
        error = _("Không tìm thấy hồ sơ của mã QR này. Vui lòng kiểm tra lại Giấy tiếp nhận.")
        return _scan_answer(scan_step(error=error), 422)
    return _open_dossier(dossier)


@bp.get("/procedures", endpoint="catalogue")
def catalogue_page():
    offices = list(
        db.session.scalars(
            select(Office)
            .where(Office.active.is_(True))
            .order_by(Office.parent_id.is_not(None), Office.code)
        )
    )
    office = next((o for o in offices if o.code == request.args.get("office", "").upper()), None)
    field = clean(request.args.get("field", ""))
    query = clean(request.args.get("q", ""))[:100]
    return render_page_or_fragment(
        "dossiers/catalogue.html",
        "dossiers/_procedure_results.html",
        procedures=catalogue.search_procedures(query, office, field),
        offices=offices,
        office=office,
        fields=catalogue.fields(office),
        field=field,
        q=query,
    )
