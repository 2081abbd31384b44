"""Appointments over HTTP: the JSON API of DESIGN.md section 6, the booking pages, the kiosk
check-in screen and the admin's seats."""

import datetime as dt

import pytest
from sqlalchemy import select

from appointments import booking as bookings
from appointments.models import Booking, SlotCapacity
from onestop import clock, ratelimit
from onestop.clock import LOCAL_TZ
from onestop.extensions import db
from queues.demo import add_queues
from queues.models import Service
from tests.test_kiosk_screens import pair_as_kiosk

MONDAY_9 = "2026-11-30T09:00:00+07:00"


@pytest.fixture
def office(app, make_office, fixed_clock):
    office = make_office()
    add_queues(office, [("ho-tich", "A", "Hộ tịch", 10)], [(1, "Quầy 1", ["ho-tich"])])
    db.session.commit()
    return office


def book(client, start=MONDAY_9, phone="0912345678", **extra):
    body = {"service": "ho-tich", "start": start, "name": "Lê Văn Cường", "phone": phone, **extra}
    return client.post("/api/v1/offices/VY/appointments", json=body)


def test_slots_list_start_end_and_free_seats(client, office):
    response = client.get("/api/v1/offices/VY/slots?service=ho-tich&date=2026-11-30")
    assert response.status_code == 200
    first = response.get_json()[0]
    assert first == {
        "start": "2026-11-30T00:30:00+00:00",
        "end": "2026-11-30T01:00:00+00:00",
        "free": 1,
    }
    book(client, start="2026-11-30T07:30")
    assert (
        client.get("/api/v1/offices/VY/slots?service=ho-tich&date=2026-11-30").get_json()[0]["free"]
        == 0
    )
    assert client.get("/api/v1/offices/VY/slots?service=ho-tich&date=2026-11-28").get_json() == []


@pytest.mark.parametrize(
    "query, status",
    [("service=ho-tich&date=30-11-2026", 422), ("service=nope&date=2026-11-30", 404)],
)
def test_slots_refuse_a_bad_date_or_service(client, office, query, status):
    response = client.get(f"/api/v1/offices/VY/slots?{query}")
    assert response.status_code == status and "error" in response.get_json()


def test_booking_answers_201_then_409_when_full_and_delete_cancels(client, office):
    response = book(client)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"code", "token", "start", "service", "url"}
    assert body["start"] == "2026-11-30T02:00:00+00:00" and body["service"] == "ho-tich"
    assert body["url"] == f"http://onestop.test/booking/{body['token']}"
    full = book(client, phone="0987654321")
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "slot_full"
    assert client.delete(f"/api/v1/appointments/{body['token']}").status_code == 200
    assert book(client, phone="0987654321").status_code == 201
    again = client.delete(f"/api/v1/appointments/{body['token']}")
    assert again.status_code == 409
    assert client.delete("/api/v1/appointments/unknown").status_code == 404


def test_booking_refusals(client, office):
    closed = book(client, start="2026-11-28T09:00:00+07:00")
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "slot_closed"
    bad = book(client, phone="123")
    assert bad.status_code == 422 and "phone" in bad.get_json()["error"]["message"]
    assert book(client, start="tomorrow").status_code == 422
    assert client.post("/api/v1/offices/VY/appointments", json=[1]).status_code == 400
    assert book(client, start="2026-11-30T10:00").status_code == 201
    assert book(client, start="2026-11-30T10:30").status_code == 201
    limit = book(client, start="2026-11-30T11:00")
    assert limit.status_code == 409 and limit.get_json()["error"]["code"] == "too_many_bookings"
    assert db.session.query(Booking).count() == 2


def test_check_in_api_201_404_409(client, office, fixed_clock):
    code = book(client, start="2026-11-27T09:00").get_json()["code"]
    kiosk = pair_as_kiosk(client, office)
    early = kiosk.post("/api/v1/offices/VY/check-in", json={"code": code})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "too_early"
    fixed_clock(dt.datetime(2026, 11, 27, 8, 45, tzinfo=LOCAL_TZ))
    response = kiosk.post("/api/v1/offices/VY/check-in", json={"code": code})
    assert response.status_code == 201
    ticket = response.get_json()["ticket"]
    assert ticket["number"] == "A001" and ticket["booked_for"] == "2026-11-27T02:00:00+00:00"
    again = kiosk.post("/api/v1/offices/VY/check-in", json={"code": code})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_checked_in"
    assert kiosk.post("/api/v1/offices/VY/check-in", json={"code": "XXXXXX"}).status_code == 404


def test_check_in_api_needs_a_paired_kiosk(client, office):
    response = client.post("/api/v1/offices/VY/check-in", json={"code": "AAAAAA"})
    assert response.status_code == 403


def test_booking_is_rate_limited(client, office, app):
    app.config.update(RATELIMIT_ENABLED=True, APPOINTMENT_BOOKING_RATE_LIMIT="2 per hour")
    ratelimit.reset()
    try:
        assert book(client, start="2026-11-30T10:00").status_code == 201
        assert book(client, start="2026-11-30T10:30").status_code == 201
        assert book(client, start="2026-11-30T11:00", phone="0987654321").status_code == 429
    finally:
        app.config["RATELIMIT_ENABLED"] = False


# --- the pages ----------------------------------------------------------------------------------


def test_booking_pages_work_without_javascript(client, office):
    page = client.get("/book/VY").get_data(as_text=True)
    assert "Hộ tịch" in page and "/book/VY/ho-tich" in page
    page = client.get("/book/VY/ho-tich").get_data(as_text=True)
    # Friday 08:15: today's first bookable slot is 08:30.
    assert "08:30" in page and "còn 1 chỗ" in page and "08:00" not in page
    page = client.get("/book/VY/ho-tich?date=2026-11-30").get_data(as_text=True)
    assert "07:30" in page
    details = client.get("/book/VY/ho-tich/details?start=2026-11-30T09:00:00%2B07:00")
    assert details.status_code == 200 and "09:00" in details.get_data(as_text=True)
    answer = client.post(
        "/book/VY/ho-tich/details",
        data={
            "start": "2026-11-30T09:00:00+07:00",
            "name": "Lê Văn Cường",
            "phone": "0912 345 678",
        },
    )
    assert answer.status_code == 303
    booking = db.session.scalar(select(Booking))
    assert answer.headers["Location"].endswith(f"/booking/{booking.token}")
    page = client.get(f"/booking/{booking.token}")
    html = page.get_data(as_text=True)
    assert booking.code in html and "<svg" in html and "09:00" in html
    assert page.headers["Cache-Control"] == "no-store"
    # Personal data stays off the page, even on the citizen's own.
    assert "0912" not in html and "345 678" not in html and "Cường" not in html
    assert client.post(f"/booking/{booking.token}/cancel").status_code == 303
    assert "Đã hủy" in client.get(f"/booking/{booking.token}").get_data(as_text=True)


def test_booking_form_errors_are_shown_in_the_form(client, office):
    data = {"start": "2026-11-30T09:00:00+07:00", "name": "", "phone": "12"}
    answer = client.post("/book/VY/ho-tich/details", data=data)
    assert answer.status_code == 422
    assert "Vui lòng nhập họ và tên." in answer.get_data(as_text=True)
    bookings.book(
        office, "ho-tich", dt.datetime.fromisoformat(data["start"]), "A", "0987654321", clock.now()
    )
    data.update(name="Lê Văn Cường", phone="0912345678")
    full = client.post("/book/VY/ho-tich/details", data=data)
    assert full.status_code == 409 and "hết chỗ" in full.get_data(as_text=True)


def test_kiosk_check_in_screen(client, office, fixed_clock):
    booking = bookings.book(
        office,
        "ho-tich",
        dt.datetime(2026, 11, 27, 9, tzinfo=LOCAL_TZ),
        "A",
        "0912345678",
        clock.now(),
    )
    kiosk = pair_as_kiosk(client, office)
    home = kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert "/kiosk/VY/check-in" in home
    screen = kiosk.get("/kiosk/VY/check-in").get_data(as_text=True)
    assert 'data-keyboard="code"' in screen and "Về màn hình lấy số" in screen
    early = kiosk.post("/kiosk/VY/check-in", data={"code": booking.code})
    assert early.status_code == 409 and 'data-check-in-refusal="too_early"' in early.get_data(
        as_text=True
    )
    unknown = kiosk.post("/kiosk/VY/check-in", data={"code": "zzzzzz"})
    assert unknown.status_code == 404
    fixed_clock(dt.datetime(2026, 11, 27, 9, 10, tzinfo=LOCAL_TZ))
    done = kiosk.post("/kiosk/VY/check-in", data={"code": booking.code})
    assert done.status_code == 303 and "/kiosk/VY/tickets/" in done.headers["Location"]
    slip = kiosk.get(done.headers["Location"]).get_data(as_text=True)
    assert "A001" in slip and "LỊCH HẸN 09:00" in slip


def test_admin_sets_seats_per_slot(client, office, make_user, login):
    make_user("admin", "admin", office)
    login("admin")
    service = db.session.scalar(select(Service))
    page = client.get("/admin/appointments")
    assert page.status_code == 200 and "Hộ tịch" in page.get_data(as_text=True)
    assert client.post("/admin/appointments", data={f"seats-{service.id}": "x"}).status_code == 422
    assert client.post("/admin/appointments", data={f"seats-{service.id}": "3"}).status_code == 303
    assert db.session.get(SlotCapacity, service.id).seats == 3
    assert client.post("/admin/appointments", data={f"seats-{service.id}": ""}).status_code == 303
    assert db.session.get(SlotCapacity, service.id) is None


def test_admin_page_is_for_admins(client, office, make_user, login):
    make_user("officer1", "officer", office)
    login("officer1")
    assert client.get("/admin/appointments").status_code == 403
