"""How each KPI is shown: label, formatted value and target, status word, the counts behind it.

One list serves the dashboard's cards, the PDF's KPI table and the CSV of KPIs, so the
three always say the same thing in the same words.
"""

from flask_babel import format_decimal, format_percent, lazy_gettext
from flask_babel import gettext as _

from reports.kpi import Kpis

STATUS_LABELS = {
    "ok": lazy_gettext("Đạt"),
    "warn": lazy_gettext("Gần đạt"),
    "bad": lazy_gettext("Chưa đạt"),
    "none": lazy_gettext("—"),
}


def number(value) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0")


def minutes_text(value) -> str:
    """Minutes with one decimal; whole minutes (the percentiles) without."""
    if value is None:
        return "—"
    return _(
        "%(n)s phút",
        n=format_decimal(value, format="#,##0" if isinstance(value, int) else "#,##0.0"),
    )


def percent_text(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return format_percent(value, format="#,##0" + ("." + "0" * digits if digits else "") + "%")


def _of(numerator, denominator, unit) -> str:
    return _("%(a)s / %(b)s %(unit)s", a=number(numerator), b=number(denominator), unit=unit)


def kpi_rows(kpis: Kpis) -> list[dict]:
    """The KPIs in display order: key, label, value, target, status, status label, basis."""
    v, c, t = kpis.values, kpis.counts, kpis.targets
    wait_target = t["avg_wait_min"]["max"]
    late_target = t["late_rate"]["max"]
    rows = [
        (
            "avg_wait_min",
            _("Thời gian chờ trung bình"),
            minutes_text(v["avg_wait_min"]),
            _("≤ %(n)s phút/lượt", n=wait_target),
            _("%(n)s lượt có thời gian chờ", n=number(c["wait_samples"])),
        ),
        (
            "wait_over_target_rate",
            _("Tỉ lệ chờ quá %(n)s phút", n=wait_target),
            percent_text(v["wait_over_target_rate"]),
            _("càng thấp càng tốt"),
            _of(c["waits_over"], c["wait_samples"], _("lượt")),
        ),
        (
            "booked_avg_wait_min",
            _("Chờ trung bình: có lịch hẹn"),
            minutes_text(v["booked_avg_wait_min"]),
            "—",
            _("%(n)s lượt có hẹn, tính từ lúc lấy số", n=number(c["booked_wait_samples"])),
        ),
        (
            "walk_in_avg_wait_min",
            _("Chờ trung bình: không hẹn"),
            minutes_text(v["walk_in_avg_wait_min"]),
            "—",
            _("%(n)s lượt không hẹn", n=number(c["walk_in_wait_samples"])),
        ),
        (
            "p50_wait_min",
            _("Trung vị thời gian chờ"),
            minutes_text(v["p50_wait_min"]),
            "—",
            _("50 % người chờ không quá mức này"),
        ),
        (
            "p90_wait_min",
            _("Thời gian chờ p90"),
            minutes_text(v["p90_wait_min"]),
            "—",
            _("90 % người chờ không quá mức này"),
        ),
        (
            "avg_service_min",
            _("Thời gian phục vụ trung bình"),
            minutes_text(v["avg_service_min"]),
            "—",
            _("%(n)s lượt đã phục vụ xong", n=number(c["served"])),
        ),
        (
            "late_rate",
            _("Tỉ lệ hồ sơ trễ hạn"),
            percent_text(v["late_rate"], 2),
            _("< %(n)s", n=percent_text(late_target, 2)),
            _(
                "(%(late)s trễ + %(open)s quá hạn chưa xong) / %(total)s hồ sơ phải giải quyết",
                late=number(v["dossiers_late"]),
                open=number(v["dossiers_overdue_open"]),
                total=number(c["dossiers_to_handle"]),
            ),
        ),
        (
            "online_rate",
            _("Tỉ lệ hồ sơ trực tuyến"),
            percent_text(v["online_rate"]),
            _("≥ %(n)s", n=percent_text(t["online_rate"]["min"], 0)),
            _of(c["dossiers_online"], v["dossiers_received"], _("hồ sơ")),
        ),
        (
            "reuse_rate",
            _("Tỉ lệ tái sử dụng giấy tờ"),
            percent_text(v["reuse_rate"]),
            _("≥ %(n)s", n=percent_text(t["reuse_rate"]["min"], 0)),
            _of(c["dossiers_reused"], v["dossiers_received"], _("hồ sơ")),
        ),
        (
            "satisfaction_rate",
            _("Tỉ lệ hài lòng"),
            percent_text(v["satisfaction_rate"]),
            _("≥ %(n)s", n=percent_text(t["satisfaction_rate"]["min"], 0)),
            _of(c["ratings_satisfied"], v["ratings"], _("lượt đánh giá")),
        ),
        (
            "satisfaction_766",
            _("Mức độ hài lòng (QĐ 766)"),
            percent_text(v["satisfaction_766"]),
            _("≥ %(n)s", n=percent_text(t["satisfaction_766"]["min"], 0)),
            _(
                "100 %% − trễ hạn − (%(bad)s đánh giá không hài lòng + %(complaints)s phản ánh)"
                " / %(total)s hồ sơ",
                bad=number(c["dossier_dislikes"]),
                complaints=number(c["complaints"]),
                total=number(c["dossiers_to_handle"]),
            ),
        ),
        (
            "rating_coverage",
            _("Tỉ lệ lượt được đánh giá"),
            percent_text(v["rating_coverage"]),
            "—",
            _of(c["tickets_rated"], v["tickets_finished"], _("lượt đã xong")),
        ),
    ]
    result = []
    for key, label, value, target, basis in rows:
        state = kpis.statuses.get(key, "none")
        result.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "target": target,
                "status": state,
                "status_label": str(STATUS_LABELS[state]),
                "basis": basis,
            }
        )
    return result


def volume_rows(kpis: Kpis) -> list[tuple[str, str]]:
    """The plain counts of the period (tickets and dossiers), label and formatted number."""
    v = kpis.values
    return [
        (_("Số phiếu đã cấp"), number(v["tickets_issued"])),
        (_("Lượt đã gọi"), number(v["tickets_called"])),
        (_("Lượt đã phục vụ xong"), number(v["tickets_finished"])),
        (_("Vắng mặt khi gọi"), number(v["no_shows"])),
        (_("Không được phục vụ (hết giờ)"), number(v["tickets_unserved"])),
        (_("Lịch hẹn"), number(v["bookings"])),
        (_("Lịch hẹn đã đến lấy số"), number(v["bookings_checked_in"])),
        (_("Lịch hẹn không đến"), number(v["booking_no_shows"])),
        (_("Hồ sơ tiếp nhận"), number(v["dossiers_received"])),
        (_("Hồ sơ đã giải quyết"), number(v["dossiers_resolved"])),
        (_("Lượt đánh giá"), number(v["ratings"])),
    ]
