"""The dossiers blueprint and what its views share: template labels, public URLs, PDF responses."""

import io

from flask import Blueprint, current_app, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from dossiers import lifecycle
from dossiers.queries import mask_id_number, mask_name
from dossiers.slips import SlipData
from onestop import clock
from onestop.phones import mask_phone

bp = Blueprint("dossiers", __name__)


def channel_label(channel: str) -> str:
    return {"direct": _("Trực tiếp"), "online": _("Trực tuyến"), "postal": _("Bưu chính")}.get(
        channel, channel
    )


def online_level_label(level: str) -> str:
    return {
        "full": _("Trực tuyến toàn trình"),
        "partial": _("Trực tuyến một phần"),
        "none": _("Nộp trực tiếp"),
    }.get(level, level)


def action_label(status: str) -> str:
    """The button that moves a dossier to ``status``."""
    return {
        "in_progress": _("Chuyển xử lý"),
        "awaiting_supplement": _("Yêu cầu bổ sung"),
        "result_ready": _("Đã có kết quả"),
        "returned": _("Trả kết quả cho công dân"),
        "rejected": _("Từ chối / dừng xử lý"),
        "withdrawn": _("Công dân rút hồ sơ"),
    }.get(status, status)


def timeliness_label(value: str) -> str:
    return {
        "early": _("Trước hạn"),
        "on_time": _("Đúng hạn"),
        "late": _("Trễ hạn"),
        "overdue": _("Quá hạn"),
        "in_time": _("Trong hạn"),
    }.get(value, "")


def processing_label(procedure) -> str:
    """A procedure's processing time as pages show it: "15 ngày", "4 giờ làm việc"."""
    return procedure.processing.label()


@bp.app_template_filter("dossier_day")
def dossier_day(value, pattern: str = "EEEE, dd/MM/yyyy") -> str:
    """A local date as "Thứ Tư, 02/12/2026" (or another Babel pattern)."""
    return format_date(value, pattern) if value else ""


@bp.context_processor
def _labels() -> dict:
    return {
        "status_label": lifecycle.status_label,
        "channel_label": channel_label,
        "online_level_label": online_level_label,
        "action_label": action_label,
        "timeliness_label": timeliness_label,
        "processing_label": processing_label,
        "mask_name": mask_name,
        "mask_phone": mask_phone,
        "mask_id_number": mask_id_number,
        "timeliness": lifecycle.timeliness,
        "is_overdue": lifecycle.is_overdue,
        "allowed_next": lifecycle.allowed_next,
        "now": clock.now(),
        "today": clock.today(),
    }


def absolute_url(endpoint: str, **values) -> str:
    """An address citizens' phones reach: ONESTOP_PUBLIC_URL if set, else this request's host."""
    base = (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    return base + url_for(endpoint, **values)


def slip_data(dossier) -> SlipData:
    return SlipData.of(
        dossier,
        absolute_url("dossiers.public", token=dossier.token),
        absolute_url("dossiers.lookup"),
        # Where the citizen reads the procedure's components: the office's public catalogue.
        rules_url=absolute_url(
            "dossiers.catalogue", office=dossier.office.code, q=dossier.procedure.code
        ),
    )


def pdf_response(data: bytes, filename: str):
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", download_name=filename, as_attachment=False
    )
