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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, literal, select

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


def bump_versions(office_id: int, services: Iterable = (), counters: Iterable = ()) -> int:
    """Mark what the office's screens show as changed, in the caller's write transaction.

    The office's version (board, floor) always; the versions of ``services`` (the phone
    pages of their tickets, the consoles of their counters) and of ``counters`` (their
    consoles and rating tablets) too; None entries are skipped. Returns the office's new
    version.
    """
    rows = {}
    for (model, key, _owner, _prefix), ids in zip(
        board_watch.SCOPED, (services, counters), strict=True
    ):
        keys = sorted({id_ for id_ in ids if id_ is not None})
        if keys:
            values = [{key.name: id_, "office_id": office_id, "version": 1} for id_ in keys]
            rows[model] = upsert(model).values(values)
    return _bump(office_id, rows)


def bump_office(office_id: int) -> int:
    """Mark everything the office's screens show as changed, every service and counter too.

    For the office's settings, hours, staff and devices, which any of its screens may show.
    """
    rows = {}
    for model, key, owner, _prefix in board_watch.SCOPED:
        ids = select(owner.id, owner.office_id, literal(1)).where(owner.office_id == office_id)
        rows[model] = upsert(model).from_select(
            [key.name, "office_id", "version"], ids.order_by(owner.id)
        )
    return _bump(office_id, rows)


def _bump(office_id: int, rows: dict) -> int:
    """Add one to each version that ``rows`` (table -> INSERT) name, then to the office's.

    The caller's last statements, each taking its rows in key order: version rows are the
    last locks a write takes, always in the same order, so writes never wait on each other
    in a circle there, and PostgreSQL holds them the shortest. On PostgreSQL the new versions
    are also announced (NOTIFY, delivered at commit) to every process's board watch, which
    then answers the polls without a query.
    """
    announced = []
    for model, key, _owner, prefix in board_watch.SCOPED:
        if model in rows:
            statement = (
                rows[model]
                .on_conflict_do_update(
                    index_elements=[key.name], set_={"version": model.version + 1}
                )
                .returning(key, model.version)
            )
            announced += [
                f"{prefix}{id_}:{version}" for id_, version in db.session.execute(statement)
            ]
    board = (
        upsert(BoardVersion)
        .values(office_id=office_id, version=1)
        .on_conflict_do_update(
            index_elements=["office_id"], set_={"version": BoardVersion.version + 1}
        )
        .returning(BoardVersion.version)
    )
    version = db.session.execute(board).scalar_one()
    if _dialect() == "postgresql":
        payload = " ".join([f"{office_id}:{version}", *announced])
        db.session.execute(select(func.pg_notify(board_watch.CHANNEL, payload)))
    return version
