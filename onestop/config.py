"""Configuration: safe defaults, then the instance config.py, then the environment, then tests."""

import os
import secrets
from pathlib import Path

from flask import Flask

HTMX_VERSION = "2.0.11"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"

DEFAULTS = {
    # Relative SQLite paths resolve inside the instance folder (Flask-SQLAlchemy 3).
    "SQLALCHEMY_DATABASE_URI": "sqlite:///onestop.db",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ("vi", "en"),
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    # gunicorn runs one worker, so memory:// counters may be used under it
    # (see onestop.ratelimit.check_storage).
    "SINGLE_PROCESS": False,
    # Proxies in front of the app whose X-Forwarded-For / -Proto are believed (ProxyFix).
    "TRUSTED_PROXIES": 0,
    # An office day: a login lasts the working day, and a counter left alone over the
    # lunch break asks for the password again.
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_MAX_HOURS": 12,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "DOSSIER_LOOKUP_RATE_LIMIT": "10 per minute;100 per hour",
    "DEMO": False,
    "PUBLIC_URL": None,
    "HTMX_URL": HTMX_CDN_URL,
    "HTMX_INTEGRITY": HTMX_SRI,
    "PDF_FONT": None,
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    # PostgreSQL only: board versions heard by LISTEN/NOTIFY, so a board's 304 reads nothing.
    "BOARD_NOTIFICATIONS": True,
    # The newest call fills the board this long (seconds) before the counters come back.
    "BOARD_HERO_SECONDS": 12,
    # Spoken calls kept in instance/speech/ (bytes; a call is about 150 kB), and how long the
    # first rendering of a phrase may take (seconds) before the board chimes without words.
    "SPEECH_CACHE_BYTES": 64 * 1024 * 1024,
    "SPEECH_TIMEOUT_SECONDS": 5,
    # The SMS / Zalo gateway that `flask notify run` posts messages to (None: nothing is sent),
    # how long one post may take (seconds), and how many attempts a message gets before the
    # admin sees it as failed.
    "NOTIFY_GATEWAY_URL": None,
    "NOTIFY_TIMEOUT_SECONDS": 10,
    "NOTIFY_MAX_ATTEMPTS": 8,
}

# Environment names fixed by DESIGN.md section 7, mapped to config keys.
ENVIRONMENT = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "ONESTOP_DEMO": "DEMO",
    "ONESTOP_PUBLIC_URL": "PUBLIC_URL",
    "HTMX_URL": "HTMX_URL",
    "HTMX_INTEGRITY": "HTMX_INTEGRITY",
    "ONESTOP_PDF_FONT": "PDF_FONT",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "ONESTOP_HTTPS": "SESSION_COOKIE_SECURE",
    "ONESTOP_SINGLE_PROCESS": "SINGLE_PROCESS",
    "ONESTOP_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "ONESTOP_SESSION_IDLE_MINUTES": "SESSION_IDLE_MINUTES",
    "ONESTOP_SESSION_MAX_HOURS": "SESSION_MAX_HOURS",
    "NOTIFY_GATEWAY_URL": "NOTIFY_GATEWAY_URL",
    "NOTIFY_TIMEOUT_SECONDS": "NOTIFY_TIMEOUT_SECONDS",
    "NOTIFY_MAX_ATTEMPTS": "NOTIFY_MAX_ATTEMPTS",
}
BOOLEAN_KEYS = {"DEMO", "SESSION_COOKIE_SECURE", "SINGLE_PROCESS"}
# Whole numbers: the number of trusted proxies may be 0, a lifetime must be at least 1.
INTEGER_KEYS = {
    "TRUSTED_PROXIES": 0,
    "SESSION_IDLE_MINUTES": 1,
    "SESSION_MAX_HOURS": 1,
    "NOTIFY_TIMEOUT_SECONDS": 1,
    "NOTIFY_MAX_ATTEMPTS": 1,
}


def _database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the psycopg 3 driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    # No pre-ping: it costs a round trip on every request. A connection the server
    # dropped (a restart) fails one request, and SQLAlchemy then renews the whole pool.
    return {"pool_size": 10, "max_overflow": 5, "pool_recycle": 3600}


def _secret_key(instance_path: str) -> str:
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _whole_number(key: str, value, least: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or number < least:
        raise RuntimeError(f"{key} must be a whole number of at least {least}, not {value!r}.")
    return number


def load(app: Flask, test_config: dict | None) -> None:
    """Apply the configuration layers to ``app``, in order of precedence."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in ENVIRONMENT.items():
        value = os.environ.get(env_name)
        if value:
            app.config[key] = (
                value.lower() in {"1", "true", "yes"} if key in BOOLEAN_KEYS else value
            )
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)

    for key, least in INTEGER_KEYS.items():
        app.config[key] = _whole_number(key, app.config[key], least)

    url = _database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(url))
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path).parent / "translations")
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
