"""How the queue writes to its database: one transaction per use case, on SQLite and PostgreSQL.

Every queue write (issue, call, recall, no-show, requeue, transfer, start, finish, the
day's closing, counter and service edits) is one ``writing()`` block:

- SQLite allows one writer. The block opens with BEGIN IMMEDIATE, which takes the
  writer lock up front: writers queue (busy_timeout, onestop.extensions) instead of
  failing on a stale snapshot, and everything read inside is current. Numbering is
  serialised by that lock.
- PostgreSQL runs a plain READ COMMITTED transaction. Row locks serialise what must be:
  ``next_number``'s upsert locks the service's counter row for the day until the commit,
  so two issuers of one service never get the same number; call-next locks the counter
  and skips waiting tickets another counter has locked.

The block commits when it ends and rolls back on any exception, so a refused or failed
write stores nothing, and a rolled-back issue gives its number back (no gap).
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from onestop.extensions import begin_write, db
from onestop.sql import upsert
from queues import board_watch
from queues.models import BoardVersion, DailyCounter


@contextmanager
def writing() -> Iterator[None]:
    """One write transaction: BEGIN IMMEDIATE on SQLite; commit at the end, rollback on error.

    A read transaction still open is ended first, so the unit of work reads what is
    committed now (the objects it holds reload as they are touched).
    """
    session = db.session()
    if session.in_transaction():
        session.rollback()
    begin_write()
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def take_turns(key: str) -> None:
    """Writers of the same ``key`` take turns until the caller's write transaction ends.

    For a rule that counts rows before adding one (no row to lock yet): a PostgreSQL
    advisory lock; SQLite's write transactions take turns already.
    """
    if _dialect() == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


def next_number(service_id: int, day: dt.date) -> int:
    """The next ticket number of a service on a day; in the caller's write transaction."""
    statement = (
        upsert(DailyCounter)
        .values(service_id=service_id, day=day, last_number=1)
        .on_conflict_do_update(
            index_elements=["service_id", "day"], set_={"last_number": DailyCounter.last_number + 1}
        )
        .returning(DailyCounter.last_number)
    )
    return db.session.execute(statement).scalar_one()


def bump_board(office_id: int) -> int:
    """Mark the office's board as changed, in the caller's write transaction; its new version.

    On PostgreSQL the change is also announced (NOTIFY, delivered at commit) to every
    process's board watch, which then answers the boards' polls without a query.
    The caller's last statement: PostgreSQL then holds the board row's lock the shortest.
    """
    statement = (
        upsert(BoardVersion)
        .values(office_id=office_id, version=1)
        .on_conflict_do_update(
            index_elements=["office_id"], set_={"version": BoardVersion.version + 1}
        )
        .returning(BoardVersion.version)
    )
    version = db.session.execute(statement).scalar_one()
    if _dialect() == "postgresql":
        db.session.execute(select(func.pg_notify(board_watch.CHANNEL, f"{office_id}:{version}")))
    return version
