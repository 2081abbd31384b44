"""Working-day arithmetic for due dates: weekends, Vietnamese holidays, office overrides.

A procedure's processing time is counted in one of three units:

- working days (the default): Mon-Fri less public holidays and the office's extra days off,
  plus make-up working days; 0 is a same-day procedure; a fraction is that share of the
  8-hour working day (0.5 working day = 4 working hours);
- calendar days: every day counts, and a deadline falling on a day off moves to the next
  working day (Bộ luật Dân sự 2015, Art. 147-148);
- working hours: office hours only (OFFICE_SESSIONS), from the instant of receipt.

A due date is always a local day: the result is on time when ready by the end of that day.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Same-day procedures: received by this local time -> returned the same day.
SAME_DAY_CUTOFF = time(15, 0)
# Any procedure: received after this local time -> counts from the next working day.
END_OF_OFFICE_DAY = time(17, 0)

# The office's working hours (domain.md 1.5, typical counter hours): they measure working hours
# and the fraction of a working day.
OFFICE_SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
MINUTES_PER_WORKING_DAY = sum(
    (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    for start, end in OFFICE_SESSIONS
)

WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
WORKING_HOURS = "working_hours"
UNITS = (WORKING_DAYS, CALENDAR_DAYS, WORKING_HOURS)

# A calendar with a whole year of consecutive days off is certainly a data error.
_MAX_CONSECUTIVE_DAYS_OFF = 366

_ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _package_calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Return (public holidays, official swapped working Saturdays) of ``year`` for Vietnam.

    :param year: Gregorian year.
    :returns: two frozensets of dates, both restricted to ``year``.
    """
    vn = holidays.country_holidays("VN", years=year)
    days_off = frozenset(d for d in vn if d.year == year)
    # weekend_workdays also carries a few fixed historical entries; keep this year's only.
    workdays = frozenset(d for d in getattr(vn, "weekend_workdays", ()) if d.year == year)
    return days_off, workdays


def _minutes(clock: time) -> float:
    """Minutes since midnight, seconds included."""
    return clock.hour * 60 + clock.minute + (clock.second / 60 + clock.microsecond / 60e6)


def _amount(value: object) -> Decimal:
    """A processing time as an exact Decimal (floats read as their shortest decimal text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"processing time must be a number, got {type(value).__name__}")
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError("processing time must be a finite number, not negative")
    return amount


def _check_date(value: object, name: str) -> date:
    """Reject datetimes and non-dates so that no time zone is silently dropped."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value


def due_end(due: date) -> datetime:
    """Return the last instant of the due date, as an aware UTC datetime.

    A result ready at or before this instant is on time; after it, late.

    :param due: the due date (local calendar day in Asia/Ho_Chi_Minh).
    :returns: ``due`` 23:59:59.999999 local time, converted to UTC.
    """
    _check_date(due, "due")
    return datetime.combine(due, time.max, tzinfo=LOCAL_TZ).astimezone(UTC)


@dataclass(frozen=True)
class WorkCalendar:
    """An office's working-day calendar: Vietnamese public holidays plus local overrides.

    :param extra_days_off: dates the office is closed although the package says it works.
    :param makeup_days: dates the office works although they are weekend days or holidays.
    """

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    makeup_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Accept any iterable of dates but store frozensets so the instance stays hashable.
        for name in ("extra_days_off", "makeup_days"):
            values = frozenset(getattr(self, name))
            for value in values:
                _check_date(value, name)
            object.__setattr__(self, name, values)

    def is_working_day(self, day: date) -> bool:
        """Tell whether ``day`` is a working day of this office.

        :param day: a calendar date.
        :returns: True on Mon-Fri that are not public holidays or extra days off, and on
            make-up days (the office's or the official swapped Saturdays).
        """
        _check_date(day, "day")
        # The office's make-up days win over everything else.
        if day in self.makeup_days:
            return True
        # The office's extra days off win over the package.
        if day in self.extra_days_off:
            return False
        package_off, package_workdays = _package_calendar(day.year)
        # Official swapped Saturdays (làm bù) are working days.
        if day in package_workdays:
            return True
        if day in package_off:
            return False
        return day.weekday() < 5

    def _next_working_day_after(self, day: date) -> date:
        """Return the first working day strictly after ``day``."""
        current = day
        for _ in range(_MAX_CONSECUTIVE_DAYS_OFF):
            current += _ONE_DAY
            if self.is_working_day(current):
                return current
        raise ValueError(f"no working day within {_MAX_CONSECUTIVE_DAYS_OFF} days after {day}")

    def add_working_days(self, start: date, n: int) -> date:
        """Return the n-th working day after ``start`` (``start`` itself is not counted).

        :param start: the day to count from.
        :param n: number of working days, >= 0; 0 returns ``start`` when it is a working day,
            otherwise the next working day.
        :returns: a working day.
        """
        _check_date(start, "start")
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start if self.is_working_day(start) else self._next_working_day_after(start)
        current = start
        for _ in range(n):
            current = self._next_working_day_after(current)
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Count the working days in the half-open interval (a, b].

        :param a: start, excluded.
        :param b: end, included.
        :returns: the number of working days; 0 when ``b`` is not after ``a``.
        """
        _check_date(a, "a")
        _check_date(b, "b")
        if b <= a:
            return 0
        count = 0
        current = a + _ONE_DAY
        while current <= b:
            if self.is_working_day(current):
                count += 1
            current += _ONE_DAY
        return count

    def _working_time_runs_out(self, day: date, clock: time, minutes: float) -> date:
        """Return the day on which ``minutes`` of office time, counted from ``clock`` on ``day``,
        are used up; time before, between and after the sessions and days off do not count.
        """
        if not self.is_working_day(day):
            day, clock = self._next_working_day_after(day), time.min
        remaining, at = minutes, _minutes(clock)
        for _ in range(_MAX_CONSECUTIVE_DAYS_OFF * 10):
            for start, end in OFFICE_SESSIONS:
                available = _minutes(end) - max(at, _minutes(start))
                if available <= 0:
                    continue
                if remaining <= available:
                    return day
                remaining -= available
                at = _minutes(end)
            day, at = self._next_working_day_after(day), 0
        raise ValueError(f"processing time of {minutes} working minutes is too long")

    def due_date(
        self,
        received_local: datetime,
        processing_time: int | float | Decimal,
        unit: str = WORKING_DAYS,
    ) -> date:
        """Return the due date of a dossier.

        :param received_local: aware receipt time (converted to Asia/Ho_Chi_Minh if needed).
        :param processing_time: the legal processing time in ``unit``; 0 working days means
            same-day; fractions of a working day or hour are allowed; calendar days are whole.
        :param unit: ``working_days``, ``calendar_days`` or ``working_hours``.
        :returns: the local due date.
        """
        if not isinstance(received_local, datetime) or received_local.tzinfo is None:
            raise ValueError("received_local must be an aware datetime")
        if unit not in UNITS:
            raise ValueError(f"unknown processing time unit {unit!r}")
        amount = _amount(processing_time)
        local = received_local.astimezone(LOCAL_TZ)
        day, clock = local.date(), local.timetz().replace(tzinfo=None)
        working = self.is_working_day(day)
        if unit == WORKING_HOURS:
            if amount == 0:
                raise ValueError("a processing time in working hours must be positive")
            # Hours run from the instant of receipt (Bộ luật Dân sự 2015, Art. 147(1)).
            return self._working_time_runs_out(day, clock, float(amount) * 60)
        if amount == 0:
            if unit == CALENDAR_DAYS:
                raise ValueError("a processing time in calendar days must be positive")
            # Same-day: due today when received by 15:00 on a working day, else next working day.
            if working and clock <= SAME_DAY_CUTOFF:
                return day
            return self._next_working_day_after(day)
        # Received on a day off or after 17:00: counts as received the next working morning.
        if working and clock <= END_OF_OFFICE_DAY:
            effective, start_clock = day, clock
        else:
            effective, start_clock = self._next_working_day_after(day), time.min
        whole, fraction = int(amount), amount - int(amount)
        if unit == CALENDAR_DAYS:
            if fraction:
                raise ValueError("a processing time in calendar days must be a whole number")
            # Every day counts from the day after receipt (Bộ luật Dân sự 2015, Art. 147(2));
            # a deadline on a weekend, holiday or the office's day off moves to the next working
            # day (Art. 148(5)).
            due = effective + timedelta(days=whole)
            return due if self.is_working_day(due) else self._next_working_day_after(due)
        # The clock starts at receipt: the n-th working day after the effective receipt day.
        due = self.add_working_days(effective, whole)
        if not fraction:
            return due
        # The fraction is that share of a working day, counted on from the receipt's time of day.
        return self._working_time_runs_out(
            due, start_clock, float(fraction) * MINUTES_PER_WORKING_DAY
        )

    def extend_for_pause(
        self, due: date, paused_from: date, paused_to: date, unit: str = WORKING_DAYS
    ) -> date:
        """Shift a due date by the time spent waiting for a supplement.

        The clock stops while the citizen completes the dossier: the due date moves forward
        by the days in (paused_from, paused_to] that the procedure's unit counts: calendar
        days for a procedure counted in calendar days (landing, like any such deadline, on
        a working day), working days otherwise (a procedure in working hours is due at the
        end of a day, so its pause is counted in whole working days too).

        :param due: the current due date.
        :param paused_from: local day the supplement was requested.
        :param paused_to: local day the supplement was completed.
        :param unit: the procedure's processing-time unit.
        :returns: the new due date (``due`` itself when the pause held no counted day).
        """
        _check_date(due, "due")
        if paused_to < paused_from:
            raise ValueError("paused_to must not be before paused_from")
        if unit == CALENDAR_DAYS:
            lost = (paused_to - paused_from).days
            if not lost:
                return due
            moved = due + timedelta(days=lost)
            return moved if self.is_working_day(moved) else self._next_working_day_after(moved)
        lost = self.working_days_between(paused_from, paused_to)
        return self.add_working_days(due, lost) if lost else due

    # Also reachable from an instance, for callers holding only a calendar.
    due_end = staticmethod(due_end)
