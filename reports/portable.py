"""SQL expressions that mean the same on SQLite and PostgreSQL: rounded seconds, local dates
and hours (durations, which the queue needs too, are ``onestop.sql.seconds_between``).

Timestamps are stored as UTC (``onestop.dbtypes.UTCDateTime``: naive UTC text on SQLite,
timestamptz on PostgreSQL). Each construct below compiles to the dialect's own
functions so that both databases return the same numbers for the same rows.
"""

import datetime as dt

from sqlalchemy import Date, Integer, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from onestop.clock import LOCAL_TZ
from onestop.extensions import db

# Vietnam has kept UTC+7 without daylight saving since 1975, so SQLite (which has no
# time-zone database) can shift by a constant; PostgreSQL converts by the zone's name.
_OFFSET_HOURS = int(dt.datetime(2000, 1, 1, tzinfo=LOCAL_TZ).utcoffset().total_seconds() // 3600)
_SQLITE_SHIFT = f"'{_OFFSET_HOURS:+d} hours'"


class whole_seconds(FunctionElement):
    """Non-negative seconds rounded half up to an integer, the same way on both databases.

    (PostgreSQL's ROUND on a double rounds half to even and a CAST rounds, SQLite's CAST
    truncates: FLOOR(x + 0.5) and CAST(x + 0.5) agree for the non-negative values given here.)
    """

    type = Integer()
    inherit_cache = True
    name = "whole_seconds"


@compiles(whole_seconds, "sqlite")
def _whole_sqlite(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)}) + 0.5 AS INTEGER)"


@compiles(whole_seconds, "postgresql")
def _whole_postgresql(element, compiler, **kw):
    return f"CAST(FLOOR(({compiler.process(element.clauses, **kw)}) + 0.5) AS INTEGER)"


class local_date(FunctionElement):
    """The local calendar date (Asia/Ho_Chi_Minh) of a UTC timestamp."""

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, {_SQLITE_SHIFT})"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    return f"CAST(timezone('{LOCAL_TZ.key}', {compiler.process(element.clauses, **kw)}) AS DATE)"


class local_hour(FunctionElement):
    """The local hour of the day (0-23) of a UTC timestamp."""

    type = Integer()
    inherit_cache = True
    name = "local_hour"


@compiles(local_hour, "sqlite")
def _local_hour_sqlite(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('%H', {arg}, {_SQLITE_SHIFT}) AS INTEGER)"


@compiles(local_hour, "postgresql")
def _local_hour_postgresql(element, compiler, **kw):
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(HOUR FROM timezone('{LOCAL_TZ.key}', {arg})) AS INTEGER)"


class month_start(FunctionElement):
    """The first day of the month of a date column."""

    type = Date()
    inherit_cache = True
    name = "month_start"


@compiles(month_start, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


class unindexed(FunctionElement):
    """A column that SQLite must not look up by index (``+column``, SQLite's documented way).

    SQLite plans without statistics unless ANALYZE has run, and prefers the index with the
    longest matching prefix: for "open dossiers received before T" it would read every
    dossier received before T through (office_id, received_at) instead of the few open
    ones through (office_id, status). PostgreSQL plans by its statistics: plain column.
    """

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(unindexed, "postgresql")
def _unindexed_postgresql(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


def report_transaction() -> None:
    """Prepare the current read transaction for report queries: on PostgreSQL, no JIT.

    The wait expressions make PostgreSQL misjudge row counts and cost, which switches on
    its JIT compiler: 0.7 s of compiling for a 0.25 s query over a month of a province's
    tickets (EXPLAIN ANALYZE). ``SET LOCAL`` ends with the transaction. (The engine option
    ``connect_args={"options": "-c jit=off"}`` would do it for every connection.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
