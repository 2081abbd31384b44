"""Rate limits of kiosk writes: counted per paired device, or per address for other browsers."""

from flask import current_app, g
from flask_limiter.util import get_remote_address

from onestop.extensions import limiter
from queues.devices import current_device

TICKET_RATE_LIMIT = "30 per minute"
PAIRING_RATE_LIMIT = "10 per minute"


def device_key() -> str:
    """The rate-limit key: the paired device, so kiosks behind one NAT address do not share."""
    # Kept on g for the request: the view's device check (devices.device_allowed) then
    # finds the device in the session's identity map, which holds only weak references.
    device = g.kiosk_device = current_device()
    return f"device:{device.id}" if device is not None else f"address:{get_remote_address()}"


def ticket_rate_limit() -> str:
    """Tickets per device (KIOSK_TICKET_RATE_LIMIT): above a busy kiosk, far below a script."""
    return current_app.config.get("KIOSK_TICKET_RATE_LIMIT", TICKET_RATE_LIMIT)


def pairing_rate_limit() -> str:
    """Pairing attempts per address (KIOSK_PAIRING_RATE_LIMIT): codes must not be guessable."""
    return current_app.config.get("KIOSK_PAIRING_RATE_LIMIT", PAIRING_RATE_LIMIT)


# One allowance per device for the kiosk screen and the JSON API together.
ticket_limit = limiter.shared_limit(ticket_rate_limit, scope="kiosk-tickets", key_func=device_key)
