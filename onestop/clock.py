"""The only source of the current time: aware UTC, with local dates in Asia/Ho_Chi_Minh."""

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_fixed: dt.datetime | None = None


def now() -> dt.datetime:
    """The current instant as an aware UTC datetime (or the time a test has set)."""
    if _fixed is not None:
        return _fixed
    return dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """The current instant in Vietnam's time zone."""
    return now().astimezone(LOCAL_TZ)


def today() -> dt.date:
    """Today's date in Vietnam: the day of a ticket, a dossier, a report."""
    return local_now().date()


def local_date(instant: dt.datetime) -> dt.date:
    """The Vietnamese calendar date of an aware instant."""
    return instant.astimezone(LOCAL_TZ).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware UTC instant at which a local date begins."""
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ).astimezone(dt.UTC)


def set_now(instant: dt.datetime | None) -> None:
    """Fix the clock at ``instant`` (aware), or release it with ``None`` (tests, simulations)."""
    global _fixed
    if instant is not None and instant.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    _fixed = instant.astimezone(dt.UTC) if instant is not None else None
