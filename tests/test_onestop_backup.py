"""Backup and restore: a copy made during ticket issuing comes back whole; bad ones are refused."""

import io
import json
import os
import tarfile
import threading
import time

import pytest
from sqlalchemy import inspect, make_url, select, text

from onestop import backup, create_app, dumps
from onestop.extensions import db
from onestop.models import Office
from queues import tickets
from queues.demo import add_queues
from queues.models import Ticket


@pytest.fixture
def hall(app, make_office, fixed_clock):
    office = make_office()
    add_queues(office, [("dat-dai", "A", "Đất đai", 10)], [(1, "Quầy 1", ["dat-dai"])])
    db.session.commit()
    for _ in range(3):
        tickets.issue(office, "dat-dai")
    return office.id


def _issue(office_id: int) -> int:
    return tickets.issue(db.session.get(Office, office_id), "dat-dai").ticket.number


def _numbers() -> list[int]:
    return sorted(db.session.scalars(select(Ticket.number)))


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class Issuer:
    """A kiosk issuing tickets without pause on a thread of its own, as the app would."""

    def __init__(self, app, office_id: int):
        self.app, self.office_id = app, office_id
        self.acknowledged: list[int] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        with self.app.app_context():
            try:
                while not self.stop.is_set():
                    self.acknowledged.append(_issue(self.office_id))
            except BaseException as error:  # noqa: BLE001 — reported by finish()
                self.errors.append(error)
            finally:
                db.session.remove()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.thread.join(30)
        assert not self.errors, self.errors


def _fresh_app(app, tmp_path):
    """An app on an empty database: a new SQLite file, or the PostgreSQL database emptied."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()
    if url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "BOARD_NOTIFICATIONS": False,
        }
    )
    fresh.instance_path = str(tmp_path / "fresh-instance")
    return fresh


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.scalar(text(f'SELECT count(*) FROM "{name}"'))
            for name in inspect(connection).get_table_names()
        }


def test_a_copy_taken_while_tickets_are_issued_restores_whole(app, hall, tmp_path):
    with Issuer(app, hall) as kiosk:
        _wait_for(lambda: len(kiosk.acknowledged) >= 5)
        acknowledged_before = list(kiosk.acknowledged)
        issued_during = []

        def progress(done, total):
            # The kiosk keeps issuing while the copy is being made: the backup blocks no writer.
            if not issued_during:
                mark = len(kiosk.acknowledged)
                _wait_for(lambda: len(kiosk.acknowledged) >= mark + 3)
                issued_during.append(len(kiosk.acknowledged) - mark)

        done = backup.make_backup(db.engine, tmp_path / "copy.tar", progress)
    assert issued_during
    manifest = done.manifest
    copied = manifest.rows["ticket"]
    # A snapshot: everything acknowledged before it began, nothing issued after it.
    assert 3 + len(acknowledged_before) <= copied < 3 + len(kiosk.acknowledged)
    assert manifest.rows["ticket_event"] == copied

    fresh = _fresh_app(app, tmp_path)
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", str(done.path), "--yes"])
        assert result.exit_code == 0, result.output
        assert "Restored" in result.output and f"{manifest.total_rows:,} rows" in result.output
        numbers = _numbers()
        assert numbers == list(range(1, copied + 1))  # no duplicate, no gap
        assert set(acknowledged_before) <= set(numbers)
        assert _counts(db.engine) == manifest.rows
        # The app goes on from the restored state: the next ticket gets the next number.
        assert _issue(hall) == copied + 1
        db.session.remove()
        db.engine.dispose()


def test_backup_command_writes_a_private_timestamped_copy_and_restore_replaces_the_live_database(
    app, hall, runner
):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    copy = os.path.join(app.instance_path, "backups", "onestop-20261127-081500.tar")
    assert os.path.isfile(copy)
    assert os.stat(copy).st_mode & 0o777 == 0o600
    assert "Backed up" in result.output and "rows in" in result.output
    # A second copy in the same second never overwrites the first.
    assert runner.invoke(args=["backup", "--output", copy]).exit_code == 1

    _issue(hall)
    _issue(hall)
    db.session.remove()
    declined = runner.invoke(args=["restore", copy], input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert _numbers() == [1, 2, 3, 4, 5]
    db.session.remove()

    restored = runner.invoke(args=["restore", copy], input="y\n")
    assert restored.exit_code == 0, restored.output
    assert _numbers() == [1, 2, 3]
    assert _issue(hall) == 4


def _rewrite(archive, target, **changes):
    """A copy of ``archive`` whose manifest has ``changes`` (its payload untouched)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == backup.MANIFEST:
                fields = {**json.loads(data), **changes}
                data = json.dumps(fields).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def _other_kind(kind):
    return "postgresql" if kind == "sqlite" else "sqlite"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "damaged"),
        ("checksum", "checksum"),
        ("kind", "is a copy of a"),
        ("newer schema", "newer version"),
        ("not a backup", "not a Một Cửa backup"),
        ("malformed manifest", "cannot be trusted"),
    ],
)
def test_restore_refuses_a_copy_it_cannot_verify_and_changes_nothing(
    app, hall, runner, tmp_path, damage, message
):
    good = backup.make_backup(db.engine, tmp_path / "good.tar", lambda *_: None).path
    bad = tmp_path / "bad.tar"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "checksum":
        _rewrite(good, bad, sha256="0" * 64)
    elif damage == "kind":
        _rewrite(good, bad, kind=_other_kind(db.engine.dialect.name))
    elif damage == "newer schema":
        _rewrite(good, bad, schema_revisions=["ffffffffffff"])
    elif damage == "not a backup":
        bad.write_bytes(b"PK\x03\x04 a zip file, or anything else")
    else:
        _rewrite(good, bad, rows={"ticket": -1})
    _issue(hall)
    db.session.remove()

    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code == 1
    assert message in result.output
    assert "Restored" not in result.output
    assert _numbers() == [1, 2, 3, 4]
    # Nothing is left behind beside the database either.
    assert not list(tmp_path.glob("onestop-restore-*"))


def test_postgres_clients_get_the_password_in_the_environment_only():
    url = make_url("postgresql+psycopg://onestop:s3cr'et@db.example:6543/motcua?sslmode=require")
    conninfo, environment = dumps.client_arguments(url)
    assert "s3cr" not in conninfo
    assert environment["PGPASSWORD"] == "s3cr'et"
    assert (
        conninfo == "host='db.example' port='6543' user='onestop' dbname='motcua' sslmode='require'"
    )


def test_a_copy_of_an_older_schema_restores_and_asks_for_the_upgrade(app, hall, runner, tmp_path):
    good = backup.make_backup(db.engine, tmp_path / "good.tar", lambda *_: None).path
    migrations = app.extensions["migrate"].directory
    older = sorted(backup.code_revisions(migrations) - backup.code_heads(migrations))[0]
    copy = _rewrite(good, tmp_path / "older.tar", schema_revisions=[older])
    db.session.remove()
    result = runner.invoke(args=["restore", str(copy), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"schema {older}" in result.output
    assert "db upgrade" in result.output
