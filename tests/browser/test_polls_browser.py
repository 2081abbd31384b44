"""Polls in a real browser: a 304 leaves the screen untouched, a change still shows."""

import pytest
from playwright.sync_api import expect

# A ward no other browser test works in.
WARD = "VY-TS"
OFFICER = "vy-ts-officer"


@pytest.fixture
def hall(new_context, live_server):
    """Another device driving the ward's queue through the JSON API, as a kiosk and a counter."""
    context = new_context()
    counters = context.request.get(f"{live_server}/api/v1/offices/{WARD}/counters").json()
    first = next(c for c in counters if c["number"] == 1)

    class Hall:
        @staticmethod
        def issue() -> dict:
            response = context.request.post(
                f"{live_server}/api/v1/offices/{WARD}/tickets",
                data={"service": first["services"][0]},
            )
            assert response.ok, response.text()
            return response.json()

    return Hall


def polls_answered(page, path: str, count: int) -> list[int]:
    """The statuses of the page's next ``count`` polls of ``path``."""
    statuses = []
    for _ in range(count):
        with page.expect_response(lambda r: path in r.url, timeout=10_000) as answer:
            pass
        statuses.append(answer.value.status)
    return statuses


def test_the_console_keeps_its_list_on_304s_and_shows_a_new_ticket(open_console, hall, screenshot):
    console = open_console(OFFICER, 1)
    queue = console.locator("#console-queue")
    queue.evaluate("node => { node.dataset.probe = 'untouched'; }")  # gone if it is replaced
    assert polls_answered(console, "/counter/live", 2) == [304, 304]
    expect(queue).to_have_attribute("data-probe", "untouched")

    ticket = hall.issue()
    expect(queue.locator(".queue-number", has_text=ticket["number"])).to_be_visible(timeout=10_000)
    expect(queue).not_to_have_attribute("data-probe", "untouched")
    # The new copy's tag is sent from then on: unchanged again, it stays as it is.
    queue.evaluate("node => { node.dataset.probe = 'untouched'; }")
    assert polls_answered(console, "/counter/live", 2) == [304, 304]
    expect(queue).to_have_attribute("data-probe", "untouched")
    screenshot(console, "console-after-304s")


def test_the_phone_page_keeps_its_card_on_304s_and_shows_the_call(
    new_context, live_server, login_page, hall, screenshot
):
    ticket = hall.issue()
    phone = new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{live_server}/t/{ticket['token']}")
    card = phone.locator("#ticket-status")
    expect(card).to_have_attribute("data-status", "waiting")
    phone.wait_for_load_state("load")
    card.evaluate("node => { node.dataset.probe = 'untouched'; }")
    assert polls_answered(phone, f"/t/{ticket['token']}", 1) == [304]
    expect(card).to_have_attribute("data-probe", "untouched")
    expect(card.locator(".ticket-status__number")).to_have_text(ticket["number"])

    officer = new_context().new_page()
    login_page(officer, OFFICER)
    counters = officer.request.get(f"{live_server}/api/v1/offices/{WARD}/counters").json()
    counter_id = next(c["id"] for c in counters if c["number"] == 1)
    for _ in range(5):  # tickets other tests left waiting are called first
        called = officer.request.post(f"{live_server}/api/v1/counters/{counter_id}/call-next")
        assert called.ok, called.text()
        if called.json()["ticket"]["number"] == ticket["number"]:
            break
    expect(card).to_have_attribute("data-status", "called", timeout=15_000)
    expect(card).to_contain_text("Mời đến quầy 1")
    screenshot(phone, "phone-called")
