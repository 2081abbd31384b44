"""Board versions heard through PostgreSQL notifications: a 304 without the database."""

import time

import pytest
from sqlalchemy import event, select, text

from onestop.extensions import db
from queues import board, board_watch, polls, tickets
from queues.demo import add_queues
from queues.models import BoardVersion, Counter
from queues.tickets import call_next
from tests.fixtures import HTMX

# Board notifications are PostgreSQL's (LISTEN / NOTIFY).
pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("fixed_clock")]


def _heard(watch, code, version, seconds=5.0):
    """Wait until the watch knows ``version`` of the office (notifications are asynchronous)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = watch.version(code)
        if found is not None and found[1] == version:
            return found
        time.sleep(0.01)
    return watch.version(code)


@pytest.fixture
def watched(app, hall):
    app.config["BOARD_NOTIFICATIONS"] = True
    watch = board_watch.current()
    deadline = time.monotonic() + 5
    while not watch.live and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watch.live
    return watch


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    add_queues(office, [("dat-dai", "A", "Đất đai", 10)], [(1, "Quầy 1", ["dat-dai"])])
    db.session.commit()
    counter = db.session.scalar(select(Counter).where(Counter.office_id == office.id))
    return {
        "office": office,
        "counter": counter,
        "officer": make_user("officer1", "officer", office),
    }


@pytest.fixture
def statements():
    """Every statement sent to the database."""
    sent = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield sent
    event.remove(db.engine, "before_cursor_execute", record)


def _version_in_database(office_id):
    return db.session.scalar(
        select(BoardVersion.version).where(BoardVersion.office_id == office_id)
    )


def test_a_poll_with_the_heard_version_answers_304_without_the_database(
    client, watched, hall, statements
):
    office = hall["office"]
    tickets.issue(office, "dat-dai")
    version = _version_in_database(office.id)
    db.session.rollback()
    assert _heard(watched, "VY", version) == (office.id, version)
    first = client.get("/api/v1/offices/VY/board")
    assert first.json["version"] == version

    statements.clear()
    again = client.get("/api/v1/offices/vy/board", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert statements == []


def test_a_phone_poll_with_the_heard_version_answers_304_without_the_database(
    client, watched, hall, statements
):
    office = hall["office"]
    ticket = tickets.issue(office, "dat-dai").ticket
    version = _version_in_database(office.id)
    db.session.rollback()
    _heard(watched, "VY", version)
    first = client.get(f"/t/{ticket.token}", headers=HTMX)
    assert watched.version_by_id(office.id) == version

    statements.clear()
    again = client.get(
        f"/t/{ticket.token}", headers={**HTMX, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert statements == []


def test_a_call_is_heard_and_the_next_poll_gets_the_new_board(client, watched, hall):
    office = hall["office"]
    ticket = tickets.issue(office, "dat-dai").ticket
    _heard(watched, "VY", _version_in_database(office.id))
    db.session.rollback()
    before = client.get("/board/VY/live")

    call_next(hall["counter"], hall["officer"])
    called = _version_in_database(office.id)
    db.session.rollback()
    assert _heard(watched, "VY", called) == (office.id, called)
    after = client.get("/board/VY/live", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert ticket.display_number in after.get_data(as_text=True)


def test_a_call_is_heard_for_its_service_and_counter(watched, hall):
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    call_next(hall["counter"], hall["officer"])
    for scope in (f"s{ticket.service_id}", f"c{hall['counter'].id}"):
        in_database = polls.VERSION_OF_SCOPE[scope[0]]
        expected = db.session.execute(in_database, {"id": int(scope[1:])}).scalar()
        db.session.rollback()
        deadline = time.monotonic() + 5
        while watched.scoped_version(scope) != expected and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watched.scoped_version(scope) == expected >= 2


def test_an_unknown_code_is_asked_of_the_database(client, watched, hall):
    assert watched.version("XX") is None
    assert client.get("/api/v1/offices/XX/board").status_code == 404


def test_a_lost_connection_falls_back_to_the_database_then_listens_again(
    client, watched, hall, monkeypatch
):
    # Long enough for the checks below to run while the watch is down.
    monkeypatch.setattr(board_watch, "RETRY_SECONDS", 2.0)
    db.session.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = :name AND datname = current_database()"
        ),
        {"name": board_watch.APPLICATION_NAME},
    )
    db.session.rollback()
    deadline = time.monotonic() + 1.5
    while watched.live and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not watched.live

    tickets.issue(hall["office"], "dat-dai")
    version = _version_in_database(hall["office"].id)
    db.session.rollback()
    assert board.office_version("VY") == (hall["office"].id, version)
    assert _heard(watched, "VY", version) == (hall["office"].id, version)
    assert watched.live
