"""Appointments: citizens book a time slot of a service, then check in at the kiosk."""
