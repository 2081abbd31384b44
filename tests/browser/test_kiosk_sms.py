"""Messages when the turn comes, asked at the kiosk (1080 x 1920): the button on the ticket screen,
the digit keypad, the confirmation with the number masked, and the idle return that forgets it.
The server here returns a kiosk home after 6 s."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_kiosk_keyboard import tap_text
from tests.browser.test_kiosk_layout import SMALL_CONTROLS

KIOSK = {"width": 1080, "height": 1920}
SMS_BUTTON = "Nhắn tin cho tôi khi sắp đến lượt"


@pytest.fixture
def kiosk(new_context):
    return new_context(viewport=KIOSK).new_page()


def open_sms_screen(page, server: str) -> str:
    """Take a ticket and tap the SMS button; the ticket's number."""
    page.goto(f"{server}/kiosk/VY")
    page.locator("button.service-tile").first.click()
    expect(page.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    number = page.locator("[data-ticket-number]").inner_text()
    button = page.get_by_role("link", name=SMS_BUTTON)
    assert button.bounding_box()["height"] >= 80
    button.click()
    expect(page.locator("#kiosk-screen[data-screen=sms]")).to_be_visible()
    return number


def test_citizen_types_a_number_on_the_keypad_and_sees_it_confirmed_masked(
    kiosk, quick_idle_server, screenshot
):
    number = open_sms_screen(kiosk, quick_idle_server)
    expect(kiosk.locator(".kiosk-lead")).to_contain_text(number)
    # The number is the one thing this screen asks for: the digit keypad is already open.
    keyboard = kiosk.locator(".osk")
    expect(keyboard).to_be_visible()
    expect(keyboard).to_have_attribute("data-layout", "numeric")
    assert keyboard.locator("[data-osk=layout]").count() == 0  # digits only, no letters
    assert kiosk.evaluate(SMALL_CONTROLS) == []
    phone = kiosk.locator("input[name=phone]")
    tap_text(kiosk, "09123456789")
    expect(phone).to_have_value("0912345678")  # ten digits, the field's limit
    box = phone.bounding_box()
    assert box["y"] + box["height"] <= keyboard.bounding_box()["y"]
    screenshot(kiosk, "keypad", full_page=False)

    keyboard.locator("[data-osk=done]").click()  # "Xong" sends the number
    done = kiosk.locator("[data-sms-done]")
    expect(done).to_be_visible()
    expect(done.locator("[data-sms-phone]")).to_have_text("09•••••678")
    expect(done).to_contain_text(number)
    assert "0912345678" not in kiosk.content()
    assert kiosk.get_by_role("link", name="Về màn hình lấy số").bounding_box()["height"] >= 80
    screenshot(kiosk, "confirmed", full_page=False)

    # Left alone, the kiosk goes home and the next citizen sees nothing of the number.
    expect(kiosk.locator("#kiosk-screen[data-screen=home]")).to_be_visible(timeout=12_000)
    assert "•••" not in kiosk.content() and "0912345678" not in kiosk.content()


def test_a_wrong_number_is_explained_on_the_keypad_screen(kiosk, quick_idle_server):
    open_sms_screen(kiosk, quick_idle_server)
    tap_text(kiosk, "0212")
    kiosk.locator(".osk [data-osk=done]").click()
    expect(kiosk.locator("#sms-error")).to_contain_text("Số điện thoại di động không hợp lệ")
    expect(kiosk.locator("input[name=phone]")).to_have_value("")  # never echoed back


def test_a_half_typed_number_is_cleared_by_the_idle_return(kiosk, quick_idle_server):
    open_sms_screen(kiosk, quick_idle_server)
    tap_text(kiosk, "0987")
    expect(kiosk.locator("input[name=phone]")).to_have_value("0987")
    expect(kiosk.locator("#kiosk-screen[data-screen=home]")).to_be_visible(timeout=12_000)
    expect(kiosk).to_have_url(re.compile(r"/kiosk/VY$"))
    # Nor does the browser's history hold it for the next citizen.
    kiosk.go_back()
    kiosk.wait_for_load_state("load")
    values = kiosk.locator("input[name=phone]").evaluate_all("fields => fields.map(f => f.value)")
    assert all(value == "" for value in values)
