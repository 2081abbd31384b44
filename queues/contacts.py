"""A citizen's phone number for their ticket, and the messages the queue's calls send to it.

A citizen who gives a number is told by message when few people are left ahead of them
("còn 3 lượt") and when their number is called to a counter, so they may wait away from
the hall. The messages are queued in the call's own transaction (notify.outbox): they
exist exactly when the call does, and each event's key lets it send once, whatever the
recalls.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from notify.outbox import enqueue
from onestop import clock
from onestop.exceptions import Conflict, NotFound, ValidationError
from onestop.extensions import db
from onestop.phones import normalise_phone
from queues import store, waiting
from queues.models import Counter, Ticket, TicketContact

# "Còn 3 lượt": the message goes when a call leaves this many people or fewer ahead.
ALMOST_DUE_AHEAD = 3
# The digits of a number shown back to the citizen: enough to recognise it, not to use it.
SHOWN_HEAD, SHOWN_TAIL = 2, 3


def mask_phone(phone: str | None) -> str:
    """A number as shown back to its owner: ``0912345678`` -> ``09•••••678``."""
    if not phone:
        return ""
    hidden = max(len(phone) - SHOWN_HEAD - SHOWN_TAIL, 0)
    return phone[:SHOWN_HEAD] + "•" * hidden + phone[len(phone) - SHOWN_TAIL :]


def contact_of(ticket: Ticket) -> TicketContact | None:
    """The number given for a ticket (still held, not purged), or None."""
    return db.session.scalar(
        select(TicketContact).where(
            TicketContact.ticket_id == ticket.id, TicketContact.phone.is_not(None)
        )
    )


def subscribe(ticket: Ticket, raw_phone) -> TicketContact:
    """Store the number the ticket's holder wants the messages at; a new number replaces the old.

    :param ticket: a ticket waiting today (its holder has the token, the capability).
    :param raw_phone: a Vietnamese mobile number as typed (spaces, dots, +84 allowed).
    :raises ValidationError: not a mobile number.
    :raises Conflict: the ticket is no longer waiting (called, finished, of an earlier day).
    """
    phone = normalise_phone(raw_phone) if isinstance(raw_phone, str) else None
    if phone is None:
        raise ValidationError(
            {
                "phone": _(
                    "Số điện thoại di động không hợp lệ. "
                    "Vui lòng nhập đủ 10 chữ số, ví dụ 0901 234 567."
                )
            }
        )
    with store.writing():
        # Locked and read again: a call committed meanwhile must see no half-made subscription.
        locked = db.session.get(Ticket, ticket.id, with_for_update=True, populate_existing=True)
        if locked is None:
            raise NotFound(_("Không tìm thấy số thứ tự này."))
        if locked.status != "waiting" or locked.day != clock.today():
            raise Conflict(
                _("Chỉ đăng ký nhận tin nhắn được khi số thứ tự còn đang chờ đến lượt."),
                "not_waiting",
            )
        contact = db.session.scalar(
            select(TicketContact).where(TicketContact.ticket_id == locked.id)
        )
        if contact is None:
            contact = TicketContact(ticket_id=locked.id)
            db.session.add(contact)
        contact.phone = phone
        contact.created_at = clock.now()
    return contact


def notify_after_call(ticket: Ticket, counter: Counter) -> None:
    """Queue the messages a call causes, in the call's transaction (the caller commits).

    ``ticket`` was just called to ``counter``: its holder, if they gave a number, is told
    where to go. The call moved its service's queue on by one: holders with a number who
    are now at most ALMOST_DUE_AHEAD people from the front are told to come near.
    One read finds both (only tickets with a number, in that service, today).
    """
    rows = db.session.execute(
        select(Ticket, TicketContact.phone)
        .join(TicketContact, TicketContact.ticket_id == Ticket.id)
        .where(
            TicketContact.phone.is_not(None),
            (Ticket.id == ticket.id)
            | (
                (Ticket.service_id == ticket.service_id)
                & (Ticket.day == ticket.day)
                & (Ticket.status == "waiting")
            ),
        )
        # Call order: people ahead only grow along it, so the first one too far ends the walk.
        .order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id)
        .execution_options(populate_existing=True)
    ).all()
    office = ticket.office
    for other, phone in rows:
        if other.id == ticket.id:
            enqueue(
                phone,
                "ticket_called",
                {"number": ticket.display_number, "counter": counter.number, "office": office.name},
                key=f"ticket:{ticket.id}:called",
                office_id=ticket.office_id,
            )
    for other, phone in rows:
        if other.id == ticket.id:
            continue
        ahead = waiting.position(other)
        if ahead > ALMOST_DUE_AHEAD:
            break
        enqueue(
            phone,
            "ticket_almost_due",
            {"number": other.display_number, "office": office.name, "ahead": ahead},
            key=f"ticket:{other.id}:almost_due",
            office_id=other.office_id,
        )
