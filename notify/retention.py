"""The phone number of a message to a citizen, and how long it is kept once the message is done."""

from notify.models import OutboxMessage
from onestop.retention import PersonalData, register

OUTBOX_MESSAGE = register(
    PersonalData(
        name="outbox_message",
        model=OutboxMessage,
        columns=("to",),
        closed_before=lambda cutoff: (
            OutboxMessage.status.in_(("sent", "failed")) & (OutboxMessage.created_at < cutoff)
        ),
        period_key="RETENTION_NOTIFY_DAYS",
        # Long enough to answer "I never got the message" and to retry a failed one;
        # the ticket or dossier the message was about keeps its own data.
        default_days=30,
    )
)
