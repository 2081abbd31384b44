"""The kiosk's on-screen keyboard on a 1080 x 1920 touchscreen: Telex, dossier codes, digits."""

import re

import pytest
from playwright.sync_api import expect

KIOSK = {"width": 1080, "height": 1920}

# What a citizen types with Telex, and the word the field must then hold (classic tone placement).
TELEX_CASES = {
    "DDawng kys khai sinh": "Đăng ký khai sinh",
    "tieengs Vieetj": "tiếng Việt",
    "nguwowif": "người",
    "nguoiwf": "người",
    "ddaats": "đất",
    "ddaat": "đât",
    "hoaf": "hòa",
    "hoafn": "hoàn",
    "thuyr": "thủy",
    "khoer": "khỏe",
    "thuowr": "thuở",
    "truwowngf": "trường",
    "giuwxa": "giữa",
    "gias": "giá",
    "gif": "gì",
    "quys": "quý",
    "quoocs": "quốc",
    "khuyeens": "khuyến",
    "tuaans": "tuấn",
    "yeeu": "yêu",
    "muwaf": "mừa",
    "xin chaof": "xin chào",
    "uw ow aw": "ư ơ ă",
    # Typing a rule's key again undoes it and keeps the letter.
    "ass": "as",
    "aaa": "aa",
    "ddd": "dd",
    "aww": "aw",
    # z removes the tone; with no tone, and without a vowel, keys are plain letters.
    "hoafz": "hoa",
    "hoaz": "hoaz",
    "sinh": "sinh",
    "mwa": "mwa",
    "HOAF": "HÒA",
}


def tap_text(page, text: str) -> None:
    """Tap the keyboard's keys for ``text``: shift before a capital, the space bar for a space."""
    keyboard = page.locator(".osk")
    for ch in text:
        if ch == " ":
            keyboard.locator(".osk-key--space").click()
            continue
        if ch.isalpha() and ch.isupper() and keyboard.get_attribute("data-layout") == "vi":
            keyboard.locator(".osk-key--shift").click()
            ch = ch.lower()
        keyboard.locator(f"[data-osk=char][data-value='{ch}']").click()


def open_service(page, name: str) -> None:
    """Open a kiosk service and wait until its fields have their keyboard buttons."""
    page.get_by_role("link", name=name).click()
    expect(page.locator(".osk-toggle").first).to_be_attached()


@pytest.fixture
def kiosk(new_context, live_server):
    page = new_context(viewport=KIOSK).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    return page


def test_telex_composition_gives_the_vietnamese_word(kiosk):
    got = kiosk.evaluate(
        "cases => Object.fromEntries("
        "Object.keys(cases).map(k => [k, OnScreenKeyboard.telexText(k)]))",
        TELEX_CASES,
    )
    assert got == TELEX_CASES
    tones = kiosk.evaluate(
        """() => [OnScreenKeyboard.withTone("hoa", "f"), OnScreenKeyboard.withTone("người", "z"),
                  OnScreenKeyboard.withTone("tiêng", "s"), OnScreenKeyboard.withTone("đ", "s")]"""
    )
    assert tones == ["hòa", "ngươi", "tiếng", "đ"]
    # Every result is NFC, the form the database and the search compare.
    assert kiosk.evaluate(
        "cases => Object.keys(cases).every(k => { const w = OnScreenKeyboard.telexText(k);"
        " return w === w.normalize('NFC'); })",
        TELEX_CASES,
    )


def test_citizen_taps_a_vietnamese_search_and_sees_the_procedure(kiosk, screenshot):
    open_service(kiosk, "Thủ tục hành chính")
    field = kiosk.locator("input[data-keyboard=vi]")
    keyboard = kiosk.locator(".osk")
    expect(keyboard).to_be_hidden()
    field.click()
    expect(keyboard).to_be_visible()
    assert keyboard.get_attribute("data-layout") == "vi"
    heights = keyboard.locator(".osk-key").evaluate_all(
        "keys => keys.map(k => k.getBoundingClientRect().height)"
    )
    assert min(heights) >= 80
    assert keyboard.bounding_box()["y"] + keyboard.bounding_box()["height"] <= KIOSK["height"]

    tap_text(kiosk, "DDawng kys khai sinh")
    expect(field).to_have_value("Đăng ký khai sinh")
    # The live search ran from the taps alone, as if typed on a keyboard.
    expect(kiosk.locator("#catalogue-results .catalogue-item__name").first).to_contain_text(
        "Đăng ký khai sinh"
    )
    # The field stays above the keyboard, where the citizen sees what is typed.
    box = field.bounding_box()
    assert box["y"] + box["height"] <= keyboard.bounding_box()["y"]
    screenshot(kiosk, "catalogue-vi-keyboard", full_page=False)

    # The marked keys, for those who do not know Telex: "hỏi" on the word before the caret.
    for _ in range(len("khai sinh")):
        keyboard.locator("[data-osk=backspace]").click()
    expect(field).to_have_value("Đăng ký ")
    tap_text(kiosk, "ho")
    keyboard.locator("[data-osk=tone][data-value=f]").click()
    expect(field).to_have_value("Đăng ký hò")
    tap_text(kiosk, "i")
    expect(field).to_have_value("Đăng ký hòi")
    keyboard.locator("[data-osk=tone][data-value=z]").click()
    expect(field).to_have_value("Đăng ký hoi")
    keyboard.locator("[data-osk=backspace]").click()
    keyboard.locator("[data-osk=backspace]").click()
    keyboard.locator("[data-osk=char][data-value='ư']").click()
    keyboard.locator("[data-osk=tone][data-value=x]").click()
    expect(field).to_have_value("Đăng ký hữ")
    assert field.evaluate("f => f.value === f.value.normalize('NFC')")

    # "Xong" sends the search and puts the keyboard away; the button next to the field opens it.
    keyboard.locator("[data-osk=done]").click()
    expect(keyboard).to_be_hidden()
    toggle = kiosk.locator(".osk-toggle")
    assert toggle.bounding_box()["height"] >= 80
    toggle.click()
    expect(keyboard).to_be_visible()
    toggle.click()
    expect(keyboard).to_be_hidden()


def test_citizen_types_a_dossier_code_and_phone_digits(kiosk, screenshot):
    # A code no dossier has (other tests take in dossiers today): the lookup must say so.
    open_service(kiosk, "Tra cứu hồ sơ")
    code = kiosk.locator("input[name=code]")
    phone = kiosk.locator("input[data-keyboard=numeric]")
    keyboard = kiosk.locator(".osk")
    # Focus from a script (a scanner-first screen) leaves the screen free.
    code.focus()
    expect(keyboard).to_be_hidden()

    code.click()
    expect(keyboard).to_have_attribute("data-layout", "code")
    tap_text(kiosk, "000.00.12.H62-991231-9999")
    expect(code).to_have_value("000.00.12.H62-991231-9999")  # no Telex on a code: "DD" stays
    screenshot(kiosk, "lookup-code-keyboard", full_page=False)

    # "Tiếp" goes on to the empty phone field with the digit keypad.
    expect(keyboard.locator("[data-osk=done]")).to_have_text("Tiếp")
    keyboard.locator("[data-osk=done]").click()
    expect(keyboard).to_have_attribute("data-layout", "numeric")
    expect(phone).to_be_focused()
    assert keyboard.locator("[data-osk=layout]").count() == 0  # four digits only: no letters
    tap_text(kiosk, "56789")
    expect(phone).to_have_value("5678")  # the field's four-digit limit holds
    heights = keyboard.locator(".osk-key").evaluate_all(
        "keys => keys.map(k => k.getBoundingClientRect().height)"
    )
    assert min(heights) >= 80
    screenshot(kiosk, "lookup-numeric-keypad", full_page=False)

    # "Xong" sends the lookup with what was tapped.
    expect(keyboard.locator("[data-osk=done]")).to_have_text("Xong")
    keyboard.locator("[data-osk=done]").click()
    kiosk.wait_for_load_state("load")
    expect(kiosk.locator("[role=alert]").filter(has_text=re.compile(r"\S"))).to_be_visible()
    expect(kiosk.locator("input[name=code]")).to_have_value("000.00.12.H62-991231-9999")


def test_complaint_text_with_letters_then_contact_digits(kiosk, screenshot):
    open_service(kiosk, "Phản ánh, kiến nghị")
    text = kiosk.locator("textarea[data-keyboard=vi]")
    contact = kiosk.locator("input[name=contact]")
    keyboard = kiosk.locator(".osk")
    text.click()
    tap_text(kiosk, "Chowf quas laau")
    expect(text).to_have_value("Chờ quá lâu")
    keyboard.locator("[data-osk=done]").click()  # "Tiếp": the contact field is next and empty
    expect(contact).to_be_focused()
    expect(keyboard).to_have_attribute("data-layout", "numeric")
    tap_text(kiosk, "0912")
    # A phone or an e-mail: the keypad switches to letters for the "@".
    keyboard.locator("[data-osk=layout][data-value=vi]").click()
    expect(keyboard).to_have_attribute("data-layout", "vi")
    screenshot(kiosk, "complaint-keyboard", full_page=False)
    keyboard.locator("[data-osk=char][data-value='@']").click()
    tap_text(kiosk, "ee")  # no Telex in an address: "ee" stays
    expect(contact).to_have_value("0912@ee")
    # A long form is not sent by the keyboard: it has its own button.
    keyboard.locator("[data-osk=done]").click()
    expect(keyboard).to_be_hidden()
    expect(text).to_have_value("Chờ quá lâu")
    expect(kiosk.locator(".complaint-done")).to_have_count(0)


def test_a_scanned_code_opens_the_keypad_for_the_phone_digits(kiosk, screenshot):
    open_service(kiosk, "Tra cứu hồ sơ")
    keyboard = kiosk.locator(".osk")
    expect(keyboard).to_be_hidden()  # the scanner's screen stays free
    # A scanner types the code fast and presses Enter.
    kiosk.locator("[data-scan-input]").press_sequentially("000.00.12.H62-991231-9999", delay=5)
    kiosk.keyboard.press("Enter")
    phone = kiosk.locator("input[name=phone_last4]")
    expect(phone).to_be_focused()
    # The screen now asks for one thing, the phone digits: their keypad is already there.
    expect(keyboard).to_be_visible()
    expect(keyboard).to_have_attribute("data-layout", "numeric")
    box = phone.bounding_box()
    assert box["y"] + box["height"] <= keyboard.bounding_box()["y"]
    tap_text(kiosk, "5678")
    expect(phone).to_have_value("5678")
    screenshot(kiosk, "scanned-code-keypad", full_page=False)
