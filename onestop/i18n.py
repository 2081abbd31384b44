"""Language choice (Vietnamese by default, English second) and Vietnamese formatting."""

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, format_decimal, format_percent

from onestop.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if has_request_context() else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["datetime"] = lambda value, pattern="dd/MM/yyyy HH:mm": (
        format_datetime(value, pattern) if value else ""
    )
    app.jinja_env.filters["time"] = lambda value: format_datetime(value, "HH:mm") if value else ""
    app.jinja_env.filters["number"] = lambda value, digits=0: format_decimal(
        value, format="#,##0" + ("." + "0" * digits if digits else "")
    )
    app.jinja_env.filters["percent"] = lambda value, digits=1: format_percent(
        value, format="#,##0" + ("." + "0" * digits if digits else "") + "%"
    )

    @app.context_processor
    def _language():
        return {"current_language": select_locale(), "next_url": request.full_path.rstrip("?")}
