"""``flask --app wsgi notify run``: the worker that sends the outbox's messages to the gateway."""

import logging
import time
from collections import Counter

import click
from flask import current_app

from notify.sender import Settings, send_due
from onestop.extensions import db


@click.group("notify")
def cli():
    """Messages to citizens (SMS / Zalo) through the gateway of NOTIFY_GATEWAY_URL."""


@cli.command("run")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option(
    "--batch",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Messages claimed at a time.",
)
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    help="Seconds to wait when nothing is due.",
)
def run(once: bool, batch: int, interval: float):
    """Send due messages until stopped; run several processes for several workers."""
    settings = Settings.from_config(current_app.config)
    if not settings.gateway_url:
        raise click.UsageError("Set NOTIFY_GATEWAY_URL to the address of the SMS / Zalo gateway.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    total: Counter = Counter()
    while True:
        outcomes = send_due(settings, batch)
        total.update(outcomes)
        if not outcomes:
            if once:
                break
            db.session.remove()  # no connection held while idle
            time.sleep(interval)
    click.echo(f"Sent {total['sent']}, to retry {total['retry']}, failed {total['failed']}.")
