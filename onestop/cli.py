"""Command-line tasks: seed the demo, create users and API tokens, start the demo."""

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from onestop import accounts
from onestop.demo import run_seeders
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.models import ROLES, User


@click.command("seed-demo")
def seed_demo():
    """Fill an empty database with the demo offices, users and data."""
    done = run_seeders(current_app)
    if not done:
        click.echo("The database already has offices; nothing seeded.")
    else:
        click.echo(f"Seeded demo data: {', '.join(done)}.")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--office", required=True, help="Office code, e.g. VY or VY-LB.")
@click.password_option()
def create_user(username, full_name, role, office, password):
    """Create a user account."""
    try:
        user = accounts.save_user(
            {
                "username": username,
                "full_name": full_name,
                "role": role,
                "office": office,
                "password": password,
            }
        )
    except ValidationError as error:
        for field, message in error.errors.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.role} {user.username} in {user.office.code}.")


@click.command("create-token")
@click.option("--username", required=True, help="The account the integration acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. 'city KPI system'.")
def create_token(username, name):
    """Create an API token (shown once) for Authorization: Bearer."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None or not user.active:
        click.echo(f"No active user {username}.", err=True)
        raise SystemExit(1)
    try:
        token = accounts.create_token(user, name)
    except ValidationError as error:
        click.echo(error.message, err=True)
        raise SystemExit(1) from None
    click.echo(token)


@click.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def demo(host, port):
    """Apply the migrations, seed demo data if the database is empty, and serve the demo."""
    app = current_app._get_current_object()
    app.config["DEMO"] = True
    upgrade(directory=app.extensions["migrate"].directory)
    done = run_seeders(app)
    if done:
        click.echo("Demo data created. Accounts: admin, supervisor, officer1 ... (password: demo).")
    db.session.remove()
    click.echo(f"Một Cửa demo on http://{host}:{port}/login")
    # Flask refuses app.run() inside its own CLI, so serve with Werkzeug directly.
    run_simple(host, port, app, threaded=True)


def init_app(app: Flask) -> None:
    for command in (seed_demo, create_user, create_token, demo):
        app.cli.add_command(command)
