"""Kiosk devices: the admin pairing page, the one-time code, revocation, rate limits."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from onestop.extensions import db
from queues import devices
from queues.models import Device, Ticket
from tests.fixtures import HTMX
from tests.fixtures.halls import pair_as_kiosk

NOT_A_KIOSK = "Màn hình này chưa được đăng ký là ki-ốt"


def code_in(html: str) -> str:
    return re.search(r"data-pairing-code>(\d{4}) (\d{4})<", html).expand(r"\1\2")


def create_pairing(client, **form):
    values = {"office": "VY", "kind": "kiosk", "name": "Ki-ốt sảnh chính", "counter": ""}
    return client.post("/admin/devices", data={**values, **form}, headers=HTMX)


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_pairing_end_to_end_then_revoking(app, client, hall, make_user, login):
    make_user("admin", "admin", hall.office)
    login("admin")
    created = create_pairing(client)
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    code = code_in(html)
    assert "Ki-ốt sảnh chính" in html and "Chờ nhập mã" in html

    kiosk = app.test_client()
    assert NOT_A_KIOSK in kiosk.get("/kiosk/VY").get_data(as_text=True)
    paired = kiosk.post(
        "/kiosk/pair", data={"code": f"{code[:4]} {code[4:]}"}
    )  # spaces as shown are fine
    assert paired.status_code == 303 and paired.headers["Location"] == "/kiosk/VY"
    cookie = paired.headers["Set-Cookie"]
    assert (
        cookie.startswith(f"{devices.COOKIE_NAME}=")
        and "HttpOnly" in cookie
        and "Max-Age=" in cookie
    )
    assert NOT_A_KIOSK not in kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert (
        kiosk.post("/kiosk/VY/tickets", data={"service": "ho-tich", "request_id": "t1"}).status_code
        == 303
    )
    assert kiosk.post("/api/v1/offices/VY/tickets", json={"service": "ho-tich"}).status_code == 201

    # The code was for one device only.
    again = app.test_client().post("/kiosk/pair", data={"code": code})
    assert again.status_code == 422 and "Mã ghép nối không đúng hoặc đã hết hạn" in again.get_data(
        as_text=True
    )

    device = db.session.scalar(select(Device))
    listed = client.get("/admin/devices").get_data(as_text=True)
    assert "Đã ghép nối" in listed and "27/11/2026 08:15" in listed  # last seen on its home screen
    revoked = client.post(f"/admin/devices/{device.id}/revoke", headers=HTMX)
    row = revoked.get_data(as_text=True)
    assert revoked.status_code == 200 and row.lstrip().startswith(f'<tr id="device-{device.id}"')
    assert "Đã thu hồi" in row and "Thu hồi</button>" not in row

    assert NOT_A_KIOSK in kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert (
        kiosk.post("/kiosk/VY/tickets", data={"service": "ho-tich", "request_id": "t2"}).status_code
        == 403
    )
    assert kiosk.post("/api/v1/offices/VY/tickets", json={"service": "ho-tich"}).status_code == 403
    assert ticket_count() == 2


def cookies_as_sent(app, response) -> str:
    """Every cookie the response sets, the session's decoded (it is only signed, and readable)."""
    texts = []
    serializer = app.session_interface.get_signing_serializer(app)
    for header in response.headers.getlist("Set-Cookie"):
        texts.append(header)
        name, _, value = header.split(";")[0].partition("=")
        if name == app.config["SESSION_COOKIE_NAME"] and value:
            texts.append(repr(serializer.loads(value)))
    return "\n".join(texts)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_pairing_code_is_shown_once_and_never_travels_in_a_cookie(
    app, client, hall, make_user, login, headers
):
    make_user("admin", "admin", hall.office)
    login("admin")
    response = client.post(
        "/admin/devices", data={"office": "VY", "kind": "kiosk", "name": "Ki-ốt 2"}, headers=headers
    )
    assert response.status_code == 200
    code = code_in(response.get_data(as_text=True))
    assert "Ki-ốt 2" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert code not in cookies_as_sent(app, response)
    page = client.get("/admin/devices")
    assert "data-pairing-code" not in page.get_data(as_text=True)
    assert code not in cookies_as_sent(app, page)
    device = db.session.scalar(select(Device).where(Device.name == "Ki-ốt 2"))
    assert device.pairing_code_hash is not None and code not in device.pairing_code_hash


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"name": ""}, "name", "Tên thiết bị từ 1 đến 80 ký tự."),
        ({"office": "XX"}, "office", "Chọn một đơn vị."),
        ({"kind": "counter_tablet"}, "counter", "Chọn một quầy của đơn vị này."),
        ({"kind": "printer"}, "kind", "Loại thiết bị không hợp lệ."),
    ],
)
def test_invalid_pairing_forms_show_the_error_next_to_the_field(
    client, hall, make_user, login, form, field, message
):
    make_user("admin", "admin", hall.office)
    login("admin")
    response = create_pairing(client, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith(
        '<section class="card" id="devices-panel">'
    )
    field_html = re.search(
        rf'<label class="field field--error">(?:(?!</label>).)*'
        rf'name="{field}"(?:(?!</label>).)*</label>',
        html,
        re.S,
    )
    assert field_html and message in field_html.group(0)
    assert db.session.scalar(select(func.count()).select_from(Device)) == 0


def test_a_counter_tablet_is_paired_to_its_counter(app, client, hall, make_user, login):
    make_user("admin", "admin", hall.office)
    login("admin")
    counter = hall.counters[2]
    html = create_pairing(
        client, kind="counter_tablet", counter=str(counter.id), name="Máy tính bảng quầy 2"
    )
    tablet = app.test_client()
    paired = tablet.post("/kiosk/pair", data={"code": code_in(html.get_data(as_text=True))})
    device = db.session.scalar(select(Device))
    assert device.counter_id == counter.id and device.kind == "counter_tablet"
    assert paired.status_code == 303
    if "feedback.counter_tablet" in app.view_functions:
        assert paired.headers["Location"] == f"/rate/counter/{counter.id}"
    # A tablet is not a kiosk: it cannot take tickets.
    assert tablet.post("/api/v1/offices/VY/tickets", json={"service": "ho-tich"}).status_code == 403


def test_who_may_see_and_manage_devices(app, client, hall, make_office, make_user, login):
    ward = make_office(
        code="VY-LB", name="UBND phường Liên Bảo", parent=hall.office, level="commune"
    )
    devices.create_pairing(hall.office, "kiosk", "Ki-ốt thành phố")
    ward_device, _code = devices.create_pairing(ward, "kiosk", "Ki-ốt phường")
    assert client.get("/admin/devices").status_code == 302  # to the login page

    login(hall.officer)
    assert client.get("/admin/devices").status_code == 403
    make_user("lb-boss", "supervisor", ward)
    login("lb-boss")
    html = client.get("/admin/devices").get_data(as_text=True)
    assert "Ki-ốt phường" in html and "Ki-ốt thành phố" not in html
    assert "Tạo mã ghép nối" not in html and "Thu hồi" not in html
    assert (
        client.post(
            "/admin/devices", data={"office": "VY-LB", "kind": "kiosk", "name": "x"}
        ).status_code
        == 403
    )
    assert client.post(f"/admin/devices/{ward_device.id}/revoke").status_code == 403
    assert db.session.get(Device, ward_device.id).revoked_at is None


def test_an_expired_code_cannot_pair(app, client, hall):
    _device, code = devices.create_pairing(hall.office, "kiosk", "Ki-ốt")
    hall.clock(dt.datetime(2026, 11, 28, 1, 16, tzinfo=dt.UTC))  # 24 h and a minute later
    response = client.post("/kiosk/pair", data={"code": code})
    assert response.status_code == 422 and devices.COOKIE_NAME not in response.headers.get(
        "Set-Cookie", ""
    )


def test_ticket_issuing_is_rate_limited_per_device(app, hall):
    app.config.update(RATELIMIT_ENABLED=True, KIOSK_TICKET_RATE_LIMIT="3 per minute")
    first, second = (
        pair_as_kiosk(app.test_client(), hall.office, "Ki-ốt 1"),
        pair_as_kiosk(app.test_client(), hall.office, "Ki-ốt 2"),
    )
    statuses = [
        first.post(
            "/kiosk/VY/tickets", data={"service": "ho-tich", "request_id": f"a{i}"}
        ).status_code
        for i in range(3)
    ]
    assert statuses == [303, 303, 303]
    refused = first.post("/api/v1/offices/VY/tickets", json={"service": "ho-tich"})
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (
        first.post("/kiosk/VY/tickets", data={"service": "ho-tich", "request_id": "a9"}).status_code
        == 429
    )
    # Another kiosk of the same hall (same address) has its own allowance.
    assert (
        second.post(
            "/kiosk/VY/tickets", data={"service": "ho-tich", "request_id": "b1"}
        ).status_code
        == 303
    )
    assert ticket_count() == 4
