"""Addresses citizens are given: absolute, for a phone that follows a link or a QR code."""

from flask import current_app, url_for

from appointments.models import Booking


def public_url(endpoint: str, **values) -> str:
    """An absolute URL: PUBLIC_URL when set, else this request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def booking_url(booking: Booking) -> str:
    """The citizen's own page of a booking (its secret token): confirmation and cancel."""
    return public_url("appointments.booking_page", token=booking.token)
