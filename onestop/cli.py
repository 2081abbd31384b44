"""Command-line tasks: seed the demo, create users and API tokens, start the demo, back up."""

from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from onestop import accounts, backup
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


@contextmanager
def _progressbar(label: str):
    """A click progress bar for a ``progress(done, total)`` callback; drawn at its first call."""
    state = {"bar": None, "done": 0}

    def progress(done: int, total: int) -> None:
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=max(total, 1), label=label)
            state["bar"].__enter__()
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        yield progress
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


@click.command("backup")
@with_appcontext
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="The backup file, or a folder for onestop-YYYYMMDD-HHMMSS.tar;"
    " default: the backups folder of the instance folder.",
)
def backup_command(output):
    """Copy the database into one file while the app runs (SQLite backup API or pg_dump)."""
    if output is None:
        output = Path(current_app.instance_path) / "backups"
        output.mkdir(mode=0o700, exist_ok=True)
    try:
        with _progressbar("Copying the database") as progress:
            done = backup.make_backup(db.engine, output, progress)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(done.line("Backed up", f"to {done.path}"))


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path, yes):
    """Replace the configured database with a backup, after checking the backup."""
    engine = db.engine
    where = engine.url.render_as_string(hide_password=True)
    migrations = current_app.extensions["migrate"].directory
    db.session.remove()
    try:
        with ExitStack() as stack:
            # The copy, checked, lives until the restore is done; its bar ends before the question.
            with _progressbar("Checking the copy") as progress:
                copy = stack.enter_context(backup.open_copy(path, engine, migrations, progress))
            click.echo(backup.describe(copy.manifest))
            if not yes:
                click.confirm(f"Replace every table of {where} with it?", abort=True)
            with _progressbar("Restoring") as progress:
                done = backup.restore_copy(copy, engine, progress)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(done.line("Restored", f"{where} from {path}"))
    if copy.outdated:
        click.echo("The copy has an older schema: run `flask --app wsgi db upgrade` now.")


def init_app(app: Flask) -> None:
    for command in (seed_demo, create_user, create_token, demo, backup_command, restore_command):
        app.cli.add_command(command)
