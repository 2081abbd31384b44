"""Polls answered 304 from versions: the console, the tablet, the phone page, the ticket API.

Each poll sends back the tag of what it shows; unchanged, the answer is a 304 that reads
neither the queue tables nor renders anything; a change it shows, another user, another
language or (where the screen changes with time) the end of its copy gives a fresh copy.
"""

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from feedback.ratings import rate_ticket
from onestop.extensions import db
from onestop.models import Office
from queues import board_watch, configure, devices, polls, store, tickets
from queues.demo import add_queues
from queues.models import BoardVersion, Counter, Service
from tests.conftest import sent_tag
from tests.fixtures import HTMX
from tests.fixtures.halls import pair_device

# Tables of the queue and what hangs on it: a 304 reads none of them.
QUEUE_TABLES = re.compile(
    r"\b(ticket|ticket_event|counter|service|counter_service|rating|device|daily_counter)\b"
)


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    ward = make_office(code="VY-LB", name="UBND phường Liên Bảo", level="commune", parent=office)
    services = [("dat-dai", "A", "Đất đai", 10), ("ho-tich", "B", "Hộ tịch", 10)]
    add_queues(
        office, services, [(1, "Quầy 1", ["dat-dai"]), (2, "Quầy 2", ["dat-dai", "ho-tich"])]
    )
    add_queues(ward, services, [(1, "Quầy 1", ["dat-dai"])])
    db.session.commit()
    counters = {(c.office.code, c.number): c for c in db.session.scalars(select(Counter))}
    return {
        "office": office,
        "ward": ward,
        "counters": counters,
        "clock": fixed_clock,
        "officer": make_user("officer1", "officer", office, full_name="Trần Thị Hoa"),
        "colleague": make_user("officer2", "officer", office),
        "supervisor": make_user("supervisor", "supervisor", office),
        "admin": make_user("admin", "admin", office),
    }


@pytest.fixture
def statements(app):
    """Every statement sent to the database while the test runs, by either engine."""
    sent = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement.lower())

    engines = {db.engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    yield sent
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)


def version(office) -> int:
    found = db.session.scalar(
        select(BoardVersion.version).where(BoardVersion.office_id == office.id)
    )
    db.session.rollback()
    return found or 0


def poll(client, url: str, tag: str, **headers):
    return client.get(url, headers={**HTMX, "If-None-Match": tag, **headers})


# --- the version and what bumps it ----------------------------------------------------------------


def test_the_version_of_a_scope(app, hall):
    office = hall["office"]
    counter = hall["counters"][("VY", 2)]
    services = sorted(service.id for service in counter.services)
    assert polls.version_of(str(office.id)) == str(version(office))
    store.bump_versions(office.id, services=services[:1], counters=[counter.id])
    db.session.commit()
    assert polls.version_of(str(office.id)) == str(version(office)) != "1"
    console = f"c{counter.id}.s{services[0]}.s{services[1]}"
    assert polls.version_of(console) == "2.2.1"  # each part's, in its order
    for nothing in ("999999", "s999999", f"c{counter.id}.s999999", "x", "", "c1." * 17 + "c1"):
        assert polls.version_of(nothing) is None
    hall["ward"].active = False
    db.session.commit()
    assert polls.version_of(str(hall["ward"].id)) is None


def test_a_tag_names_the_office_its_version_the_day_and_the_variant(app, hall):
    with app.test_request_context():
        assert polls.etag(3, 17, "ticket", "vi") == "3-17-2026-11-27-ticket-vi"
        until = dt.datetime(2026, 11, 27, 1, 16, tzinfo=dt.UTC)
        assert polls.lasting("3-17", until) == f"3-17-{int(until.timestamp())}"
        assert polls.lasting("3-17", None) == "3-17-0"  # lasts while the version does


def test_signing_in_elsewhere_changes_both_offices(hall):
    office, ward = hall["office"], hall["ward"]
    configure.sign_in(hall["counters"][("VY", 1)], hall["supervisor"])
    before = version(office), version(ward)
    configure.sign_in(hall["counters"][("VY-LB", 1)], hall["supervisor"])
    assert version(office) == before[0] + 1  # the counter left in the city office
    assert version(ward) == before[1] + 1


def test_pairing_and_revoking_a_tablet_change_its_office(hall):
    office = hall["office"]
    device, code = devices.create_pairing(
        office, "counter_tablet", "Máy quầy 1", hall["counters"][("VY", 1)]
    )
    before = version(office)
    devices.pair(code)
    assert version(office) == before + 1
    devices.revoke(device)
    assert version(office) == before + 2


def test_a_rating_changes_the_office(hall):
    counter = hall["counters"][("VY", 1)]
    tickets.issue(hall["office"], "dat-dai")
    done = tickets.finish(tickets.call_next(counter, hall["officer"]), hall["officer"])
    before = scoped_versions()
    rate_ticket(done, 2, channel="tablet")
    changed = scoped_versions()
    assert changed.pop(str(hall["office"].id)) == before.pop(str(hall["office"].id)) + 1
    assert changed.pop(f"s{done.service_id}") == before.pop(f"s{done.service_id}") + 1
    assert changed.pop(f"c{counter.id}") == before.pop(f"c{counter.id}") + 1
    assert changed == before  # the phones of other services, the other tablets: no change


def scoped_versions() -> dict[str, int]:
    """Every version, by the scope that tags name: "<office id>", "s<service id>", "c<id>"."""
    found = {}
    with db.session.no_autoflush:
        for scope in [str(office_id) for office_id in db.session.scalars(select(Office.id))] + [
            f"{prefix}{owner_id}"
            for _model, _key, owner, prefix in board_watch.SCOPED
            for owner_id in db.session.scalars(select(owner.id))
        ]:
            found[scope] = int(polls.version_of(scope))
    db.session.rollback()
    return found


def test_a_ticket_changes_its_service_and_counter_and_the_office_only(hall):
    office = hall["office"]
    counter = hall["counters"][("VY", 2)]
    issued = tickets.issue(office, "ho-tich").ticket
    service = f"s{issued.service_id}"
    before = scoped_versions()
    called = tickets.call_next(counter, hall["officer"])
    after = scoped_versions()
    assert called.id == issued.id
    assert {scope for scope in before if before[scope] != after[scope]} == {
        str(office.id),
        service,
        f"c{counter.id}",
    }


def test_a_change_to_the_office_changes_all_its_versions_and_no_others(hall):
    office, ward = hall["office"], hall["ward"]
    before = scoped_versions()
    configure.sign_in(hall["counters"][("VY", 1)], hall["officer"])
    after = scoped_versions()
    changed = {scope for scope in before if before[scope] != after[scope]}
    office_scopes = {str(office.id)} | {
        f"{prefix}{owner_id}"
        for _model, _key, owner, prefix in board_watch.SCOPED
        for owner_id in db.session.scalars(select(owner.id).where(owner.office_id == office.id))
    }
    assert changed == office_scopes and str(ward.id) not in changed


# --- the counter console --------------------------------------------------------------------------


@pytest.fixture
def console(client, login, hall):
    """officer1 at counter 1; returns the tag its queue's poll sends."""
    login(hall["officer"])
    client.post("/counter/sign-in", data={"counter": hall["counters"][("VY", 1)].id})
    return sent_tag(client.get("/counter").get_data(as_text=True))


def test_an_unchanged_console_poll_is_a_304_that_reads_no_queue_table(
    client, hall, console, statements
):
    statements.clear()
    response = poll(client, "/counter/live", console)
    assert response.status_code == 304 and response.get_data() == b""
    assert response.headers["ETag"] == console
    assert statements and not [s for s in statements if QUEUE_TABLES.search(s)]


def test_a_console_poll_shows_a_new_ticket_and_a_call_elsewhere(client, hall, console):
    tickets.issue(hall["office"], "dat-dai")
    fresh = poll(client, "/counter/live", console)
    assert fresh.status_code == 200 and "A001" in fresh.get_data(as_text=True)
    tag = sent_tag(fresh.get_data(as_text=True))
    assert fresh.headers["ETag"] == tag != console
    assert poll(client, "/counter/live", tag).status_code == 304

    # The colleague at counter 2 calls it: it leaves this console's list.
    tickets.call_next(hall["counters"][("VY", 2)], hall["colleague"])
    called = poll(client, "/counter/live", tag)
    assert called.status_code == 200 and "A001" not in called.get_data(as_text=True)


def test_a_console_keeps_its_copy_while_a_service_it_does_not_serve_moves(client, hall, console):
    tickets.issue(hall["office"], "ho-tich")  # counter 2's: not on counter 1's console
    assert poll(client, "/counter/live", console).status_code == 304
    tickets.issue(hall["office"], "dat-dai")
    fresh = poll(client, "/counter/live", console)
    assert fresh.status_code == 200 and "A001" in fresh.get_data(as_text=True)


def test_a_console_follows_its_counters_services(client, login, hall, console):
    counter = hall["counters"][("VY", 1)]
    services = db.session.scalars(select(Service.id).where(Service.office_id == counter.office_id))
    configure.save_counter(
        hall["office"],
        {"number": "1", "name": "Quầy 1", "services": list(services), "is_open": "1"},
        hall["admin"],
        counter,
    )
    widened = poll(client, "/counter/live", console)
    assert widened.status_code == 200
    tag = sent_tag(widened.get_data(as_text=True))
    tickets.issue(hall["office"], "ho-tich")  # now one of its services
    fresh = poll(client, "/counter/live", tag)
    assert fresh.status_code == 200 and "B001" in fresh.get_data(as_text=True)


def test_a_console_copy_is_the_users_in_their_language_for_a_minute(client, login, hall, console):
    # Waits are shown in whole minutes: a copy lasts a minute from its rendering.
    opened = dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC)  # the fixed clock
    hall["clock"](opened + dt.timedelta(seconds=59))
    assert poll(client, "/counter/live", console).status_code == 304
    hall["clock"](opened + dt.timedelta(seconds=60))
    later = poll(client, "/counter/live", console)
    assert later.status_code == 200
    tag = sent_tag(later.get_data(as_text=True))
    hall["clock"](opened + dt.timedelta(seconds=119))  # the new copy's minute runs from now
    assert poll(client, "/counter/live", tag).status_code == 304

    client.post("/lang/en")
    english = poll(client, "/counter/live", tag)
    assert english.status_code == 200 and "Waiting list" in english.get_data(as_text=True)
    client.post("/lang/vi")

    login(hall["colleague"])
    client.post("/counter/sign-in", data={"counter": hall["counters"][("VY", 2)].id})
    other = poll(client, "/counter/live", tag)
    assert other.status_code == 200


def test_a_console_logged_out_gets_no_304_but_the_login(client, hall, console):
    client.post("/logout")
    response = poll(client, "/counter/live", console)
    assert response.status_code == 204 and "/login" in response.headers["HX-Redirect"]


def test_the_floors_304_is_the_supervisors(client, login, hall, statements):
    login(hall["supervisor"])
    tag = sent_tag(client.get("/floor/VY").get_data(as_text=True))
    statements.clear()
    assert poll(client, "/floor/VY/live", tag).status_code == 304
    assert statements and not [s for s in statements if QUEUE_TABLES.search(s)]
    assert not [s for s in statements if "user_account" in s]  # the signed session names them
    login(hall["officer"])
    assert poll(client, "/floor/VY/live", tag).status_code == 403


def test_a_console_signed_out_elsewhere_is_told_at_its_next_poll(client, hall, console):
    configure.leave_counters(hall["officer"])
    response = poll(client, "/counter/live", console)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/counter"


# --- the counter tablet ---------------------------------------------------------------------------


@pytest.fixture
def tablet(client, hall):
    """The tablet of counter 1, paired; returns its panel's URL and the tag its poll sends."""
    counter = hall["counters"][("VY", 1)]
    pair_device(client, hall["office"], "counter_tablet", counter)
    page = client.get(f"/rate/counter/{counter.id}").get_data(as_text=True)
    return f"/rate/counter/{counter.id}/panel", sent_tag(page)


def test_an_unchanged_tablet_poll_is_a_304_that_reads_no_queue_table(client, tablet, statements):
    url, tag = tablet
    statements.clear()
    response = poll(client, url, tag)
    assert response.status_code == 304 and response.get_data() == b""
    assert statements and not [s for s in statements if QUEUE_TABLES.search(s)]


def test_the_tablet_asks_after_a_finish_and_stops_after_the_rating(client, hall, tablet):
    url, tag = tablet
    counter = hall["counters"][("VY", 1)]
    configure.sign_in(counter, hall["officer"])
    signed_in = poll(client, url, tag)
    assert "Trần Thị Hoa" in signed_in.get_data(as_text=True)  # the officer's name, at once
    tag = sent_tag(signed_in.get_data(as_text=True))

    tickets.issue(hall["office"], "dat-dai")
    done = tickets.finish(tickets.call_next(counter, hall["officer"]), hall["officer"])
    asking = poll(client, url, tag)
    assert asking.status_code == 200 and "A001" in asking.get_data(as_text=True)
    tag = sent_tag(asking.get_data(as_text=True))
    assert poll(client, url, tag).status_code == 304

    rate_ticket(done, 1, channel="phone")  # rated on the phone: the tablet stops asking
    idle = poll(client, url, tag)
    assert idle.status_code == 200 and "Xin kính chào ông/bà!" in idle.get_data(as_text=True)


def test_a_tablet_keeps_its_copy_while_another_counter_serves(client, hall, tablet):
    url, tag = tablet
    colleague = hall["counters"][("VY", 2)]
    tickets.issue(hall["office"], "dat-dai")
    tickets.finish(tickets.call_next(colleague, hall["colleague"]), hall["colleague"])
    assert poll(client, url, tag).status_code == 304
    tickets.issue(hall["office"], "dat-dai")
    tickets.call_next(hall["counters"][("VY", 1)], hall["officer"])
    assert poll(client, url, tag).status_code == 200


def test_the_tablets_question_ends_with_its_window(client, hall, tablet):
    url, _tag = tablet
    counter = hall["counters"][("VY", 1)]
    tickets.issue(hall["office"], "dat-dai")
    tickets.finish(tickets.call_next(counter, hall["officer"]), hall["officer"])  # at 01:15
    asking = poll(client, url, '"none"')
    tag = sent_tag(asking.get_data(as_text=True))
    hall["clock"](dt.datetime(2026, 11, 27, 1, 19, 59, tzinfo=dt.UTC))
    assert poll(client, url, tag).status_code == 304  # five minutes to rate it
    hall["clock"](dt.datetime(2026, 11, 27, 1, 20, 1, tzinfo=dt.UTC))
    idle = poll(client, url, tag)
    assert idle.status_code == 200 and "A001" not in idle.get_data(as_text=True)
    idle_tag = sent_tag(idle.get_data(as_text=True))
    hall["clock"](dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC))
    assert poll(client, url, idle_tag).status_code == 304  # its greeting lasts as it is


def test_a_copy_past_its_time_or_with_a_made_up_end_is_rendered_anew(client, hall, tablet):
    url, tag = tablet  # the greeting: "...-0", it lasts while its version does
    copy = tag.strip('"').rpartition("-")[0]
    for made_up in (f'"{copy}"', f'"{copy}-x"', f'"{copy}-"', f'"{copy}-1764200000"'):
        assert poll(client, url, made_up).status_code == 200  # the last one ended in 2025


def test_a_tablet_copy_is_in_its_language(client, tablet):
    url, tag = tablet
    client.post("/lang/en")
    assert poll(client, url, tag).status_code == 200


# --- the citizen's phone page and the ticket API --------------------------------------------------


@pytest.fixture
def phone(client, hall):
    """A waiting ticket's phone page: its URL and the tag its poll sends."""
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    url = f"/t/{ticket.token}"
    return url, sent_tag(client.get(url).get_data(as_text=True))


def test_an_unchanged_phone_poll_is_a_304_that_reads_no_queue_table(client, phone, statements):
    url, tag = phone
    statements.clear()
    response = poll(client, url, tag)
    assert response.status_code == 304 and response.get_data() == b""
    assert statements and not [s for s in statements if QUEUE_TABLES.search(s)]


def test_the_phone_page_shows_the_call_and_the_people_ahead(client, hall, phone):
    url, tag = phone
    later = tickets.issue(hall["office"], "dat-dai").ticket
    later_url = f"/t/{later.token}"
    later_tag = sent_tag(client.get(later_url).get_data(as_text=True))
    assert (
        poll(client, url, later_tag).status_code == 304
    )  # a tag is the office's, not the ticket's
    configure.sign_in(hall["counters"][("VY", 2)], hall["officer"])
    tickets.call_next(hall["counters"][("VY", 2)], hall["officer"])
    called = poll(client, url, tag)
    assert called.status_code == 200 and "Mời đến quầy 2" in called.get_data(as_text=True)
    ahead = poll(client, later_url, later_tag).get_data(as_text=True)
    assert "Ông/bà là người tiếp theo" in ahead


def test_a_phone_keeps_its_copy_while_another_service_moves(client, hall, phone):
    url, tag = phone
    other = tickets.issue(hall["office"], "ho-tich").ticket
    colleague = hall["counters"][("VY", 2)]
    tickets.finish(tickets.call_ticket(other, colleague, hall["colleague"]), hall["colleague"])
    assert poll(client, url, tag).status_code == 304
    tickets.call_next(hall["counters"][("VY", 1)], hall["officer"])  # its own service's call
    called = poll(client, url, tag)
    assert called.status_code == 200 and "Mời đến quầy 1" in called.get_data(as_text=True)


def test_a_transferred_tickets_phone_follows_it_to_its_new_service(client, hall, phone):
    url, tag = phone
    ticket = tickets.ticket_by_token(url.rpartition("/")[2])
    tickets.issue(hall["office"], "ho-tich")
    moved = tickets.transfer(ticket, "ho-tich", hall["supervisor"])
    transferred = poll(client, url, tag)
    assert transferred.status_code == 200 and "Hộ tịch" in transferred.get_data(as_text=True)
    tag = sent_tag(transferred.get_data(as_text=True))
    assert tag.startswith(f'"s{moved.service_id}-')
    tickets.call_next(hall["counters"][("VY", 2)], hall["colleague"])  # a call of its new service
    called = poll(client, url, tag)
    assert called.status_code == 200 and "Mời đến quầy 2" in called.get_data(as_text=True)


def test_a_phone_copy_keeps_its_minutes_but_not_its_day_nor_language(client, hall, phone):
    url, tag = phone
    hall["clock"](dt.datetime(2026, 11, 27, 1, 45, tzinfo=dt.UTC))  # nothing on it counts by itself
    assert poll(client, url, tag).status_code == 304
    client.post("/lang/en")
    assert poll(client, url, tag).status_code == 200
    client.post("/lang/vi")
    hall["clock"](dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC))
    closed = poll(client, url, tag)  # the day's end closed it as not served
    assert closed.status_code == 200 and "Chưa được phục vụ" in closed.get_data(as_text=True)


def test_a_made_up_tag_gets_the_page(client, phone):
    url, _tag = phone
    for made_up in ('"999999-1-2026-11-27-ticket-vi"', '"x"', '"99999999999-1"'):
        assert poll(client, url, made_up).status_code == 200


def test_the_ticket_api_answers_304_while_unchanged(client, hall, statements):
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    first = client.get(f"/api/v1/tickets/{ticket.token}")
    assert first.json["status"] == "waiting" and first.headers["Cache-Control"] == "no-cache"
    statements.clear()
    again = client.get(
        f"/api/v1/tickets/{ticket.token}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert not [s for s in statements if QUEUE_TABLES.search(s)]
    configure.sign_in(hall["counters"][("VY", 1)], hall["officer"])
    tickets.call_next(hall["counters"][("VY", 1)], hall["officer"])
    called = client.get(
        f"/api/v1/tickets/{ticket.token}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert called.status_code == 200 and called.json["status"] == "called"
    assert called.json["counter"] == 1
