"""The kiosk's JSON API: POST /api/v1/offices/<office>/tickets and GET /api/v1/tickets/<token>."""

import datetime as dt
import re

import pytest
from sqlalchemy import event, func, select, update

from onestop.extensions import begin_autocommit, db
from queues import tickets
from queues.models import Service, Ticket


def take(client, office="VY", **body):
    return client.post(f"/api/v1/offices/{office}/tickets", json=body)


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_issuing_answers_201_with_the_documented_fields(kiosk, hall):
    tickets.issue_ticket(hall.office, "dat-dai")
    response = take(kiosk, service="dat-dai", priority=False)
    body = response.get_json()
    assert response.status_code == 201
    assert set(body) >= {
        "id",
        "number",
        "service",
        "office",
        "issued_at",
        "status",
        "position",
        "eta_minutes",
        "token",
        "url",
        "pdf_url",
    }
    assert body["number"] == "B002" and body["service"] == "dat-dai" and body["office"] == "VY"
    assert body["status"] == "waiting" and body["position"] == 1 and body["eta_minutes"] == 6
    assert dt.datetime.fromisoformat(body["issued_at"]) == dt.datetime(
        2026, 11, 27, 1, 15, tzinfo=dt.UTC
    )
    assert body["url"] == f"http://onestop.test/t/{body['token']}"
    assert body["pdf_url"] == f"http://onestop.test/tickets/{body['token']}.pdf"
    assert response.headers["Location"] == f"/api/v1/tickets/{body['token']}"


def test_a_priority_ticket_goes_first_with_or_without_its_reason(kiosk, hall):
    tickets.issue_ticket(hall.office, "dat-dai")
    response = take(kiosk, service="dat-dai", priority=True, priority_reason="pregnant")
    assert response.status_code == 201
    body = response.get_json()
    assert (
        body["priority"] is True and body["priority_reason"] == "pregnant" and body["position"] == 0
    )
    unstated = take(kiosk, service="dat-dai", priority=True)
    assert unstated.status_code == 201
    body = unstated.get_json()
    assert body["priority"] is True and body["priority_reason"] is None and body["position"] == 1
    assert take(kiosk, service="dat-dai", priority_reason="vip").status_code == 422
    normal = take(kiosk, service="dat-dai", priority=False, priority_reason="elderly").get_json()
    assert normal["priority"] is False


def test_the_same_request_id_gives_the_same_ticket(kiosk, hall):
    first = take(kiosk, service="ho-tich", request_id="kiosk-7-tap-42").get_json()
    again = take(kiosk, service="ho-tich", request_id="kiosk-7-tap-42").get_json()
    assert first["id"] == again["id"] and first["number"] == again["number"] == "A001"
    assert ticket_count() == 1


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("not json", "application/json"),
        ('["ho-tich"]', "application/json"),
        ('{"service": 12}', "application/json"),
        ('{"priority": false}', "application/json"),
        ('{"service": "ho-tich", "priority": "yes"}', "application/json"),
        ('{"service": "ho-tich", "request_id": 5}', "application/json"),
    ],
)
def test_a_malformed_body_is_400_and_stores_nothing(kiosk, hall, body, content_type):
    response = kiosk.post("/api/v1/offices/VY/tickets", data=body, content_type=content_type)
    assert response.status_code == 400
    assert (
        response.get_json()["error"]["code"] == "bad_request"
        and response.get_json()["error"]["message"]
    )
    assert ticket_count() == 0


def test_unknown_office_or_service_is_404_and_a_closed_service_409(kiosk, hall):
    office = take(kiosk, office="XX", service="ho-tich")
    service = take(kiosk, service="nope")
    closed = take(kiosk, service="xay-dung")
    assert office.status_code == 404 and office.get_json()["error"]["code"] == "not_found"
    assert service.status_code == 404
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "service_closed"
    assert ticket_count() == 0


def test_outside_demo_mode_an_unpaired_caller_gets_403(client, hall, app):
    assert app.config["DEMO"] is False
    response = take(client, service="ho-tich")
    assert (
        response.status_code == 403 and response.get_json()["error"]["code"] == "device_not_paired"
    )
    assert ticket_count() == 0
    app.config["DEMO"] = True
    assert take(client, service="ho-tich").status_code == 201


def test_following_a_ticket_through_its_states(client, hall):
    tickets.issue_ticket(hall.office, "ho-tich")
    mine = tickets.issue_ticket(hall.office, "ho-tich")
    waiting = client.get(f"/api/v1/tickets/{mine.token}").get_json()
    assert waiting == {
        "number": "A002",
        "status": "waiting",
        "position": 1,
        "eta_minutes": 6,
        "counter": None,
        "service": "ho-tich",
        "issued_at": "2026-11-27T01:15:00+00:00",
        "called_at": None,
        "finished_at": None,
    }
    tickets.call_next(hall.counters[1], hall.officer)
    hall.clock(dt.datetime(2026, 11, 27, 1, 20, tzinfo=dt.UTC))
    tickets.call_next(hall.counters[1], hall.officer)
    called = client.get(f"/api/v1/tickets/{mine.token}").get_json()
    assert called["status"] == "called" and called["counter"] == 1 and called["position"] is None
    assert called["called_at"] == "2026-11-27T01:20:00+00:00"
    tickets.finish(db.session.get(Ticket, mine.id), hall.officer)
    assert (
        client.get(f"/api/v1/tickets/{mine.token}").get_json()["finished_at"]
        == "2026-11-27T01:20:00+00:00"
    )


def test_an_unknown_token_is_404_json(client, hall):
    response = client.get("/api/v1/tickets/nope")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_issuing_reads_the_device_once_and_nothing_after_its_commit(kiosk, hall):
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = take(kiosk, service="dat-dai")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 201 and response.get_json()["position"] == 0
    # the device is read once, with the office and the service
    assert sum(bool(re.search(r"\b(FROM|JOIN) DEVICE\b", s)) for s in statements) == 1
    # the answer is built from what the issuing transaction wrote: no read follows the bump
    bump = max(i for i, s in enumerate(statements) if "INSERT INTO BOARD_VERSION" in s)
    assert not any(s.startswith(("SELECT", "BEGIN")) for s in statements[bump + 1 :])


@pytest.mark.postgres  # PostgreSQL's autocommit switch
def test_the_tickets_connection_goes_back_to_the_pool_transactional(kiosk, hall):
    """The ticket's statements each commit by themselves on PostgreSQL; the next user of
    the connection must get all-or-nothing transactions again."""
    db.session.remove()
    begin_autocommit()
    driver = db.session.connection().connection.driver_connection
    assert driver.autocommit
    db.session.remove()
    assert not driver.autocommit
    assert take(kiosk, service="dat-dai").status_code == 201
    db.session.execute(update(Service).values(name="Đổi tên"))
    db.session.rollback()
    assert "Đổi tên" not in db.session.scalars(select(Service.name)).all()
