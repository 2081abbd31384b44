"""Reporting periods: ranges of local dates, the dashboard's presets and the plan's periods."""

import calendar
import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from onestop import clock
from onestop.exceptions import ValidationError

# Longest range accepted from a user (about ten years): keeps a typo from scanning a century.
MAX_DAYS = 3700


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates (Asia/Ho_Chi_Minh)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_instant(self) -> dt.datetime:
        """The aware UTC instant at which the period begins (local midnight of ``start``)."""
        return clock.local_midnight(self.start)

    @property
    def end_instant(self) -> dt.datetime:
        """The aware UTC instant at which the period ends (local midnight after ``end``)."""
        return clock.local_midnight(self.end + dt.timedelta(days=1))

    def each_day(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]

    def label(self) -> str:
        if self.start == self.end:
            return self.start.strftime("%d/%m/%Y")
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# The city's plan (seed/ke-hoach-cchc-vinh-yen-2022.txt, section III.10) asks units for
# reports each quarter, half-year and year "at the latest before 25/2, 25/5, 25/8" and
# "before 15/11". Nghị định 09/2019/NĐ-CP starts a reporting year on 15/12 of the year
# before; each plan period therefore runs from 15/12 to the day before its deadline
# (cumulative, as the quarterly, six-month and nine-month reports are). Verify the cut-off
# days against the province's current instruction before relying on them.
PLAN_DEADLINES = (
    ("plan-q1", lazy_gettext("Kỳ báo cáo quý I (nộp trước 25/2)"), 2, 25),
    ("plan-h1", lazy_gettext("Kỳ báo cáo 6 tháng (nộp trước 25/5)"), 5, 25),
    ("plan-q3", lazy_gettext("Kỳ báo cáo 9 tháng (nộp trước 25/8)"), 8, 25),
    ("plan-year", lazy_gettext("Kỳ báo cáo năm (nộp trước 15/11)"), 11, 15),
)

PRESETS = (
    ("today", lazy_gettext("Hôm nay")),
    ("week", lazy_gettext("Tuần này")),
    ("month", lazy_gettext("Tháng này")),
    ("last-month", lazy_gettext("Tháng trước")),
    ("quarter", lazy_gettext("Quý này")),
    ("last-quarter", lazy_gettext("Quý trước")),
    ("year", lazy_gettext("Năm nay")),
) + tuple((key, label) for key, label, _month, _day in PLAN_DEADLINES)


def plan_period(key: str, year: int) -> Period:
    """The plan's period ``key`` (plan-q1, plan-h1, plan-q3, plan-year) of reporting ``year``."""
    for name, _label, month, day in PLAN_DEADLINES:
        if name == key:
            return Period(
                dt.date(year - 1, 12, 15), dt.date(year, month, day) - dt.timedelta(days=1)
            )
    raise KeyError(key)


def preset(key: str, today: dt.date | None = None) -> Period:
    """The period a preset names, as seen on ``today`` (default: the clock's local date).

    Presets end today at the latest: "this month" is the 1st to today. A plan period
    is the one of the current reporting year, or of the year before while this year's
    has not begun yet.
    """
    today = today or clock.today()
    if key == "today":
        return Period(today, today)
    if key == "week":
        return Period(today - dt.timedelta(days=today.weekday()), today)
    if key == "month":
        return Period(today.replace(day=1), today)
    if key == "last-month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return Period(end.replace(day=1), end)
    if key == "quarter":
        return Period(_quarter_start(today), today)
    if key == "last-quarter":
        end = _quarter_start(today) - dt.timedelta(days=1)
        return Period(_quarter_start(end), end)
    if key == "year":
        return Period(dt.date(today.year, 1, 1), today)
    if key.startswith("plan-"):
        # The reporting year that contains today begins on 15/12 of the previous calendar year.
        year = today.year + 1 if today >= dt.date(today.year, 12, 15) else today.year
        period = plan_period(key, year)
        if period.start > today:
            period = plan_period(key, year - 1)
        return Period(period.start, min(period.end, today))
    raise KeyError(key)


def parse_day(value: str | None, field: str) -> dt.date:
    """A date from ``YYYY-MM-DD``; ValidationError (in Vietnamese) otherwise."""
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: _("Ngày không hợp lệ (định dạng YYYY-MM-DD).")}) from None


def parse_range(start: str | None, end: str | None) -> Period:
    """A period from two ``YYYY-MM-DD`` strings; ValidationError if bad, reversed or too long."""
    period = Period(parse_day(start, "from"), parse_day(end, "to"))
    if period.end < period.start:
        raise ValidationError({"to": _("Ngày kết thúc không được trước ngày bắt đầu.")})
    if period.days > MAX_DAYS:
        raise ValidationError({"to": _("Khoảng thời gian quá dài (tối đa 10 năm).")})
    return period


def full_months(period: Period) -> list[dt.date]:
    """First days of the calendar months that lie entirely inside ``period``."""
    months = []
    month = period.start.replace(day=1)
    if month < period.start:
        month = _month_end(month) + dt.timedelta(days=1)
    while _month_end(month) <= period.end:
        months.append(month)
        month = _month_end(month) + dt.timedelta(days=1)
    return months


def month_end(month: dt.date) -> dt.date:
    """The last day of the month that ``month`` falls in."""
    return _month_end(month)
