"""The dashboard's charts, drawn on the server by matplotlib (Agg): SVG for pages, PNG for the PDF.

Each function takes rows from ``reports.breakdowns`` and returns the image bytes. Figures
are built with the object API (``matplotlib.figure.Figure``), which keeps no global
state, so concurrent requests do not share a figure.
"""

import datetime as dt
import io
import math
from collections import Counter

import matplotlib

matplotlib.use("Agg")

from flask_babel import (
    format_decimal,  # noqa: E402
    lazy_gettext,  # noqa: E402
)
from flask_babel import gettext as _  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
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

# Text size. The dashboard never shows a chart narrower than SHOWN_MIN_PX CSS pixels (a
# 560 px grid column less the card's padding; reports.css keeps the image from shrinking
# below it). An SVG of FIGURE_WIDTH_IN inches is 72 units an inch wide, so text of TEXT_PT
# points is shown at least TEXT_PT * SHOWN_MIN_PX / (72 * FIGURE_WIDTH_IN) px high:
# 11 * 528 / 518.4 = 11.2 px. In the PDF the figure is printed 178 mm wide: 10.7 pt text.
SHOWN_MIN_PX = 528
FIGURE_WIDTH_IN = 7.2
TEXT_PT = 11
MIN_TEXT_PX = 11
# A day, week, month or hour still going on: its bar hatched and pale, its point hollow at
# the end of a dashed segment, and this key in the legend.
PARTIAL_LABEL = lazy_gettext("đang diễn ra")
PARTIAL_HATCH = "///"


def _figure(height: float = 3.1) -> Figure:
    figure = Figure(figsize=(FIGURE_WIDTH_IN, height), dpi=100)
    figure.set_facecolor("white")
    return figure


def _style(axes) -> None:
    axes.set_facecolor("white")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#94a3b8")
    axes.tick_params(colors=MUTED, labelsize=TEXT_PT)
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
        fontsize=TEXT_PT + 1,
        transform=axes.transAxes,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def _legend(axes, handles=None, labels=None, partial: bool = False, bars: bool = False) -> None:
    """The legend above the plot (never over the data), with the "still going on" key if shown."""
    if handles is None:
        handles, labels = axes.get_legend_handles_labels()
    if partial:
        handles = [*handles, _partial_key(bars)]
        labels = [*labels, str(PARTIAL_LABEL)]
    axes.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        fontsize=TEXT_PT,
        frameon=False,
        ncol=min(len(handles), 3),
        handlelength=1.8,
        columnspacing=1.2,
    )


def _partial_key(bars: bool):
    """The legend's sample: a dashed segment to a hollow point, over a hatched bar if any."""
    line = Line2D(
        [],
        [],
        color=MUTED,
        linestyle="--",
        linewidth=2,
        marker="o",
        markersize=5,
        markerfacecolor="white",
        markevery=[1],
    )
    if not bars:
        return line
    return (Patch(facecolor="white", edgecolor=MUTED, hatch=PARTIAL_HATCH), line)


def _bars(axes, xs, heights, partial_x, colour: str, **style) -> None:
    """Bars; the one at ``partial_x`` (a period still going on) hatched and pale."""
    full = [(x, h) for x, h in zip(xs, heights, strict=True) if x != partial_x]
    if full:
        axes.bar([x for x, _h in full], [h for _x, h in full], color=colour, **style)
    for x, height in zip(xs, heights, strict=True):
        if x == partial_x:
            style = {**style, "label": None}
            axes.bar(
                [x],
                [height],
                color=colour,
                alpha=0.45,
                hatch=PARTIAL_HATCH,
                edgecolor=INK,
                linewidth=0.6,
                gid="partial",
                **style,
            )


def _line(axes, xs, ys, partial_x, colour: str, label: str) -> bool:
    """A line with a gap wherever ``ys`` has no value (None): nothing is drawn across it.

    The point at ``partial_x`` (a period still going on) is reached by a dashed segment and
    drawn hollow. Returns whether that partial point was drawn.
    """
    values = [math.nan if y is None else y for y in ys]
    solid = [math.nan if x == partial_x else y for x, y in zip(xs, values, strict=True)]
    axes.plot(xs, solid, color=colour, marker="o", markersize=4, linewidth=2, label=label)
    if partial_x not in xs or math.isnan(values[xs.index(partial_x)]):
        return False
    at = xs.index(partial_x)
    segment = [at - 1, at] if at and not math.isnan(values[at - 1]) else [at]
    axes.plot(
        [xs[i] for i in segment],
        [values[i] for i in segment],
        color=colour,
        linestyle="--",
        linewidth=2,
        marker="o",
        markersize=5,
        markerfacecolor="white",
        markevery=[len(segment) - 1],
        gid="partial",
    )
    return True


def wait_by_hour(
    rows: list[dict], target_min: int, fmt: str = "svg", current_hour: int | None = None
) -> bytes:
    """Average and p90 wait by hour of arrival, against the target line.

    Every hour from the first to the last with arrivals has its place, so an hour without
    arrivals (the lunch break) is a gap in the p90 line, not a line across it.
    :param current_hour: the local hour now, when the period includes today: that hour's
        figures are still growing, and are marked as such.
    """
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    by_hour = {r["hour"]: r for r in rows if r["samples"]}
    if not by_hour:
        _empty(axes)
        return _save(figure, fmt)
    hours = list(range(min(by_hour), max(by_hour) + 1))
    shown = [h for h in hours if h in by_hour]
    _bars(
        axes,
        shown,
        [by_hour[h]["avg_wait_min"] for h in shown],
        current_hour,
        BLUE,
        width=0.6,
        label=_("Chờ trung bình"),
    )
    partial = _line(
        axes,
        hours,
        [by_hour[h]["p90_wait_min"] if h in by_hour else None for h in hours],
        current_hour,
        AMBER,
        _("90 % người chờ không quá"),
    )
    axes.axhline(
        target_min,
        color=RED,
        linestyle="--",
        linewidth=1.6,
        label=_("Chỉ tiêu %(n)s phút", n=target_min),
    )
    step = 1 if len(hours) <= 12 else 2
    axes.set_xticks(hours[::step], [f"{h}h" for h in hours[::step]])
    axes.set_xlim(hours[0] - 0.6, hours[-1] + 0.6)
    axes.set_ylabel(_("phút"), color=MUTED, fontsize=TEXT_PT)
    highest = max(r["p90_wait_min"] or 0 for r in by_hour.values())
    axes.set_ylim(0, max(target_min * 1.3, highest * 1.15))
    _legend(axes, partial=partial or current_hour in by_hour, bars=True)
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


def partial_bucket(keys: list[dt.date], grain: str, today: dt.date | None) -> int | None:
    """The index of the bucket (day, week or month) that contains today: it is not over yet."""
    for index, key in enumerate(keys):
        if today is None:
            return None
        if grain == "day" and key == today:
            return index
        if grain == "week" and key <= today < key + dt.timedelta(days=7):
            return index
        if grain == "month" and (key.year, key.month) == (today.year, today.month):
            return index
    return None


def _date_axis(axes, keys: list[dt.date], grain: str) -> None:
    labels = [k.strftime("%m/%Y") if grain == "month" else k.strftime("%d/%m") for k in keys]
    # About 5 characters a label at 11 pt: at most ten labels fit the width.
    step = max(1, math.ceil(len(keys) / 10))
    positions = list(range(len(keys)))
    axes.set_xticks(positions[::step], labels[::step])


def daily_wait(
    days: list[dict], target_min: int, fmt: str = "svg", today: dt.date | None = None
) -> bytes:
    """Average wait per day (or week / month) against the target, and the share of waits over it.

    Days without a wait (weekends, holidays) are gaps in the line. The day, week or month
    containing ``today`` is still going on: its bar is hatched, its point hollow and reached
    by a dashed segment.
    """
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    grain, groups = buckets(days)
    points = [(i, s) for i, (_k, s) in enumerate(groups) if s["waits"]]
    if not points:
        _empty(axes)
        return _save(figure, fmt)
    x = list(range(len(groups)))
    current = partial_bucket([k for k, _s in groups], grain, today)
    share_axes = axes.twinx()
    _bars(
        share_axes,
        [i for i, _s in points],
        [s["waits_over"] / s["waits"] for _i, s in points],
        current,
        "#fecaca",
        width=0.7,
        label=_("Tỉ lệ chờ quá chỉ tiêu"),
    )
    share_axes.set_ylim(0, 1)
    share_axes.yaxis.set_major_formatter(_percent())
    share_axes.tick_params(colors=MUTED, labelsize=TEXT_PT)
    share_axes.spines["top"].set_visible(False)
    axes.set_zorder(share_axes.get_zorder() + 1)
    axes.patch.set_visible(False)
    averages = [s["wait_sec"] / s["waits"] / 60 if s["waits"] else None for _k, s in groups]
    partial = _line(axes, x, averages, current, BLUE, _("Chờ trung bình (phút)"))
    axes.axhline(
        target_min,
        color=RED,
        linestyle="--",
        linewidth=1.6,
        label=_("Chỉ tiêu %(n)s phút", n=target_min),
    )
    axes.set_ylim(0, max(target_min * 1.5, max(a for a in averages if a is not None) * 1.2))
    axes.set_xlim(-0.6, len(x) - 0.4)
    _date_axis(axes, [k for k, _s in groups], grain)
    handles, labels = axes.get_legend_handles_labels()
    extra = share_axes.get_legend_handles_labels()
    _legend(axes, handles + extra[0], labels + extra[1], partial, bars=True)
    return _save(figure, fmt)


def _rate_trend(
    days: list[dict],
    series: list[tuple[str, str, str, str, float]],
    fmt: str,
    daily_up_to: int = 45,
    today: dt.date | None = None,
) -> bytes:
    """Lines of rates (numerator, denominator, label, colour, target) per bucket.

    A bucket with nothing to divide by is a gap in the line; the bucket containing
    ``today`` is drawn as still going on (dashed segment, hollow point).
    """
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    grain, groups = buckets(days, daily_up_to)
    current = partial_bucket([k for k, _s in groups], grain, today)
    x = list(range(len(groups)))
    shown, partial = [], False
    for numerator, denominator, label, colour, target in series:
        values = [ratio(s[numerator], s[denominator]) for _k, s in groups]
        if all(v is None for v in values):
            continue
        shown += [v for v in values if v is not None]
        partial = _line(axes, x, values, current, colour, label) or partial
        axes.axhline(target, color=colour, linestyle="--", linewidth=1.2, alpha=0.8)
    if not shown:
        _empty(axes)
        return _save(figure, fmt)
    # A baseline below the lowest point and target (at most 50 %) shows the variation.
    axes.set_ylim(min(0.5, max(0.0, int((min(shown) - 0.05) * 10) / 10)), 1.02)
    axes.yaxis.set_major_formatter(_percent())
    axes.set_xlim(-0.6, len(groups) - 0.4)
    _date_axis(axes, [k for k, _s in groups], grain)
    _legend(axes, partial=partial)
    return _save(figure, fmt)


def satisfaction(days: list[dict], fmt: str = "svg", today: dt.date | None = None) -> bytes:
    """Share of satisfied ratings per day (week, month), against 90 %."""
    return _rate_trend(
        days,
        [("satisfied", "ratings", _("Hài lòng (1–2 điểm)"), GREEN, SATISFACTION_TARGET)],
        fmt,
        today=today,
    )


def online_reuse(days: list[dict], fmt: str = "svg", today: dt.date | None = None) -> bytes:
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
        today=today,
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
    axes.legend(loc="lower right", fontsize=TEXT_PT, frameon=False)
    return _save(figure, fmt)
