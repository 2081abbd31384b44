"""Rate limits of bookings (per citizen's address) and of kiosk check-ins (per device)."""

from flask import current_app

from onestop import ratelimit
from queues.devices import rate_key

BOOKING_RATE_LIMIT = "10 per hour"
CHECK_IN_RATE_LIMIT = "30 per minute"


def booking_rate_limit() -> str:
    """Bookings and cancellations per address (APPOINTMENT_BOOKING_RATE_LIMIT): a family
    books a few, a script filling the slots is stopped."""
    return current_app.config.get("APPOINTMENT_BOOKING_RATE_LIMIT", BOOKING_RATE_LIMIT)


def check_in_rate_limit() -> str:
    """Check-ins per kiosk (APPOINTMENT_CHECK_IN_RATE_LIMIT): codes must not be guessable."""
    return current_app.config.get("APPOINTMENT_CHECK_IN_RATE_LIMIT", CHECK_IN_RATE_LIMIT)


# The booking page and the JSON API share one allowance, as do the kiosk screen and its API.
booking_limit = ratelimit.limit(booking_rate_limit, scope="appointment-bookings")
check_in_limit = ratelimit.limit(check_in_rate_limit, scope="appointment-check-in", key=rate_key)
