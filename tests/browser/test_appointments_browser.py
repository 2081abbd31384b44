"""Appointments in a real browser: booking on a phone (390 x 844) to the confirmation, and the
check-in on the kiosk (1080 x 1920) typing the code on the on-screen keyboard."""

import datetime as dt
import re
import secrets
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from appointments.booking import CODE_ALPHABET
from tests.browser.conftest import _serve

PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def booking_server(tmp_path_factory):
    """A demo server of its own, with its database file at hand for a booking due now."""
    folder = tmp_path_factory.mktemp("live-bookings")
    for url in _serve(folder):
        yield url, folder / "live.db"


def test_citizen_books_a_slot_on_a_phone(new_context, booking_server):
    url, _db = booking_server
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{url}/book/VY")
    page.get_by_role("link", name="Tư pháp – Hộ tịch").click()
    expect(page.locator(".booking-day--chosen")).to_be_visible()
    first = page.locator("a.booking-slot").first
    expect(first).to_contain_text("còn 2 chỗ")
    # Nothing wider than the phone: no sideways scrolling but the days strip.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "booking-slots.png"), full_page=True)
    time = first.locator(".booking-slot__time").inner_text()
    first.click()
    page.get_by_label("Họ và tên").fill("Phạm Thu Hà")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_role("button", name="Xác nhận đặt hẹn").click()
    code = page.locator("[data-booking-code]")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    expect(page.locator(".booking-summary")).to_contain_text(time)
    expect(page.locator(".booking-code__qr svg")).to_be_visible()
    assert "0912" not in page.content() and "Phạm Thu Hà" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(DOCS / "booking-confirmation.png"), full_page=True)
    page.get_by_role("button", name="Hủy lịch hẹn").click()
    expect(page.locator(".booking-status")).to_have_text("Đã hủy")


def _booking_due_now(database: Path) -> str:
    """A booking of the city's first service whose slot starts in ten minutes."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=10)
    with sqlite3.connect(database) as connection:
        office_id, service_id = connection.execute(
            "SELECT office.id, service.id FROM office JOIN service ON service.office_id = office.id"
            " WHERE office.code = 'VY' ORDER BY service.ordering LIMIT 1"
        ).fetchone()
        connection.execute(
            "INSERT INTO booking (office_id, service_id, starts_at, ends_at, code, token, name,"
            " phone, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'Ngô Văn Tú', '0987654321',"
            " 'booked', ?)",
            (
                office_id,
                service_id,
                str(start),
                str(start + dt.timedelta(minutes=30)),
                code,
                secrets.token_urlsafe(16),
                str(start - dt.timedelta(days=1)),
            ),
        )
    return code


def test_booked_citizen_checks_in_on_the_kiosk_keyboard(new_context, booking_server):
    url, database = booking_server
    code = _booking_due_now(database)
    page = new_context(viewport=KIOSK).new_page()
    page.goto(f"{url}/kiosk/VY")
    page.locator(".kiosk-link", has_text="Có lịch hẹn").click()
    field = page.locator("input[name=code]")
    expect(page.locator(".osk-toggle").first).to_be_attached()
    field.click()
    keyboard = page.locator(".osk")
    expect(keyboard).to_have_attribute("data-layout", "code")
    for ch in code:
        keyboard.locator(f"[data-osk=char][data-value='{ch}']").click()
    expect(field).to_have_value(code)
    heights = keyboard.locator(".osk-key").evaluate_all(
        "keys => keys.map(k => k.getBoundingClientRect().height)"
    )
    assert min(heights) >= 80
    assert page.locator("[data-kiosk-go-home]").bounding_box()["height"] >= 80
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "kiosk-check-in.png"))
    keyboard.locator("[data-osk=done]").click()
    expect(page.locator(".ticket-slip__number")).to_be_visible()
    expect(page.locator(".ticket-slip")).to_contain_text("LỊCH HẸN")

    # The same code a second time: a clear refusal, not a second ticket.
    page.goto(f"{url}/kiosk/VY/check-in")
    page.locator("input[name=code]").fill(code)
    page.locator("input[name=code]").press("Enter")  # as a scanner ends its input
    expect(page.locator("[data-check-in-refusal=already_checked_in]")).to_be_visible()
