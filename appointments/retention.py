"""The personal data of a booking (the citizen's name and phone) and how long it is kept."""

from appointments.models import Booking
from onestop.retention import PersonalData, register

BOOKING = register(
    PersonalData(
        name="booking",
        model=Booking,
        columns=("name", "phone"),
        # A booking is over once its slot has passed, whatever became of it.
        closed_before=lambda cutoff: Booking.ends_at < cutoff,
        period_key="RETENTION_BOOKING_DAYS",
        # Ninety days after the slot: long enough to answer a citizen's question or complaint
        # about a missed or cancelled appointment; the reports need neither name nor phone.
        default_days=90,
    )
)
