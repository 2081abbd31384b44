"""bench/province_load.py sends what the pages poll: it reads each poll's URL as htmx does.

If a template's polling element changes, the benchmark must follow it, not keep loading an
address no browser asks for any more.
"""

import importlib
import sys
from pathlib import Path

import pytest

from onestop.extensions import db
from queues import configure, devices, tickets
from queues.demo import WARD_SERVICES, add_queues
from queues.models import Counter
from tests.fixtures import HTMX

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("province_load")
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture
def office(app, make_office, make_user):
    office = make_office("VY-TS", "UBND phường Tích Sơn", "commune")
    add_queues(office, WARD_SERVICES, [(1, "Quầy 1", ["ho-tich", "chung-thuc"])])
    db.session.commit()
    counter = db.session.scalar(db.select(Counter))
    officer = make_user("vy-ts-officer", "officer", office)
    configure.sign_in(counter, officer)
    return {"office": office, "counter": counter, "officer": officer}


def test_the_board_console_and_phone_poll_the_urls_their_pages_name(
    bench, client, login, office, fixed_clock
):
    code = office["office"].code
    board = client.get(f"/board/{code}").get_data(as_text=True)
    assert bench.poll_url_in("board", board) == f"/board/{code}/live"

    ticket = tickets.issue(office["office"], "ho-tich").ticket
    phone = client.get(f"/t/{ticket.token}").get_data(as_text=True)
    assert bench.poll_url_in("phone", phone) == f"/t/{ticket.token}"

    login(office["officer"])
    console = client.get("/counter").get_data(as_text=True)
    url = bench.poll_url_in("console", console)
    assert url == "/counter/live?shown=none"  # nobody called yet at this counter
    assert client.get(url, headers=HTMX).status_code == 200


def test_the_tablet_polls_with_the_tag_of_its_last_answer(bench, client, office, fixed_clock):
    counter, officer = office["counter"], office["officer"]
    device, code = devices.create_pairing(office["office"], "counter_tablet", "Bảng 1", counter)
    device, secret = devices.pair(code)
    client.set_cookie(devices.COOKIE_NAME, devices.cookie_value(device, secret))
    page = client.get(f"/rate/counter/{counter.id}").get_data(as_text=True)
    url = bench.poll_url_in("tablet", page)
    tablet = {"kind": "tablet", "url": url, "etags": {}, "cookie": None}
    assert url == f"/rate/counter/{counter.id}/panel"

    tickets.issue(office["office"], "ho-tich")
    tickets.finish(tickets.call_next(counter, officer), officer)
    answer = client.get(url, headers=HTMX)
    headers = {name.lower(): value for name, value in answer.headers.items()}
    bench.take_answer(tablet, answer.status_code, headers, answer.get_data(as_text=True))
    assert tablet["url"] == url and tablet["etags"][url] == answer.headers["ETag"]
    again = client.get(url, headers={**HTMX, "If-None-Match": tablet["etags"][url]})
    assert again.status_code == 304
