"""Every citizen screen of the kiosk (1080 x 1920): one frame, a way home, the idle return with its
countdown, the language switch, the failure screen with a retry that never gives two tickets, and
the catalogue of the whole city. The server here returns a kiosk home after 6 s (20 s in a hall)."""

import json
import re
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

KIOSK = {"width": 1080, "height": 1920}
PHONE = {"width": 390, "height": 844}
HOME = "Về màn hình lấy số"
SCREENS = ("priority", "ticket", "lookup", "catalogue", "rate", "complaint")
PATHS = {
    "priority": "/kiosk/VY/priority",
    "lookup": "/kiosk/VY/lookup",
    "catalogue": "/kiosk/VY/procedures",
    "rate": "/kiosk/VY/rate",
    "complaint": "/kiosk/VY/complaint",
}
# What a finger must hit on a kiosk screen, measured where it is shown.
SMALL_CONTROLS = """() => Array.from(document.querySelectorAll(
    '#kiosk-screen button, #kiosk-screen a.kiosk-btn, #kiosk-screen summary, #kiosk-screen select,'
    + ' #kiosk-screen textarea, #kiosk-screen input:not([type=hidden]):not([type=radio]),'
    + ' .kiosk-language__button, .kiosk-link'))
  .filter((el) => el.offsetParent !== null)
  .map((el) => [(el.textContent.trim() || el.name || el.tagName).slice(0, 40),
                Math.round(el.getBoundingClientRect().height)])
  .filter(([, height]) => height < 80)"""


@pytest.fixture
def kiosk(new_context):
    return new_context(viewport=KIOSK).new_page()


def open_screen(page, server: str, name: str) -> None:
    if name == "ticket":
        page.goto(f"{server}/kiosk/VY")
        page.locator("button.service-tile").first.click()
    else:
        page.goto(server + PATHS[name])
    expect(page.locator(f"#kiosk-screen[data-screen={name}]")).to_be_visible()


def home_screen(page):
    return page.locator("#kiosk-screen[data-screen=home]")


@pytest.mark.parametrize("name", SCREENS)
def test_every_kiosk_screen_has_the_frame_big_controls_and_a_way_home(
    kiosk, quick_idle_server, screenshot, name
):
    open_screen(kiosk, quick_idle_server, name)
    expect(kiosk.locator(".kiosk-header__office")).to_have_text("UBND thành phố Vĩnh Yên")
    expect(kiosk.locator(".kiosk-language__button")).to_have_text("English")
    # check-in, lookup, procedures, rating, complaint
    assert kiosk.locator(".kiosk-link").count() == 5
    assert kiosk.evaluate(SMALL_CONTROLS) == []
    screenshot(kiosk, name, full_page=False)
    kiosk.get_by_role("link", name=HOME).click()
    expect(home_screen(kiosk)).to_be_visible()
    expect(kiosk).to_have_url(f"{quick_idle_server}/kiosk/VY")


def test_the_home_screen_shares_the_frame_and_offers_every_service(
    kiosk, quick_idle_server, screenshot
):
    kiosk.goto(f"{quick_idle_server}/kiosk/VY")
    expect(home_screen(kiosk)).to_be_visible()
    screenshot(kiosk, "home", full_page=False)
    assert kiosk.get_by_role("link", name=HOME).count() == 0  # already home
    assert kiosk.evaluate(SMALL_CONTROLS) == []
    for label, screen in (
        ("Tra cứu hồ sơ", "lookup"),
        ("Thủ tục hành chính", "catalogue"),
        ("Đánh giá", "rate"),
        ("Phản ánh, kiến nghị", "complaint"),
    ):
        kiosk.locator(".kiosk-link", has_text=label).click()
        expect(kiosk.locator(f"#kiosk-screen[data-screen={screen}]")).to_be_visible()
        kiosk.get_by_role("link", name=HOME).click()
        expect(home_screen(kiosk)).to_be_visible()


@pytest.mark.parametrize("name", SCREENS)
def test_every_kiosk_screen_counts_down_then_returns_home_when_left_alone(
    kiosk, quick_idle_server, screenshot, name
):
    open_screen(kiosk, quick_idle_server, name)
    countdown = kiosk.locator("[data-idle-countdown]")
    expect(countdown).to_be_hidden()
    # Idle 6 s: the countdown shows the last 3 seconds over the screen, then home.
    expect(countdown).to_be_visible(timeout=8_000)
    assert kiosk.locator("[data-idle-count]").inner_text() in {"1", "2", "3"}
    expect(kiosk.locator(f"#kiosk-screen[data-screen={name}]")).to_be_visible()
    if name == "lookup":
        screenshot(kiosk, "countdown", full_page=False)
    expect(home_screen(kiosk)).to_be_visible(timeout=6_000)
    expect(countdown).to_be_hidden()


def test_a_touch_during_the_countdown_keeps_the_citizen_on_the_screen(kiosk, quick_idle_server):
    open_screen(kiosk, quick_idle_server, "catalogue")
    expect(kiosk.locator("[data-idle-countdown]")).to_be_visible(timeout=8_000)
    kiosk.get_by_role("button", name="Tiếp tục sử dụng").click()
    expect(kiosk.locator("[data-idle-countdown]")).to_be_hidden()
    kiosk.wait_for_timeout(2_500)  # past the moment it would have gone home
    expect(kiosk.locator("#kiosk-screen[data-screen=catalogue]")).to_be_visible()


def test_a_half_typed_complaint_is_cleared_for_the_next_citizen(kiosk, quick_idle_server):
    open_screen(kiosk, quick_idle_server, "complaint")
    kiosk.fill("input[name=subject]", "Chờ quá lâu")
    kiosk.fill("textarea[name=text]", "Tôi đã chờ hai tiếng ở quầy số 3.")
    kiosk.fill("input[name=contact]", "0912345678")
    expect(home_screen(kiosk)).to_be_visible(timeout=12_000)
    kiosk.locator(".kiosk-link", has_text="Phản ánh, kiến nghị").click()
    expect(kiosk.locator("#kiosk-screen[data-screen=complaint]")).to_be_visible()
    for field in ("input[name=subject]", "textarea[name=text]", "input[name=contact]"):
        expect(kiosk.locator(field)).to_have_value("")
    # Nor does the browser's history keep it: the abandoned screen was replaced by home.
    kiosk.go_back()
    expect(home_screen(kiosk)).to_be_visible()
    assert "0912345678" not in kiosk.content()


def test_a_half_typed_lookup_is_cleared_when_the_kiosk_returns_home(kiosk, quick_idle_server):
    open_screen(kiosk, quick_idle_server, "lookup")
    kiosk.fill("input[name=code]", "000.00.12.H62-261205-0001")
    kiosk.fill("input[name=phone_last4]", "5678")
    expect(home_screen(kiosk)).to_be_visible(timeout=12_000)
    kiosk.locator(".kiosk-link", has_text="Tra cứu hồ sơ").click()
    expect(kiosk.locator("input[name=code]")).to_have_value("")
    expect(kiosk.locator("input[name=phone_last4]")).to_have_value("")


def test_a_wrong_lookup_says_so_on_the_kiosk_screen(kiosk, quick_idle_server, screenshot):
    open_screen(kiosk, quick_idle_server, "lookup")
    kiosk.fill("input[name=code]", "000.00.12.H62-261205-9999")
    kiosk.fill("input[name=phone_last4]", "0000")
    # The typed form's button (the scanner's box above has its own).
    kiosk.locator("form:has(input[name=code])").get_by_role("button", name="Tra cứu").click()
    expect(kiosk.locator(".kiosk-form__error")).to_contain_text("Không tìm thấy hồ sơ")
    expect(kiosk.locator(".kiosk-header")).to_be_visible()
    expect(kiosk.get_by_role("link", name=HOME)).to_be_visible()
    screenshot(kiosk, "lookup-error", full_page=False)


# --- the language switch -------------------------------------------------------------------------


def test_the_language_switch_keeps_the_kiosk_on_its_screen(kiosk, quick_idle_server, screenshot):
    open_screen(kiosk, quick_idle_server, "catalogue")
    kiosk.get_by_role("button", name="English").click()
    expect(kiosk).to_have_url(f"{quick_idle_server}/kiosk/VY/procedures")
    expect(kiosk.locator("html")).to_have_attribute("lang", "en")
    expect(kiosk.locator("#kiosk-screen[data-screen=catalogue]")).to_be_visible()
    expect(kiosk.get_by_role("link", name="Back to the ticket screen")).to_be_visible()
    screenshot(kiosk, "catalogue-en", full_page=False)
    # A screen swapped in without a reload (priority) is kept too.
    kiosk.get_by_role("link", name="Back to the ticket screen").click()
    kiosk.locator(".priority-cta").click()
    expect(kiosk.locator("#kiosk-screen[data-screen=priority]")).to_be_visible()
    kiosk.get_by_role("button", name="Tiếng Việt").click()
    expect(kiosk.locator("html")).to_have_attribute("lang", "vi")
    expect(kiosk.locator("#kiosk-screen[data-screen=priority]")).to_be_visible()
    expect(kiosk.get_by_role("link", name=HOME)).to_be_visible()


def test_the_phone_page_offers_english(new_context, quick_idle_server, screenshot):
    citizen = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    taken = citizen.request.post(
        f"{quick_idle_server}/api/v1/offices/VY-KQ/tickets", data={"service": "ho-tich"}
    )
    assert taken.status == 201
    phone = citizen.new_page()
    phone.goto(taken.json()["url"])
    expect(phone.locator(".ticket-status__label")).to_have_text("Số thứ tự của ông/bà")
    phone.get_by_role("button", name="English").click()
    expect(phone).to_have_url(taken.json()["url"])
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator(".ticket-status__number")).to_have_text(taken.json()["number"])
    screenshot(phone, "phone-en")
    phone.get_by_role("button", name="Tiếng Việt").click()
    expect(phone.locator("html")).to_have_attribute("lang", "vi")


# --- a tap that fails ----------------------------------------------------------------------------


def request_id(post_data: str) -> str:
    return parse_qs(post_data)["request_id"][0]


def test_a_tap_lost_on_the_network_shows_the_failure_and_the_retry_gives_the_ticket(
    kiosk, quick_idle_server, screenshot
):
    sent = []

    def flaky(route):
        sent.append(request_id(route.request.post_data))
        if len(sent) == 1:
            route.abort("connectionrefused")
        else:
            route.continue_()

    kiosk.route(re.compile(r".*/kiosk/VY/tickets$"), flaky)
    kiosk.goto(f"{quick_idle_server}/kiosk/VY")
    kiosk.get_by_role("button", name=re.compile("Đất đai")).click()
    failure = kiosk.locator("[data-kiosk-failure]")
    expect(failure).to_be_visible()
    expect(failure).to_contain_text("Chưa lấy được số thứ tự")
    expect(failure).to_contain_text("mất kết nối")
    expect(kiosk.locator("#error-banner")).to_be_hidden()
    screenshot(kiosk, "failure", full_page=False)
    kiosk.get_by_role("button", name="Thử lại").click()
    expect(kiosk.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    expect(failure).to_be_hidden()
    assert len(sent) == 2 and sent[0] == sent[1]


def waiting_for(page, service: str) -> int:
    """The waiting count the home screen shows on a service's tile (0 for "Chưa có người chờ")."""
    text = page.locator("button.service-tile", has_text=service).inner_text()
    found = re.search(r"(\d+) người đang chờ", text)
    return int(found.group(1)) if found else 0


def test_a_retry_after_a_lost_answer_gives_the_same_ticket_not_a_second_one(
    kiosk, quick_idle_server
):
    sent = []

    def answer_lost(route):
        sent.append(request_id(route.request.post_data))
        if len(sent) == 1:
            # The server issues the ticket, but its answer never reaches the kiosk.
            route.fetch()
            route.fulfill(status=502, body="Bad Gateway")
        else:
            route.continue_()

    kiosk.goto(f"{quick_idle_server}/kiosk/VY")
    before = waiting_for(kiosk, "Xây dựng")
    kiosk.route(re.compile(r".*/kiosk/VY/tickets$"), answer_lost)
    kiosk.get_by_role("button", name=re.compile("Xây dựng")).click()
    failure = kiosk.locator("[data-kiosk-failure]")
    expect(failure).to_contain_text("Hệ thống đang bận")
    kiosk.get_by_role("button", name="Thử lại").click()
    expect(kiosk.locator("#kiosk-screen[data-screen=ticket]")).to_be_visible()
    assert len(sent) == 2 and sent[0] == sent[1]
    # One more citizen waits, not two: the retry answered the ticket the lost tap made.
    expect(kiosk.locator("[data-people-ahead]")).to_have_text(str(before))
    kiosk.get_by_role("link", name=HOME).click()
    expect(home_screen(kiosk)).to_be_visible()
    assert waiting_for(kiosk, "Xây dựng") == before + 1


def test_a_refused_tap_says_why_and_can_go_home(kiosk, quick_idle_server):
    def refuse(route):
        body = '<section class="error-page" id="error"><h1>Quá nhiều yêu cầu</h1>'
        body += "<p>Vui lòng đợi một lát rồi thử lại.</p></section>"
        route.fulfill(status=429, body=body, content_type="text/html")

    kiosk.route(re.compile(r".*/kiosk/VY/tickets$"), refuse)
    kiosk.goto(f"{quick_idle_server}/kiosk/VY")
    kiosk.get_by_role("button", name=re.compile("Đất đai")).click()
    failure = kiosk.locator("[data-kiosk-failure]")
    expect(failure).to_contain_text("Vui lòng đợi một lát rồi thử lại.")
    failure.get_by_role("link", name=HOME).click()
    expect(failure).to_be_hidden()
    expect(home_screen(kiosk)).to_be_visible()


# --- the catalogue of the whole city -------------------------------------------------------------


def test_the_city_kiosk_finds_a_ward_procedure_under_the_wards(
    kiosk, quick_idle_server, screenshot
):
    open_screen(kiosk, quick_idle_server, "catalogue")
    with kiosk.expect_response(lambda response: "procedures?q=khai" in response.url):
        kiosk.fill("#kiosk-catalogue-q", "khai sinh")
    expect(kiosk.locator(".catalogue-item", has_text="Chứng thực")).to_have_count(0)
    birth = kiosk.locator(".catalogue-item__name", has_text=re.compile("^Đăng ký khai sinh$"))
    expect(birth).to_be_visible()
    place = kiosk.locator(".catalogue-place", has=birth)
    expect(place.locator(".catalogue-place__title")).to_contain_text("UBND phường, xã nơi cư trú")
    assert "VY-KQ" in place.get_attribute("data-place").split()
    expect(place).to_contain_text("UBND phường Khai Quang")
    # The city's own procedures with these words come first, under "Nộp tại đây".
    expect(kiosk.locator(".catalogue-place").first).to_have_class(re.compile("--here"))
    screenshot(kiosk, "catalogue-search", full_page=False)


def test_a_ward_kiosk_lists_its_own_procedures_first_then_the_city(kiosk, quick_idle_server):
    kiosk.goto(f"{quick_idle_server}/kiosk/VY-KQ/procedures?q=dang+ky")
    here = kiosk.locator(".catalogue-place").first
    expect(here.locator(".catalogue-place__title")).to_have_text(
        "Nộp tại đây: UBND phường Khai Quang"
    )
    expect(here).to_contain_text("Đăng ký khai sinh")
    places = kiosk.locator(".catalogue-place").evaluate_all(
        "(els) => els.map((el) => el.getAttribute('data-place'))"
    )
    assert places[0] == "VY-KQ" and "VY" in places[1:]
    assert json.dumps(places).count("VY-KQ") == 1  # its own procedures are not repeated elsewhere
