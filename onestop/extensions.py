"""The extension objects, created once here and bound in create_app."""

import functools
import sqlite3
from pathlib import Path

from flask import Flask, current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from onestop import ratelimit

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# expire_on_commit=False: a domain function returns the objects it committed,
# and touching them afterwards must not open a second, deferred transaction.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # We emit BEGIN ourselves (below), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching to WAL while another process holds the file needs it.
    for pragma in (
        "busy_timeout=15000",
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    if connection.dialect.name == "sqlite":
        # A write transaction takes SQLite's single writer lock up front, so two
        # writers queue instead of failing on a stale snapshot; reads stay shared.
        options = connection.get_execution_options()
        if options.get("single_read"):
            return  # one statement, in SQLite's own autocommit: no BEGIN, nothing to roll back
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_write") else "BEGIN")


SINGLE_READ_ENGINE = "onestop.single_read_engine"


def begin_write() -> None:
    """Open the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    On SQLite it must be the first statement of its transaction, so a read transaction
    still open is ended first. On PostgreSQL row locks (upserts, SELECT ... FOR UPDATE)
    do the serialising, and each statement reads what is committed (READ COMMITTED):
    the open transaction simply goes on, which saves two round trips.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={"sqlite_write": True})


def begin_autocommit() -> None:
    """PostgreSQL: from here to the session's commit, each statement commits by itself.

    For work whose statements each leave the data whole (the kiosk's ticket): a row lock
    that a statement takes ends with that statement, instead of one round trip later at
    COMMIT, while the worker may be waiting for its turn at the GIL; and no BEGIN is sent.
    A read transaction still open is committed first. SQLite: nothing changes.
    """
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.in_transaction():
        if session.connection().connection.driver_connection.autocommit:
            return
        session.commit()
    # psycopg's own switch, undone when the connection goes back to the pool
    # (_end_autocommit): SQLAlchemy's isolation-level option costs more than a statement.
    session.connection().connection.driver_connection.autocommit = True


def _end_autocommit(dbapi_connection, _record) -> None:
    if dbapi_connection is not None and not dbapi_connection.closed and dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


def autocommit_view(view):
    """A view whose statements each leave the data whole: begin_autocommit() before it."""

    @functools.wraps(view)
    def each_statement_commits(*args, **kwargs):
        begin_autocommit()
        return view(*args, **kwargs)

    return each_statement_commits


def single_read_engine() -> Engine:
    """The engine for a one-statement read outside the session (the board's 304 polls).

    The statement runs alone, with no BEGIN before it and no ROLLBACK after it. On
    PostgreSQL that is a small pool of its own whose connections are in autocommit
    from the start (switching a shared pool's connection to autocommit and back at
    each checkout cost more than the query); on SQLite, the app's engine with our
    BEGIN left out (see _sqlite_on_begin).
    """
    return current_app.extensions[SINGLE_READ_ENGINE]


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkin", _end_autocommit)
        app.extensions[SINGLE_READ_ENGINE] = create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_size=4,
            max_overflow=4,
            pool_recycle=3600,
        )
    else:
        app.extensions[SINGLE_READ_ENGINE] = engine.execution_options(single_read=True)
    migrate.init_app(
        app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    ratelimit.init_app(app)
