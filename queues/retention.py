"""The personal data of a ticket (the phone number given for messages) and how long it is kept."""

from onestop.retention import PersonalData, register
from queues.models import TicketContact

TICKET_CONTACT = register(
    PersonalData(
        name="ticket_contact",
        model=TicketContact,
        columns=("phone",),
        # A number is given on the day of the visit, and the visit ends with that day (queues.hours
        # closes what is left): the moment it was given stands for the visit.
        closed_before=lambda cutoff: TicketContact.created_at < cutoff,
        period_key="RETENTION_TICKET_CONTACT_DAYS",
        # The messages go out within the visit; a month lets the office answer a citizen who
        # says a message never came, with the gateway's delivery report beside the number.
        default_days=30,
    )
)
