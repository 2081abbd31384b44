"""Send the outbox's due messages to the gateway: claim, post, mark; at least once, never lost.

A worker first *claims* a batch of due messages in a short write transaction: it counts
the attempt and moves each message's ``next_attempt_at`` past the time the batch can take
(the lease), then commits. Only then does it post them, one by one, outside any
transaction, and record each outcome. A worker killed while posting leaves its messages
pending; once the lease runs out another worker claims and posts them again, under the
same id, which lets the gateway drop a message it already has. Several workers never post
one message at the same time: PostgreSQL's ``FOR UPDATE SKIP LOCKED`` gives each claim
different rows, and SQLite takes one writer at a time.
"""

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select, update

from notify import texts
from notify.models import OutboxMessage
from onestop import clock
from onestop.extensions import begin_write, db

log = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt: 30 s, 1 min, 2 min, ... at most 1 hour.
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=1)
# Statuses of a refusal that a repeat cannot change (a malformed request, an unknown number).
_RETRYABLE_4XX = {408, 425, 429}


@dataclass(frozen=True)
class Settings:
    gateway_url: str
    timeout: float  # seconds one post may take
    max_attempts: int

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(
            gateway_url=config["NOTIFY_GATEWAY_URL"],
            timeout=float(config["NOTIFY_TIMEOUT_SECONDS"]),
            max_attempts=int(config["NOTIFY_MAX_ATTEMPTS"]),
        )


@dataclass(frozen=True)
class Claimed:
    """A message claimed for one attempt: what is posted, and which attempt it is."""

    id: int
    to: str
    template: str
    params: dict
    text: str
    attempt: int

    def body(self) -> bytes:
        payload = {
            "id": self.id,
            "to": self.to,
            "template": self.template,
            "params": self.params,
            "text": self.text,
        }
        return json.dumps(payload, ensure_ascii=False).encode()


class GatewayError(Exception):
    """The gateway did not accept a message; ``final`` when repeating it cannot help."""

    def __init__(self, reason: str, final: bool = False):
        super().__init__(reason)
        self.final = final


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt number ``attempt`` (1, 2, ...)."""
    return min(FIRST_RETRY * 2 ** min(attempt - 1, 20), LONGEST_RETRY)


def claim(batch: int, lease: dt.timedelta, max_attempts: int) -> list[Claimed]:
    """Take up to ``batch`` due messages for this worker until ``now + lease``, committed.

    A message whose every attempt was claimed by a worker that never came back (one
    that crashes on it, say) is marked failed instead of being tried forever.
    """
    now = clock.now()
    begin_write()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    messages = list(db.session.scalars(query))
    bodies = texts.texts()
    claimed = []
    for message in messages:
        if message.attempts >= max_attempts:
            message.status, message.last_error = "failed", "no outcome recorded"
            log.warning("message %d (%s) failed: no outcome recorded", message.id, message.template)
            continue
        message.attempts += 1
        message.next_attempt_at = now + lease
        claimed.append(
            Claimed(
                id=message.id,
                to=message.to,
                template=message.template,
                params=dict(message.params),
                text=texts.render(message.template, message.params, bodies[message.template]),
                attempt=message.attempts,
            )
        )
    db.session.commit()
    return claimed


def post(message: Claimed, settings: Settings) -> None:
    """POST the message as JSON; return when the gateway answered 2xx.

    :raises GatewayError: any other answer, no answer within the timeout, no connection.
    """
    request = urllib.request.Request(
        settings.gateway_url,
        data=message.body(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        final = 400 <= error.code < 500 and error.code not in _RETRYABLE_4XX
        raise GatewayError(f"HTTP {error.code}", final=final) from None
    except (OSError, ValueError) as error:  # refused, reset, timed out, bad URL
        cause = error.reason if isinstance(error, urllib.error.URLError) else error
        reason = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}"
        raise GatewayError(reason.rstrip(": ")) from None


def _record(message: Claimed, values: dict) -> None:
    """Store an attempt's outcome, unless a later claim of the message owns it now."""
    begin_write()
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == "pending",
            OutboxMessage.attempts == message.attempt,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver(message: Claimed, settings: Settings) -> str:
    """Post one claimed message and record the outcome: ``sent``, ``retry`` or ``failed``."""
    try:
        post(message, settings)
    except GatewayError as error:
        reason = str(error)[:300]
        if error.final or message.attempt >= settings.max_attempts:
            _record(message, {"status": "failed", "last_error": reason})
            log.warning(
                "message %d (%s) failed for good at attempt %d: %s",
                message.id,
                message.template,
                message.attempt,
                reason,
            )
            return "failed"
        delay = retry_delay(message.attempt)
        _record(message, {"next_attempt_at": clock.now() + delay, "last_error": reason})
        log.info(
            "message %d (%s) attempt %d failed (%s); next in %d s",
            message.id,
            message.template,
            message.attempt,
            reason,
            delay.total_seconds(),
        )
        return "retry"
    # sent_at is stamped only by the attempt that owns the message (see _record).
    _record(message, {"status": "sent", "sent_at": clock.now(), "last_error": None})
    log.info("message %d (%s) sent, attempt %d", message.id, message.template, message.attempt)
    return "sent"


def send_due(settings: Settings, batch: int = 20) -> Counter:
    """Claim and post one batch of due messages; count the outcomes (empty: nothing was due)."""
    # The lease covers the whole batch posted one after the other, each up to the timeout,
    # and one timeout more: a live worker is never overtaken on a message it still holds.
    lease = dt.timedelta(seconds=settings.timeout * (batch + 1))
    return Counter(
        deliver(message, settings) for message in claim(batch, lease, settings.max_attempts)
    )
