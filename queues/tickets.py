"""Ticket use cases: issue, call next or out of turn, recall, no-show, requeue, transfer, finish.

Each function is one unit of work: it opens a write transaction, checks the office
scope and the ticket's state, records a TicketEvent (kinds in EVENT_KINDS, with
time, counter and officer), bumps the office's board version and commits. The
kiosk's issue on PostgreSQL is two statements that each commit by themselves: the
ticket whole (number, row, event), then its people ahead and the board's bump.

Exactness under concurrency (DESIGN.md section 4):
- numbers come from a DailyCounter row bumped by INSERT ... ON CONFLICT DO UPDATE
  ... RETURNING in the same transaction as the ticket, so a rolled-back issue
  leaves no gap and two issuers never read the same value (SQLite: BEGIN
  IMMEDIATE serialises writers; PostgreSQL: the upsert holds the row lock);
- call-next locks the counter row (two clicks at one counter queue up), then
  takes the first waiting ticket in the UPDATE that marks it called, its subquery
  FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent counters each get a
  different ticket; SQLite serialises writers.

Lean hot paths (kiosk issue, call-next): Core statements only, since an ORM read
costs several times a Core one; reads (service, pace, the answer's related rows)
happen before the write and its writer lock; the write is a few statements; the
answer (a TicketRow) is built from what was written, not read back.

Order of service: priority tickets first, then by original issue time — not by
the time the ticket entered its current queue — so a transferred ticket keeps its
place in the new service and a no-show who comes back is served soon.

Wait segments (for the KPIs): a ticket's wait is ``waited_before_min`` (the
segments finished in earlier queues, accumulated on each transfer) plus, in its
current queue, the time from ``queued_at`` to its next "called" event.
"""

import datetime as dt
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Row, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from onestop import clock, stale
from onestop.exceptions import Conflict, Forbidden, NotFound, ValidationError
from onestop.extensions import begin_autocommit, db
from onestop.models import Office, User, can_act_in
from queues import devices, hours, waiting
from queues.models import (
    PRIORITY_REASONS,
    Counter,
    Service,
    Ticket,
    TicketEvent,
)
from queues.statements import run, statements_for
from queues.writelock import writing

EVENT_KINDS = (
    "issued",
    "called",
    "recalled",
    "started",
    "finished",
    "no_show",
    "requeued",
    "transferred",
    "day_closed",
)

STATUS_LABELS = {
    "waiting": lazy_gettext("Đang chờ"),
    "called": lazy_gettext("Đã gọi"),
    "serving": lazy_gettext("Đang phục vụ"),
    "done": lazy_gettext("Đã xong"),
    "no_show": lazy_gettext("Vắng mặt"),
    "transferred": lazy_gettext("Đã chuyển"),
    "cancelled": lazy_gettext("Đã hủy"),
    "unserved": lazy_gettext("Không được phục vụ (hết giờ làm việc)"),
}

PRIORITY_LABELS = {
    "elderly": lazy_gettext("Người cao tuổi"),
    "disabled": lazy_gettext("Người khuyết tật"),
    "pregnant": lazy_gettext("Phụ nữ mang thai"),
    "small_child": lazy_gettext("Người đi cùng con nhỏ"),
    "merit": lazy_gettext("Người có công với cách mạng"),
}

REQUEST_ID_MAX = 40


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _bump_board(office_id: int) -> None:
    # Last statement before the commit: on PostgreSQL the row lock is then held the shortest.
    db.session.execute(statements_for(_dialect()).bump_board, {"office_id": office_id})


def _end_reads() -> None:
    """On SQLite, end the request's read transaction before a write takes the writer lock.

    Committed, not rolled back: with expire_on_commit=False the objects it loaded
    (office, service, counter, officer) stay loaded, so nothing is read again later.
    PostgreSQL needs no such break (see begin_write).
    """
    session = db.session()
    if session.in_transaction() and _dialect() == "sqlite":
        session.commit()


def bump_board(office_id: int) -> None:
    """Mark the office's board as changed, in the caller's transaction (counter, service edits)."""
    _bump_board(office_id)


def _event(
    ticket: Ticket, kind: str, at: dt.datetime, officer_id: int | None, note: str = ""
) -> None:
    db.session.add(
        TicketEvent(
            ticket_id=ticket.id,
            office_id=ticket.office_id,
            kind=kind,
            at=at,
            counter_id=ticket.counter_id,
            officer_id=officer_id,
            service_id=ticket.service_id,
            note=note,
        )
    )


def _check_scope(officer: User, office_id: int) -> None:
    if not can_act_in(officer, office_id):
        raise Forbidden(_("Bạn không thể thao tác trên số thứ tự của đơn vị khác."))


def _wrong_state(ticket: Ticket, action: str) -> Conflict:
    return Conflict(
        _(
            "Không thể %(action)s: số %(number)s đang ở trạng thái «%(status)s».",
            action=action,
            number=ticket.display_number,
            status=STATUS_LABELS[ticket.status],
        ),
        "wrong_state",
    )


def _locked_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id, with_for_update=True, populate_existing=True)
    if ticket is None:
        raise NotFound(_("Không tìm thấy số thứ tự."))
    return ticket


def _locked_counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id, with_for_update=True, populate_existing=True)
    if counter is None or not counter.active:
        raise NotFound(_("Không tìm thấy quầy."))
    if not counter.is_open:
        raise Conflict(_("Quầy số %(number)s đang đóng.", number=counter.number), "counter_closed")
    return counter


def _minutes(delta: dt.timedelta) -> float:
    return max(delta.total_seconds(), 0.0) / 60.0


# --- issuing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRow:
    """A ticket as a write just left it, read back from nothing (the hot paths' answer).

    It reads like a Ticket: ``values`` holds every column (``row.token``, ``row.status``
    ... as attributes), ``service``, ``office`` and ``counter`` are rows of what it
    points to, ``letter`` is the letter of the service that gave its number.
    """

    values: dict
    service: Row
    letter: str
    office: Row | Office
    counter: Row | None = None

    def __getattr__(self, name: str):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def display_number(self) -> str:
        return f"{self.letter}{self.values['number']:03d}"


def issue_ticket(
    office: Office,
    service_code: str,
    priority_reason: str | None = None,
    request_id: str | None = None,
    *,
    priority: bool = False,
) -> Ticket:
    """Give the next number of ``service_code`` today at ``office`` and record it.

    NotFound for an unknown service, Conflict for a closed one or outside the office's
    hours (``queues.hours.check_issuing``), ValidationError for
    an unknown priority reason. A ``request_id`` already used returns the ticket it
    gave, so a double tap or a retried request never gives two tickets. A ticket
    is a priority one when it has a reason, or when ``priority`` says so without one.
    """
    issued, _place = issue_ticket_with_place(
        office, service_code, priority_reason, request_id, priority=priority
    )
    return db.session.get(Ticket, issued.id)


@dataclass(frozen=True)
class OfficeRef:
    """What the kiosk's ticket needs of an office: its id and code."""

    id: int
    code: str


def office_and_service(
    office_code: str, service_code: str, device_id: int | None = None
) -> tuple[OfficeRef, Row | None]:
    """The active office with this code, and its service with that code (None if it has
    none), with what its pace is made of (waiting.pace_of); and the device of that id,
    for devices.current_device: one read for the kiosk API's ticket.

    NotFound when there is no such active office.
    """
    row = run(
        db.session.connection(),
        statements_for(_dialect()).service_at_office,
        {
            "office_code": office_code.upper(),
            "code": str(service_code),
            "day": clock.today(),
            "device_id": device_id,
        },
    ).first()
    if row is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=office_code))
    if device_id is not None:
        devices.take_joined_device(row)
    return OfficeRef(row.at_office_id, row.at_office_code), row if row.id is not None else None


def issue_ticket_with_place(
    office: Office | Row | OfficeRef,
    service: str | Row | None,
    priority_reason: str | None = None,
    request_id: str | None = None,
    *,
    priority: bool = False,
) -> tuple[TicketRow, waiting.Place]:
    """``issue_ticket`` for the kiosk's hot path: the ticket as written, and where it stands.

    ``service`` is the service's code, or what ``office_and_service`` found (None: the
    office has no such service). Core statements only (an ORM read costs several times
    more), and nothing is read back. People ahead are counted by a statement that sees
    every ticket numbered before this one, so they are exact for it; the service's pace
    is read with the service, before the write (outside SQLite's writer lock).
    """
    office_id = office.id
    if priority_reason is not None and priority_reason not in PRIORITY_REASONS:
        raise ValidationError({"priority_reason": _("Lý do ưu tiên không hợp lệ.")})
    if request_id is not None and not (0 < len(request_id) <= REQUEST_ID_MAX):
        raise ValidationError({"request_id": _("Mã yêu cầu không hợp lệ.")})
    statements = statements_for(_dialect())
    # Reads first, in the request's read transaction: the write below holds SQLite's
    # single writer lock (and PostgreSQL's row locks) for its own statements only.
    connection = db.session.connection()
    if request_id is not None:
        existing = _issued_for_request(request_id, office)
        if existing is not None:
            return existing
    if isinstance(service, str):
        service = connection.execute(
            statements.service_by_code,
            {"office_id": office_id, "code": service, "day": clock.today()},
        ).first()
    if service is None:
        raise NotFound(_("Không tìm thấy dịch vụ này."))
    if not service.active:
        raise Conflict(
            _("Dịch vụ «%(name)s» đang tạm ngừng nhận số.", name=service.name), "service_closed"
        )
    if service.has_hours:
        hours.check_issuing(office_id, service, clock.now())
    pace = waiting.pace_of(service)
    _end_reads()
    try:
        values, ahead = _write_ticket(
            service, priority_reason, request_id, priority or priority_reason is not None
        )
    except IntegrityError:
        # A request with the same request_id won the race: give its ticket (the upsert of
        # the number was rolled back with this transaction, so no number is lost).
        existing = _issued_for_request(request_id, office) if request_id is not None else None
        if existing is None:
            raise
        return existing
    return TicketRow(values, service, service.letter, office), pace.place(ahead)


def _issued_for_request(
    request_id: str, office: Office | Row
) -> tuple[TicketRow, waiting.Place] | None:
    """The ticket an earlier request with this id was given, and where it stands now."""
    statements = statements_for(_dialect())
    connection = db.session.connection()
    row = connection.execute(statements.ticket_of_request, {"request_id": request_id}).first()
    if row is None:
        return None
    if row.office_id != office.id:
        raise Conflict(_("Mã yêu cầu đã được dùng ở đơn vị khác."), "request_reused")
    values = dict(row._mapping)
    service = connection.execute(statements.service_by_id, {"id": row.service_id}).one()
    issued_in = connection.execute(statements.service_by_id, {"id": row.issued_service_id}).one()
    ahead = 0
    if values["status"] == "waiting":
        ahead = waiting.position_of(
            connection, row.service_id, row.day, row.priority, row.issued_at, row.id
        )
    return TicketRow(values, service, issued_in.letter, office), waiting.pace(service).place(ahead)


def _write_ticket(
    service: Row, priority_reason: str | None, request_id: str | None, priority: bool
) -> tuple[dict, int]:
    """The issuing write: number, ticket, "issued" event, board version; Core statements only.

    Returns the ticket's column values and the people ahead of it.
    """
    service_id, office_id = service.id, service.office_id
    statements = statements_for(_dialect())
    if statements.issue is not None:
        # PostgreSQL: two statements that each commit by themselves, so the service's number
        # row and the office's board row are each locked for one statement only.
        begin_autocommit()
    with writing():
        connection = db.session.connection()
        now, day = clock.now(), clock.today()
        values = {
            "office_id": office_id,
            "service_id": service_id,
            "issued_service_id": service_id,
            "day": day,
            "priority": priority,
            "priority_reason": priority_reason,
            "status": "waiting",
            "issued_at": now,
            "queued_at": now,
            "called_at": None,
            "last_called_at": None,
            "started_at": None,
            "finished_at": None,
            "counter_id": None,
            "officer_id": None,
            "recall_count": 0,
            "waited_before_min": 0.0,
            "token": secrets.token_urlsafe(16),
            "request_id": request_id,
        }
        note = priority_reason or ""
        if statements.issue is not None:
            # The ticket, whole, then its place and the board's bump: a board may see the
            # ticket before its version changes, never a version ahead of what it can read.
            values["id"], values["number"] = run(
                connection, statements.issue, {**values, "note": note}
            ).one()
            ahead = run(connection, statements.count_and_bump[priority], values).scalar_one()
        else:
            values["number"] = connection.execute(
                statements.next_number, {"service_id": service_id, "day": day}
            ).scalar_one()
            values["id"] = connection.execute(statements.insert_ticket, values).scalar_one()
            connection.execute(
                statements.insert_event,
                _event_row(values["id"], office_id, service_id, "issued", now, None, None, note),
            )
            ahead = waiting.position_of(connection, service_id, day, priority, now, values["id"])
            connection.execute(statements.bump_board, {"office_id": office_id})
        # Also ends PostgreSQL's autocommit: the connection goes back to the pool, and
        # whatever the caller does next is a transaction again.
        db.session.commit()
    return values, ahead


# --- calling -------------------------------------------------------------------------------------


def _close_current(
    connection: Connection, counter_id: int, officer_id: int, now: dt.datetime, keep: int = 0
) -> list[dict]:
    """Finish what the counter was serving: pressing "call next" ends the current citizen's turn.

    One UPDATE ... RETURNING, which locks the rows it changes; returns their
    "finished" events for the caller to insert with its own.
    """
    closed = connection.execute(
        statements_for(_dialect()).close_current,
        {"counter": counter_id, "today": clock.today(), "at": now, "keep": keep},
    ).all()
    return [
        _event_row(
            row.id, row.office_id, row.service_id, "finished", now, counter_id, officer_id, "auto"
        )
        for row in closed
    ]


def _event_row(
    ticket_id: int,
    office_id: int,
    service_id: int,
    kind: str,
    at: dt.datetime,
    counter_id: int | None,
    officer_id: int | None,
    note: str = "",
) -> dict:
    return {
        "ticket_id": ticket_id,
        "office_id": office_id,
        "kind": kind,
        "at": at,
        "counter_id": counter_id,
        "officer_id": officer_id,
        "service_id": service_id,
        "note": note,
    }


def _forget(ticket_ids: list[int]) -> None:
    """Expire the session's copies of tickets a Core statement changed: none shows a stale state."""
    session = db.session()
    for ticket_id in ticket_ids:
        ticket = session.identity_map.get(identity_key(Ticket, ticket_id))
        if ticket is not None:
            session.expire(ticket)


def _mark_called(
    ticket: Ticket, counter: Counter, officer_id: int, now: dt.datetime, note: str = ""
) -> None:
    ticket.status = "called"
    ticket.called_at = ticket.called_at or now
    ticket.last_called_at = now
    ticket.counter_id = counter.id
    ticket.officer_id = officer_id
    _event(ticket, "called", now, officer_id, note)


def call_next(counter: Counter, officer: User) -> Ticket | None:
    """``call_next_row``, answered with the session's Ticket (pages and scripts)."""
    called = call_next_row(counter.id, officer)
    if called is None:
        return None
    return db.session.get(Ticket, called.id, populate_existing=True)


def call_next_row(counter_id: int, officer: User) -> TicketRow | None:
    """Call the next waiting ticket of the counter's open services; None when nobody waits.

    Priority tickets first, then by issue time. The ticket the counter was serving,
    if any, is finished first. In the write transaction: lock the counter, finish its
    ticket, take and mark the first waiting one in a single UPDATE (FOR UPDATE SKIP
    LOCKED on PostgreSQL), insert the events, bump the board. Core statements only,
    as for issuing: counters press this all day.
    """
    officer_id = officer.id
    statements = statements_for(_dialect())
    # Read before the write: the counter, and what the answer shows (service, office).
    connection = db.session.connection()
    counter = connection.execute(statements.counter_by_id, {"id": counter_id}).first()
    if counter is None or not counter.active:
        raise NotFound(_("Không tìm thấy quầy."))
    office_id = counter.office_id
    _check_scope(officer, office_id)
    office = connection.execute(statements.office_by_id, {"id": office_id}).one()
    services = {
        service.id: service
        for service in connection.execute(statements.services_of_office, {"office_id": office_id})
    }
    _end_reads()
    with writing():
        connection = db.session.connection()
        _lock_counter(connection, counter_id)
        now = clock.now()
        events = _close_current(connection, counter_id, officer_id, now)
        called = connection.execute(
            statements.call_first_waiting,
            {"counter": counter_id, "officer": officer_id, "today": clock.today(), "at": now},
        ).first()
        if called is not None:
            events.append(
                _event_row(
                    called.id,
                    called.office_id,
                    called.service_id,
                    "called",
                    now,
                    counter_id,
                    officer_id,
                )
            )
        if events:
            connection.execute(statements.insert_event, events)
            connection.execute(statements.bump_board, {"office_id": office_id})
        db.session.commit()
    _forget([event["ticket_id"] for event in events if event["kind"] == "finished"])
    if called is None:
        return None
    return TicketRow(
        dict(called._mapping),
        services[called.service_id],
        services[called.issued_service_id].letter,
        office,
        counter,
    )


def _lock_counter(connection: Connection, counter_id: int) -> None:
    """Lock the counter row (two clicks at one counter queue up); refuse a closed counter."""
    row = connection.execute(
        statements_for(_dialect()).lock_counter, {"counter": counter_id}
    ).first()
    if row is None or not row.active:
        raise NotFound(_("Không tìm thấy quầy."))
    if not row.is_open:
        raise Conflict(_("Quầy số %(number)s đang đóng.", number=row.number), "counter_closed")


def call_ticket(ticket: Ticket, counter: Counter, officer: User) -> Ticket:
    """Call a waiting (or no-show) ticket out of turn: a citizen who came back, an appointment."""
    ticket_id, counter_id, officer_id = ticket.id, counter.id, officer.id
    _check_scope(officer, counter.office_id)
    _check_scope(officer, ticket.office_id)
    with writing():
        counter = _locked_counter(counter_id)
        ticket = _locked_ticket(ticket_id)
        if ticket.office_id != counter.office_id:
            raise Forbidden(_("Số thứ tự này thuộc đơn vị khác với quầy."))
        if ticket.status not in ("waiting", "no_show") or ticket.day != clock.today():
            raise _wrong_state(ticket, _("gọi số này"))
        now = clock.now()
        connection = db.session.connection()
        finished = _close_current(connection, counter.id, officer_id, now, keep=ticket.id)
        if finished:
            connection.execute(statements_for(_dialect()).insert_event, finished)
        if ticket.status == "no_show":
            _event(ticket, "requeued", now, officer_id)
        _mark_called(ticket, counter, officer_id, now, "out_of_turn")
        _bump_board(ticket.office_id)
        db.session.commit()
    _forget([event["ticket_id"] for event in finished])
    return ticket


# --- the ticket at a counter ---------------------------------------------------------------------


@contextmanager
def _ticket_action(ticket: Ticket, officer: User, allowed: tuple[str, ...], action: str):
    """Lock the ticket, check scope and state, yield it; then bump the board and commit."""
    _check_scope(officer, ticket.office_id)
    ticket_id = ticket.id
    with writing():
        locked = _locked_ticket(ticket_id)
        if locked.status not in allowed:
            raise _wrong_state(locked, action)
        yield locked
        if locked.called_at is not None:
            # A ticket first called on a past day (left open) counts its wait on that day.
            stale.mark_instant(locked.office_id, locked.called_at)
        _bump_board(locked.office_id)
        db.session.commit()


def recall(ticket: Ticket, officer: User) -> Ticket:
    """Announce a called ticket again (the board chimes and speaks once more)."""
    officer_id = officer.id
    with _ticket_action(ticket, officer, ("called",), _("gọi lại")) as ticket:
        now = clock.now()
        ticket.recall_count += 1
        ticket.last_called_at = now
        _event(ticket, "recalled", now, officer_id)
    return ticket


def no_show(ticket: Ticket, officer: User) -> Ticket:
    """The called citizen did not come: the ticket leaves the counter."""
    officer_id = officer.id
    with _ticket_action(ticket, officer, ("called",), _("báo vắng mặt")) as ticket:
        ticket.status = "no_show"
        _event(ticket, "no_show", clock.now(), officer_id)
    return ticket


def requeue(ticket: Ticket, officer: User) -> Ticket:
    """A no-show citizen came back: the ticket waits again, in its place by issue time."""
    officer_id = officer.id
    with _ticket_action(ticket, officer, ("no_show",), _("đưa lại vào hàng chờ")) as ticket:
        if ticket.day != clock.today():
            raise _wrong_state(ticket, _("đưa lại vào hàng chờ"))
        _event(ticket, "requeued", clock.now(), officer_id)
        ticket.status = "waiting"
        ticket.counter_id = None
    return ticket


def transfer(ticket: Ticket, service_code: str, officer: User) -> Ticket:
    """Move a ticket to another service of its office; it keeps its number and its place."""
    officer_id = officer.id
    with _ticket_action(
        ticket, officer, ("waiting", "called", "serving"), _("chuyển dịch vụ")
    ) as ticket:
        target = db.session.scalar(
            select(Service).where(
                Service.office_id == ticket.office_id, Service.code == str(service_code)
            )
        )
        if target is None:
            raise NotFound(_("Không tìm thấy dịch vụ này."))
        if not target.active:
            raise Conflict(
                _("Dịch vụ «%(name)s» đang tạm ngừng nhận số.", name=target.name), "service_closed"
            )
        if target.id == ticket.service_id:
            raise Conflict(_("Số thứ tự đã ở dịch vụ này."), "same_service")
        now = clock.now()
        segment_end = now
        if ticket.status != "waiting":
            segment_end = (
                db.session.scalar(
                    select(func.max(TicketEvent.at)).where(
                        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "called"
                    )
                )
                or now
            )
        ticket.waited_before_min += _minutes(segment_end - ticket.queued_at)
        note = f"{ticket.service.code}->{target.code}"
        _event(ticket, "transferred", now, officer_id, note)
        ticket.service = target
        ticket.status = "waiting"
        ticket.queued_at = now
        ticket.counter_id = None
    return ticket


def start(ticket: Ticket, officer: User) -> Ticket:
    """The called citizen is at the counter: service begins."""
    officer_id = officer.id
    with _ticket_action(ticket, officer, ("called",), _("bắt đầu phục vụ")) as ticket:
        now = clock.now()
        ticket.status = "serving"
        ticket.started_at = now
        _event(ticket, "started", now, officer_id)
    return ticket


def finish(ticket: Ticket, officer: User) -> Ticket:
    """The citizen's business at the counter is done."""
    officer_id = officer.id
    with _ticket_action(ticket, officer, ("called", "serving"), _("hoàn tất")) as ticket:
        now = clock.now()
        ticket.status = "done"
        ticket.finished_at = now
        _event(ticket, "finished", now, officer_id)
    return ticket


def ticket_by_token(token: str) -> Ticket:
    """The ticket of a public token (QR, phone page); NotFound otherwise."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == str(token))) if token else None
    if ticket is None:
        raise NotFound(_("Không tìm thấy số thứ tự này."))
    return ticket


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called or being served at a counter today, if any."""
    return db.session.scalar(
        select(Ticket)
        .where(
            Ticket.counter_id == counter.id,
            Ticket.day == clock.today(),
            Ticket.status.in_(("called", "serving")),
        )
        .order_by(Ticket.last_called_at.desc())
        .limit(1)
    )


# --- before the counter calls someone else -------------------------------------------------------

ARRIVAL_OUTCOMES = ("served", "no_show")


def awaiting_arrival(counter: Counter) -> Ticket | None:
    """The ticket called at a counter whose citizen was never seen there: called, not started."""
    current = current_ticket(counter)
    return current if current is not None and current.status == "called" else None


def settle_arrival(
    counter: Counter, officer: User, outcome: str | None, ticket_id: int | None = None
) -> Ticket | None:
    """Close the counter's called-but-not-started ticket as the officer answered; return it.

    Calling someone else would otherwise finish it as served, and a citizen who never
    came would count as served. "served" finishes it, "no_show" marks it absent.
    Without an answer, or with an answer about another ticket (``ticket_id``: the
    counter called someone else meanwhile), nothing changes: Conflict "arrival_unknown".
    Nothing to settle (no ticket, or one being served): None, whatever the answer.
    """
    if outcome is not None and outcome not in ARRIVAL_OUTCOMES:
        raise ValidationError({"outcome": _("Hãy chọn: đã phục vụ hoặc không đến.")})
    pending = awaiting_arrival(counter)
    if pending is None:
        return None
    if outcome is None or (ticket_id is not None and ticket_id != pending.id):
        raise Conflict(
            _("Công dân số %(number)s có đến quầy không?", number=pending.display_number),
            "arrival_unknown",
        )
    return (finish if outcome == "served" else no_show)(pending, officer)
