"""The console follows calls made on another device and leaves a choice in progress alone."""

import pytest
from playwright.sync_api import expect

# A ward no other browser test works in; its counter 1 serves ho-tich and chung-thuc.
WARD = "VY-DTA"
OFFICER = "vy-dta-officer"


@pytest.fixture
def console(open_console):
    """The officer's console, open in one browser."""
    return open_console(OFFICER, 1)


@pytest.fixture
def tablet(new_context, live_server, login_page):
    """The same officer on a second device, driving the counter through the JSON API."""
    context = new_context()
    login_page(context.new_page(), OFFICER)
    counters = context.request.get(f"{live_server}/api/v1/offices/{WARD}/counters").json()
    counter_id = next(c["id"] for c in counters if c["number"] == 1)

    class Tablet:
        @staticmethod
        def post(path: str, data=None) -> dict:
            response = context.request.post(f"{live_server}/api/v1/{path}", data=data)
            assert response.ok, response.text()
            return response.json()

        @staticmethod
        def issue_and_call() -> dict:
            Tablet.post(f"offices/{WARD}/tickets", {"service": "ho-tich"})
            return Tablet.post(f"counters/{counter_id}/call-next", {})["ticket"]

    return Tablet


def test_a_call_from_the_tablet_shows_on_the_console_without_a_click(console, tablet, screenshot):
    ticket = tablet.issue_and_call()
    number = console.locator("#console-current .console-current__number")
    expect(number).to_have_text(ticket["number"], timeout=10_000)
    expect(console.locator("#console-current .console-current__status")).to_have_text("Đã gọi")
    screenshot(console, "called-elsewhere")

    tablet.post(f"tickets/{ticket['id']}/finish")
    expect(number).to_have_text("—", timeout=10_000)
    expect(console.locator("#console-current .console-current__status")).to_have_text(
        "Chưa có công dân tại quầy"
    )


def test_the_poll_leaves_a_transfer_being_chosen_alone(console, tablet):
    ticket = tablet.issue_and_call()
    panel = console.locator("#console-current")
    expect(panel.locator(".console-current__number")).to_have_text(ticket["number"], timeout=10_000)
    choice = panel.locator("select[name=service]")
    choice.select_option("dat-dai")  # not the first service in the list
    panel.evaluate("node => { node.dataset.probe = 'untouched'; }")  # gone if the panel is replaced

    for _ in range(3):
        with console.expect_response(lambda r: "/counter/live" in r.url) as poll:
            pass
        assert "shown=" in poll.value.url
    expect(choice).to_have_value("dat-dai")
    expect(panel).to_have_attribute("data-probe", "untouched")

    # The polls were live all along: a recall from the tablet replaces the panel.
    tablet.post(f"tickets/{ticket['id']}/recall")
    recalls = panel.locator(".facts div", has_text="Đã gọi lại").locator("dd")
    expect(recalls).to_have_text("1", timeout=10_000)
    expect(panel).not_to_have_attribute("data-probe", "untouched")
    tablet.post(f"tickets/{ticket['id']}/finish")
