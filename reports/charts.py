"""The dashboard's charts, drawn on the server by matplotlib (Agg): SVG for pages, PNG for the PDF.

Each function takes rows from ``reports.breakdowns`` and returns the image bytes. Figures
are built with the object API (``matplotlib.figure.Figure``), which keeps no global
state, so concurrent requests do not share a figure.
"""

import datetime as dt
import io
from collections import Counter

import matplotlib

matplotlib.use("Agg")

from flask_babel import (
    format_decimal,  # noqa: E402
    lazy_gettext,  # noqa: E402
)
from flask_babel import gettext as _  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from reports.kpi import ONLINE_TARGET, REUSE_TARGET, SATISFACTION_TARGET, ratio  # noqa: E402

INK, MUTED, GRID = "#0f172a", "#475569", "#e2e8f0"
BLUE, RED, GREEN, AMBER, TEAL = "#1d4ed8", "#b91c1c", "#15803d", "#b45309", "#0f766e"
TITLES = {
    "wait-by-hour": lazy_gettext("Thời gian chờ theo giờ đến (trung bình và p90)"),
    "daily-wait": lazy_gettext("Thời gian chờ trung bình và tỉ lệ chờ quá chỉ tiêu theo ngày"),
    "satisfaction": lazy_gettext("Tỉ lệ hài lòng"),
    "late-by-office": lazy_gettext(
        "Tỉ lệ hồ sơ trễ hạn theo đơn vị, so với chỉ tiêu của từng đơn vị"
    ),
    "online-reuse": lazy_gettext("Hồ sơ trực tuyến và tái sử dụng giấy tờ"),
}
NAMES = tuple(TITLES)


def _figure(height: float = 3.1) -> Figure:
    figure = Figure(figsize=(8.4, height), dpi=100)
    figure.set_facecolor("white")
    return figure


def _style(axes) -> None:
    axes.set_facecolor("white")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#94a3b8")
    axes.tick_params(colors=MUTED, labelsize=9)
    axes.grid(axis="y", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)


def _percent(digits: int = 0):
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return FuncFormatter(lambda value, _pos: f"{format_decimal(value * 100, format=pattern)}%")


def _save(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout(pad=0.8)
    # SVG text as paths: the browser needs no font, and Vietnamese marks always render.
    figure.savefig(
        buffer,
        format=fmt,
        dpi=150 if fmt == "png" else 100,
        metadata={"Date": None} if fmt == "svg" else None,
    )
    return buffer.getvalue()


def _empty(axes, message: str | None = None) -> None:
    axes.text(
        0.5,
        0.5,
        message or _("Chưa có dữ liệu trong kỳ"),
        ha="center",
        va="center",
        color=MUTED,
        fontsize=11,
        transform=axes.transAxes,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def _legend(axes) -> None:
    axes.legend(loc="upper left", fontsize=8.5, frameon=False, ncol=3)


def wait_by_hour(rows: list[dict], target_min: int, fmt: str = "svg") -> bytes:
    """Average and p90 wait by hour of arrival, against the target line."""
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    rows = [r for r in rows if r["samples"]]
    if not rows:
        _empty(axes)
    else:
        hours = [r["hour"] for r in rows]
        axes.bar(
            hours,
            [r["avg_wait_min"] for r in rows],
            width=0.6,
            color=BLUE,
            label=_("Chờ trung bình"),
        )
        axes.plot(
            hours,
            [r["p90_wait_min"] for r in rows],
            color=AMBER,
            marker="o",
            linewidth=2,
            label=_("90 % người chờ không quá"),
        )
        axes.axhline(
            target_min,
            color=RED,
            linestyle="--",
            linewidth=1.6,
            label=_("Chỉ tiêu %(n)s phút", n=target_min),
        )
        axes.set_xticks(hours, [f"{h}h" for h in hours])
        axes.set_ylabel(_("phút"), color=MUTED, fontsize=9)
        axes.set_ylim(0, max(target_min * 1.3, max(r["p90_wait_min"] or 0 for r in rows) * 1.15))
        _legend(axes)
    return _save(figure, fmt)


def buckets(days: list[dict], daily_up_to: int = 45) -> tuple[str, list[tuple[dt.date, Counter]]]:
    """Day rows summed into days, weeks or months by the period's length (readable trend lines)."""
    span = len(days)
    grain = "day" if span <= daily_up_to else "week" if span <= 190 else "month"
    grouped: dict[dt.date, Counter] = {}
    first = days[0]["day"] if days else None
    for row in days:
        day = row["day"]
        if grain == "day":
            key = day
        elif grain == "week":  # seven-day steps from the period's first day: no partial first week
            key = first + dt.timedelta(days=7 * ((day - first).days // 7))
        else:
            key = day.replace(day=1)
        grouped.setdefault(key, Counter()).update(row["sums"])
    return grain, sorted(grouped.items())


def _date_axis(axes, keys: list[dt.date], grain: str) -> None:
    labels = [k.strftime("%m/%Y") if grain == "month" else k.strftime("%d/%m") for k in keys]
    step = max(1, len(keys) // 12)
    positions = list(range(len(keys)))
    axes.set_xticks(positions[::step], labels[::step])


def daily_wait(days: list[dict], target_min: int, fmt: str = "svg") -> bytes:
    """Average wait per day (or week / month) against the target, and the share of waits over it."""
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    grain, groups = buckets(days)
    points = [(k, s) for k, s in groups if s["waits"]]
    if not points:
        _empty(axes)
        return _save(figure, fmt)
    x = list(range(len(groups)))
    index = {k: i for i, (k, _s) in enumerate(groups)}
    share_axes = axes.twinx()
    share_axes.bar(
        [index[k] for k, _s in points],
        [s["waits_over"] / s["waits"] for _k, s in points],
        width=0.7,
        color="#fecaca",
        label=_("Tỉ lệ chờ quá chỉ tiêu"),
    )
    share_axes.set_ylim(0, 1)
    share_axes.yaxis.set_major_formatter(_percent())
    share_axes.tick_params(colors=MUTED, labelsize=9)
    share_axes.spines["top"].set_visible(False)
    axes.set_zorder(share_axes.get_zorder() + 1)
    axes.patch.set_visible(False)
    axes.plot(
        [index[k] for k, _s in points],
        [s["wait_sec"] / s["waits"] / 60 for _k, s in points],
        color=BLUE,
        marker="o",
        markersize=3,
        linewidth=2,
        label=_("Chờ trung bình (phút)"),
    )
    axes.axhline(
        target_min,
        color=RED,
        linestyle="--",
        linewidth=1.6,
        label=_("Chỉ tiêu %(n)s phút", n=target_min),
    )
    axes.set_ylim(
        0, max(target_min * 1.5, max(s["wait_sec"] / s["waits"] / 60 for _k, s in points) * 1.2)
    )
    axes.set_xlim(-0.6, len(x) - 0.4)
    _date_axis(axes, [k for k, _s in groups], grain)
    handles = axes.get_legend_handles_labels()
    extra = share_axes.get_legend_handles_labels()
    axes.legend(
        handles[0] + extra[0],
        handles[1] + extra[1],
        loc="upper left",
        fontsize=8.5,
        frameon=False,
        ncol=3,
    )
    return _save(figure, fmt)


def _rate_trend(
    days: list[dict], series: list[tuple[str, str, str, float]], fmt: str, daily_up_to: int = 45
) -> bytes:
    """Lines of rates (numerator, denominator, label, colour, target) per bucket."""
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    grain, groups = buckets(days, daily_up_to)
    drawn = False
    for numerator, denominator, label, colour, target in series:
        points = [
            (i, ratio(s[numerator], s[denominator]))
            for i, (_k, s) in enumerate(groups)
            if s[denominator]
        ]
        if not points:
            continue
        drawn = True
        axes.plot(
            [i for i, _v in points],
            [v for _i, v in points],
            color=colour,
            marker="o",
            markersize=3,
            linewidth=2,
            label=label,
        )
        axes.axhline(target, color=colour, linestyle="--", linewidth=1.2, alpha=0.8)
    if not drawn:
        _empty(axes)
        return _save(figure, fmt)
    # A baseline below the lowest point and target (at most 50 %) shows the variation.
    lowest = min(min(line.get_ydata()) for line in axes.get_lines())
    axes.set_ylim(min(0.5, max(0.0, int((lowest - 0.05) * 10) / 10)), 1.02)
    axes.yaxis.set_major_formatter(_percent())
    axes.set_xlim(-0.6, len(groups) - 0.4)
    _date_axis(axes, [k for k, _s in groups], grain)
    _legend(axes)
    return _save(figure, fmt)


def satisfaction(days: list[dict], fmt: str = "svg") -> bytes:
    """Share of satisfied ratings per day (week, month), against 90 %."""
    return _rate_trend(
        days, [("satisfied", "ratings", _("Hài lòng (1–2 điểm)"), GREEN, SATISFACTION_TARGET)], fmt
    )


def online_reuse(days: list[dict], fmt: str = "svg") -> bytes:
    """Shares of dossiers received online and with reused documents, against 50 % and 30 %."""
    # Online dossiers also come in at weekends, when nothing else does: weekly points, unless short.
    return _rate_trend(
        days,
        [
            ("online", "received", _("Nộp trực tuyến"), BLUE, ONLINE_TARGET),
            ("reused", "received", _("Tái sử dụng giấy tờ"), TEAL, REUSE_TARGET),
        ],
        fmt,
        daily_up_to=14,
    )


def late_by_office(ranking: list[dict], fmt: str = "svg") -> bytes:
    """Late rate of each ranked office, with a marker at that office's own target."""
    rows = [r for r in ranking if r["values"]["late_rate"] is not None]
    figure = _figure(max(2.4, 0.42 * len(rows) + 1.0))
    axes = figure.add_subplot()
    _style(axes)
    axes.grid(axis="x", color=GRID, linewidth=0.8)
    axes.grid(axis="y", visible=False)
    if not rows:
        _empty(axes)
        return _save(figure, fmt)
    rows = sorted(rows, key=lambda r: r["values"]["late_rate"])
    positions = list(range(len(rows)))
    values = [r["values"]["late_rate"] for r in rows]
    targets = [r["targets"]["late_rate"]["max"] for r in rows]
    colours = [
        GREEN if v < t else AMBER if v <= 2 * t else RED
        for v, t in zip(values, targets, strict=True)
    ]
    axes.barh(positions, values, color=colours, height=0.6)
    axes.scatter(
        targets,
        positions,
        marker="|",
        s=420,
        color=INK,
        linewidths=2,
        label=_("Chỉ tiêu của đơn vị"),
        zorder=3,
    )
    axes.set_yticks(positions, [r["office"].code for r in rows])
    axes.xaxis.set_major_formatter(_percent(1))
    axes.xaxis.set_major_locator(MaxNLocator(6))
    axes.set_xlim(0, max(max(values), max(targets)) * 1.25 or 0.01)
    axes.legend(loc="lower right", fontsize=8.5, frameon=False)
    return _save(figure, fmt)
