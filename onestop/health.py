"""``GET /healthz``: whether the database answers, for load balancers and monitoring.

No login, no rate limit, no session and no cookie; it says nothing but "ok" or
"unavailable". The check has an engine of its own with short timeouts, so that a
database that hangs answers 503 within seconds and never waits for the app's pool.
"""

import logging

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from onestop.extensions import db

bp = Blueprint("health", __name__)
ENGINE = "onestop.health_engine"
TIMEOUT_SECONDS = 2
log = logging.getLogger(__name__)

# SQLite: a statement that reads the file's first page, so a missing or damaged file fails.
STATEMENTS = {"sqlite": "SELECT 1 FROM sqlite_master LIMIT 1", "postgresql": "SELECT 1"}


def health_engine(url) -> Engine:
    """A small engine for the check: it gives up after TIMEOUT_SECONDS instead of queueing."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": TIMEOUT_SECONDS})

        @event.listens_for(engine, "connect")
        def _short_busy_timeout(dbapi_connection, _record):
            # After the app's own connect hook, which sets a long busy timeout for writers.
            dbapi_connection.execute(f"PRAGMA busy_timeout={TIMEOUT_SECONDS * 1000}")

        return engine
    return create_engine(
        url,
        connect_args={
            "connect_timeout": TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={TIMEOUT_SECONDS * 1000}",
        },
        pool_size=1,
        max_overflow=2,
        pool_timeout=TIMEOUT_SECONDS,
        pool_recycle=3600,
    )


def database_answers(engine: Engine) -> bool:
    """Whether the database runs a trivial statement; one retry after a dropped connection."""
    statement = text(STATEMENTS.get(engine.dialect.name, "SELECT 1"))
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                connection.execute(statement).all()
            return True
        except DBAPIError as error:
            # A pooled connection that the server closed (a restart) is invalidated with
            # the whole pool; the next attempt connects afresh.
            if not (error.connection_invalidated and attempt == 1):
                log.warning("Health check: database unavailable (%s).", type(error.orig).__name__)
                return False
        except SQLAlchemyError as error:
            log.warning("Health check: database unavailable (%s).", type(error).__name__)
            return False
    return False


@bp.get("/healthz")
def healthz():
    ok = database_answers(current_app.extensions[ENGINE])
    response = jsonify(database="ok" if ok else "unavailable")
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    with app.app_context():
        app.extensions[ENGINE] = health_engine(db.engine.url)
    app.register_blueprint(bp)
