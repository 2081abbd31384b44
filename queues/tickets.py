"""Ticket use cases: issue, call next or out of turn, recall, no-show, requeue, transfer, finish.

Each function is one unit of work, one ``store.writing()`` transaction: it checks the
office scope and the ticket's state, records a TicketEvent (kinds in EVENT_KINDS, with
time, counter and officer), bumps the office's board version, and commits; a refusal
or an error stores nothing.

Exactness under concurrency (DESIGN.md section 4; queues.store says how each database
serialises):
- numbers come from a DailyCounter row bumped by an upsert in the same transaction as
  the ticket, so a rolled-back issue leaves no gap and two issuers never get one number;
- call-next locks the counter row (two clicks at one counter queue up), then takes the
  first waiting ticket FOR UPDATE SKIP LOCKED on PostgreSQL, so counters calling at the
  same instant each get a different ticket.

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
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from onestop import clock, stale
from onestop.exceptions import Conflict, Forbidden, NotFound, ValidationError
from onestop.extensions import db
from onestop.models import Office, User, can_act_in
from queues import contacts, devices, hours, order, store, waiting
from queues.models import (
    PRIORITY_REASONS,
    Counter,
    Service,
    Ticket,
    TicketEvent,
)

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
class Issued:
    """A ticket given by ``issue``, and where it stands in its queue."""

    ticket: Ticket
    place: waiting.Place


def issue(
    office: Office | str,
    service_code: str,
    *,
    priority: bool = False,
    priority_reason: str | None = None,
    request_id: str | None = None,
    device: devices.DeviceClaim | None = None,
    booked_for: dt.datetime | None = None,
) -> Issued:
    """Give the next number of ``service_code`` today at ``office`` (an Office or its code).

    The kiosk's page and its JSON API both take tickets here. One transaction: the
    checks, the number, the ticket, its "issued" event, the people ahead of it (exact:
    every ticket numbered before it is counted) and the board's new version.

    A ticket is a priority one when it has a reason, or when ``priority`` says so
    without one. A ``request_id`` already used gives back the ticket it got: a double
    tap or a retried request never gives two tickets. ``device`` is what a kiosk request
    claims to be (``devices.claim()``); None for callers that are no kiosk (scripts).
    ``booked_for`` is the start of the appointment slot of a booked citizen's ticket.

    Refusals store nothing: ValidationError (priority reason, request id), NotFound
    (office, service), Forbidden "device_not_paired", Conflict "service_closed",
    "office_closed" (queues.hours.check_issuing) or "request_reused" (another office's).
    """
    if priority_reason is not None and priority_reason not in PRIORITY_REASONS:
        raise ValidationError({"priority_reason": _("Lý do ưu tiên không hợp lệ.")})
    if request_id is not None and not (0 < len(request_id) <= REQUEST_ID_MAX):
        raise ValidationError({"request_id": _("Mã yêu cầu không hợp lệ.")})
    office_key = office if isinstance(office, str) else office.id
    try:
        with store.writing():
            office = _active_office(office_key)
            if device is not None:
                devices.check_kiosk(device, office.id)
            earlier = _issued_before(request_id, office.id) if request_id is not None else None
            if earlier is not None:
                return earlier
            return _new_ticket(
                office,
                str(service_code),
                priority or priority_reason is not None,
                priority_reason,
                request_id,
                booked_for,
            )
    except IntegrityError:
        # PostgreSQL: a request with the same id committed its ticket meanwhile (SQLite's
        # writers take turns). Give that one; this transaction gave its number back.
        earlier = None
        if request_id is not None:
            earlier = _issued_before(request_id, _active_office(office_key).id)
        if earlier is None:
            raise
        return earlier


def _active_office(key: int | str) -> Office:
    where = Office.id == key if isinstance(key, int) else Office.code == key.upper()
    office = db.session.scalar(select(Office).where(where, Office.active.is_(True)))
    if office is None:
        raise NotFound(_("Không tìm thấy đơn vị %(code)s.", code=key))
    return office


def _issued_before(request_id: str, office_id: int) -> Issued | None:
    """The ticket an earlier request with this id was given, and where it stands now."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.request_id == request_id))
    if ticket is None:
        return None
    if ticket.office_id != office_id:
        raise Conflict(_("Mã yêu cầu đã được dùng ở đơn vị khác."), "request_reused")
    return Issued(ticket, waiting.place(ticket) or waiting.Place(0, 0))


def _new_ticket(
    office: Office,
    service_code: str,
    priority: bool,
    priority_reason: str | None,
    request_id: str | None,
    booked_for: dt.datetime | None,
) -> Issued:
    service = db.session.scalar(
        select(Service).where(Service.office_id == office.id, Service.code == service_code)
    )
    if service is None:
        raise NotFound(_("Không tìm thấy dịch vụ này."))
    if not service.active:
        raise Conflict(
            _("Dịch vụ «%(name)s» đang tạm ngừng nhận số.", name=service.name), "service_closed"
        )
    now, day = clock.now(), clock.today()
    hours.check_issuing(office.id, service, now)
    ticket = Ticket(
        office=office,
        service=service,
        issued_service=service,
        day=day,
        number=store.next_number(service.id, day),
        priority=priority,
        priority_reason=priority_reason,
        status="waiting",
        issued_at=now,
        queued_at=now,
        token=secrets.token_urlsafe(16),
        request_id=request_id,
        booked_for=booked_for,
    )
    db.session.add(ticket)
    db.session.flush()
    _event(ticket, "issued", now, None, priority_reason or "")
    place = waiting.place(ticket)
    store.bump_versions(office.id, services=[service.id])
    return Issued(ticket, place)


# --- calling -------------------------------------------------------------------------------------


def _close_current(
    counter_id: int, officer_id: int, now: dt.datetime, keep: int = 0
) -> list[Ticket]:
    """Finish what the counter was serving (calling someone ends the current citizen's turn);
    the tickets finished."""
    current = db.session.scalars(
        select(Ticket)
        .where(
            Ticket.counter_id == counter_id,
            Ticket.day == clock.today(),
            Ticket.status.in_(("called", "serving")),
            Ticket.id != keep,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for ticket in current:
        ticket.status = "done"
        ticket.finished_at = now
        _event(ticket, "finished", now, officer_id, "auto")
    return current


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
    """Call the next waiting ticket of the counter's open services; None when nobody waits.

    Priority tickets first, then by issue time, with booked citizens called at their time
    (queues.order). The ticket the counter was serving, if any, is finished first.
    """
    counter_id, officer_id = counter.id, officer.id
    _check_scope(officer, counter.office_id)
    with store.writing():
        counter = _locked_counter(counter_id)
        now = clock.now()
        moved = _close_current(counter_id, officer_id, now)
        ticket = order.next_ticket(counter_id, clock.today(), now, counter.office.wait_target_min)
        if ticket is not None:
            _mark_called(ticket, counter, officer_id, now)
            contacts.notify_after_call(ticket, counter)
            moved.append(ticket)
        if moved:
            services = [moved_ticket.service_id for moved_ticket in moved]
            store.bump_versions(counter.office_id, services=services, counters=[counter_id])
    return ticket


def call_ticket(ticket: Ticket, counter: Counter, officer: User) -> Ticket:
    """Call a waiting (or no-show) ticket out of turn: a citizen who came back, an appointment."""
    ticket_id, counter_id, officer_id = ticket.id, counter.id, officer.id
    _check_scope(officer, counter.office_id)
    _check_scope(officer, ticket.office_id)
    with store.writing():
        counter = _locked_counter(counter_id)
        ticket = _locked_ticket(ticket_id)
        if ticket.office_id != counter.office_id:
            raise Forbidden(_("Số thứ tự này thuộc đơn vị khác với quầy."))
        if ticket.status not in ("waiting", "no_show") or ticket.day != clock.today():
            raise _wrong_state(ticket, _("gọi số này"))
        now = clock.now()
        closed = _close_current(counter_id, officer_id, now, keep=ticket_id)
        if ticket.status == "no_show":
            _event(ticket, "requeued", now, officer_id)
        _mark_called(ticket, counter, officer_id, now, "out_of_turn")
        contacts.notify_after_call(ticket, counter)
        services = [ticket.service_id, *(closed_ticket.service_id for closed_ticket in closed)]
        store.bump_versions(ticket.office_id, services=services, counters=[counter_id])
    return ticket


# --- the ticket at a counter ---------------------------------------------------------------------


@contextmanager
def _ticket_action(ticket: Ticket, officer: User, allowed: tuple[str, ...], action: str):
    """Lock the ticket, check scope and state, yield it; then bump the versions of its office
    and of the services and counters it was and is at. One transaction."""
    _check_scope(officer, ticket.office_id)
    ticket_id = ticket.id
    with store.writing():
        locked = _locked_ticket(ticket_id)
        if locked.status not in allowed:
            raise _wrong_state(locked, action)
        service_before, counter_before = locked.service_id, locked.counter_id
        yield locked
        db.session.flush()  # a transfer's new service, as its id
        if locked.called_at is not None:
            # A ticket first called on a past day (left open) counts its wait on that day.
            stale.mark_instant(locked.office_id, locked.called_at)
        store.bump_versions(
            locked.office_id,
            services=[service_before, locked.service_id],
            counters=[counter_before, locked.counter_id],
        )


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
