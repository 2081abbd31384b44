"""The rating screens over HTTP: phone, kiosk, counter tablet; paired devices only; follow-up."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from feedback.models import Rating
from onestop import create_app
from onestop.extensions import db
from queues import tickets
from queues.models import Ticket
from tests.conftest import sent_tag
from tests.fixtures import HTMX
from tests.fixtures.halls import pair_device


@pytest.fixture
def hall(rating_hall):
    return rating_hall


def serve(hall, counter_index: int = 0) -> Ticket:
    tickets.issue(hall["office"], "ho-tich")
    return tickets.finish(
        tickets.call_next(hall["counters"][counter_index], hall["officer"]), hall["officer"]
    )


def proof_in(html: str) -> str:
    return re.search(r'name="proof" value="([^"]+)"', html).group(1)


def rating_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating))


# --- phone ----------------------------------------------------------------------------------------


def test_the_phone_fragment_offers_three_buttons_once_the_ticket_is_done(app, hall):
    ticket = tickets.issue(hall["office"], "ho-tich").ticket
    fragment = app.jinja_env.get_template("feedback/_rate_ticket.html")
    with app.test_request_context():
        assert "rating-panel" not in fragment.render(ticket=ticket)
        tickets.finish(tickets.call_next(hall["counters"][0], hall["officer"]), hall["officer"])
        html = fragment.render(ticket=ticket)
    assert 'id="rating-panel"' in html
    for label in ("Rất hài lòng", "Hài lòng", "Không hài lòng"):
        assert f'<span class="rate-btn__label">{label}</span>' in html
    assert f'action="/t/{ticket.token}/rating"' in html


def test_phone_rating_by_htmx_then_reasons_then_thanks(client, hall):
    ticket = serve(hall)
    response = client.post(f"/t/{ticket.token}/rating", data={"score": "0"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Rất tiếc vì ông/bà chưa hài lòng." in html
    # For "Không hài lòng" the reasons come before the comment.
    assert html.index('name="reasons"') < html.index('name="comment"')
    rating = db.session.scalar(select(Rating))
    assert (rating.score, rating.channel, rating.ticket_id) == (0, "phone", ticket.id)
    response = client.post(
        "/ratings/details",
        headers=HTMX,
        data={
            "proof": proof_in(html),
            "surface": "phone",
            "back": f"/t/{ticket.token}",
            "reasons": ["time", "visits"],
            "comment": "Chờ lâu",
        },
    )
    assert response.status_code == 200
    assert "Xin cảm ơn ông/bà!" in response.get_data(as_text=True)
    db.session.refresh(rating)
    assert (rating.reasons, rating.comment) == ("time,visits", "Chờ lâu")


def test_a_positive_tap_asks_for_the_comment_first(client, hall):
    ticket = serve(hall)
    html = client.post(f"/t/{ticket.token}/rating", data={"score": "2"}, headers=HTMX).get_data(
        as_text=True
    )
    assert "Cảm ơn ông/bà đã đánh giá!" in html
    assert html.index('name="comment"') < html.index('name="reasons"')


def test_phone_rating_without_javascript_goes_through_pages(client, hall):
    ticket = serve(hall)
    response = client.post(f"/t/{ticket.token}/rating", data={"score": "1"})
    assert response.status_code == 303
    assert response.location.startswith(f"/t/{ticket.token}/rating?proof=")
    page = client.get(response.location)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    response = client.post(
        "/ratings/details",
        data={
            "proof": proof_in(page.get_data(as_text=True)),
            "surface": "phone",
            "back": f"/t/{ticket.token}",
            "skip": "1",
        },
    )
    assert (response.status_code, response.location) == (303, f"/t/{ticket.token}")


def test_a_second_phone_rating_is_answered_politely(client, hall):
    ticket = serve(hall)
    client.post(f"/t/{ticket.token}/rating", data={"score": "2"}, headers=HTMX)
    response = client.post(f"/t/{ticket.token}/rating", data={"score": "0"}, headers=HTMX)
    assert response.status_code == 200
    assert "đã được đánh giá" in response.get_data(as_text=True)
    assert rating_count() == 1
    response = client.post(f"/t/{ticket.token}/rating", data={"score": "0"})
    assert response.status_code == 303


def test_rating_before_the_ticket_is_finished_is_refused(client, hall):
    ticket = tickets.issue(hall["office"], "ho-tich").ticket
    response = client.post(f"/t/{ticket.token}/rating", data={"score": "2"}, headers=HTMX)
    assert "chưa kết thúc" in response.get_data(as_text=True)
    assert rating_count() == 0
    assert client.post("/t/unknown-token/rating", data={"score": "2"}).status_code == 404


def test_an_overlong_comment_gets_a_clear_message_and_is_not_stored(client, hall):
    ticket = serve(hall)
    html = client.post(f"/t/{ticket.token}/rating", data={"score": "0"}, headers=HTMX).get_data(
        as_text=True
    )
    response = client.post(
        "/ratings/details",
        headers=HTMX,
        data={
            "proof": proof_in(html),
            "surface": "phone",
            "back": "/",
            "comment": "Quá lâu. " * 70,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ý kiến dài tối đa 500 ký tự (đã nhập 629 ký tự)" in html
    assert "Quá lâu. Quá lâu." in html  # the text is kept to be shortened
    assert db.session.scalar(select(Rating.comment)) == ""


def test_a_forged_proof_adds_nothing(client, hall):
    serve(hall)
    response = client.post("/ratings/details", data={"proof": "1.forged", "comment": "x"})
    assert response.status_code == 403


# --- counter tablet -------------------------------------------------------------------------------


def test_the_counter_tablet_shows_the_ticket_its_counter_has_just_finished(client, hall):
    first, second = hall["counters"]
    pair_device(client, hall["office"], "counter_tablet", first)
    panel = f"/rate/counter/{first.id}/panel"
    page = client.get(f"/rate/counter/{first.id}").get_data(as_text=True)
    assert "Xin kính chào ông/bà!" in page and "Quầy số 1" in page
    shown = sent_tag(page)
    assert client.get(panel, headers={**HTMX, "If-None-Match": shown}).status_code == 304

    serve(hall, counter_index=1)  # finished at the other counter: this tablet keeps its greeting
    assert client.get(panel, headers={**HTMX, "If-None-Match": shown}).status_code == 304

    ticket = serve(hall, counter_index=0)
    response = client.get(panel, headers={**HTMX, "If-None-Match": shown})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and ticket.display_number in html and "<html" not in html
    shown = sent_tag(html)
    assert client.get(panel, headers={**HTMX, "If-None-Match": shown}).status_code == 304

    response = client.post(
        f"/rate/counter/{first.id}", data={"ticket": ticket.id, "score": "2"}, headers=HTMX
    )
    assert response.status_code == 200 and 'name="proof"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Rating.channel)) == "tablet"
    idle = client.get(panel, headers={**HTMX, "If-None-Match": shown})
    assert "Xin kính chào ông/bà!" in idle.get_data(as_text=True)  # cleared itself


def test_a_tablet_cannot_rate_another_counters_ticket(client, hall):
    first, second = hall["counters"]
    pair_device(client, hall["office"], "counter_tablet", first)
    other = serve(hall, counter_index=1)
    response = client.post(
        f"/rate/counter/{first.id}", data={"ticket": other.id, "score": "0"}, headers=HTMX
    )
    assert "không được phục vụ tại quầy này" in response.get_data(as_text=True)
    assert rating_count() == 0


def test_only_the_tablet_paired_to_that_counter_may_show_and_rate(client, hall):
    first, second = hall["counters"]
    ticket = serve(hall, counter_index=0)
    assert client.get(f"/rate/counter/{first.id}").status_code == 403
    assert (
        client.post(
            f"/rate/counter/{first.id}", data={"ticket": ticket.id, "score": "2"}
        ).status_code
        == 403
    )
    pair_device(client, hall["office"], "counter_tablet", second)
    assert client.get(f"/rate/counter/{first.id}").status_code == 403
    assert (
        client.post(
            f"/rate/counter/{first.id}", data={"ticket": ticket.id, "score": "2"}
        ).status_code
        == 403
    )
    pair_device(client, hall["office"], "kiosk")
    assert client.get(f"/rate/counter/{first.id}").status_code == 403
    assert rating_count() == 0


def test_in_demo_mode_every_browser_is_a_paired_tablet(app, client, hall):
    app.config["DEMO"] = True
    ticket = serve(hall)
    assert ticket.display_number in client.get(f"/rate/counter/{hall['counters'][0].id}").get_data(
        as_text=True
    )


# --- kiosk ----------------------------------------------------------------------------------------


def test_kiosk_rating_by_todays_ticket_number(client, hall):
    pair_device(client, hall["office"], "kiosk")
    ticket = serve(hall)
    page = client.get("/rate?office=VY").get_data(as_text=True)
    assert 'id="rate-query"' in page and 'data-key="A"' in page
    response = client.get("/rate?office=VY&q=a001", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'<strong class="rating-subject__number">{ticket.display_number}</strong>' in html
    item = re.search(r'name="item" value="([^"]+)"', html).group(1)
    response = client.post("/rate", data={"office": "VY", "item": item, "score": "1"}, headers=HTMX)
    details = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="proof"' in details
    # The kiosk has no keyboard of its own: the comment opens the on-screen Vietnamese one.
    assert re.search(r'<textarea name="comment"[^>]*data-keyboard="vi"', details)
    assert db.session.scalar(select(Rating.channel)) == "kiosk"
    again = client.get("/rate?office=VY&q=A001", headers=HTMX)
    assert again.status_code == 422 and "đã được đánh giá" in again.get_data(as_text=True)


def test_kiosk_lookup_explains_what_it_cannot_rate(client, hall):
    pair_device(client, hall["office"], "kiosk")
    tickets.issue(hall["office"], "ho-tich")
    waiting = client.get("/rate?office=VY&q=A001", headers=HTMX)
    assert waiting.status_code == 422 and "chưa được phục vụ xong" in waiting.get_data(as_text=True)
    missing = client.get("/rate?office=VY&q=A999", headers=HTMX)
    assert missing.status_code == 422 and "Không tìm thấy" in missing.get_data(as_text=True)
    assert client.get("/rate?office=NOPE").status_code == 404
    assert "UBND thành phố Vĩnh Yên" in client.get("/rate").get_data(as_text=True)


def test_an_unpaired_browser_cannot_rate_at_the_kiosk(client, hall):
    ticket = serve(hall)
    page = client.get("/rate?office=VY").get_data(as_text=True)
    assert "chưa được đăng ký là ki-ốt" in page and 'id="rate-query"' not in page
    response = client.post(
        "/rate", data={"office": "VY", "item": f"t:{ticket.token}", "score": "0"}
    )
    assert response.status_code == 403
    assert rating_count() == 0


def test_kiosk_and_tablet_writes_are_rate_limited(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "DEMO": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limits.db'}",
            "FEEDBACK_RATING_RATE_LIMIT": "3 per minute",
        }
    )
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [
            client.post("/rate", data={"office": "VY", "item": "t:x", "score": "2"}).status_code
            for _ in range(4)
        ]
        assert codes == [404, 404, 404, 429]
        db.session.remove()
        db.drop_all()


@pytest.mark.parametrize("score", [" 1 ", "２", "2.0", "+2", "1 "])
def test_the_rating_form_takes_only_an_exact_digit(client, hall, score):
    ticket = serve(hall)
    response = client.post(f"/t/{ticket.token}/rating", data={"score": score}, headers=HTMX)
    assert response.status_code == 422 and rating_count() == 0
    assert client.post(f"/t/{ticket.token}/rating", data={"score": "1"}).status_code == 303
    assert rating_count() == 1


def test_the_kiosk_screen_explains_the_30_minute_window(client, hall, fixed_clock):
    pair_device(client, hall["office"], "kiosk")
    finished = fixed_clock()
    ticket = serve(hall)
    fixed_clock(finished + dt.timedelta(minutes=31))
    late = client.get("/rate?office=VY&q=A001", headers=HTMX)
    assert late.status_code == 422 and "hơn 30 phút" in late.get_data(as_text=True)
    # A form kept open on the screen past the window is refused when tapped.
    tapped = client.post(
        "/rate", data={"office": "VY", "item": f"t:{ticket.token}", "score": "2"}, headers=HTMX
    )
    assert "hơn 30 phút" in tapped.get_data(as_text=True) and rating_count() == 0
