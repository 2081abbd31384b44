"""An officer calls in one browser; the board shows it and says it once; stale and catch-up."""

import re

import pytest
from playwright.sync_api import expect

OFFICE = (
    "VY-NQ"  # a ward the other browser tests leave alone; counter 2 serves chung-thuc and ho-tich
)
OFFICER = "vy-nq-officer"

# The stubs record what the board plays (they are not the product): each spoken file in order,
# its end, and whether one started while another was still playing. The sound card is a stub
# too, "running" as under Chromium's --autoplay-policy=no-user-gesture-required unless a test
# sets window.__audioState to "suspended" (a browser that waits for a click).
AUDIO_STUB = """
window.__played = [];
window.__log = [];
window.__overlap = false;
(function () {
  var active = 0;
  function node() {
    return {connect: function (next) { return next; }, start: function () {}, stop: function () {},
            frequency: {value: 0},
            gain: {setValueAtTime: function () {}, exponentialRampToValueAtTime: function () {}}};
  }
  function FakeContext() {
    this.state = window.__audioState || "running";
    this.currentTime = 0;
    this.destination = {};
  }
  FakeContext.prototype.resume = function () { this.state = "running"; return Promise.resolve(); };
  FakeContext.prototype.createOscillator = node;
  FakeContext.prototype.createGain = node;
  window.AudioContext = FakeContext;

  function FakeAudio(src) { this.src = src; this.listeners = {}; }
  FakeAudio.prototype.addEventListener = function (name, listener) {
    (this.listeners[name] = this.listeners[name] || []).push(listener);
  };
  FakeAudio.prototype.play = function () {
    var self = this;
    var path = new URL(self.src, location.href).pathname;
    if (active) window.__overlap = true;
    active += 1;
    window.__played.push(path);
    window.__log.push("play " + path);
    setTimeout(function () {
      active -= 1;
      window.__log.push("end " + path);
      (self.listeners.ended || []).forEach(function (listener) { listener(); });
    }, 400);
    return Promise.resolve();
  };
  window.Audio = FakeAudio;
})();
"""


def speech_of(number: str, counter: int) -> str:
    return f"/board/{OFFICE}/speech/{number}-{counter}.wav"


def open_board(new_context, live_server, audio_state="running"):
    page = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.add_init_script(f"window.__audioState = {audio_state!r};" + AUDIO_STUB)
    page.goto(f"{live_server}/board/{OFFICE}")
    expect(page.locator("#board-live")).to_be_visible()
    page.wait_for_load_state("load")
    return page


@pytest.fixture
def board(new_context, live_server):
    return open_board(new_context, live_server)


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
    return page.evaluate("window.__played")


def test_a_call_shows_on_the_board_and_is_said_once(board, officer, live_server, screenshot):
    issue(officer, live_server)
    called = call_next(officer)
    sentence = speech_of(called, 2)

    tile = board.locator(".tile", has_text="Quầy 2")
    expect(tile.locator(".tile__number")).to_have_text(called)
    expect(board.locator(".call--latest .call__number")).to_have_text(called)
    board.wait_for_function("() => window.__played.length >= 1")
    board.wait_for_timeout(5000)  # more polls (304s) must not repeat it
    assert spoken(board) == [sentence]
    screenshot(officer, "console")
    screenshot(board, "board", full_page=False)

    officer.keyboard.press("r")  # a recall is announced again, once
    board.wait_for_function("() => window.__played.length >= 2")
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
    board.wait_for_function("() => window.__played.length >= 2", timeout=20_000)
    board.wait_for_function("() => window.__log.length >= 4", timeout=20_000)
    # One after the other: the second starts only once the first has ended.
    assert board.evaluate("window.__log") == [
        f"play {speech_of(first, 1)}",
        f"end {speech_of(first, 1)}",
        f"play {speech_of(second, 2)}",
        f"end {speech_of(second, 2)}",
    ]
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
    board.wait_for_function("() => window.__played.length >= 1")
    assert spoken(board)[-1] == speech_of(called, 2)


def tile(page, counter: int):
    return page.locator(".tile", has_text=f"Quầy {counter}")


def test_a_counter_is_ready_only_while_someone_is_signed_in(board, open_console):
    third = tile(board, 3)
    expect(third.locator(".tile__service")).to_have_text("Tạm nghỉ")
    expect(third).to_have_class(re.compile(r"\btile--closed\b"))
    console = open_console("vy-nq-supervisor", 3)
    expect(third.locator(".tile__service")).to_have_text("Sẵn sàng")
    expect(third).to_have_class(re.compile(r"\btile--idle\b"))
    assert float(third.evaluate("e => getComputedStyle(e).opacity")) == 1
    console.locator("form[action$='/counter/sign-out'] button").click()
    expect(third.locator(".tile__service")).to_have_text("Tạm nghỉ")
    assert float(third.evaluate("e => getComputedStyle(e).opacity")) < 0.5  # dimmed


def test_the_newest_call_fills_the_board_then_the_counters_return(
    board, officer, live_server, screenshot
):
    issue(officer, live_server)
    called = call_next(officer)
    hero = board.locator("#board-hero")
    expect(hero).to_be_visible()
    expect(hero.locator(".hero__number")).to_have_text(called)
    expect(hero.locator(".hero__counter")).to_have_text("Quầy 2")
    # Read from across the hall: at least 200 px on the 1920x1080 TV.
    size = hero.locator(".hero__number").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 200, size
    board.wait_for_timeout(600)  # its entrance animation
    screenshot(board, "hero", full_page=False)
    # About 12 s after the call the board shows the counters again, even though every poll
    # since has answered "nothing changed".
    expect(hero).to_be_hidden(timeout=15_000)
    expect(tile(board, 2).locator(".tile__number")).to_have_text(called)
    screenshot(board, "after", full_page=False)
    tile_size = (
        tile(board, 2)
        .locator(".tile__number")
        .evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    )
    list_size = board.locator(".call--latest .call__number").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert tile_size >= 90 and list_size >= 75, (tile_size, list_size)


def test_a_board_without_sound_asks_staff_for_a_click_then_says_the_call(
    new_context, officer, live_server
):
    board = open_board(new_context, live_server, audio_state="suspended")
    notice = board.locator("#board-sound")
    expect(notice).to_be_visible()
    expect(notice).to_have_text("Bấm vào màn hình để bật âm thanh")
    issue(officer, live_server)
    called = call_next(officer)
    expect(tile(board, 2).locator(".tile__number")).to_have_text(called)
    board.wait_for_timeout(2500)
    assert spoken(board) == []  # held, not lost
    board.mouse.click(960, 540)
    expect(notice).to_be_hidden()
    board.wait_for_function("() => window.__played.length >= 1")
    assert spoken(board) == [speech_of(called, 2)]


def test_every_service_name_on_the_board_is_shown_whole(new_context, live_server, screenshot):
    # The city office: seven services, some with long names.
    board = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{live_server}/board/VY")
    names = board.locator(".wait__name")
    expect(names.filter(has_text="Tài nguyên – Môi trường")).to_be_visible()
    clipped = names.evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
    )
    assert clipped == []
    # Wrapped names still leave the whole waiting list on the 1080p screen.
    bottom = board.locator(".board__waiting").evaluate("e => e.getBoundingClientRect().bottom")
    assert bottom <= 1080
    screenshot(board, "board-service-names", full_page=False)
