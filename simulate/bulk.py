"""Writing many rows fast: explicit ids, multi-row INSERT on SQLite, COPY on PostgreSQL.

Used by the simulator only, on a database at rest (no other writer inserting into the
same tables meanwhile): ids are handed out from max(id) + 1 so that tickets, their
events, ratings and dossiers can point at each other before anything is written, and
PostgreSQL's sequences are moved past them at the end.
"""

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Table, func, select, text

from onestop.extensions import db


class IdSource:
    """Hands out the next ids of a table, starting after the largest one stored."""

    def __init__(self, table: Table):
        self.table = table
        self.next = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_rows(table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the current transaction.

    Columns missing from the rows get their model's scalar or callable default.
    """
    if not rows:
        return
    columns = list(rows[0])
    defaults = {
        c.name: _default(c)
        for c in table.columns
        if c.name not in columns and c.default is not None
    }
    columns += list(defaults)
    values = (
        [row[c] for c in columns[: len(columns) - len(defaults)]] + list(defaults.values())
        for row in rows
    )
    if _is_postgresql():
        _copy(table, columns, values)
    else:
        _sqlite_insert(table, columns, values)


def _default(column):
    arg = column.default.arg
    # SQLAlchemy wraps a zero-argument default callable so that it takes the execution context.
    return arg(None) if callable(arg) else arg


def _sqlite_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


def _sqlite_converter(column):
    # SQLAlchemy's storage formats for SQLite DATETIME and DATE, written directly: the
    # per-value type processing of a Core executemany would triple the simulator's time.
    python_type = getattr(column.type, "impl", column.type).python_type
    if python_type is dt.datetime:
        return lambda v: None if v is None else _sqlite_datetime(v)
    if python_type is dt.date:
        return lambda v: None if v is None else v.isoformat()
    if python_type is bool:
        return lambda v: None if v is None else int(v)
    return None


def _sqlite_insert(table: Table, columns: list[str], values: Iterable[list]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    converters = [
        (i, f)
        for i, f in enumerate(_sqlite_converter(table.c[c]) for c in columns)
        if f is not None
    ]
    rows = []
    for row in values:
        for index, convert in converters:
            row[index] = convert(row[index])
        rows.append(tuple(row))
    db.session.connection().exec_driver_sql(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows
    )


def _copy(table: Table, columns: list[str], values: Iterable[list]) -> None:
    # psycopg adapts aware datetimes, dates, numbers and booleans for COPY itself.
    raw = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in values:
            copy.write_row(row)


def reset_sequences(tables: Iterable[Table]) -> None:
    """Move PostgreSQL's id sequences past the ids written explicitly (nothing to do on SQLite)."""
    if not _is_postgresql():
        return
    for table in tables:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'GREATEST((SELECT COALESCE(MAX(id), 0) FROM "{table.name}"), 1))'
            )
        )
