"""The application shell: the factory, configuration, extensions, accounts and shared pieces."""

import importlib
import importlib.util
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent

# Feature packages, in the order of DESIGN.md section 2. Each may provide
# models.py, views.py (bp), api.py (api_bp), demo.py (seed), cli.py (cli) and retention.py
# (its personal data, for onestop.retention).
FEATURES = ("notify", "queues", "appointments", "dossiers", "feedback", "kiosk", "reports")


def _feature_module(feature: str, part: str):
    name = f"{feature}.{part}"
    if importlib.util.find_spec(feature) is None or importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config layers, extensions, blueprints, CLI, error handlers."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from onestop import config, inputs

    config.load(app, test_config)
    # First: its URL converter must be in place before any route, its check before any hook.
    inputs.init_app(app)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # The client's address is the one the outermost trusted proxy saw: rate limits
        # count per citizen, not per proxy. Headers beyond those proxies are ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from onestop import (
        api,
        auth,
        cli,
        errors,
        extensions,
        health,
        htmx,
        i18n,
        models,
        security,
        views,
    )

    extensions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    htmx.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    cli.init_app(app)
    health.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    # The audit page and the purge of personal data: their routes join the admin blueprint.
    from onestop import audit, audit_views, retention

    app.register_blueprint(views.admin_bp)
    app.register_blueprint(api.api_bp)
    app.cli.add_command(retention.purge_personal_data)
    del models, audit, audit_views  # imported for their tables and routes

    from onestop.demo import seed

    seeders = [("onestop", seed)]
    for feature in FEATURES:
        _feature_module(feature, "models")
        _feature_module(feature, "retention")
        for part, attr in (("views", "bp"), ("api", "api_bp")):
            module = _feature_module(feature, part)
            if module is not None:
                app.register_blueprint(getattr(module, attr))
        demo = _feature_module(feature, "demo")
        if demo is not None:
            seeders.append((feature, demo.seed))
        feature_cli = _feature_module(feature, "cli")
        if feature_cli is not None:
            app.cli.add_command(feature_cli.cli)
    app.extensions["onestop.seeders"] = seeders

    if app.config["DEMO"] and not app.testing:
        from onestop.demo import prepare_demo_database

        prepare_demo_database(app)
    return app
