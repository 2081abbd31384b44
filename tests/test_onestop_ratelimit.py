"""Rate limits: keyed on the real client behind trusted proxies, shared through Redis, safe
across threads, and a refusal to serve several workers from per-process counters."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from limits.storage import MemoryStorage

from onestop import create_app, ratelimit
from onestop.extensions import db

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def sibling_apps(app):
    """Build more apps on the test's database: the limits read their settings at creation."""
    made = []

    def make(**config):
        sibling = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "WTF_CSRF_ENABLED": False,
                "BOARD_NOTIFICATIONS": False,
                "RATELIMIT_ENABLED": True,
                "LOGIN_RATE_LIMIT": "2 per minute",
                **config,
            }
        )
        made.append(sibling)
        return sibling

    yield make
    for sibling in made:
        with sibling.app_context():
            db.session.remove()
            db.engine.dispose()


def failed_logins(client, forwarded_for: str | None, times: int = 1) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [
        client.post("/login", data={"username": "x", "password": "y"}, headers=headers).status_code
        for _ in range(times)
    ]


def test_clients_behind_one_trusted_proxy_get_allowances_of_their_own(sibling_apps):
    client = sibling_apps(TRUSTED_PROXIES=1).test_client()
    assert failed_logins(client, "203.0.113.7", 3) == [401, 401, 429]
    assert failed_logins(client, "203.0.113.8", 2) == [401, 401]
    assert failed_logins(client, "203.0.113.7") == [429]


def test_a_client_cannot_escape_its_limit_by_adding_addresses_before_its_own(sibling_apps):
    client = sibling_apps(TRUSTED_PROXIES=1).test_client()
    # The proxy appends the address it saw; only that last one is believed.
    assert failed_logins(client, "198.51.100.1, 203.0.113.7", 2) == [401, 401]
    assert failed_logins(client, "198.51.100.2, 203.0.113.7") == [429]


def test_an_untrusted_forwarded_for_header_is_ignored(sibling_apps):
    client = sibling_apps(TRUSTED_PROXIES=0).test_client()
    assert failed_logins(client, "203.0.113.7") == [401]
    assert failed_logins(client, "203.0.113.8") == [401]
    assert failed_logins(client, "203.0.113.9") == [429]  # one allowance: the connecting address


def test_the_number_of_trusted_proxies_comes_from_the_environment(monkeypatch, sibling_apps):
    monkeypatch.setenv("ONESTOP_TRUSTED_PROXIES", "2")
    assert sibling_apps().config["TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("ONESTOP_TRUSTED_PROXIES", "two")
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        sibling_apps()


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")


def test_redis_counts_one_allowance_across_two_app_instances(sibling_apps):
    _redis_or_skip()
    first = sibling_apps(RATELIMIT_STORAGE_URI=REDIS_URL, LOGIN_RATE_LIMIT="3 per minute")
    second = sibling_apps(RATELIMIT_STORAGE_URI=REDIS_URL, LOGIN_RATE_LIMIT="3 per minute")
    with first.app_context():
        ratelimit.reset()
    try:
        one, two = first.test_client(), second.test_client()
        assert failed_logins(one, None, 2) == [401, 401]
        assert failed_logins(two, None, 2) == [401, 429]
        assert failed_logins(one, None) == [429]
    finally:
        with first.app_context():
            ratelimit.reset()


class RacyMemoryStorage(MemoryStorage):
    """limits' memory store with a thread switch forced where it hurts: right after a new
    expiry timer is assigned, before it is started (what a busy server does now and then)."""

    @property
    def timer(self):
        return self.__dict__["_timer"]

    @timer.setter
    def timer(self, value):
        self.__dict__["_timer"] = value
        time.sleep(0.005)


def test_the_memory_store_takes_hits_from_many_threads_at_once(monkeypatch, sibling_apps):
    monkeypatch.setattr(ratelimit, "storage_from_string", lambda _uri: RacyMemoryStorage())
    app = sibling_apps(RATELIMIT_STORAGE_URI="memory://")
    time.sleep(0.05)  # the store's first expiry timer has run and stopped
    start, errors = threading.Barrier(8), []

    def hit(index: int) -> None:
        with app.test_request_context():
            start.wait()
            try:
                ratelimit.check("test", "1000 per minute", f"client-{index}")
            except Exception as error:  # what the view would turn into a 500
                errors.append(error)

    threads = [threading.Thread(target=hit, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


BASE = {"RATELIMIT_STORAGE_URI": "memory://", "TESTING": False, "DEMO": False}


@pytest.mark.parametrize(
    "config, environment, refused",
    [
        ({}, {"SERVER_SOFTWARE": "gunicorn/27.0.1"}, True),
        ({}, {"WEB_CONCURRENCY": "4"}, True),
        ({"SINGLE_PROCESS": True}, {"SERVER_SOFTWARE": "gunicorn/27.0.1"}, False),
        ({"SINGLE_PROCESS": True}, {"WEB_CONCURRENCY": "4"}, True),
        ({}, {}, False),  # flask run, the CLI commands: one process
        ({"DEMO": True}, {"WEB_CONCURRENCY": "4"}, False),
        ({"TESTING": True}, {"WEB_CONCURRENCY": "4"}, False),
        ({"RATELIMIT_ENABLED": False}, {"WEB_CONCURRENCY": "4"}, False),
        ({"RATELIMIT_STORAGE_URI": REDIS_URL}, {"WEB_CONCURRENCY": "4"}, False),
    ],
)
def test_per_process_counters_are_refused_where_several_processes_serve(
    monkeypatch, config, environment, refused
):
    for name in ("SERVER_SOFTWARE", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = {"RATELIMIT_ENABLED": True, "SINGLE_PROCESS": False, **BASE, **config}
    if refused:
        with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI=redis://"):
            ratelimit.check_storage(settings)
    else:
        ratelimit.check_storage(settings)


def test_gunicorn_with_two_workers_and_the_memory_store_refuses_to_start(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ONESTOP_", "RATELIMIT_", "FLASK_", "WEB_CONCURRENCY"))
    }
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'refused.db'}", SECRET_KEY="test", PYTHONPATH=str(ROOT)
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    finished = subprocess.run(
        [gunicorn, "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "ONESTOP_SINGLE_PROCESS=1" in finished.stderr
