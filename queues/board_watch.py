"""Poll versions held in memory and kept current by PostgreSQL notifications.

A TV board polls every 2 s and almost always hears "nothing changed" (304). Reading
the version from the database was the whole cost of that answer; on PostgreSQL a
thread per process listens instead:

- every bump of the versions (queues.store) also sends ``NOTIFY board_version`` with
  ``<office id>:<version>`` and the service's and counter's it bumped (``s<id>:<version>``,
  ``c<id>:<version>``) in its transaction; PostgreSQL delivers it when the transaction
  commits, in commit order, to every listening connection;
- the thread first LISTENs, then reads the versions of the active offices, their codes,
  services and counters, and from then on applies each notification; it reads them again
  every REFRESH_SECONDS, so a new or closed office, service or counter is seen within that
  time.

The held version is never ahead of the database, and it lags only by a notification's
delivery (about a millisecond): the board's content is read after its version, so a
304 never hides a change for longer than that. Until the thread listens, after a lost
connection, and for a code or scope it does not know, it answers None and the caller
reads the database (queues.board.office_version, queues.polls): the watch only saves work.
"""

import logging
import os
import threading
import time

from flask import current_app
from sqlalchemy import String, cast, create_engine, func, literal, select
from sqlalchemy.pool import NullPool

from onestop.extensions import db
from onestop.models import Office
from queues.models import BoardVersion, Counter, CounterVersion, Service, ServiceVersion

CHANNEL = "board_version"
REFRESH_SECONDS = 60.0
RETRY_SECONDS = 5.0
WAKE_SECONDS = 1.0  # how often the thread looks up from listening: to refresh or to stop
EXTENSION_KEY = "onestop.board_watch"
APPLICATION_NAME = "onestop board watch"

log = logging.getLogger(__name__)

_OFFICE_VERSIONS = (
    select(Office.code, Office.id, func.coalesce(BoardVersion.version, 0))
    .outerjoin(BoardVersion, BoardVersion.office_id == Office.id)
    .where(Office.active.is_(True))
)

# The finer versions: (table, its key, what it keys, the scope's prefix). A scope names a
# version in notifications and poll tags: "s12" (service 12), "c5" (counter 5), and an
# office is its bare id.
SERVICE_PREFIX, COUNTER_PREFIX = "s", "c"
SCOPED = (
    (ServiceVersion, ServiceVersion.service_id, Service, SERVICE_PREFIX),
    (CounterVersion, CounterVersion.counter_id, Counter, COUNTER_PREFIX),
)

_SCOPED_VERSIONS = [
    select(literal(prefix) + cast(key, String), model.version)
    .join(Office, Office.id == model.office_id)
    .where(Office.active.is_(True))
    for model, key, _owner, prefix in SCOPED
]

_starting = threading.Lock()


class BoardWatch:
    """One listening thread and what it has heard: office code -> id, office id -> version,
    scope -> version."""

    def __init__(self, url):
        self.pid = os.getpid()
        # Named, so that pg_stat_activity tells this connection from the request pool's.
        self._engine = create_engine(
            url, poolclass=NullPool, connect_args={"application_name": APPLICATION_NAME}
        )
        self._offices: dict[str, int] = {}
        self._active_ids: frozenset[int] = frozenset()
        self._versions: dict[int, int] = {}
        self._scoped: dict[str, int] = {}
        self._live = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="board-watch", daemon=True)
        self._thread.start()

    @property
    def live(self) -> bool:
        return self._live

    def version(self, office_code: str) -> tuple[int, int] | None:
        """(office id, board version) of an active office, or None: then ask the database."""
        office_id = self._offices.get(office_code) if self._live else None
        if office_id is None:
            return None
        return office_id, self._versions.get(office_id, 0)

    def version_by_id(self, office_id: int) -> int | None:
        """The board version of an active office by its id, or None: then ask the database."""
        if not self._live or office_id not in self._active_ids:
            return None
        return self._versions.get(office_id, 0)

    def scoped_version(self, scope: str) -> int | None:
        """The version of a service or counter of an active office ("s12", "c5"), or None:
        then ask the database."""
        return self._scoped.get(scope) if self._live else None

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=RETRY_SECONDS + WAKE_SECONDS)
        self._engine.dispose()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except Exception:  # a lost connection, a server restart: read the database meanwhile
                log.warning("board version notifications interrupted; retrying", exc_info=True)
            self._live = False
            self._stopping.wait(RETRY_SECONDS)

    def _listen(self) -> None:
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"LISTEN {CHANNEL}")
            listener = connection.connection.driver_connection
            loaded_at = None
            while not self._stopping.is_set():
                if loaded_at is None or time.monotonic() - loaded_at >= REFRESH_SECONDS:
                    # Read after LISTEN: a change committed meanwhile is both read and heard.
                    self._load(connection)
                    loaded_at = time.monotonic()
                    self._live = True
                for notice in listener.notifies(timeout=WAKE_SECONDS):
                    self._hear(notice.payload)

    def _load(self, connection) -> None:
        rows = connection.execute(_OFFICE_VERSIONS).all()
        self._versions = {office_id: version for _code, office_id, version in rows}
        self._offices = {code: office_id for code, office_id, _version in rows}
        self._active_ids = frozenset(self._offices.values())
        self._scoped = {
            scope: version
            for query in _SCOPED_VERSIONS
            for scope, version in connection.execute(query)
        }

    def _hear(self, payload: str) -> None:
        # Notifications come in commit order: the last one heard is the latest version.
        for heard in payload.split():
            scope, _, version = heard.partition(":")
            if scope.isdigit():
                self._versions[int(scope)] = int(version)
            elif scope in self._scoped:  # a new one is read from the database until the refresh
                self._scoped[scope] = int(version)


def current() -> BoardWatch | None:
    """This process's watch of the app's database, started on first use; None if not used.

    Used on PostgreSQL when BOARD_NOTIFICATIONS is on. Started lazily, so each
    gunicorn worker (a forked process) has its own thread.
    """
    app = current_app._get_current_object()
    on_postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if not (app.config["BOARD_NOTIFICATIONS"] and on_postgresql):
        return None
    watch = app.extensions.get(EXTENSION_KEY)
    if watch is not None and watch.pid == os.getpid():
        return watch
    with _starting:
        watch = app.extensions.get(EXTENSION_KEY)
        if watch is None or watch.pid != os.getpid():
            watch = app.extensions[EXTENSION_KEY] = BoardWatch(db.engine.url)
    return watch
