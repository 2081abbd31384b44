"""Rate limits of kiosk writes: counted per paired device, or per address for other browsers."""

from flask import current_app

from onestop import ratelimit
from queues.devices import rate_key

TICKET_RATE_LIMIT = "30 per minute"
PAIRING_RATE_LIMIT = "10 per minute"
CONTACT_RATE_LIMIT = "20 per minute"


def ticket_rate_limit() -> str:
    """Tickets per device (KIOSK_TICKET_RATE_LIMIT): above a busy kiosk, far below a script."""
    return current_app.config.get("KIOSK_TICKET_RATE_LIMIT", TICKET_RATE_LIMIT)


def pairing_rate_limit() -> str:
    """Pairing attempts per address (KIOSK_PAIRING_RATE_LIMIT): codes must not be guessable."""
    return current_app.config.get("KIOSK_PAIRING_RATE_LIMIT", PAIRING_RATE_LIMIT)


def contact_rate_limit() -> str:
    """Phone numbers given for tickets per device or address (KIOSK_CONTACT_RATE_LIMIT)."""
    return current_app.config.get("KIOSK_CONTACT_RATE_LIMIT", CONTACT_RATE_LIMIT)


# One allowance per device for the kiosk screen and the JSON API together.
ticket_limit = ratelimit.limit(ticket_rate_limit, scope="kiosk-tickets", key=rate_key)
# The kiosk's SMS screen, the phone page and the JSON API share one allowance.
contact_limit = ratelimit.limit(
    contact_rate_limit, scope="ticket-contacts", key=rate_key, methods=("POST",)
)
