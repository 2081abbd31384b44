"""The report's tables as flat rows and column specs: the same columns on screen, in CSV and PDF."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from reports import breakdowns
from reports.filters import ReportRequest
from reports.measures import Scope


@dataclass(frozen=True)
class Column:
    key: str
    header: object  # a lazy string
    kind: str  # text, count, minutes, rate, score, date, datetime, rank
    status: str | None = None  # the KPI key whose status colours the cell
    target: str | None = None  # a row key shown under the value on screen (the office's own target)
    screen: bool = (
        True  # False: in CSV and PDF only (on screen it sits under another column's value)
    )


_TICKETS = [
    Column("office_code", _l("Đơn vị"), "text"),
    Column("label", _l("Tên"), "text"),
    Column("tickets_issued", _l("Số phiếu"), "count"),
    Column("tickets_called", _l("Đã gọi"), "count"),
    Column("no_shows", _l("Vắng mặt"), "count"),
    Column("avg_wait_min", _l("Chờ TB (phút)"), "minutes"),
    Column("wait_over_target_rate", _l("Chờ quá chỉ tiêu"), "rate"),
    Column("avg_service_min", _l("Phục vụ TB (phút)"), "minutes"),
    Column("ratings", _l("Đánh giá"), "count"),
    Column("satisfaction_rate", _l("Hài lòng"), "rate"),
]

COLUMNS: dict[str, list[Column]] = {
    "offices": [
        Column("rank", _l("Hạng"), "rank"),
        Column("office_code", _l("Mã"), "text"),
        Column("office_name", _l("Đơn vị"), "text"),
        Column("score", _l("Điểm"), "score"),
        Column("tickets_issued", _l("Số phiếu"), "count"),
        Column("avg_wait_min", _l("Chờ TB (phút)"), "minutes", "avg_wait_min"),
        Column("wait_over_target_rate", _l("Chờ quá chỉ tiêu"), "rate"),
        Column("dossiers_received", _l("Hồ sơ tiếp nhận"), "count"),
        Column("late_rate", _l("Trễ hạn"), "rate", "late_rate", target="late_target"),
        Column("late_target", _l("Mục tiêu trễ hạn"), "rate", screen=False),
        Column("online_rate", _l("Trực tuyến"), "rate", "online_rate"),
        Column("reuse_rate", _l("Tái sử dụng"), "rate", "reuse_rate"),
        Column("satisfaction_rate", _l("Hài lòng"), "rate", "satisfaction_rate"),
    ],
    "services": _TICKETS,
    "counters": _TICKETS,
    "officers": _TICKETS,
    "hours": [
        Column("hour", _l("Giờ đến"), "text"),
        Column("samples", _l("Số lượt"), "count"),
        Column("avg_wait_min", _l("Chờ TB (phút)"), "minutes"),
        Column("p50_wait_min", _l("p50 (phút)"), "minutes"),
        Column("p90_wait_min", _l("p90 (phút)"), "minutes"),
    ],
    "days": [
        Column("day", _l("Ngày"), "date"),
        Column("tickets_issued", _l("Số phiếu"), "count"),
        Column("wait_samples", _l("Lượt có thời gian chờ"), "count"),
        Column("avg_wait_min", _l("Chờ TB (phút)"), "minutes"),
        Column("wait_over_target_rate", _l("Chờ quá chỉ tiêu"), "rate"),
        Column("ratings", _l("Đánh giá"), "count"),
        Column("satisfaction_rate", _l("Hài lòng"), "rate"),
        Column("received", _l("Hồ sơ tiếp nhận"), "count"),
        Column("online_rate", _l("Trực tuyến"), "rate"),
        Column("reuse_rate", _l("Tái sử dụng"), "rate"),
    ],
    "waits": [
        Column("office_code", _l("Đơn vị"), "text"),
        Column("display_number", _l("Số"), "text"),
        Column("service", _l("Dịch vụ"), "text"),
        Column("issued_at", _l("Lấy số"), "datetime"),
        Column("called_at", _l("Gọi lần đầu"), "datetime"),
        Column("wait_min", _l("Chờ (phút)"), "minutes"),
        Column("transferred_text", _l("Chuyển dịch vụ"), "text"),
        Column("counter", _l("Quầy"), "text"),
        Column("officer", _l("Cán bộ"), "text"),
    ],
    "overdue": [
        Column("code", _l("Mã hồ sơ"), "text"),
        Column("office_code", _l("Đơn vị"), "text"),
        Column("procedure", _l("Thủ tục"), "text"),
        Column("channel_text", _l("Kênh"), "text"),
        Column("received_at", _l("Tiếp nhận"), "datetime"),
        Column("due_date", _l("Hạn giải quyết"), "date"),
        Column("state_text", _l("Tình trạng"), "text"),
        Column("days_over", _l("Số ngày quá hạn"), "count"),
    ],
}
TABLES = tuple(COLUMNS)
LABELS = {
    "offices": _l("Xếp hạng đơn vị"),
    "services": _l("Dịch vụ"),
    "counters": _l("Quầy"),
    "officers": _l("Cán bộ"),
    "hours": _l("Theo giờ"),
    "days": _l("Theo ngày"),
    "waits": _l("Chờ lâu nhất"),
    "overdue": _l("Hồ sơ quá hạn"),
}
SORTABLE = ("offices", "services", "counters", "officers")
CHANNELS = {"direct": _l("Trực tiếp"), "online": _l("Trực tuyến"), "postal": _l("Bưu chính")}


def _short_name(name: str) -> str:
    # Every unit is an "UBND ..."; the table is easier to scan without it.
    return name[5:] if name.startswith("UBND ") else name


def _office_rows(request: ReportRequest) -> list[dict]:
    rows = []
    for row in breakdowns.office_ranking(request.office, request.period, request.scope):
        rows.append(
            {
                **row["values"],
                "rank": row["rank"],
                "office_code": row["office"].code,
                "office_name": _short_name(row["office"].name)
                + (" *" if row["with_children"] else ""),
                "score": row["score"],
                "late_target": row["targets"]["late_rate"]["max"],
                "statuses": row["statuses"],
            }
        )
    return rows


def _waits(scope: Scope, request: ReportRequest) -> list[dict]:
    rows = breakdowns.longest_waits(scope, request.period)
    for row in rows:
        row["transferred_text"] = str(_l("Có")) if row["transferred"] else ""
        row["service"] = f"{row['letter']} · {row['service']}"
    return rows


def _overdue(scope: Scope, request: ReportRequest) -> list[dict]:
    rows = breakdowns.overdue_dossiers(scope, request.period)
    for row in rows:
        row["channel_text"] = str(CHANNELS.get(row["channel"], row["channel"]))
        row["state_text"] = str(_l("Chờ bổ sung") if row["paused"] else _l("Đang giải quyết"))
        if row["supplement_count"] > 1:
            row["state_text"] += " · " + str(_l("bổ sung %(n)s lần", n=row["supplement_count"]))
    return rows


def rows_for(table: str, request: ReportRequest) -> list[dict]:
    """The flat rows of ``table`` for a report request, sorted as the request asks."""
    scope = request.scope
    if table == "offices":
        rows = _office_rows(request)
    elif table in ("services", "counters", "officers"):
        rows = [
            {**r["values"], "label": r["label"], "office_code": r["office_code"], "id": r["id"]}
            for r in breakdowns.by_dimension(scope, request.period, table[:-1])
        ]
        rows.sort(key=lambda r: (r["office_code"], r["label"]))
    elif table == "hours":
        rows = [
            {**r, "hour": f"{r['hour']:02d}:00"} for r in breakdowns.by_hour(scope, request.period)
        ]
    elif table == "days":
        rows = [
            {k: v for k, v in r.items() if k != "sums"}
            for r in breakdowns.by_day(scope, request.period)
        ]
    elif table == "waits":
        rows = _waits(scope, request)
    elif table == "overdue":
        rows = _overdue(scope, request)
    else:
        raise KeyError(table)
    if request.sort and table in SORTABLE and any(c.key == request.sort for c in COLUMNS[table]):
        rows = breakdowns.sort_rows(rows, request.sort, request.descending)
    return rows
