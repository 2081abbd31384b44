"""The personal data of a dossier and how long it is kept after the dossier is closed."""

from sqlalchemy import func

from dossiers.lifecycle import TRANSITIONS
from dossiers.models import Dossier
from onestop.retention import PersonalData, register

# Returned, rejected or withdrawn: nothing more happens to the dossier.
FINAL_STATUSES = tuple(status for status, following in TRANSITIONS.items() if not following)

DOSSIER = register(
    PersonalData(
        name="dossier",
        model=Dossier,
        # Every column that identifies the applicant; a new one joins this list.
        columns=("applicant_name", "phone", "address", "email", "id_number"),
        closed_before=lambda cutoff: (
            Dossier.status.in_(FINAL_STATUSES)
            & (func.coalesce(Dossier.returned_at, Dossier.closed_at) < cutoff)
        ),
        period_key="RETENTION_DOSSIER_DAYS",
        # Five years after the result is returned (or the dossier rejected or withdrawn):
        # long enough to answer the applicant's questions, complaints and inspections
        # about the decision; the archived paper dossier remains the record after that.
        default_days=5 * 365 + 1,
    )
)
