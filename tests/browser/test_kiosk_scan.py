"""The kiosk's scanner (1080 x 1920): a receipt's QR or its dossier code, typed fast + Enter."""

from playwright.sync_api import expect

KIOSK = {"width": 1080, "height": 1920}
PHONE = "0912345678"


def _dossier(new_context, login_page, live_server) -> dict:
    officer = new_context().new_page()
    login_page(officer, "officer1")
    response = officer.request.post(
        f"{live_server}/api/v1/dossiers",
        data={
            "procedure": "1.001612",
            "applicant_name": "Nguyễn Văn Thành",
            "phone": PHONE,
            "channel": "direct",
        },
    )
    assert response.status == 201, response.text()
    return response.json()


def _scan(page, text: str) -> None:
    """What a hand scanner does: keys in quick succession, then Enter."""
    page.keyboard.type(text, delay=4)
    page.keyboard.press("Enter")


def _open_lookup(page, live_server) -> None:
    page.goto(f"{live_server}/kiosk/VY")
    page.get_by_role("link", name="Tra cứu hồ sơ").click()
    expect(page.locator("#kiosk-screen[data-screen=lookup]")).to_be_visible()
    # The scan box has the focus: nothing to tap before scanning.
    expect(page.locator("[data-scan-input]")).to_be_focused()


def test_scanning_the_receipt_qr_opens_the_dossier(
    new_context, live_server, login_page, screenshot
):
    created = _dossier(new_context, login_page, live_server)
    page = new_context(viewport=KIOSK, has_touch=True).new_page()
    _open_lookup(page, live_server)
    screenshot(page, "scan-box", full_page=False)
    # The receipt's QR holds the public address, whichever host printed it.
    _scan(page, f"https://motcua.example.gov.vn/d/{created['token']}")
    # The status opens in the kiosk's frame, with its way home.
    expect(page.locator(".lookup-result__status")).to_have_text("Đã tiếp nhận")
    expect(page.get_by_role("link", name="Về màn hình lấy số")).to_be_visible()
    body = page.locator("body").inner_text()
    assert created["code"] in body and "Nguyễn Văn Thành" not in body and PHONE not in body
    screenshot(page, "scanned-status", full_page=False)


def test_scanning_the_dossier_code_asks_for_the_phone_digits(
    new_context, live_server, login_page, screenshot
):
    created = _dossier(new_context, login_page, live_server)
    page = new_context(viewport=KIOSK, has_touch=True).new_page()
    _open_lookup(page, live_server)
    # A tap elsewhere took the focus away: the scanner's keys still land in the scan box.
    page.locator("h1").first.click()
    _scan(page, created["code"])
    digits = page.locator("input[name=phone_last4]")
    expect(digits).to_be_focused()
    expect(page.locator("input[name=code]")).to_have_value(created["code"])
    screenshot(page, "scan-phone-step", full_page=False)
    digits.press_sequentially("0000")
    digits.press("Enter")
    expect(page.locator(".kiosk-form__error")).to_contain_text("Không tìm thấy hồ sơ")
    screenshot(page, "scan-wrong-phone", full_page=False)
    page.locator("input[name=phone_last4]").fill(PHONE[-4:])
    page.locator("input[name=phone_last4]").press("Enter")
    expect(page.locator(".lookup-result__status")).to_have_text("Đã tiếp nhận")
    assert created["code"] in page.locator("#kiosk-screen").inner_text()


def test_a_scan_that_is_not_a_receipt_says_what_to_scan(new_context, live_server, screenshot):
    page = new_context(viewport=KIOSK, has_touch=True).new_page()
    _open_lookup(page, live_server)
    _scan(page, f"{live_server}/t/AbCdEfGhIjKlMnOp")
    expect(page.locator(".kiosk-form__error")).to_contain_text("phiếu số thứ tự")
    expect(page.locator("[data-scan-input]")).to_be_focused()
    screenshot(page, "scan-ticket-qr", full_page=False)


def test_the_kiosk_complaint_offers_the_phone_qr(new_context, live_server, screenshot):
    page = new_context(viewport=KIOSK, has_touch=True).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    page.get_by_role("link", name="Phản ánh, kiến nghị").click()
    handoff = page.locator(".handoff")
    expect(handoff).to_be_visible()
    box = handoff.locator(".handoff__qr svg").bounding_box()
    assert box["width"] >= 200 and box["height"] >= 200
    screenshot(page, "complaint-handoff", full_page=False)
    # The phone opens the link held by the QR and lands on that office's form.
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.goto(handoff.get_attribute("data-handoff-url"))
    expect(phone).to_have_url(f"{live_server}/complaints/new?office=VY")
    expect(phone.locator("select[name=office]")).to_have_value("VY")
    screenshot(phone, "complaint-on-phone", full_page=False)


def test_a_complaint_sent_on_the_kiosk_shows_only_its_own_qr(new_context, live_server, screenshot):
    page = new_context(viewport=KIOSK, has_touch=True).new_page()
    page.goto(f"{live_server}/kiosk/VY/complaint")
    expect(page.locator(".handoff")).to_be_visible()
    page.locator("input[name=subject]").fill("Chờ lâu")
    page.locator("textarea[name=text]").fill("Tôi đã chờ hai tiếng ở quầy đất đai.")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator(".complaint-done")).to_be_visible()
    # The QR that follows this complaint is the one to scan now, not the one for a new form.
    expect(page.locator(".handoff")).to_be_hidden()
    expect(page.locator(".complaint-done__qr svg")).to_be_visible()
    screenshot(page, "complaint-sent-on-kiosk", full_page=False)
