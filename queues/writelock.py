"""A writer lock for SQLite files that hands over at once instead of SQLite's sleeping busy handler.

SQLite allows one writer; a second BEGIN IMMEDIATE waits in SQLite's busy handler,
which sleeps 1, 2, 5, 10 ... ms between retries, so colliding writers of several
threads or gunicorn workers lose milliseconds each time. Queue writers therefore
first take a thread lock and an flock on a file next to the database: waiting on
those wakes up the moment the previous writer commits, so BEGIN IMMEDIATE almost
never finds the database busy. Writers that skip this lock (other packages, the
CLI) still queue correctly through busy_timeout. PostgreSQL needs none of this.
"""

import fcntl
import os
import threading
from contextlib import contextmanager

from onestop.extensions import begin_write, db

_thread_lock = threading.Lock()
# One descriptor per process and file: flock excludes open file descriptions, and a
# descriptor inherited across gunicorn's fork would be shared by the workers.
_descriptors: dict[tuple[int, str], int] = {}


def _lock_path() -> str | None:
    url = db.session.get_bind().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return url.database + "-writer.lock"


def _descriptor(path: str) -> int:
    key = (os.getpid(), path)
    if key not in _descriptors:
        _descriptors[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return _descriptors[key]


@contextmanager
def sqlite_writer_lock():
    """Hold the process's and the file's writer lock for a SQLite write; no-op elsewhere."""
    path = _lock_path()
    if path is None:
        yield
        return
    with _thread_lock:
        fd = _descriptor(path)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def writing():
    """A write unit of work: writer lock, BEGIN IMMEDIATE; anything raised inside rolls it back."""
    with sqlite_writer_lock():
        begin_write()
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
