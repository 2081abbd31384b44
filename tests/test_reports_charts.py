"""The charts' SVG: text readable where shown, the period going on marked, gaps not bridged."""

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from reports import charts
from tests.fixtures.network import Network, at

TODAY = dt.date(2026, 11, 27)  # a Friday
BLUE, AMBER = charts.BLUE, charts.AMBER


def hour_rows(hours):
    return [
        {"hour": h, "samples": 5, "avg_wait_min": 10.0 + h, "p50_wait_min": 9, "p90_wait_min": 20}
        for h in hours
    ]


def day_rows(days_with_waits, first=dt.date(2026, 11, 16), span=12):
    rows = []
    for offset in range(span):
        day = first + dt.timedelta(days=offset)
        n = 10 if day in days_with_waits else 0
        sums = Counter(
            waits=n, wait_sec=n * 900, waits_over=n // 5, ratings=n, satisfied=n, received=n
        )
        sums.update(online=n // 2, reused=n // 5)
        rows.append({"day": day, "sums": sums})
    return rows


WEEKDAYS = {dt.date(2026, 11, d) for d in (16, 17, 18, 19, 20, 23, 24, 25, 26, 27)}


def text_px(svg: bytes) -> list[float]:
    """The height of every text in CSS px when the SVG is shown SHOWN_MIN_PX wide.

    Text is drawn as glyph paths, each text scaled by font size / 100 (matplotlib's
    text-to-path scale); the SVG's user unit is a point, its viewBox the figure's width.
    """
    text = svg.decode()
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', text).group(1))
    scales = [float(s) for s in re.findall(r"scale\(([0-9.]+) -\1\)", text)]
    return [s * 100 * charts.SHOWN_MIN_PX / width for s in scales]


def line_runs(svg: bytes, colour: str) -> list[int]:
    """For each solid line of ``colour`` in the plot: how many separate runs it is drawn in.

    Lines in the plot are clipped to it (the legend's samples are not); a gap in a line is a
    new "M" (move to) in its path.
    """
    pattern = r'<path d="([^"]*)" clip-path="[^"]*" style="fill: none; stroke: ([^;]+);([^"]*)"'
    return [
        d.count("M ")
        for d, stroke, rest in re.findall(pattern, svg.decode())
        if stroke == colour and "dasharray" not in rest
    ]


@pytest.fixture
def drawn(app):
    with app.test_request_context():
        yield


def all_charts(today):
    ranking = [
        {
            "office": type("O", (), {"code": code})(),
            "values": {"late_rate": rate},
            "targets": {"late_rate": {"max": 0.005}},
        }
        for code, rate in (("VY", 0.004), ("VY-LB", 0.012))
    ]
    days = day_rows(WEEKDAYS)
    return {
        "wait-by-hour": charts.wait_by_hour(hour_rows([7, 8, 9, 13, 14]), 20, "svg", 14),
        "daily-wait": charts.daily_wait(days, 20, "svg", today),
        "satisfaction": charts.satisfaction(days, "svg", today),
        "online-reuse": charts.online_reuse(days, "svg", today),
        "late-by-office": charts.late_by_office(ranking, "svg"),
        "empty": charts.daily_wait(day_rows(set()), 20, "svg", today),
    }


def test_every_text_is_at_least_11_px_where_the_dashboard_shows_it(drawn):
    for name, svg in all_charts(TODAY).items():
        sizes = text_px(svg)
        assert len(sizes) >= (1 if name == "empty" else 8), name  # ticks, legend, labels
        assert min(sizes) >= charts.MIN_TEXT_PX, (name, min(sizes))


def test_the_page_never_shows_a_chart_narrower_than_assumed():
    css = (Path(__file__).parents[1] / "static/css/reports.css").read_text()
    rule = re.search(r"\.chart img \{([^}]*)\}", css).group(1)
    assert f"min-width: {charts.SHOWN_MIN_PX}px" in rule


def test_the_day_going_on_is_marked_partial_with_its_legend(drawn):
    marked = all_charts(TODAY)
    hatched_bar = re.compile(r'<g id="partial">\s*<path [^>]*fill: url\(#h')
    dashed_segment = re.compile(r'<g id="partial">\s*<path [^>]*stroke-dasharray')
    for name in ("wait-by-hour", "daily-wait", "satisfaction", "online-reuse"):
        svg = marked[name].decode()
        assert dashed_segment.search(svg), name  # the last segment, to today's point, dashed
        assert "<!-- đang diễn ra -->" in svg, name  # and its key in the legend
    for name in ("wait-by-hour", "daily-wait"):  # the current hour's / today's bar hatched
        assert hatched_bar.search(marked[name].decode()), name
    # A period that ended before today has nothing going on.
    days = day_rows(WEEKDAYS)
    past = charts.daily_wait(days, 20, "svg", None).decode()
    assert 'id="partial' not in past and "đang diễn ra" not in past
    assert "đang diễn ra" not in charts.wait_by_hour(hour_rows([8, 9]), 20, "svg").decode()


def test_the_partial_week_of_a_long_period_is_marked(drawn):
    days = day_rows(
        {dt.date(2026, 9, 1) + dt.timedelta(days=i) for i in range(88)}, dt.date(2026, 9, 1), 88
    )
    grain, groups = charts.buckets(days)
    assert grain == "week"
    last = groups[-1][0]  # 24 Nov, the 13th week from 1 Sep, holds 27 Nov
    assert charts.partial_bucket([k for k, _s in groups], grain, TODAY) == len(groups) - 1
    assert last <= TODAY < last + dt.timedelta(days=7)
    assert "đang diễn ra" in charts.daily_wait(days, 20, "svg", TODAY).decode()


def test_no_line_is_drawn_across_hours_or_days_without_data(drawn):
    # Arrivals at 8-11 and 13-15, none at noon: the p90 line is two runs, not one.
    lunch = charts.wait_by_hour(hour_rows([8, 9, 10, 11, 13, 14, 15]), 20, "svg")
    assert line_runs(lunch, AMBER) == [2]
    steady = charts.wait_by_hour(hour_rows([8, 9, 10, 11]), 20, "svg")
    assert line_runs(steady, AMBER) == [1]
    # Mon-Fri, a weekend without tickets, Mon-Thu: the average wait line breaks at the weekend.
    weeks = charts.daily_wait(day_rows(WEEKDAYS - {TODAY}), 20, "svg", None)
    assert line_runs(weeks, BLUE) == [2]
    # Same for the rate lines (satisfaction has no ratings at the weekend).
    assert line_runs(charts.satisfaction(day_rows(WEEKDAYS - {TODAY}), "svg"), charts.GREEN) == [2]


def test_the_dashboard_marks_today_and_the_current_hour(
    client, login, make_office, make_user, fixed_clock
):
    network = Network(make_office, make_user)
    login(make_user("c-boss", "supervisor", network.city))
    fixed_clock(at(2, 8, 40))  # Monday 2 Nov, 08:40: the day and the 8 o'clock hour go on
    today = "office=C&scope=alone&period=custom&from=2026-11-02&to=2026-11-02"
    hours = client.get(f"/reports/charts/wait-by-hour.svg?{today}").get_data(as_text=True)
    assert 'id="partial"' in hours and "đang diễn ra" in hours
    days = "office=C&scope=alone&period=custom&from=2026-11-02&to=2026-11-04"
    daily = client.get(f"/reports/charts/daily-wait.svg?{days}").get_data(as_text=True)
    assert 'id="partial"' in daily and "đang diễn ra" in daily
    # Over several days the hour buckets mix whole days with today's: no hour is marked.
    hours = client.get(f"/reports/charts/wait-by-hour.svg?{days}").get_data(as_text=True)
    assert "đang diễn ra" not in hours
    fixed_clock(at(20, 10, 0))  # long after the period: nothing is going on
    daily = client.get(f"/reports/charts/daily-wait.svg?{days}").get_data(as_text=True)
    assert "đang diễn ra" not in daily
