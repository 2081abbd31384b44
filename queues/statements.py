"""The queue's hot statements (kiosk issue, call-next), built once per dialect.

Building a statement costs more than running it, so these are made once and run with
bound values (queues.tickets). On PostgreSQL the kiosk's issue is two statements that
each commit by themselves; SQLite runs its sequence inside BEGIN IMMEDIATE.
"""

import functools
from types import SimpleNamespace

from sqlalchemy import Date, bindparam, exists, func, insert, literal, or_, select, true, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, CursorResult

from onestop.dbtypes import UTCDateTime
from onestop.models import Office
from queues import board_watch, devices, waiting
from queues.models import (
    BoardVersion,
    Counter,
    DailyCounter,
    Device,
    OfficeSession,
    Service,
    Ticket,
    TicketEvent,
    counter_service,
)


@functools.cache
def statements_for(dialect: str) -> SimpleNamespace:
    """The hot paths' Core statements, built once per dialect (building costs more than running)."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite_dialect.insert
    next_number = (
        insert_for(DailyCounter)
        .values(service_id=bindparam("service_id"), day=bindparam("day"), last_number=1)
        .on_conflict_do_update(
            index_elements=["service_id", "day"], set_={"last_number": DailyCounter.last_number + 1}
        )
        .returning(DailyCounter.last_number)
    )
    bump_board = (
        insert_for(BoardVersion)
        .values(office_id=bindparam("office_id"), version=1)
        .on_conflict_do_update(
            index_elements=["office_id"], set_={"version": BoardVersion.version + 1}
        )
    )
    issue = count_and_bump = None
    if dialect == "postgresql":

        def notifying(bumped):
            # The same round trip tells every process's board watch, at commit (board_watch).
            return func.pg_notify(
                board_watch.CHANNEL, func.concat(bumped.c.office_id, ":", bumped.c.version)
            )

        bumped = bump_board.returning(BoardVersion.office_id, BoardVersion.version).cte("bumped")
        bump_board = select(notifying(bumped)).select_from(bumped)
        issue = _issue_in_one_statement(next_number)
        count_and_bump = {
            priority: _count_then_bump(waiting.position_query(priority), notifying)
            for priority in (True, False)
        }
    ticket, event, counter, service, office = (
        Ticket.__table__,
        TicketEvent.__table__,
        Counter.__table__,
        Service.__table__,
        Office.__table__,
    )
    at = bindparam("at", type_=UTCDateTime())
    today = bindparam("today", type_=Date())
    served = (
        select(counter_service.c.service_id)
        .join(service, service.c.id == counter_service.c.service_id)
        .where(counter_service.c.counter_id == bindparam("counter"), service.c.active.is_(True))
    )
    first_waiting = (
        select(ticket.c.id)
        .where(ticket.c.service_id.in_(served), ticket.c.day == today, ticket.c.status == "waiting")
        .order_by(ticket.c.priority.desc(), ticket.c.issued_at, ticket.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    service_columns = [
        service.c[name]
        for name in (
            "id",
            "office_id",
            "code",
            "letter",
            "name",
            "active",
            "default_service_min",
            "last_ticket",
        )
    ]
    # Read with the service, as the kiosk's estimate needs them: one read instead of three.
    pace_columns = [
        *waiting.recent_pace_columns(service.c.id),
        waiting.open_counters_of(service.c.id).scalar_subquery().label("open_counters"),
    ]
    # Whether the office keeps hours (queues.hours): an office open around the clock needs
    # no further read to issue.
    sessions = OfficeSession.__table__
    pace_columns.append(
        exists().where(sessions.c.office_id == service.c.office_id).label("has_hours")
    )
    return SimpleNamespace(
        service_by_code=select(*service_columns, *pace_columns).where(
            service.c.office_id == bindparam("office_id"), service.c.code == bindparam("code")
        ),
        # The office by its code and, joined, its service by its code (NULLs when none).
        service_at_office=select(
            office.c.id.label("at_office_id"),
            office.c.code.label("at_office_code"),
            *service_columns,
            *pace_columns,
            *devices.joined_device_columns(),
        )
        .select_from(
            office.outerjoin(
                service,
                (service.c.office_id == office.c.id) & (service.c.code == bindparam("code")),
            ).outerjoin(Device.__table__, Device.__table__.c.id == bindparam("device_id"))
        )
        .where(office.c.code == bindparam("office_code"), office.c.active.is_(True)),
        service_by_id=select(*service_columns).where(service.c.id == bindparam("id")),
        services_of_office=select(*service_columns).where(
            service.c.office_id == bindparam("office_id")
        ),
        office_by_id=select(office.c.id, office.c.code).where(office.c.id == bindparam("id")),
        counter_by_id=select(
            counter.c.id, counter.c.number, counter.c.office_id, counter.c.active
        ).where(counter.c.id == bindparam("id")),
        ticket_of_request=select(ticket).where(ticket.c.request_id == bindparam("request_id")),
        next_number=next_number,
        bump_board=bump_board,
        issue=issue,
        count_and_bump=count_and_bump,
        insert_ticket=insert(ticket).returning(ticket.c.id),
        insert_event=insert(event),
        lock_counter=select(counter.c.number, counter.c.is_open, counter.c.active)
        .where(counter.c.id == bindparam("counter"))
        .with_for_update(),
        close_current=update(ticket)
        .where(
            ticket.c.counter_id == bindparam("counter"),
            ticket.c.day == today,
            # Two comparisons, not IN: an IN list is rendered anew at every execution.
            or_(ticket.c.status == "called", ticket.c.status == "serving"),
            ticket.c.id != bindparam("keep"),
        )
        .values(status="done", finished_at=at)
        .returning(ticket.c.id, ticket.c.office_id, ticket.c.service_id),
        # Taking and marking the first waiting ticket is one statement: on PostgreSQL its
        # subquery skips rows another counter has locked, so each counter gets its own.
        call_first_waiting=update(ticket)
        .where(ticket.c.id == first_waiting)
        .values(
            status="called",
            called_at=func.coalesce(ticket.c.called_at, at),
            last_called_at=at,
            counter_id=bindparam("counter"),
            officer_id=bindparam("officer"),
        )
        .returning(*ticket.c),
    )


ISSUED_COLUMNS = (
    "office_id",
    "service_id",
    "issued_service_id",
    "day",
    "number",
    "priority",
    "priority_reason",
    "status",
    "issued_at",
    "queued_at",
    "called_at",
    "last_called_at",
    "started_at",
    "finished_at",
    "counter_id",
    "officer_id",
    "recall_count",
    "waited_before_min",
    "token",
    "request_id",
)


def _issue_in_one_statement(next_number):
    """PostgreSQL: the number, the ticket and its "issued" event in one round trip.

    Data-modifying CTEs: the ticket takes the number the upsert returns, the event
    the id the ticket insert returns. Answers (id, number).
    """
    ticket, event = Ticket.__table__, TicketEvent.__table__
    number = next_number.cte("number")
    value = {name: bindparam(name, type_=ticket.c[name].type) for name in ISSUED_COLUMNS}
    value["number"] = number.c.last_number
    issued = (
        insert(ticket)
        .from_select(ISSUED_COLUMNS, select(*(value[name] for name in ISSUED_COLUMNS)))
        .returning(ticket.c.id, ticket.c.number)
        .cte("issued")
    )
    issued_event = insert(event).from_select(
        ("ticket_id", "office_id", "kind", "at", "service_id", "note"),
        select(
            issued.c.id,
            value["office_id"],
            literal("issued"),
            value["issued_at"],
            value["service_id"],
            bindparam("note", type_=event.c.note.type),
        ),
    )
    return select(issued.c.id, issued.c.number).add_cte(issued_event.cte("issued_event"))


def _count_then_bump(position_query, notifying):
    """PostgreSQL: people ahead of the new ticket, then the board's bump, in one statement.

    It runs after the ticket's own statement has committed, so it sees every ticket
    numbered before it. The bump takes its row from the count: the count is done before
    the office's board row is locked, which is then held for the bump and the commit only.
    """
    ahead = select(position_query.scalar_subquery().label("people")).cte("ahead")
    bumped = (
        postgresql.insert(BoardVersion)
        .from_select(
            ["office_id", "version"], select(bindparam("office_id"), literal(1)).select_from(ahead)
        )
        .on_conflict_do_update(
            index_elements=["office_id"], set_={"version": BoardVersion.version + 1}
        )
        .returning(BoardVersion.office_id, BoardVersion.version)
        .cte("bumped")
    )
    return select(ahead.c.people, notifying(bumped)).select_from(ahead.join(bumped, true()))


def run(connection: Connection, statement, params: dict) -> CursorResult:
    """Execute one of the kiosk ticket's statements with these values.

    On PostgreSQL its SQL, compiled once, goes to the driver as it is: SQLAlchemy's work
    at each execution (cache key, parameter and result processing) was 8 % of a kiosk
    ticket's Python instructions. The values must then be what psycopg takes as they
    are (aware datetimes, dates, numbers, strings), and result columns come back as
    psycopg gives them. SQLite's datetimes need UTCDateTime's conversion: there, the
    statement runs as usual.
    """
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, params)
    sql, fixed_values = _driver_sql(statement, connection.dialect)
    return connection.exec_driver_sql(sql, {**fixed_values, **params})


@functools.cache
def _driver_sql(statement, dialect) -> tuple[str, dict]:
    """The statement's SQL for this dialect and the values it fixes itself (its literals)."""
    compiled = statement.compile(dialect=dialect)
    return str(compiled), dict(compiled.params)
