"""The shell: configuration, clock, errors, security headers, language, CLI, migrations."""

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select

from onestop import clock, create_app
from onestop.config import HTMX_SRI
from onestop.extensions import db
from onestop.models import Office, User


def test_clock_gives_aware_utc_and_vietnamese_dates(fixed_clock):
    fixed_clock(dt.datetime(2026, 11, 27, 17, 30, tzinfo=dt.UTC))
    assert clock.now().tzinfo == dt.UTC
    assert clock.today() == dt.date(2026, 11, 28)  # 00:30 in Vĩnh Yên
    assert clock.local_midnight(dt.date(2026, 11, 28)) == dt.datetime(
        2026, 11, 27, 17, 0, tzinfo=dt.UTC
    )
    with pytest.raises(ValueError):
        clock.set_now(dt.datetime(2026, 1, 1))


def test_times_come_back_aware(app, make_office, fixed_clock):
    office = make_office()
    db.session.expire_all()
    assert db.session.get(Office, office.id).created_at == clock.now()


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)

    def make():
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
        return app

    import onestop.config as config

    app = create_app.__wrapped__ if hasattr(create_app, "__wrapped__") else None
    assert app is None
    from flask import Flask

    first, second = Flask("a", instance_path=str(tmp_path)), Flask("b", instance_path=str(tmp_path))
    config.load(first, None)
    config.load(second, None)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert make().config["SECRET_KEY"]


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    from flask import Flask

    import onestop.config as config

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/onestop")
    monkeypatch.setenv("SECRET_KEY", "x")
    app = Flask("t", instance_path=str(tmp_path))
    config.load(app, None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/onestop"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 10


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_pages_carry_the_pinned_htmx_and_a_strict_csp(client):
    response = client.get("/login")
    body = response.get_data(as_text=True)
    assert 'src="https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js"' in body
    assert f'integrity="{HTMX_SRI}"' in body
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js;" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_htmx_url_can_point_to_an_own_copy(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "x",
            "HTMX_URL": "/static/vendor/htmx.min.js",
        }
    )
    response = app.test_client().get("/login")
    assert 'src="/static/vendor/htmx.min.js"' in response.get_data(as_text=True)
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]


def test_demo_banner_only_in_demo_mode(app, client):
    assert "BẢN DÙNG THỬ" not in client.get("/login").get_data(as_text=True)
    app.config["DEMO"] = True
    assert "BẢN DÙNG THỬ" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("path, status", [("/nowhere", 404), ("/logout", 405)])
def test_error_pages_in_vietnamese_and_english(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert "<html" in response.get_data(as_text=True)
    if status == 404:
        assert "Không tìm thấy" in response.get_data(as_text=True)
        client.post("/lang/en", data={"next": "/"})
        assert "Not found" in client.get(path).get_data(as_text=True)


def test_htmx_gets_an_error_fragment_and_the_api_gets_json(client):
    fragment = client.get("/nowhere", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="error"' in fragment
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.get_json()["error"]["message"]


def test_unexpected_error_gives_500_page(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.get_data(as_text=True)


def test_language_switch_keeps_the_page(client):
    response = client.post("/lang/en", data={"next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    client.post("/lang/vi", data={"next": "https://evil.example/"})
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


def test_public_offices_api(client, make_office):
    city = make_office()
    make_office(code="VY-LB", name="UBND phường Liên Bảo", level="commune", parent=city)
    assert client.get("/api/v1/offices").get_json() == [
        {"code": "VY", "name": "UBND thành phố Vĩnh Yên", "level": "district", "parent": None},
        {"code": "VY-LB", "name": "UBND phường Liên Bảo", "level": "commune", "parent": "VY"},
    ]


def test_cli_seed_demo_create_user_and_token(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Office)) == 10
    usernames = set(db.session.scalars(select(User.username)))
    assert {
        "admin",
        "supervisor",
        "officer1",
        "officer6",
        "vy-lb-officer",
        "vy-tt-supervisor",
    } <= usernames
    assert "nothing seeded" in runner.invoke(args=["seed-demo"]).output
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "hoa",
            "--full-name",
            "Trần Thị Hoa",
            "--role",
            "officer",
            "--office",
            "VY-LB",
            "--password",
            "a good password",
        ]
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(
        args=[
            "create-user",
            "--username",
            "x1",
            "--full-name",
            "X",
            "--role",
            "officer",
            "--office",
            "NOPE",
            "--password",
            "a good password",
        ]
    )
    assert bad.exit_code == 1 and "office" in bad.output
    token = runner.invoke(
        args=["create-token", "--username", "supervisor", "--name", "KPI"]
    ).output.strip()
    assert len(token) >= 40
    assert (
        app.test_client()
        .get("/api/v1/offices", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 200
    )


def test_migrations_build_the_same_schema_as_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        engine = create_engine(url)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        engine.dispose()
        db.session.remove()
    assert diff == []
