"""Intake at a ward's counter with a QR scanner reading the citizen's chip ID card."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

OFFICER = "vy-dd-officer"  # a ward the other browser tests leave alone
ID_NUMBER = "026190001234"
SCAN = (
    f"{ID_NUMBER}|135792468|Nguyễn Thị Thu Hà|07031990|Nữ|"
    "Số 12 Ngô Quyền, Đống Đa, Vĩnh Yên|20042021"
)


def _scan(page, text: str) -> None:
    """Type into the scan field as a keyboard-wedge scanner does: fast keystrokes, then Enter."""
    field = page.locator("input[name=scan]")
    field.click()
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")


def test_a_scanned_id_card_fills_the_intake_form(new_context, live_server, login_page, screenshot):
    page = new_context(viewport={"width": 1440, "height": 1100}).new_page()
    login_page(page, OFFICER)
    page.goto(f"{live_server}/dossiers/new")
    page.wait_for_load_state("load")  # htmx and idscan.js are running
    page.select_option("select[name=procedure]", "1.001193")
    papers = page.locator("#intake-papers")
    expect(papers).to_contain_text("Giấy chứng sinh (bản chính)")
    page.evaluate("window.__notReloaded = true")

    # A scan cut short is refused with the reason, and nothing is filled.
    _scan(page, SCAN[:40])
    expect(page.locator("#scan-status")).to_contain_text("7 trường")
    expect(page.locator("input[name=applicant_name]")).to_have_value("")

    # The next scan types over the bad one (it was left selected).
    page.keyboard.type(SCAN, delay=2)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-status")).to_contain_text("Đã điền họ tên")
    expect(page.locator("input[name=applicant_name]")).to_have_value("Nguyễn Thị Thu Hà")
    expect(page.locator("input[name=id_number]")).to_have_value(ID_NUMBER)
    expect(page.locator("input[name=address]")).to_have_value("Số 12 Ngô Quyền, Đống Đa, Vĩnh Yên")
    expect(page.locator("input[name=scan]")).to_have_value("")
    expect(page.locator("input[name=phone]")).to_be_focused()
    assert page.evaluate("window.__notReloaded") is True  # the Enter took nothing in

    page.keyboard.type("0968 123 457")
    page.fill("input[name=email]", "thuha@example.vn")
    rows = papers.locator("tbody tr")
    rows.filter(has_text="Tờ khai đăng ký khai sinh").locator("input[name=doc_originals]").fill("1")
    rows.filter(has_text="Giấy chứng sinh").locator("input[name=doc_originals]").fill("1")
    rows.filter(has_text="Giấy chứng sinh").locator("input[name=doc_photocopies]").fill("2")
    rows.nth(3).locator("input[name=doc_name]").fill("Giấy xác nhận cư trú")
    rows.nth(3).locator("input[name=doc_certified_copies]").fill("1")
    shot = screenshot(page, "intake-scanned")
    assert shot.exists()
    page.get_by_role("button", name="Tiếp nhận và cấp mã hồ sơ").click()

    # The stored dossier, as its page shows it to the officer.
    expect(page.locator(".dossier-title")).to_have_text(
        re.compile(r"^000\.12\.04\.H62-\d{6}-\d{4}$")
    )
    code = page.locator(".dossier-title").inner_text()
    facts = page.locator(".facts").first
    expect(facts).to_contain_text("Nguyễn Thị Thu Hà")
    expect(facts).to_contain_text(ID_NUMBER)
    expect(facts).to_contain_text("Số 12 Ngô Quyền, Đống Đa, Vĩnh Yên")
    expect(facts).to_contain_text("0968123457")
    received = page.locator(".received-papers tbody tr")
    expect(received).to_have_count(3)
    expect(received.nth(1)).to_have_text(re.compile(r"Giấy chứng sinh \(bản chính\)\s*1\s*0\s*2"))
    expect(received.nth(2)).to_have_text(re.compile(r"Giấy xác nhận cư trú\s*0\s*1\s*0"))
    screenshot(page, "intake-scanned-detail")

    # The receipt prints what was stored; the list masks the ID number.
    response = page.request.get(f"{live_server}/dossiers/{code}/receipt.pdf")
    text = " ".join(PdfReader(io.BytesIO(response.body())).pages[0].extract_text().split())
    assert "Địa chỉ: Số 12 Ngô Quyền, Đống Đa, Vĩnh Yên" in text
    assert "Email: thuha@example.vn" in text
    assert "2 Giấy chứng sinh (bản chính) 1 0 2" in text
    page.goto(f"{live_server}/dossiers?q={code[-11:]}")
    row = page.locator(".dossier-table tbody tr", has_text=code)
    expect(row.locator(".applicant__id")).to_have_text("********1234")
    assert ID_NUMBER not in page.content()
