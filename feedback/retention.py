"""The personal data of a complaint (its contact) and how long it is kept after the answer."""

from feedback.models import Complaint
from onestop.retention import PersonalData, register

COMPLAINT = register(
    PersonalData(
        name="complaint",
        model=Complaint,
        columns=("contact",),
        closed_before=lambda cutoff: (
            (Complaint.status == "answered") & (Complaint.answered_at < cutoff)
        ),
        period_key="RETENTION_COMPLAINT_DAYS",
        # The contact is given only to receive the answer; a year after it, a follow-up
        # on the same matter has come or will come as a new complaint.
        default_days=365,
    )
)
