"""``flask --app wsgi appointments remind | no-shows``."""

import click
from flask.cli import AppGroup

from appointments import booking, reminders
from onestop import clock

cli = AppGroup("appointments", help="The appointments' commands.")


@cli.command("remind")
def remind():
    """Queue the reminders of the next working day's bookings (once per booking)."""
    queued = reminders.enqueue_reminders(clock.now())
    click.echo(f"{queued} booking reminder(s) queued.")


@cli.command("no-shows")
def no_shows():
    """Mark as no-shows the bookings whose check-in time has passed (``queues close-day`` does
    it too)."""
    marked = booking.mark_no_shows(clock.now())
    click.echo(f"{marked} booking(s) marked as no-show.")
