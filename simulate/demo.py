"""Demo history: about two months of believable activity, so the dashboard has something to show."""

from simulate.history import simulate

DEMO_DAYS = 60
# Seventy per cent of a full load keeps the first start of a demo to a few seconds (about
# 24 000 tickets and 19 000 dossiers) while the city office still queues at its morning peak.
DEMO_SCALE = 0.7


def seed() -> None:
    """Simulate the last ``DEMO_DAYS`` days for every demo office (it commits)."""
    simulate(DEMO_DAYS, seed=2022, scale=DEMO_SCALE)
