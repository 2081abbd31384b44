"""Giving a number for a ticket's messages: the kiosk's keypad screen, the phone page, the API."""

import pytest
from sqlalchemy import select

from onestop import ratelimit
from onestop.extensions import db
from queues import tickets
from queues.models import Ticket, TicketContact
from tests.fixtures import HTMX
from tests.fixtures.halls import request_id_of, take

PHONE = "0912345678"
MASKED = "09•••••678"


def stored_phone(ticket) -> str | None:
    return db.session.scalar(
        select(TicketContact.phone).where(TicketContact.ticket_id == ticket.id)
    )


def assert_never_in_full(html: str) -> None:
    assert PHONE not in html and "912345678" not in html and "912 345 678" not in html


# --- the kiosk ------------------------------------------------------------------------------------


def test_the_ticket_screen_offers_messages_for_a_waiting_ticket(kiosk, hall):
    home = kiosk.get("/kiosk/VY").get_data(as_text=True)
    html = kiosk.post(
        "/kiosk/VY/tickets",
        data={"service": "ho-tich", "request_id": request_id_of(home)},
        headers=HTMX,
    ).get_data(as_text=True)
    mine = db.session.scalar(select(Ticket))
    assert "Nhắn tin cho tôi khi sắp đến lượt" in html
    assert f'href="/kiosk/VY/tickets/{mine.token}/sms"' in html


def test_the_keypad_screen_asks_for_the_number_with_the_numeric_keypad(kiosk, hall):
    mine = take(hall, "ho-tich")
    html = kiosk.get(f"/kiosk/VY/tickets/{mine.token}/sms").get_data(as_text=True)
    assert 'data-keyboard="numeric"' in html and "data-keyboard-open" in html
    assert 'name="phone"' in html and "A001" in html
    assert "Về màn hình lấy số" in html and "data-idle-seconds" in html


def test_the_kiosk_confirms_with_the_number_masked(kiosk, hall):
    mine = take(hall, "ho-tich")
    response = kiosk.post(f"/kiosk/VY/tickets/{mine.token}/sms", data={"phone": "0912 345 678"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Đã đăng ký nhận tin nhắn" in html and MASKED in html
    assert_never_in_full(html)
    assert stored_phone(mine) == PHONE


def test_the_kiosk_refuses_a_wrong_number_in_plain_words_and_does_not_echo_it(kiosk, hall):
    mine = take(hall, "ho-tich")
    response = kiosk.post(f"/kiosk/VY/tickets/{mine.token}/sms", data={"phone": "0988 77"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Số điện thoại di động không hợp lệ" in html and "0988 77" not in html
    assert stored_phone(mine) is None


def test_the_kiosk_refuses_a_ticket_already_called(kiosk, hall):
    mine = take(hall, "ho-tich")
    tickets.call_next(hall.counters[1], hall.officer)
    response = kiosk.post(f"/kiosk/VY/tickets/{mine.token}/sms", data={"phone": PHONE})
    assert response.status_code == 409
    assert "còn đang chờ đến lượt" in response.get_data(as_text=True)
    assert stored_phone(mine) is None


def test_the_keypad_screen_is_only_for_the_office_of_the_ticket(kiosk, hall, make_office):
    make_office(code="VY-LB", name="UBND phường Liên Bảo", level="commune")
    mine = take(hall, "ho-tich")
    assert kiosk.get(f"/kiosk/VY-LB/tickets/{mine.token}/sms").status_code == 404


# --- the phone page -------------------------------------------------------------------------------


def test_the_phone_page_takes_a_number_and_shows_it_back_masked_only(client, hall):
    mine = take(hall, "ho-tich")
    before = client.get(f"/t/{mine.token}").get_data(as_text=True)
    assert "Nhận tin nhắn khi sắp đến lượt" in before
    assert f'action="/t/{mine.token}/contact"' in before

    response = client.post(f"/t/{mine.token}/contact", data={"phone": "+84912345678"})
    assert response.status_code == 303 and response.headers["Location"] == f"/t/{mine.token}"
    html = client.get(f"/t/{mine.token}").get_data(as_text=True)
    assert MASKED in html and "Đổi số" in html
    assert_never_in_full(html)
    assert stored_phone(mine) == PHONE


def test_the_phone_page_poll_and_the_board_never_carry_the_number(client, hall):
    mine = take(hall, "ho-tich")
    client.post(f"/t/{mine.token}/contact", data={"phone": PHONE})
    poll = client.get(f"/t/{mine.token}", headers=HTMX).get_data(as_text=True)
    assert "•" not in poll and PHONE not in poll
    board = client.get("/api/v1/offices/VY/board").get_data(as_text=True)
    assert PHONE not in board and "678" not in board


def test_the_phone_page_explains_a_refusal(client, hall):
    mine = take(hall, "ho-tich")
    response = client.post(f"/t/{mine.token}/contact", data={"phone": "123"})
    assert response.status_code == 422
    assert "Số điện thoại di động không hợp lệ" in response.get_data(as_text=True)
    assert stored_phone(mine) is None


def test_the_phone_page_offers_no_form_once_called(client, hall):
    mine = take(hall, "ho-tich")
    tickets.call_next(hall.counters[1], hall.officer)
    html = client.get(f"/t/{mine.token}").get_data(as_text=True)
    assert "Nhận tin nhắn khi sắp đến lượt" not in html


# --- the JSON API ---------------------------------------------------------------------------------


def test_the_api_stores_the_number_and_answers_it_masked(client, hall):
    mine = take(hall, "ho-tich")
    response = client.post(f"/api/v1/tickets/{mine.token}/contact", json={"phone": PHONE})
    assert response.status_code == 201
    assert response.get_json() == {
        "number": "A001",
        "phone": MASKED,
        "created_at": response.get_json()["created_at"],
    }
    assert stored_phone(mine) == PHONE


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"phone": "0912"}, 422, "invalid"),
        ({"phone": 912345678}, 422, "invalid"),
        ({}, 422, "invalid"),
        (["0912345678"], 400, "bad_request"),
    ],
)
def test_the_api_refuses_bad_bodies_with_a_json_error(client, hall, body, status, code):
    mine = take(hall, "ho-tich")
    response = client.post(f"/api/v1/tickets/{mine.token}/contact", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert stored_phone(mine) is None


def test_the_api_refuses_a_ticket_no_longer_waiting_and_an_unknown_token(client, hall):
    mine = take(hall, "ho-tich")
    tickets.call_next(hall.counters[1], hall.officer)
    response = client.post(f"/api/v1/tickets/{mine.token}/contact", json={"phone": PHONE})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_waiting"
    unknown = client.post("/api/v1/tickets/nope/contact", json={"phone": PHONE})
    assert unknown.status_code == 404


def test_the_api_answers_in_english_when_asked(client, hall):
    mine = take(hall, "ho-tich")
    client.post("/lang/en")
    response = client.post(f"/api/v1/tickets/{mine.token}/contact", json={"phone": "12"})
    assert "mobile number" in response.get_json()["error"]["message"]


def test_numbers_given_are_rate_limited_across_page_and_api(app, client, hall):
    app.config.update(RATELIMIT_ENABLED=True, KIOSK_CONTACT_RATE_LIMIT="2 per minute")
    ratelimit.reset()
    mine = take(hall, "ho-tich")
    assert client.post(f"/t/{mine.token}/contact", data={"phone": PHONE}).status_code == 303
    url = f"/api/v1/tickets/{mine.token}/contact"
    assert client.post(url, json={"phone": PHONE}).status_code == 201
    assert client.post(url, json={"phone": PHONE}).status_code == 429
    # Reading the page is never limited.
    assert client.get(f"/t/{mine.token}").status_code == 200
