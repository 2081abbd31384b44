"""``flask --app wsgi queues close-day``: end the office day of the queues."""

import click
from flask.cli import AppGroup

from onestop import clock
from queues import hours

cli = AppGroup("queues", help="The queues' commands.")


@cli.command("close-day")
def close_day():
    """Close as not served the tickets still waiting after closing time.

    Today's tickets of offices whose last session has ended, and any ticket an earlier day
    left waiting. Safe to run often and from several machines: a ticket is closed once.
    """
    closed = hours.close_day(clock.now())
    click.echo(f"{closed} waiting ticket(s) closed as not served.")
