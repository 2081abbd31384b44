"""The kiosk's JSON API: POST /api/v1/offices/<office>/tickets and GET /api/v1/tickets/<token>."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from onestop.extensions import db
from queues import tickets
from queues.models import Ticket
from tests.test_kiosk_screens import build_hall, pair_as_kiosk


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    return build_hall(make_office, make_user, fixed_clock)


@pytest.fixture
def kiosk(client, hall):
    return pair_as_kiosk(client, hall.office)


def take(client, office="VY", **body):
    return client.post(f"/api/v1/offices/{office}/tickets", json=body)


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_issuing_answers_201_with_the_documented_fields(kiosk, hall):
    tickets.issue(hall.office, "dat-dai")
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
    tickets.issue(hall.office, "dat-dai")
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
    tickets.issue(hall.office, "ho-tich")
    mine = tickets.issue(hall.office, "ho-tich").ticket
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


def test_the_kiosk_page_and_the_api_take_tickets_through_one_issue(kiosk, hall, monkeypatch):
    """The touchscreen's form and the JSON API are two doors to queues.tickets.issue: a
    retry through the other door with the same request id gets the same ticket."""
    calls = []
    real_issue = tickets.issue

    def issue(*args, **kwargs):
        calls.append(kwargs["device"])
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(tickets, "issue", issue)
    page = kiosk.post(
        "/kiosk/VY/tickets",
        headers={"HX-Request": "true"},
        data={"service": "ho-tich", "request_id": "screen-9"},
    )
    api = take(kiosk, service="ho-tich", request_id="screen-9").get_json()
    assert len(calls) == 2 and all(device is not None for device in calls)
    assert "A001" in page.get_data(as_text=True) and api["number"] == "A001"
    assert ticket_count() == 1
    stored = db.session.scalar(select(Ticket))
    assert (api["id"], api["token"]) == (stored.id, stored.token)
    assert stored.request_id == "screen-9"
