"""Rate limits on the few routes that need a brake: login, lookups, kiosk and feedback writes.

A decorator on those views checks their limits, with the ``limits`` library; nothing
runs for the other routes. (A limiter hooked into every request cost each board poll
and each page about as much as a small query.) Counters live in RATELIMIT_STORAGE_URI:
``memory://`` counts per process, ``redis://`` is shared by every worker and host.
RATELIMIT_ENABLED = False lifts every limit.

The key of most limits is the client's address: behind a reverse proxy, set
TRUSTED_PROXIES so that it is the citizen's address (onestop.create_app applies ProxyFix).
"""

import contextlib
import functools
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION = "onestop.ratelimit"


@dataclass(frozen=True)
class _Limiter:
    storage: Storage
    strategy: FixedWindowRateLimiter
    # limits' MemoryStorage is not thread-safe: two threads that find its expiry timer
    # stopped may start the same new timer twice ("threads can only be started once"),
    # a 500 for the request. One lock per store serialises its calls (microseconds each).
    # Redis does its own counting atomically and needs none.
    lock: contextlib.AbstractContextManager


def remote_address() -> str:
    """The client's address, the key of limits that are not per device."""
    return request.remote_addr or "127.0.0.1"


def check_storage(config) -> None:
    """Refuse to serve with a store that counts per process where several processes serve.

    ``memory://`` counts in each process: with four workers, four times the allowance, and
    a lock-out that depends on which worker answers. Outside tests and demo mode, with the
    limits on, it is refused when WEB_CONCURRENCY asks for several processes, and under
    gunicorn (whose master sets SERVER_SOFTWARE for itself and its workers) unless
    SINGLE_PROCESS (ONESTOP_SINGLE_PROCESS=1) says it runs one worker. ``flask run`` and
    ``flask --app wsgi demo`` are one process.
    """
    if not config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return
    if config["TESTING"] or config["DEMO"] or not config["RATELIMIT_ENABLED"]:
        return
    several = os.environ.get("WEB_CONCURRENCY", "").strip() not in {"", "0", "1"}
    under_gunicorn = os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")
    if several or (under_gunicorn and not config["SINGLE_PROCESS"]):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI is memory://, which counts rate limits in each worker "
            "process separately. Set RATELIMIT_STORAGE_URI=redis://host:6379/0 (shared by "
            "every worker), or, when gunicorn runs a single worker (-w 1), "
            "ONESTOP_SINGLE_PROCESS=1."
        )


def init_app(app: Flask) -> None:
    check_storage(app.config)
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    lock = threading.Lock() if isinstance(storage, MemoryStorage) else contextlib.nullcontext()
    app.extensions[EXTENSION] = _Limiter(storage, FixedWindowRateLimiter(storage), lock)


@functools.lru_cache(maxsize=64)
def _items(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def check(scope: str, limit: str, key: str) -> None:
    """Count one hit of ``key`` in ``scope``; TooManyRequests (429) once ``limit`` is spent."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limiter: _Limiter = current_app.extensions[EXTENSION]
    for item in _items(limit):
        with limiter.lock:
            allowed = limiter.strategy.hit(item, scope, key)
            stats = None if allowed else limiter.strategy.get_window_stats(item, scope, key)
        if stats is not None:
            raise TooManyRequests(retry_after=max(1, math.ceil(stats.reset_time - time.time())))


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
    limiter: _Limiter = current_app.extensions[EXTENSION]
    with limiter.lock:
        limiter.storage.reset()
