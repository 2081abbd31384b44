"""Copying the database out and back in: SQLite's online backup API, pg_dump and pg_restore.

Both copies are one consistent snapshot taken while the app goes on writing, and the
row counts of every table are read in that same snapshot, so a restore can check
that it got back exactly what was copied.
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

# (done, total): pages for SQLite, tables for PostgreSQL.
Progress = Callable[[int, int], None]

# 4 MB per step with SQLite's default 4 KB pages: a few hundred steps for a year of history.
PAGES_PER_STEP = 1024
BUSY_TIMEOUT_MS = 15000


class DumpError(Exception):
    """The database could not be copied or restored; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    """What a copy holds: the rows of each table and the schema's migration revisions."""

    rows: dict[str, int]
    revisions: list[str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite --------------------------------------------------------------------------------------


def sqlite_path(url: URL) -> Path:
    """The file of an SQLite database URL; DumpError for an in-memory database."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise DumpError("Only an SQLite database in a file can be backed up or restored.")
    return Path(url.database)


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level None: this module says BEGIN itself, exactly where it needs one.
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection


def sqlite_snapshot(connection: sqlite3.Connection) -> Snapshot:
    """Row counts and migration revisions of an SQLite database, as ``connection`` sees it."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    rows = {
        name: connection.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]
        for name in names
    }
    revisions = []
    if "alembic_version" in rows:
        revisions = sorted(
            r[0] for r in connection.execute("SELECT version_num FROM alembic_version")
        )
    return Snapshot(rows, revisions)


def sqlite_dump(url: URL, target: Path, progress: Progress) -> Snapshot:
    """Copy the live SQLite database into the new file ``target`` with the online backup API."""
    path = sqlite_path(url)
    if not path.is_file():
        raise DumpError(f"There is no database file at {path}.")
    source = _connect(path)
    try:
        # One read transaction held across every step pins one snapshot. Without it, any
        # write by the app between two steps restarts the copy, and steady ticket issuing
        # restarts it for ever. In WAL mode the app's writers go on meanwhile.
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            source.backup(
                copy,
                pages=PAGES_PER_STEP,
                progress=lambda _status, remaining, total: progress(total - remaining, total),
            )
            # One self-contained file, with no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            snapshot = sqlite_snapshot(copy)
        finally:
            copy.close()
        source.execute("ROLLBACK")
    except sqlite3.Error as error:
        raise DumpError(f"SQLite could not copy the database: {error}") from error
    finally:
        source.close()
    return snapshot


def sqlite_check(copy_path: Path) -> Snapshot:
    """Open a copy and count its rows; DumpError when SQLite cannot read it."""
    try:
        connection = sqlite3.connect(f"{copy_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return sqlite_snapshot(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise DumpError(f"SQLite cannot read the copy: {error}") from error


def sqlite_restore(copy_path: Path, url: URL, progress: Progress) -> Snapshot:
    """Write a copy into the configured SQLite database in place, through the backup API.

    SQLite holds the database's write lock from the first step to the last, so the
    app's connections see the old database or the new one, never a mixture.
    """
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = sqlite3.connect(f"{copy_path.resolve().as_uri()}?mode=ro", uri=True)
        live = _connect(path)
        try:
            source.backup(
                live,
                pages=PAGES_PER_STEP,
                progress=lambda _status, remaining, total: progress(total - remaining, total),
            )
            return sqlite_snapshot(live)
        finally:
            live.close()
            source.close()
    except sqlite3.Error as error:
        raise DumpError(f"SQLite could not restore the copy: {error}") from error


# --- PostgreSQL ----------------------------------------------------------------------------------


def _libpq_value(value: object) -> str:
    text_value = str(value)
    return "'" + text_value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def client_arguments(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string and environment for pg_dump / pg_restore.

    The password travels in PGPASSWORD, never on the command line (where ``ps`` shows it).
    """
    params: dict[str, object] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    for key, value in url.query.items():
        params[key] = value[-1] if isinstance(value, tuple) else value
    conninfo = " ".join(
        f"{key}={_libpq_value(value)}" for key, value in params.items() if value not in (None, "")
    )
    environment = dict(os.environ)
    environment.pop("PGPASSWORD", None)
    if url.password:
        environment["PGPASSWORD"] = url.password
    return conninfo, environment


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DumpError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's"
            " version (e.g. apt-get install postgresql-client-15)."
        )
    return found


def _run(arguments: list[str], environment: dict, marker: str, total: int, progress: Progress):
    """Run a PostgreSQL client, counting its --verbose lines that contain ``marker``."""
    done, messages = 0, []
    with subprocess.Popen(
        arguments,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        for line in process.stderr:
            if marker in line:
                done += 1
                progress(min(done, total), total)
            elif "error" in line or "warning" in line or "FATAL" in line:
                messages.append(line.strip())
    if process.returncode != 0:
        name = Path(arguments[0]).name
        raise DumpError(f"{name} failed: " + (" ".join(messages[-3:]) or "no message"))


def postgres_snapshot(connection) -> Snapshot:
    """Row counts and migration revisions of a PostgreSQL database, as ``connection`` sees it."""
    tables = connection.execute(
        text(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            " ORDER BY schemaname, tablename"
        )
    ).all()
    rows = {}
    for schema, table in tables:
        name = table if schema == "public" else f"{schema}.{table}"
        rows[name] = connection.execute(
            text(f"SELECT count(*) FROM {_quote(schema)}.{_quote(table)}")
        ).scalar_one()
    revisions = []
    if "alembic_version" in rows:
        revisions = sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))
    return Snapshot(rows, revisions)


def postgres_dump(engine: Engine, target: Path, progress: Progress) -> Snapshot:
    """pg_dump (custom format) of the snapshot in which the rows are counted."""
    program = _program("pg_dump")
    conninfo, environment = client_arguments(engine.url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        # pg_dump dumps exactly the snapshot this transaction exports, and the counts are
        # read in it too; the transaction stays open until pg_dump has finished.
        snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        snapshot = postgres_snapshot(connection)
        _run(
            [
                program,
                "--format=custom",
                f"--snapshot={snapshot_id}",
                "--verbose",
                f"--file={target}",
                f"--dbname={conninfo}",
            ],
            environment,
            "dumping contents of table",
            len(snapshot.rows),
            progress,
        )
        connection.rollback()
    return snapshot


def postgres_check(copy_path: Path) -> None:
    """DumpError unless pg_restore can read the copy's table of contents."""
    result = subprocess.run(
        [_program("pg_restore"), "--list", str(copy_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise DumpError(f"pg_restore cannot read the copy: {result.stderr.strip()[:300]}")


def postgres_restore(copy_path: Path, engine: Engine, tables: int, progress: Progress) -> Snapshot:
    """pg_restore in one transaction: the tables of the copy replace those of the database.

    When anything fails, the transaction rolls back and the database is as it was.
    """
    program = _program("pg_restore")
    conninfo, environment = client_arguments(engine.url)
    engine.dispose()  # no connection of ours holds a table that is about to be dropped
    _run(
        [
            program,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            "--verbose",
            f"--dbname={conninfo}",
            str(copy_path),
        ],
        environment,
        "processing data for table",
        tables,
        progress,
    )
    with engine.connect() as connection:
        return postgres_snapshot(connection)
