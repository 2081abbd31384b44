"""The console asks whether a called citizen came and fits 1366x768; the supervisor's floor."""

import pytest
from playwright.sync_api import expect

# A commune no other browser test works in; its counter 1 serves ho-tich.
WARD = "VY-DTR"
OFFICER = "vy-dtr-officer"
SUPERVISOR = "vy-dtr-supervisor"
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def api(new_context, live_server, login_page):
    """The ward's officer on a second device, issuing tickets through the JSON API."""
    context = new_context()
    login_page(context.new_page(), OFFICER)

    def post(path: str, data=None) -> dict:
        response = context.request.post(f"{live_server}/api/v1/{path}", data=data or {})
        assert response.ok, response.text()
        return response.json()

    return post


@pytest.fixture
def console(open_console):
    return open_console(OFFICER, 1, viewport=LAPTOP)


def inside_viewport(page, selector: str) -> list[str]:
    """The visible controls matching ``selector`` that fall outside the viewport."""
    size = page.viewport_size
    outside = []
    for control in page.locator(selector).all():
        if not control.is_visible():
            continue
        box = control.bounding_box()
        if (
            box["x"] < 0
            or box["y"] < 0
            or box["x"] + box["width"] > size["width"]
            or (box["y"] + box["height"] > size["height"])
        ):
            outside.append(f"{control.inner_text().strip()!r} at {box}")
    return outside


def test_next_asks_whether_the_called_citizen_came(console, api):
    first = api(f"offices/{WARD}/tickets", {"service": "ho-tich"})
    second = api(f"offices/{WARD}/tickets", {"service": "ho-tich"})
    panel = console.locator("#console-current")
    number = panel.locator(".console-current__number")

    console.keyboard.press("n")
    expect(number).to_have_text(first["number"])
    console.keyboard.press("n")  # never started: did the citizen come?
    question = panel.locator(".console-ask__question")
    expect(question).to_have_text(f"Công dân số {first['number']} có đến quầy không?")
    expect(number).to_have_text(first["number"])  # nothing called yet
    expect(panel.get_by_role("button", name="Gọi số tiếp theo")).to_have_count(0)

    console.keyboard.press("v")  # did not come
    expect(number).to_have_text(second["number"])
    absent = console.locator("#console-queue", has_text="Vắng mặt hôm nay")
    expect(absent).to_contain_text(first["number"], timeout=10_000)

    console.keyboard.press("n")
    expect(question).to_have_text(f"Công dân số {second['number']} có đến quầy không?")
    with console.expect_navigation():  # changed their mind: back, nothing closed
        console.keyboard.press("Escape")
    expect(panel.get_by_role("button", name="Gọi số tiếp theo")).to_be_visible()
    expect(number).to_have_text(second["number"])
    console.keyboard.press("n")
    panel.get_by_role("button", name="Đã phục vụ").click()
    expect(number).to_have_text("—")
    expect(console.locator("#console-queue .stat").first).to_contain_text("1")


def test_the_main_actions_fit_a_1366x768_screen(console, api, screenshot):
    api(f"offices/{WARD}/tickets", {"service": "ho-tich"})
    for _ in range(8):
        api(f"offices/{WARD}/tickets", {"service": "ho-tich", "priority_reason": "elderly"})
    console.keyboard.press("n")
    expect(console.locator("#console-current .console-current__status")).to_have_text("Đã gọi")
    screenshot(console, "called", full_page=False)
    # Every control of the current ticket, and the first call buttons of the waiting list.
    actions = "#console-current .btn, #console-current select, #console-queue [data-key='1']"
    expect(console.locator(actions)).to_have_count(9)  # 4 actions, transfer (2), intake, next, 1
    assert inside_viewport(console, actions) == []
    assert console.evaluate("document.scrollingElement.scrollTop") == 0

    console.keyboard.press("n")
    expect(console.locator(".console-ask")).to_be_visible()
    assert inside_viewport(console, "#console-current .btn") == []
    screenshot(console, "asking", full_page=False)
    console.keyboard.press("h")
    expect(console.locator(".console-ask")).to_have_count(0)


def test_the_floor_follows_a_call_and_counts_time_on(
    new_context, live_server, login_page, api, screenshot
):
    api(f"offices/{WARD}/tickets", {"service": "ho-tich"})
    api(f"offices/{WARD}/tickets", {"service": "chung-thuc"})
    counters = new_context().request
    page = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    login_page(page, SUPERVISOR)
    page.goto(f"{live_server}/floor/{WARD}")
    page.wait_for_load_state("load")
    floor = page.locator("#floor")
    expect(floor).to_contain_text("Hàng chờ theo dịch vụ")
    longest = floor.locator(".floor__stats .stat").first.locator(".elapsed")
    before = longest.inner_text()
    page.wait_for_timeout(2200)
    assert longest.inner_text() != before  # counted on in the page, no request needed

    with page.expect_response(lambda r: "/live" in r.url) as poll:
        pass
    assert poll.value.status == 304
    floor.evaluate("node => { node.dataset.probe = 'kept'; }")  # a 304 leaves the floor alone
    with page.expect_response(lambda r: "/live" in r.url):
        pass
    expect(floor).to_have_attribute("data-probe", "kept")

    listing = counters.get(f"{live_server}/api/v1/offices/{WARD}/counters").json()
    counter_id = next(c["id"] for c in listing if c["number"] == 1)
    called = api(f"counters/{counter_id}/call-next", {})["ticket"]
    row = page.locator(".floor-counter", has_text="Quầy số 1")
    expect(row).to_contain_text(called["number"], timeout=10_000)
    expect(page.locator("#floor")).not_to_have_attribute("data-probe", "kept")
    screenshot(page, "floor", full_page=False)
