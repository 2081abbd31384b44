"""Admin pages of messages to citizens: the texts (edit, restore) and the outbox (filter, retry)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from notify import outbox, texts
from notify.models import MESSAGE_STATUSES
from notify.outbox import DEFAULT_TEMPLATES
from onestop.auth import role_required
from onestop.exceptions import DomainError, ValidationError
from onestop.extensions import db
from onestop.phones import mask_phone

bp = Blueprint("notify", __name__, url_prefix="/admin")

TEMPLATE_LABELS = {
    "ticket_almost_due": _l("Sắp đến lượt (số thứ tự)"),
    "ticket_called": _l("Mời đến quầy (số thứ tự)"),
    "dossier_result_ready": _l("Hồ sơ đã có kết quả"),
    "dossier_supplement": _l("Hồ sơ cần bổ sung giấy tờ"),
    "booking_reminder": _l("Nhắc lịch hẹn"),
}
STATUS_LABELS = {
    "pending": _l("Chờ gửi"),
    "sent": _l("Đã gửi"),
    "failed": _l("Gửi không thành công"),
}


def _templates_page(errors: dict | None = None, drafts: dict | None = None, status: int = 200):
    current = texts.texts()
    edited = {code for code, body in current.items() if body != DEFAULT_TEMPLATES[code]}
    rows = [
        {
            "code": code,
            "label": TEMPLATE_LABELS.get(code, code),
            "body": (drafts or {}).get(code, current[code]),
            "default": DEFAULT_TEMPLATES[code],
            "edited": code in edited,
            "placeholders": sorted(texts.placeholders(DEFAULT_TEMPLATES[code])),
            "example": texts.render(code, texts.LONG_VALUES, current[code]),
            "error": (errors or {}).get(code),
        }
        for code in DEFAULT_TEMPLATES
    ]
    return render_template("notify/templates.html", rows=rows, max_length=texts.MAX_LENGTH), status


def _template_code(code: str) -> str:
    if code not in DEFAULT_TEMPLATES:
        abort(404)
    return code


@bp.get("/messages")
@role_required("admin")
def templates():
    return _templates_page()


@bp.post("/messages/<code>")
@role_required("admin")
def save_template(code: str):
    code = _template_code(code)
    body = request.form.get("body", "")
    try:
        texts.save(code, body)
    except ValidationError as error:
        db.session.rollback()
        return _templates_page({code: error.errors["body"]}, {code: body}, 422)
    flash(_("Đã lưu nội dung tin “%(name)s”.", name=TEMPLATE_LABELS.get(code, code)), "success")
    return redirect(url_for("notify.templates", _anchor=f"template-{code}"), 303)


@bp.post("/messages/<code>/restore")
@role_required("admin")
def restore_template(code: str):
    code = _template_code(code)
    texts.restore(code)
    flash(
        _("Đã khôi phục nội dung mặc định của tin “%(name)s”.", name=TEMPLATE_LABELS[code]),
        "success",
    )
    return redirect(url_for("notify.templates", _anchor=f"template-{code}"), 303)


@bp.get("/outbox")
@role_required("admin")
def outbox_list():
    status = request.args.get("status", "")
    status = status if status in MESSAGE_STATUSES else ""
    page = request.args.get("page", "1")
    page = min(int(page), 100_000) if page.isdigit() and int(page) > 0 else 1
    rows, total = outbox.search(status, page)
    return render_template(
        "notify/outbox.html",
        rows=rows,
        total=total,
        status=status,
        page=page,
        page_size=outbox.PAGE_SIZE,
        statuses=STATUS_LABELS,
        template_labels=TEMPLATE_LABELS,
        mask_phone=mask_phone,
    )


@bp.post("/outbox/<int:message_id>/retry")
@role_required("admin")
def retry(message_id: int):
    try:
        message = outbox.retry(message_id)
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
    else:
        flash(_("Tin nhắn #%(id)d sẽ được gửi lại ngay.", id=message.id), "success")
    return redirect(url_for("notify.outbox_list", status=request.form.get("status", "")), 303)
