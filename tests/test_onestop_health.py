"""GET /healthz: 200 while the database answers, 503 when not; open, cheap and cookie-free."""

import time

import pytest
from sqlalchemy import make_url, text

from onestop import health
from onestop.extensions import db


def test_healthz_says_ok_without_login_cookie_or_rate_limit(app, client):
    app.config["RATELIMIT_ENABLED"] = True
    for _ in range(40):  # a load balancer polls every few seconds, from one address
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"database": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert client.head("/healthz").status_code == 200


@pytest.fixture
def broken_database(app, tmp_path, request):
    """The health check pointed at a database that cannot answer."""
    if request.param == "closed port":
        url = make_url("postgresql+psycopg://postgres@127.0.0.1:1/onestop")
    else:
        damaged = tmp_path / "damaged.db"
        damaged.write_bytes(b"this is not an SQLite database file" * 200)
        url = make_url(f"sqlite:///{damaged}")
    working = app.extensions[health.ENGINE]
    app.extensions[health.ENGINE] = health.health_engine(url)
    yield
    app.extensions[health.ENGINE].dispose()
    app.extensions[health.ENGINE] = working


@pytest.mark.parametrize("broken_database", ["closed port", "damaged file"], indirect=True)
def test_healthz_says_unavailable_quickly_when_the_database_does_not_answer(
    app, client, broken_database, caplog
):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < health.TIMEOUT_SECONDS + 1
    assert response.status_code == 503
    assert response.get_json() == {"database": "unavailable"}
    assert "Set-Cookie" not in response.headers
    assert "unavailable" in caplog.text and "postgres@" not in caplog.text


@pytest.mark.postgres  # a server that drops connections is PostgreSQL's case
def test_healthz_reconnects_after_the_server_dropped_its_connection(app, client):
    engine = app.extensions[health.ENGINE]
    with engine.connect() as connection:  # the connection that the check will reuse
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    time.sleep(0.1)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok"}
    engine.dispose()
