"""Fixtures: an app on a fresh database per test (SQLite, and PostgreSQL via TEST_DATABASE_URL).

The set-ups that many test files share live in tests/fixtures/ and are made fixtures here:
``hall``, ``kiosk``, ``rating_hall`` (halls.py), ``world``, ``receive``, ``officer_client``
(dossiers.py) and ``network`` (network.py). A test file that needs another hall defines its
own ``hall``, which wins in that file.

Tests marked ``postgres`` mean something on PostgreSQL only: they are skipped on SQLite, and
``-m postgres`` selects them.
"""

import datetime as dt
import os
import re

import flask_babel
import pytest
from flask import g
from werkzeug.security import generate_password_hash

from bench.loadkit import reset_postgres
from onestop import clock, create_app
from onestop.extensions import db
from onestop.models import Office, User
from queues import board_watch
from tests.fixtures.dossiers import (  # noqa: F401 (fixtures)
    officer_client,
    receive_fixture,
    world_fixture,
)
from tests.fixtures.halls import hall, kiosk, rating_hall  # noqa: F401 (fixtures)
from tests.fixtures.network import network  # noqa: F401 (fixture)

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
PASSWORD = "correct-horse"


def pytest_collection_modifyitems(items):
    # One place decides where a PostgreSQL-only test runs: on the app's PostgreSQL backend (or
    # anywhere TEST_DATABASE_URL is set, for a test without the app fixture).
    for item in items:
        if item.get_closest_marker("postgres") is None:
            continue
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("app") if callspec is not None else None
        if backend == "sqlite" or (backend is None and "postgresql" not in BACKENDS):
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only (TEST_DATABASE_URL)"))


@pytest.fixture(scope="session")
def password_hash():
    # scrypt is slow on purpose; hash the shared test password once per run.
    return generate_password_hash(PASSWORD)


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    if request.param == "postgresql":
        url = os.environ["TEST_DATABASE_URL"]
        reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PUBLIC_URL": "http://onestop.test",
            # Each test sees a change at once; tests/test_board_watch.py turns it on.
            "BOARD_NOTIFICATIONS": False,
        }
    )
    app.instance_path = str(tmp_path)

    @app.teardown_request
    def _forget_request_caches(_error):
        # The test keeps one app context open across requests, unlike a server; drop
        # what Flask-Login, Flask-Babel and the device check cache on it so each request
        # starts afresh.
        g.pop("_login_user", None)
        g.pop("device", None)
        g.pop("device_identity", None)
        flask_babel.refresh()

    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        if (watch := app.extensions.get(board_watch.EXTENSION_KEY)) is not None:
            watch.stop()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def fixed_clock():
    """Set the clock; the default is a Friday morning in Vĩnh Yên (08:15 local)."""

    def set_to(instant: dt.datetime = dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC)):
        clock.set_now(instant)
        return instant

    set_to()
    yield set_to
    clock.set_now(None)


@pytest.fixture
def make_office(app):
    def make(code="VY", name="UBND thành phố Vĩnh Yên", level="district", parent=None, **extra):
        office = Office(
            code=code,
            name=name,
            level=level,
            parent=parent,
            agency_code=extra.pop("agency_code", "000.00.12.H62"),
            **extra,
        )
        db.session.add(office)
        db.session.commit()
        return office

    return make


@pytest.fixture
def make_user(app, password_hash):
    def make(username, role, office, full_name="Nguyễn Văn An", active=True):
        user = User(
            username=username,
            full_name=full_name,
            role=role,
            office=office,
            password_hash=password_hash,
            active=active,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def log_in(user_or_name, password=PASSWORD):
        username = getattr(user_or_name, "username", user_or_name)
        return client.post("/login", data={"username": username, "password": password})

    return log_in


def sent_tag(html: str) -> str:
    """The If-None-Match that a polling fragment sends with its next poll (its hx-headers)."""
    tag = re.search(r'"If-None-Match": "\\"([^"\\]+)\\""', html).group(1)
    return f'"{tag}"'
