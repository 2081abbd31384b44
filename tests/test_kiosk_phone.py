"""The phone page /t/<token>: where the ticket stands, the call, the rating, nothing personal."""

import datetime as dt

import pytest

from kiosk.citizen import priority_group, priority_groups, public_url
from onestop.extensions import db
from queues import tickets
from queues.models import Ticket
from tests.test_kiosk_screens import HTMX, build_hall


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    return build_hall(make_office, make_user, fixed_clock)


def phone(client, ticket, **headers) -> str:
    response = client.get(f"/t/{ticket.token}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_waiting_ticket_shows_people_ahead_and_the_estimate_and_keeps_refreshing(client, hall):
    for _ in range(2):
        tickets.issue(hall.office, "dat-dai")
    mine = tickets.issue(hall.office, "dat-dai").ticket
    html = phone(client, mine)
    assert "B003" in html and "Đất đai" in html and "UBND thành phố Vĩnh Yên" in html
    assert "Người chờ trước ông/bà" in html and '<dd class="wait-facts__value">2</dd>' in html
    assert "12 phút" in html  # 2 ahead x 12 min / 2 open counters
    assert 'hx-trigger="every 5s"' in html and f'hx-get="/t/{mine.token}"' in html


def test_the_poll_gets_only_the_self_replacing_fragment(client, hall):
    mine = tickets.issue(hall.office, "ho-tich").ticket
    html = phone(client, mine, **HTMX)
    assert html.lstrip().startswith('<section id="ticket-status"') and "<html" not in html
    assert 'hx-target="this"' in html and 'hx-swap="outerHTML"' in html


def test_when_called_the_counter_stands_out(client, hall):
    mine = tickets.issue(hall.office, "ho-tich").ticket
    tickets.call_next(hall.counters[1], hall.officer)
    html = phone(client, mine)
    assert "Mời đến quầy 1" in html and 'class="call-card"' in html and 'role="alert"' in html
    assert 'data-status="called"' in html and "Người chờ trước ông/bà" not in html
    assert 'hx-trigger="every 5s"' in html  # still live: a recall or a no-show may follow


def test_a_finished_ticket_stops_polling_and_offers_a_rating(client, hall, app):
    mine = tickets.issue(hall.office, "ho-tich").ticket
    tickets.call_next(hall.counters[1], hall.officer)
    tickets.finish(db.session.get(Ticket, mine.id), hall.officer)
    html = phone(client, mine)
    assert (
        "Đã hoàn thành" in html
        and "hx-trigger" not in html.split('id="ticket-status"')[1].split(">")[0]
    )
    if "feedback/_rate_ticket.html" in app.jinja_env.list_templates():
        assert 'id="rating-panel"' in html


def test_a_no_show_explains_what_to_do(client, hall):
    mine = tickets.issue(hall.office, "ho-tich").ticket
    tickets.call_next(hall.counters[1], hall.officer)
    tickets.no_show(db.session.get(Ticket, mine.id), hall.officer)
    html = phone(client, mine)
    assert "Đã quá lượt" in html and "được gọi lại" in html


def test_a_ticket_left_waiting_on_an_earlier_day_says_it_was_not_served(client, hall):
    mine = tickets.issue(hall.office, "ho-tich").ticket
    hall.clock(dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC))
    html = phone(client, mine)
    assert "Chưa được phục vụ: bộ phận một cửa đã hết giờ làm việc" in html
    assert "hx-trigger" not in html


def test_the_page_and_the_api_carry_no_personal_data(client, hall):
    mine = tickets.issue(hall.office, "ho-tich").ticket
    tickets.call_next(hall.counters[1], hall.officer)
    page = phone(client, mine)
    api = client.get(f"/api/v1/tickets/{mine.token}").get_data(as_text=True)
    for text in (page, api):
        assert "Trần Thị Bảo Mật" not in text and "officer1" not in text
        assert "Tr\\u1ea7n" not in text  # nor escaped in JSON


def test_an_unknown_token_gets_a_friendly_404(client, hall):
    response = client.get("/t/not-a-ticket")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Không tìm thấy phiếu này" in html and "hỏi cán bộ hướng dẫn" in html


def test_links_for_phones_use_the_public_address_else_the_request_host(app):
    app.config["PUBLIC_URL"] = "https://motcua.vinhyen.gov.vn/"
    with app.test_request_context(base_url="http://kiosk.local"):
        assert (
            public_url("kiosk.ticket_status", token="abc") == "https://motcua.vinhyen.gov.vn/t/abc"
        )
    app.config["PUBLIC_URL"] = None
    with app.test_request_context(base_url="http://kiosk.local"):
        assert public_url("kiosk.ticket_status", token="abc") == "http://kiosk.local/t/abc"


def test_priority_group_of_a_reason_matches_the_listed_group(app):
    assert priority_group(None) is None and priority_group("vip") is None
    assert [priority_group(g.reason) for g in priority_groups()] == priority_groups()


def test_without_javascript_the_page_reloads_itself_while_the_ticket_can_change(client, hall):
    mine = tickets.issue(hall.office, "ho-tich").ticket
    refresh = '<noscript><meta http-equiv="refresh" content="15"></noscript>'
    head = phone(client, mine).split("</head>")[0]
    assert refresh in head
    tickets.call_next(hall.counters[1], hall.officer)
    assert refresh in phone(client, mine).split("</head>")[0]
    tickets.finish(db.session.get(Ticket, mine.id), hall.officer)
    # Finished: nothing more will change, and a reload would wipe a half-written rating.
    assert 'http-equiv="refresh"' not in phone(client, mine)
