"""The kiosk outside office hours, in a real browser at 1080 x 1920."""

import datetime as dt
import re

from playwright.sync_api import expect

KIOSK = {"width": 1080, "height": 1920}
# The demo ward with real hours (queues.demo.HOURS_OFFICE); no other browser test uses it.
WARD = "VY-LB"
WEEKDAYS = {
    1: "thứ Hai",
    2: "thứ Ba",
    3: "thứ Tư",
    4: "thứ Năm",
    5: "thứ Sáu",
    6: "thứ Bảy",
    7: "Chủ nhật",
}


def _close_now_through_the_admin_page(page, live_server, login_page):
    """Give the ward one session on a weekday other than today, so it is closed right now."""
    login_page(page, "admin")
    page.goto(f"{live_server}/admin/services?office={WARD}")
    other = (dt.date.today().isoweekday() % 7) + 1
    page.check("input[name=mode][value=weekly]")
    for day in range(1, 8):
        for index in (1, 2):
            page.fill(f"input[name=d{day}s{index}_opens]", "")
            page.fill(f"input[name=d{day}s{index}_closes]", "")
    page.fill(f"input[name=d{other}s1_opens]", "07:30")
    page.fill(f"input[name=d{other}s1_closes]", "11:30")
    page.get_by_role("button", name="Lưu giờ làm việc").click()
    expect(page.get_by_text("Đã lưu giờ làm việc")).to_be_visible()


def test_the_kiosk_shows_when_the_office_opens_next_outside_hours(
    new_context, live_server, login_page, screenshot
):
    page = new_context(viewport=KIOSK).new_page()
    hours = page.request.get(f"{live_server}/api/v1/offices/{WARD}/hours").json()
    if hours["open_now"]:
        _close_now_through_the_admin_page(page, live_server, login_page)
        page.context.clear_cookies()
        hours = page.request.get(f"{live_server}/api/v1/offices/{WARD}/hours").json()
    assert hours["open_now"] is False
    opens = dt.datetime.fromisoformat(hours["next_open_at"])
    expected = (
        f"Bộ phận một cửa mở cửa lại lúc {opens:%H:%M} "
        f"{WEEKDAYS[opens.isoweekday()]}, {opens:%d/%m/%Y}"
    )

    page.goto(f"{live_server}/kiosk/{WARD}")
    closed = page.locator("#kiosk-screen [data-closed]")
    expect(closed).to_be_visible()
    expect(closed.locator("[data-next-open]")).to_have_text(expected)
    assert page.locator(".service-tile").count() == 0
    # The closed screen fills the screen between header and footer, its text large.
    box = closed.bounding_box()
    assert box["height"] > 1000 and box["width"] > 900
    size = page.eval_on_selector(
        "[data-next-open]", "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 36
    screenshot(page, "closed")

    # The same office refuses a ticket through the API, saying when it opens.
    refused = page.request.post(
        f"{live_server}/api/v1/offices/{WARD}/tickets", data={"service": "ho-tich"}
    )
    assert refused.status == 409
    error = refused.json()["error"]
    assert error["code"] == "office_closed"
    assert re.search(r"\d\d:\d\d thứ|Chủ nhật", error["message"])
