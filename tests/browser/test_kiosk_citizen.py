"""A citizen in a real browser: the kiosk (1080 x 1920), the ticket, the phone (390 x 844)."""

import io
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from reportlab.lib.units import mm

KIOSK = {"width": 1080, "height": 1920}
PHONE = {"width": 390, "height": 844}
# A ward whose queue no other browser test works in, so numbers and calls here are ours.
WARD = "VY-KQ"


def number_on(page) -> str:
    return page.locator("[data-ticket-number]").inner_text()


def next_number(number: str) -> str:
    return f"{number[0]}{int(number[1:]) + 1:03d}"


def test_citizen_taps_a_service_and_gets_the_ticket_without_a_reload(
    new_context, live_server, screenshot, tmp_path
):
    page = new_context(viewport=KIOSK).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    expect(page.locator("#kiosk-screen[data-screen=home]")).to_be_visible()
    assert page.locator(".service-tile").count() >= 4
    page.evaluate("window.__sameDocument = true")
    screenshot(page, "home")

    page.get_by_role("button", name=re.compile("Tư pháp – Hộ tịch")).click()
    screen = page.locator("#kiosk-screen[data-screen=ticket]")
    expect(screen).to_be_visible()
    expect(page.locator(".ticket-success")).to_have_text("Ông/bà đã lấy số thành công")
    assert re.fullmatch(r"B\d{3}", number_on(page))
    expect(screen.locator(".ticket-slip__service")).to_have_text("Tư pháp – Hộ tịch")
    expect(screen.locator(".ticket-slip__qr svg")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "ticket")
    if shutil.which("zbarimg"):
        page.locator(".ticket-slip__qr svg").screenshot(path=str(tmp_path / "qr.png"))
        read = subprocess.run(
            ["zbarimg", "-q", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True
        )
        assert re.fullmatch(rf"{re.escape(live_server)}/t/[\w-]+", read.stdout.strip())


def test_the_ticket_screen_prints_as_an_80_mm_slip(new_context, live_server, pdf_image):
    page = new_context(viewport=KIOSK).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    page.get_by_role("button", name=re.compile("Kinh doanh")).click()
    expect(page.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    number = number_on(page)
    # What Chromium with --kiosk-printing sends to the printer: the print stylesheet's page.
    printed = page.pdf(prefer_css_page_size=True, print_background=True)
    reader = PdfReader(io.BytesIO(printed))
    assert len(reader.pages) == 1
    assert float(reader.pages[0].mediabox.width) == pytest.approx(80 * mm, abs=1)
    text = reader.pages[0].extract_text()
    assert number in text and "PHIẾU SỐ THỨ TỰ" in text and "Kinh doanh" in text
    # Only the slip, no screen chrome.
    assert "Về màn hình" not in text and "Lấy số thứ tự" not in text
    pdf_image(printed, "test_the_ticket_screen_prints_as_an_80_mm_slip-print", dpi=203)


def test_without_javascript_the_kiosk_still_issues_tickets(new_context, live_server):
    page = new_context(viewport=KIOSK, java_script_enabled=False).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    page.get_by_role("button", name=re.compile("Lao động")).click()
    expect(page).to_have_url(re.compile(r"/kiosk/VY/tickets/[\w-]+$"))
    assert re.fullmatch(r"E\d{3}", number_on(page))
    page.get_by_role("link", name="Về màn hình lấy số").click()
    expect(page.locator("#kiosk-screen[data-screen=home]")).to_be_visible()


def test_a_double_tap_gives_one_ticket(new_context, live_server):
    page = new_context(viewport=KIOSK).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    page.get_by_role("button", name=re.compile("Xây dựng")).dblclick()
    expect(page.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    first = number_on(page)
    page.get_by_role("link", name="Về màn hình lấy số").click()
    expect(page.locator("#kiosk-screen[data-screen=home]")).to_be_visible()
    page.get_by_role("button", name=re.compile("Xây dựng")).click()
    expect(page.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    assert number_on(page) == next_number(first)


def test_a_priority_ticket_shows_its_legal_reason(new_context, live_server, screenshot):
    page = new_context(viewport=KIOSK).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    page.get_by_role("link", name=re.compile("Lấy số ưu tiên")).click()
    expect(page.locator("#kiosk-screen[data-screen=priority]")).to_contain_text(
        "Luật Người cao tuổi năm 2009"
    )
    screenshot(page, "groups")
    page.get_by_role("link", name=re.compile("Người cao tuổi")).click()
    expect(page.locator(".priority-banner")).to_contain_text("Phiếu ưu tiên: Người cao tuổi")
    page.get_by_role("button", name=re.compile("Đất đai")).click()
    expect(page.locator(".ticket-slip__priority")).to_have_text("ƯU TIÊN · Người cao tuổi")
    screenshot(page, "ticket")


def test_the_kiosk_returns_home_by_itself_when_left_alone(new_context, live_server):
    page = new_context(viewport=KIOSK).new_page()
    page.goto(f"{live_server}/kiosk/VY")
    page.get_by_role("button", name=re.compile("Đất đai")).click()
    expect(page.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    # Shorten the idle time (20 s on a real kiosk) and let the citizen touch the screen once.
    page.evaluate("document.querySelector('.kiosk-frame').setAttribute('data-idle-seconds', '1.5')")
    page.mouse.click(5, 900)
    expect(page.locator("#kiosk-screen[data-screen=home]")).to_be_visible(timeout=6000)


def test_the_phone_page_before_and_after_the_call(new_context, live_server, login_page, screenshot):
    citizen = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    taken = citizen.request.post(
        f"{live_server}/api/v1/offices/{WARD}/tickets", data={"service": "ho-tich"}
    )
    assert taken.status == 201
    ticket = taken.json()
    phone = citizen.new_page()
    phone.goto(ticket["url"])
    expect(phone.locator(".ticket-status__number")).to_have_text(ticket["number"])
    expect(phone.locator(".wait-facts")).to_be_visible()
    expect(phone.locator("#ticket-contact")).to_be_visible()
    screenshot(phone, "waiting")

    officer = new_context()
    login_page(officer.new_page(), f"{WARD.lower()}-officer")
    counters = officer.request.get(f"{live_server}/api/v1/offices/{WARD}/counters").json()
    counter = next(c for c in counters if "ho-tich" in c["services"] and c["open"])
    called = officer.request.post(
        f"{live_server}/api/v1/tickets/{ticket['id']}/call", data={"counter": counter["id"]}
    )
    assert called.status == 200

    # The page polls every 5 s and swaps itself: no reload, the counter stands out.
    expect(phone.locator(".call-card__text")).to_have_text(
        f"Mời đến quầy {counter['number']}", timeout=12_000
    )
    # The tab's title follows once the swap has settled, a moment after the text.
    expect(phone).to_have_title(re.compile("Mời đến quầy"))
    # Messages are only taken while waiting: the form goes with the call.
    expect(phone.locator("#ticket-contact")).to_be_hidden()
    screenshot(phone, "called")


def test_the_printed_pdf_has_the_ticket_and_a_qr_of_its_phone_page(
    new_context, live_server, pdf_image
):
    context = new_context()
    ticket = context.request.post(
        f"{live_server}/api/v1/offices/{WARD}/tickets",
        data={"service": "chung-thuc", "priority": True, "priority_reason": "small_child"},
    ).json()
    pdf = context.request.get(ticket["pdf_url"])
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert (
        ticket["number"] in text
        and "Chứng thực" in text
        and "ƯU TIÊN · Người đi cùng con nhỏ" in text
    )
    png = pdf_image(
        pdf.body(), "test_the_printed_pdf_has_the_ticket_and_a_qr_of_its_phone_page-pdf", dpi=203
    )
    if shutil.which("zbarimg"):
        decoded = subprocess.run(
            ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True
        ).stdout.strip()
        assert decoded == ticket["url"]


def test_a_paired_kiosk_prints_each_ticket_once(new_context, live_server, login_page, screenshot):
    admin = login_page(new_context().new_page(), "admin")
    admin.goto(f"{live_server}/admin/devices")
    admin.select_option("select[name=office]", WARD)
    admin.fill("input[name=name]", "Ki-ốt sảnh phường Khai Quang")
    admin.get_by_role("button", name="Tạo mã").click()
    code = admin.locator("[data-pairing-code]").inner_text()
    screenshot(admin, "admin")

    kiosk = new_context(viewport=KIOSK)
    # Count what goes to the printer: --kiosk-printing prints window.print() without a dialog.
    kiosk.add_init_script(
        "window.__printed = 0; window.print = function () { window.__printed += 1; };"
    )
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/pair")
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="Ghép nối").click()
    expect(page).to_have_url(f"{live_server}/kiosk/{WARD}")
    page.get_by_role("button", name=re.compile("Chứng thực")).dblclick()
    expect(page.locator("#kiosk-screen[data-screen=ticket]")).to_contain_text("Phiếu đang được in")
    page.wait_for_function("() => window.__printed >= 1")
    page.wait_for_timeout(500)  # a second print of the same ticket would have come by now
    assert page.evaluate("window.__printed") == 1
    page.get_by_role("link", name="Về màn hình lấy số").click()
    page.get_by_role("button", name=re.compile("Chứng thực")).click()
    expect(page.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    page.wait_for_function("() => window.__printed >= 2")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__printed") == 2

    admin.reload()
    expect(admin.locator("tr", has_text="Ki-ốt sảnh phường Khai Quang")).to_contain_text(
        "Đã ghép nối"
    )
