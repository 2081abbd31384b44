"""SQL expressions that mean the same on SQLite and PostgreSQL, used by several packages.

Timestamps are stored as UTC (``onestop.dbtypes.UTCDateTime``: naive UTC text on SQLite,
timestamptz on PostgreSQL); each construct compiles to the dialect's own functions.
"""

from sqlalchemy import Float
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from onestop.extensions import db


def upsert(model):
    """An INSERT that takes ON CONFLICT clauses, for the session's database.

    Both dialects spell ``on_conflict_do_update(...).returning(...)`` alike, so counters and
    versions are taken in one statement that concurrent writers serialise on.
    """
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


class seconds_between(FunctionElement):
    """Seconds from the first timestamp to the second, as a float (negative if it is earlier)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


class clamped(FunctionElement):
    """clamped(value, low, high): the value brought within low..high."""

    type = Float()
    inherit_cache = True
    name = "clamped"


@compiles(clamped, "sqlite")
def _clamped_sqlite(element, compiler, **kw):
    value, low, high = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"min(max({value}, {low}), {high})"  # SQLite's scalar min/max of several arguments


@compiles(clamped, "postgresql")
def _clamped_postgresql(element, compiler, **kw):
    value, low, high = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"LEAST(GREATEST({value}, {low}), {high})"
