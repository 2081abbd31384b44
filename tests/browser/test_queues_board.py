"""An officer calls in one browser; the board shows it and says it once; stale and catch-up."""

import re

import pytest
from playwright.sync_api import expect

OFFICE = (
    "VY-NQ"  # a ward the other browser tests leave alone; counter 2 serves chung-thuc and ho-tich
)
OFFICER = "vy-nq-officer"

# The stub records what the board would say (it is not the product): each sentence, and whether a
# sentence started while another was still being spoken.
SPEECH_STUB = """
window.__spoken = [];
window.__overlap = false;
(function () {
  var active = false;
  Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
    speak: function (utterance) {
      if (active) window.__overlap = true;
      active = true;
      window.__spoken.push(utterance.text);
      setTimeout(function () { active = false; if (utterance.onend) utterance.onend(); }, 300);
    },
    getVoices: function () { return [{lang: "vi-VN", name: "Stub tiếng Việt"}]; },
    cancel: function () {}
  }});
})();
"""


@pytest.fixture
def board(new_context, live_server):
    page = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.add_init_script(SPEECH_STUB)
    page.goto(f"{live_server}/board/{OFFICE}")
    expect(page.locator("#board-live")).to_be_visible()
    page.wait_for_load_state("load")
    return page


@pytest.fixture
def officer(open_console):
    return open_console(OFFICER, 2)


def issue(page, live_server, service="ho-tich") -> str:
    response = page.request.post(
        f"{live_server}/api/v1/offices/{OFFICE}/tickets", data={"service": service}
    )
    assert response.status == 201, response.text()
    return response.json()["number"]


def call_next(officer) -> str:
    """Press N at the console and return the number it called."""
    number = officer.locator(".console-current__number")
    before = number.inner_text()
    never_started = officer.locator("#console-current.console-current--called").count()
    officer.keyboard.press("n")
    if never_started:  # an earlier test's call: the console asks whether the citizen came
        expect(officer.locator(".console-ask")).to_be_visible()
        officer.keyboard.press("h")
    expect(number).not_to_have_text(before)
    expect(number).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
    return number.inner_text()


def spoken(page) -> list[str]:
    return page.evaluate("window.__spoken")


def test_a_call_shows_on_the_board_and_is_said_once(board, officer, live_server, screenshot):
    issue(officer, live_server)
    called = call_next(officer)
    sentence = f"Mời số {called} đến quầy số 2"

    tile = board.locator(".tile", has_text="Quầy 2")
    expect(tile.locator(".tile__number")).to_have_text(called)
    expect(board.locator(".call--latest .call__number")).to_have_text(called)
    board.wait_for_function("() => window.__spoken.length >= 1")
    board.wait_for_timeout(5000)  # more polls (304s) must not repeat it
    assert spoken(board) == [sentence]
    screenshot(officer, "console")
    screenshot(board, "board", full_page=False)

    officer.keyboard.press("r")  # a recall is announced again, once
    board.wait_for_function("() => window.__spoken.length >= 2")
    board.wait_for_timeout(3000)
    assert spoken(board) == [sentence, sentence]
    assert board.evaluate("window.__overlap") is False


def test_two_calls_close_together_are_said_one_after_the_other(board, officer, live_server):
    for _ in range(2):
        issue(officer, live_server)
    counters = {
        c["number"]: c["id"]
        for c in officer.request.get(f"{live_server}/api/v1/offices/{OFFICE}/counters").json()
    }
    first = officer.request.post(f"{live_server}/api/v1/counters/{counters[1]}/call-next").json()[
        "ticket"
    ]["number"]
    second = officer.request.post(f"{live_server}/api/v1/counters/{counters[2]}/call-next").json()[
        "ticket"
    ]["number"]
    board.wait_for_function("() => window.__spoken.length >= 2", timeout=20_000)
    assert spoken(board) == [f"Mời số {first} đến quầy số 1", f"Mời số {second} đến quầy số 2"]
    assert board.evaluate("window.__overlap") is False


def test_a_board_that_lost_the_network_says_so_and_catches_up(
    board, officer, live_server, screenshot
):
    board.route("**/board/*/live", lambda route: route.abort())
    expect(board.locator("#board-stale")).to_be_visible(timeout=15_000)
    issue(officer, live_server)
    called = call_next(officer)
    screenshot(board, "stale", full_page=False)
    board.unroute("**/board/*/live")
    expect(board.locator("#board-stale")).to_be_hidden(timeout=10_000)
    expect(board.locator(".tile", has_text="Quầy 2").locator(".tile__number")).to_have_text(called)
    board.wait_for_function("() => window.__spoken.length >= 1")
    assert spoken(board)[-1] == f"Mời số {called} đến quầy số 2"
