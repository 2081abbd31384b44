"""Rate limits on the few routes that need a brake: login, lookups, kiosk and feedback writes.

A decorator on those views checks their limits, with the ``limits`` library; nothing
runs for the other routes. (A limiter hooked into every request cost each board poll
and each page about as much as a small query.) Counters live in RATELIMIT_STORAGE_URI:
``memory://`` counts per process, ``redis://`` is shared by every worker and host.
RATELIMIT_ENABLED = False lifts every limit.
"""

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION = "onestop.ratelimit"


@dataclass(frozen=True)
class _Limiter:
    storage: Storage
    strategy: FixedWindowRateLimiter


def remote_address() -> str:
    """The client's address, the key of limits that are not per device."""
    return request.remote_addr or "127.0.0.1"


def init_app(app: Flask) -> None:
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[EXTENSION] = _Limiter(storage, FixedWindowRateLimiter(storage))


@functools.lru_cache(maxsize=64)
def _items(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def check(scope: str, limit: str, key: str) -> None:
    """Count one hit of ``key`` in ``scope``; TooManyRequests (429) once ``limit`` is spent."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limiter: _Limiter = current_app.extensions[EXTENSION]
    for item in _items(limit):
        if not limiter.strategy.hit(item, scope, key):
            reset_at = limiter.strategy.get_window_stats(item, scope, key).reset_time
            raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def limit(
    limit_of: Callable[[], str],
    *,
    scope: str | None = None,
    key: Callable[[], str] = remote_address,
    methods: tuple[str, ...] | None = None,
):
    """Limit a view: ``limit_of()`` (e.g. "10 per minute") per ``key()``, for ``methods`` only.

    Views given the same ``scope`` share one allowance (the kiosk's page and its API).
    """

    def decorator(view):
        name = scope or f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def limited(*args, **kwargs):
            if methods is None or request.method in methods:
                check(name, limit_of(), key())
            return view(*args, **kwargs)

        return limited

    return decorator


def reset() -> None:
    """Forget every counter (tests, or an operator lifting a lock-out)."""
    current_app.extensions[EXTENSION].storage.reset()
