"""JSON API writes authenticated by a browser's cookies: JSON from our own pages only."""

import pytest
from sqlalchemy import func, select

from onestop import accounts
from onestop.extensions import db
from queues import tickets
from queues.models import Ticket
from tests.test_kiosk_screens import build_hall, pair_as_kiosk

WRITE = "/api/v1/counters/{counter}/call-next"


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    return build_hall(make_office, make_user, fixed_clock)


@pytest.fixture
def officer_client(client, hall, login):
    login(hall.officer)
    return client


def counter_of(hall) -> int:
    return hall.counters[1].id


def called_tickets() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.status != "waiting")
    )


def test_a_text_plain_body_with_the_session_cookie_is_refused_and_changes_nothing(
    officer_client, hall
):
    tickets.issue(hall.office, "dat-dai")
    response = officer_client.post(
        WRITE.format(counter=counter_of(hall)), data="{}", content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "not_json"
    assert "application/json" in response.get_json()["error"]["message"]
    assert called_tickets() == 0


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_form_post_with_the_session_cookie_is_refused(officer_client, hall, content_type):
    tickets.issue(hall.office, "dat-dai")
    response = officer_client.post(
        WRITE.format(counter=counter_of(hall)), data="", content_type=content_type
    )
    assert response.status_code == 415 and called_tickets() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://motcua.localhost"},
        {"Referer": "https://evil.example/page"},
    ],
)
def test_a_write_from_another_site_is_refused_and_changes_nothing(officer_client, hall, headers):
    tickets.issue(hall.office, "dat-dai")
    response = officer_client.post(WRITE.format(counter=counter_of(hall)), json={}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "cross_origin"
    assert called_tickets() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "http://localhost"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
        {"Origin": "http://onestop.test"},  # PUBLIC_URL, the address citizens' phones use
        {"Referer": "http://localhost/counter"},
    ],
)
def test_json_from_our_own_pages_is_accepted(officer_client, hall, headers):
    tickets.issue(hall.office, "dat-dai")
    response = officer_client.post(WRITE.format(counter=counter_of(hall)), json={}, headers=headers)
    assert response.status_code == 200 and called_tickets() == 1


def test_a_bodyless_write_from_our_pages_needs_no_content_type(officer_client, hall):
    tickets.issue(hall.office, "dat-dai")
    assert officer_client.post(WRITE.format(counter=counter_of(hall))).status_code == 200


def test_bearer_token_clients_are_not_concerned(app, hall):
    token = accounts.create_token(hall.officer, "counter tablet")
    tickets.issue(hall.office, "dat-dai")
    response = app.test_client().post(
        WRITE.format(counter=counter_of(hall)),
        data="",
        content_type="text/plain",
        headers={"Authorization": f"Bearer {token}", "Origin": "https://integration.example"},
    )
    assert response.status_code == 200 and called_tickets() == 1


def test_a_kiosk_device_write_follows_the_same_rule(client, hall):
    kiosk = pair_as_kiosk(client, hall.office)
    url = f"/api/v1/offices/{hall.office.code}/tickets"
    body = '{"service": "ho-tich"}'
    assert kiosk.post(url, data=body, content_type="text/plain").status_code == 415
    assert (
        kiosk.post(
            url, data=body, content_type="application/json", headers={"Origin": "https://x.example"}
        ).status_code
        == 403
    )
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert kiosk.post(url, data=body, content_type="application/json").status_code == 201


def test_public_writes_without_cookies_are_untouched(app, hall):
    # A complaint sent by another site's server or an app: no cookie of ours, no rule.
    response = app.test_client().post("/api/v1/complaints", data="{}", content_type="text/plain")
    assert response.status_code != 415
