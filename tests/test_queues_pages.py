"""The counter console, the display board and the admin of services and counters, over HTTP."""

import datetime as dt
import itertools
import re

import pytest
from sqlalchemy import select

from onestop.exceptions import Conflict, ValidationError
from onestop.extensions import db
from queues import configure, floor, tickets
from queues.demo import add_queues
from queues.models import Counter, Service, Ticket, TicketEvent
from queues.views import console_signature

HTMX = {"HX-Request": "true"}
SERVICES = [("dat-dai", "A", "Đất đai", 10), ("ho-tich", "B", "Tư pháp – Hộ tịch", 6)]


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    ward = make_office(code="VY-LB", name="UBND phường Liên Bảo", level="commune", parent=office)
    add_queues(
        office, SERVICES, [(1, "Quầy Đất đai", ["dat-dai"]), (2, "Quầy Hộ tịch", ["ho-tich"])]
    )
    add_queues(ward, SERVICES, [(1, "Quầy 1", ["dat-dai", "ho-tich"])])
    db.session.commit()
    counters = {(c.office.code, c.number): c for c in db.session.scalars(select(Counter))}
    return {
        "office": office,
        "ward": ward,
        "counters": counters,
        "clock": fixed_clock,
        "officer": make_user("officer1", "officer", office),
        "stranger": make_user("vy-lb-officer", "officer", ward),
        "admin": make_user("admin", "admin", office),
    }


@pytest.fixture
def at_counter(client, login, hall):
    """officer1 logged in and signed in at counter 1 (Đất đai)."""
    login(hall["officer"])
    response = client.post("/counter/sign-in", data={"counter": hall["counters"][("VY", 1)].id})
    assert response.status_code == 303
    return hall["counters"][("VY", 1)]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True)).strip()


def test_console_needs_a_login(client, hall):
    response = client.get("/counter")
    assert response.status_code == 302 and "/login" in response.location


def test_an_officer_first_picks_a_counter_of_their_office(client, login, hall):
    login(hall["officer"])
    page = text(client.get("/counter"))
    assert "Chọn quầy làm việc" in page and "Quầy Đất đai" in page and "Quầy Hộ tịch" in page
    assert f'name="counter" value="{hall["counters"][("VY", 1)].id}"' in page
    assert (
        f'name="counter" value="{hall["counters"][("VY-LB", 1)].id}"' not in page
    )  # not the ward's
    refused = client.post("/counter/sign-in", data={"counter": hall["counters"][("VY-LB", 1)].id})
    assert refused.status_code == 403


def test_console_shows_nobody_waits_then_the_waiting_list(client, at_counter, hall):
    page = text(client.get("/counter"))
    assert "Quầy số 1" in page and "Không có ai đang chờ." in page
    tickets.issue(hall["office"], "dat-dai")
    tickets.issue(hall["office"], "ho-tich")  # not served at counter 1
    live = text(client.get("/counter/live", headers=HTMX))
    assert live.startswith('<section id="console-queue"') and "A001" in live and "B001" not in live
    assert 'hx-trigger="every 3s"' in live


def test_call_next_by_htmx_returns_the_current_ticket_and_refreshes_the_list(
    client, at_counter, hall
):
    tickets.issue(hall["office"], "dat-dai")
    tickets.issue(hall["office"], "dat-dai")
    response = client.post("/counter/call-next", headers=HTMX)
    body = text(response)
    assert response.status_code == 200
    assert body.startswith('<section id="console-current"') and "A001" in body
    assert 'id="console-queue"' in body and 'hx-swap-oob="true"' in body
    assert 'data-key="n"' in body and 'data-key="r"' in body and 'data-key="h"' in body


def test_call_next_with_nobody_waiting_says_so(client, at_counter):
    body = text(client.post("/counter/call-next", headers=HTMX))
    assert "Không có ai đang chờ." in body


def test_buttons_work_without_javascript(client, at_counter, hall):
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    response = client.post("/counter/call-next")
    assert response.status_code == 303 and response.location.endswith("/counter")
    assert client.post(f"/counter/tickets/{ticket.id}/no-show").status_code == 303
    assert client.post(f"/counter/tickets/{ticket.id}/requeue").status_code == 303
    assert client.post(f"/counter/tickets/{ticket.id}/call").status_code == 303
    assert client.post(f"/counter/tickets/{ticket.id}/start").status_code == 303
    assert (
        client.post(
            f"/counter/tickets/{ticket.id}/transfer", data={"service": "ho-tich"}
        ).status_code
        == 303
    )
    moved = db.session.get(Ticket, ticket.id)
    assert (moved.status, moved.service.code) == ("waiting", "ho-tich")
    assert client.post(f"/counter/tickets/{ticket.id}/dance").status_code == 404


def test_a_wrong_state_is_a_409_fragment_for_htmx(client, at_counter, hall):
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    response = client.post(f"/counter/tickets/{ticket.id}/finish", headers=HTMX)
    assert response.status_code == 409
    assert "A001" in text(response) and "Đang chờ" in text(response)


def test_an_action_on_another_offices_ticket_is_403(client, login, hall):
    foreign = tickets.issue(hall["ward"], "dat-dai").ticket
    login(hall["officer"])
    client.post("/counter/sign-in", data={"counter": hall["counters"][("VY", 1)].id})
    assert client.post(f"/counter/tickets/{foreign.id}/call").status_code == 403
    assert db.session.get(Ticket, foreign.id).status == "waiting"


def test_waits_past_the_target_stand_out_and_todays_counts(client, at_counter, hall):
    first = tickets.issue(hall["office"], "dat-dai").ticket
    hall["clock"](dt.datetime(2026, 11, 27, 1, 30, tzinfo=dt.UTC))
    tickets.issue(hall["office"], "dat-dai")
    hall["clock"](
        dt.datetime(2026, 11, 27, 1, 40, tzinfo=dt.UTC)
    )  # A001 waited 25 min, A002 10 min
    live = text(client.get("/counter/live", headers=HTMX))
    assert re.search(r'<tr class="wait--over"> <td><strong class="queue-number">A001', live)
    assert re.search(r'<tr class=""> <td><strong class="queue-number">A002', live)
    client.post("/counter/call-next", headers=HTMX)
    served = {"outcome": "served", "ticket": first.id}
    client.post("/counter/call-next", data=served, headers=HTMX)  # finishes A001, calls A002
    stats = text(client.get("/counter/live", headers=HTMX))
    assert '<span class="stat__value">1</span><span class="stat__label">đã phục vụ hôm nay' in stats
    assert "17,5" in stats  # mean of 25 and 10 minutes, Vietnamese decimal comma
    assert "50%" in stats


def test_serving_ticket_links_to_dossier_intake(app, client, at_counter, hall):
    if "dossiers.new" not in app.view_functions:
        app.add_url_rule("/dossiers/new", "dossiers.new", lambda: "intake")
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    body = text(client.post("/counter/call-next", headers=HTMX))
    assert f'href="/dossiers/new?ticket={ticket.id}"' in body and "Tiếp nhận hồ sơ" in body


def test_sign_out_closes_the_counter(client, at_counter):
    assert client.post("/counter/sign-out").status_code == 303
    counter = db.session.get(Counter, at_counter.id)
    assert (counter.is_open, counter.officer_id) == (False, None)
    assert "Chọn quầy làm việc" in text(client.get("/counter"))


# --- board ---------------------------------------------------------------------------------------


def test_without_javascript_the_board_reloads_itself_every_5_seconds(client, hall):
    head = text(client.get("/board/VY")).split("</head>")[0]
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in head


def test_board_page_and_its_fragment_with_304(client, hall):
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    page = client.get("/board/vy")
    assert page.status_code == 200
    assert "UBND thành phố Vĩnh Yên" in text(page) and "board.js" in text(page)
    live = client.get("/board/VY/live")
    etag = live.headers["ETag"]
    assert live.status_code == 200 and text(live).startswith('<div id="board-live"')
    assert client.get("/board/VY/live", headers={"If-None-Match": etag}).status_code == 304
    tickets.call_next(hall["counters"][("VY", 1)], hall["officer"])
    fresh = client.get("/board/VY/live", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    body = text(fresh)
    assert "A001" in body and 'data-speech="/board/VY/speech/A001-1.wav"' in body
    call_ids = re.findall(r'data-call-id="(\d+)"', body)
    tickets.recall(ticket, hall["officer"])
    recalled = text(client.get("/board/VY/live"))
    assert (
        len(re.findall(r'data-call-id="(\d+)"', recalled)) == len(call_ids) + 1
    )  # a recall is a new call


def tiles(client) -> dict[str, str]:
    """Each counter's tile on the board: its classes and what it says."""
    body = text(client.get("/board/VY/live"))
    found = re.findall(
        r'<article class="tile ([^"]*)"> <p class="tile__counter">Quầy <strong>(\d+)</strong></p>'
        r' <p class="tile__number">[^<]*</p> <p class="tile__service"> ([^<]*?) </p>',
        body,
    )
    return {number: f"{classes}: {label}" for classes, number, label in found}


def test_the_board_says_ready_only_where_an_officer_is_signed_in(client, login, hall):
    # The demo's counters are open but nobody sits there: resting, not ready.
    assert tiles(client) == {"1": "tile--closed: Tạm nghỉ", "2": "tile--closed: Tạm nghỉ"}
    etag = client.get("/board/VY/live").headers["ETag"]
    login(hall["officer"])
    client.post("/counter/sign-in", data={"counter": hall["counters"][("VY", 2)].id})
    # Signing in changes the board's version: a board polling with the old ETag sees it.
    assert client.get("/board/VY/live", headers={"If-None-Match": etag}).status_code == 200
    assert tiles(client) == {"1": "tile--closed: Tạm nghỉ", "2": "tile--idle: Sẵn sàng"}
    etag = client.get("/board/VY/live").headers["ETag"]
    client.post("/counter/sign-out")
    assert client.get("/board/VY/live", headers={"If-None-Match": etag}).status_code == 200
    assert tiles(client) == {"1": "tile--closed: Tạm nghỉ", "2": "tile--closed: Tạm nghỉ"}


def test_logging_out_leaves_the_counter(client, at_counter):
    assert tiles(client)["1"] == "tile--idle: Sẵn sàng"
    etag = client.get("/board/VY/live").headers["ETag"]
    assert client.post("/logout").status_code == 303
    assert client.get("/board/VY/live", headers={"If-None-Match": etag}).status_code == 200
    assert tiles(client)["1"] == "tile--closed: Tạm nghỉ"
    counter = db.session.get(Counter, at_counter.id)
    assert (counter.is_open, counter.officer_id) == (False, None)


def test_the_newest_call_fills_the_board_for_a_few_seconds(client, at_counter, hall, app):
    assert 'id="board-hero"' not in text(client.get("/board/VY"))
    tickets.issue(hall["office"], "dat-dai")
    tickets.call_next(at_counter, hall["officer"])
    hall["clock"](dt.datetime(2026, 11, 27, 1, 15, 4, tzinfo=dt.UTC))  # 4 s later
    page = text(client.get("/board/VY"))
    hero = re.search(r'<section class="hero" id="board-hero" role="status" (.*?)</section>', page)
    assert hero is not None
    assert 'data-hero-left="8.0"' in hero[1]  # BOARD_HERO_SECONDS is 12: 8 s to go
    assert '<p class="hero__number">A001</p>' in hero[1] and "Quầy 1" in hero[1]
    hall["clock"](dt.datetime(2026, 11, 27, 1, 15, 12, tzinfo=dt.UTC))
    assert 'id="board-hero"' not in text(client.get("/board/VY/live"))
    assert "A001" in text(client.get("/board/VY/live"))  # still on its tile and in the list


def test_board_etag_depends_on_the_language_and_the_day(client, hall):
    etag = client.get("/board/VY/live").headers["ETag"]
    client.post("/lang/en")
    assert client.get("/board/VY/live", headers={"If-None-Match": etag}).status_code == 200
    client.post("/lang/vi")
    hall["clock"](dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC))
    assert client.get("/board/VY/live", headers={"If-None-Match": etag}).status_code == 200


def test_board_of_an_unknown_office_is_404(client, hall):
    assert client.get("/board/XX").status_code == 404
    assert client.get("/board/XX/live").status_code == 404


# --- admin ---------------------------------------------------------------------------------------


def test_admin_pages_are_for_admins(client, login, hall):
    login(hall["officer"])
    assert client.get("/admin/services").status_code == 403


def test_admin_lists_services_and_counters_of_an_office(client, login, hall):
    login(hall["admin"])
    page = text(client.get("/admin/services?office=VY-LB"))
    assert (
        "UBND phường Liên Bảo" in page
        and "Tư pháp – Hộ tịch" in page
        and 'id="counters-panel"' in page
    )


def test_admin_adds_a_service_with_errors_next_to_fields(client, login, hall):
    login(hall["admin"])
    bad = client.post(
        "/admin/services/new?office=VY",
        data={"letter": "A", "name": "", "code": "Đất đai"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    body = text(bad)
    assert body.startswith('<section class="card" id="services-panel"')
    assert "Chữ cái này đã dùng cho dịch vụ khác." in body and "Trường này là bắt buộc." in body
    assert "Mã gồm 1–20 chữ thường không dấu, số, gạch ngang." in body
    good = client.post(
        "/admin/services/new?office=VY",
        headers=HTMX,
        data={
            "letter": "c",
            "name": "Kinh doanh",
            "code": "kinh-doanh",
            "ordering": "3",
            "default_service_min": "9",
            "active": "1",
        },
    )
    assert good.status_code == 200 and "Kinh doanh" in text(good)
    service = db.session.scalar(select(Service).where(Service.code == "kinh-doanh"))
    assert (service.letter, service.office.code, service.default_service_min, service.active) == (
        "C",
        "VY",
        9,
        True,
    )


def test_admin_edits_a_service_in_place_and_closes_it(client, login, hall):
    login(hall["admin"])
    service = db.session.scalar(
        select(Service).where(Service.code == "ho-tich", Service.office_id == hall["office"].id)
    )
    form = client.get(f"/admin/services/{service.id}/edit", headers=HTMX)
    assert text(form).startswith(f'<tr id="service-{service.id}" class="row--editing"')
    saved = client.post(
        f"/admin/services/{service.id}",
        headers=HTMX,
        data={
            "letter": "B",
            "name": "Hộ tịch",
            "code": "ho-tich",
            "ordering": "1",
            "default_service_min": "6",
        },
    )
    assert saved.status_code == 200 and "Tạm ngừng" in text(saved)
    with pytest.raises(Exception) as closed:
        tickets.issue(hall["office"], "ho-tich")
    assert getattr(closed.value, "status", None) == 409


def test_a_letter_cannot_change_once_numbers_were_given_today(client, login, hall):
    tickets.issue(hall["office"], "dat-dai")
    login(hall["admin"])
    service = db.session.scalar(
        select(Service).where(Service.code == "dat-dai", Service.office_id == hall["office"].id)
    )
    response = client.post(
        f"/admin/services/{service.id}",
        headers=HTMX,
        data={"letter": "Z", "name": "Đất đai", "code": "dat-dai", "active": "1"},
    )
    assert response.status_code == 422 and "Đã phát số hôm nay" in text(response)
    assert db.session.get(Service, service.id).letter == "A"


def test_admin_adds_and_edits_counters(client, login, hall):
    login(hall["admin"])
    services = {
        s.code: s
        for s in db.session.scalars(select(Service).where(Service.office_id == hall["office"].id))
    }
    missing = client.post(
        "/admin/counters/new?office=VY", headers=HTMX, data={"number": "1", "name": "X"}
    )
    assert missing.status_code == 422
    assert "Số quầy này đã có ở đơn vị." in text(missing) and "Chọn ít nhất một dịch vụ" in text(
        missing
    )
    created = client.post(
        "/admin/counters/new?office=VY",
        headers=HTMX,
        data={
            "number": "3",
            "name": "Quầy tổng hợp",
            "is_open": "1",
            "services": [str(services["dat-dai"].id), str(services["ho-tich"].id)],
        },
    )
    assert created.status_code == 200
    counter = db.session.scalar(
        select(Counter).where(Counter.number == 3, Counter.office_id == hall["office"].id)
    )
    assert [s.code for s in counter.services] == ["dat-dai", "ho-tich"] and counter.is_open
    edited = client.post(
        f"/admin/counters/{counter.id}",
        headers=HTMX,
        data={"number": "3", "name": "Quầy 3", "services": [str(services["ho-tich"].id)]},
    )
    assert edited.status_code == 200 and text(edited).startswith(f'<tr id="counter-{counter.id}"')
    db.session.expire_all()
    assert [s.code for s in db.session.get(Counter, counter.id).services] == ["ho-tich"]
    foreign = db.session.scalar(select(Service).where(Service.office_id == hall["ward"].id))
    wrong = client.post(
        f"/admin/counters/{counter.id}",
        headers=HTMX,
        data={"number": "3", "services": [str(foreign.id)]},
    )
    assert wrong.status_code == 422


def shown(body: str) -> str:
    """The mark of what the current-ticket panel in ``body`` shows."""
    return re.search(r'<input type="hidden" name="shown" value="([^"]*)">', body).group(1)


def test_the_console_signature_moves_with_every_change_of_the_current_panel(hall):
    counter, officer = hall["counters"][("VY", 1)], hall["officer"]
    first = tickets.issue(hall["office"], "dat-dai").ticket
    tickets.issue(hall["office"], "dat-dai")

    def mark() -> str:
        db.session.expire_all()  # as a later poll sees it: read back from the database
        return console_signature(tickets.current_ticket(counter))

    marks = [mark()]
    tickets.call_next(counter, officer)
    marks.append(mark())
    assert mark() == marks[-1]  # unchanged while nothing happens
    tickets.no_show(db.session.get(Ticket, first.id), officer)
    marks.append(mark())
    hall["clock"](dt.datetime(2026, 11, 27, 1, 20, tzinfo=dt.UTC))
    # The citizen came back: the same ticket is called again.
    tickets.call_ticket(db.session.get(Ticket, first.id), counter, officer)
    marks.append(mark())
    tickets.recall(db.session.get(Ticket, first.id), officer)
    marks.append(mark())
    tickets.start(db.session.get(Ticket, first.id), officer)
    marks.append(mark())
    tickets.call_next(counter, officer)  # finishes A001, calls A002
    marks.append(mark())
    assert marks[0] == marks[2] == "none"
    assert all(before != after for before, after in itertools.pairwise(marks))
    assert marks[3] != marks[1]  # a poll may miss the no-show between the two calls of A001


def test_the_poll_resends_the_current_panel_only_when_its_ticket_moved(
    client, at_counter, hall, login
):
    first = tickets.issue(hall["office"], "dat-dai").ticket
    tickets.issue(hall["office"], "dat-dai")
    page = text(client.get("/counter"))
    assert 'hx-include="#console-current [name=shown]"' in page
    idle = shown(page)

    def poll(mark: str) -> str:
        body = text(client.get("/counter/live", headers=HTMX, query_string={"shown": mark}))
        assert body.startswith('<section id="console-queue"')
        return body

    # Nothing changed: the panel (and a transfer service being chosen in it) is left alone.
    assert 'id="console-current"' not in poll(idle)

    tickets.call_next(at_counter, hall["officer"])  # the officer's tablet, through the API
    moved = poll(idle)
    panel = moved[moved.index('<section id="console-current"') :]
    assert 'hx-swap-oob="true"' in panel.split(">", 1)[0]
    assert "A001" in panel and "Đã gọi" in panel and 'data-key="h"' in panel
    assert 'id="console-current"' not in poll(shown(panel))

    # The officer's own action already swapped the panel: the next poll does not send it again.
    served = {"outcome": "served", "ticket": first.id}
    own = text(client.post("/counter/call-next", data=served, headers=HTMX))
    assert "A002" in own and 'id="console-current"' not in poll(shown(own))

    hall["clock"](dt.datetime(2026, 11, 28, 1, 15, tzinfo=dt.UTC))  # the next morning
    login(hall["officer"])  # yesterday's session has ended
    rolled = poll(shown(own))
    assert 'id="console-current"' in rolled and "Chưa có công dân tại quầy" in rolled


def test_a_console_signed_out_elsewhere_goes_back_to_the_counter_picker(client, at_counter):
    client.post("/counter/sign-out")  # as from another tab
    response = client.get("/counter/live", headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/counter"
    assert client.get("/counter/live").headers["Location"].endswith("/counter")


# --- did the called citizen come? ----------------------------------------------------------------


def _status(ticket_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id).status


def test_a_called_ticket_is_closed_only_as_the_officer_answered(hall):
    counter, officer = hall["counters"][("VY", 1)], hall["officer"]
    first = tickets.issue(hall["office"], "dat-dai").ticket
    second = tickets.issue(hall["office"], "dat-dai").ticket
    tickets.call_next(counter, officer)
    assert tickets.awaiting_arrival(counter).id == first.id

    with pytest.raises(Conflict) as unanswered:
        tickets.settle_arrival(counter, officer, None)
    assert unanswered.value.code == "arrival_unknown" and "A001" in str(unanswered.value)
    with pytest.raises(Conflict):  # an answer about another ticket is no answer
        tickets.settle_arrival(counter, officer, "served", second.id)
    with pytest.raises(ValidationError):
        tickets.settle_arrival(counter, officer, "maybe", first.id)
    assert _status(first.id) == "called"

    tickets.settle_arrival(counter, officer, "no_show", first.id)
    assert _status(first.id) == "no_show"
    assert db.session.get(Ticket, first.id).finished_at is None
    tickets.call_next(counter, officer)
    tickets.settle_arrival(counter, officer, "served", second.id)
    assert _status(second.id) == "done"

    # A ticket being served needs no answer: the citizen is there.
    third = tickets.issue(hall["office"], "dat-dai").ticket
    tickets.start(tickets.call_next(counter, officer), officer)
    assert tickets.awaiting_arrival(counter) is None
    assert tickets.settle_arrival(counter, officer, None) is None
    assert _status(third.id) == "serving"


def test_next_on_a_called_ticket_asks_whether_the_citizen_came(client, at_counter, hall):
    first = tickets.issue(hall["office"], "dat-dai").ticket
    second = tickets.issue(hall["office"], "dat-dai").ticket
    client.post("/counter/call-next", headers=HTMX)

    asked = client.post("/counter/call-next", headers=HTMX)
    body = text(asked)
    assert asked.status_code == 200 and body.startswith('<section id="console-current"')
    assert "Công dân số A001 có đến quầy không?" in body
    assert 'name="outcome" value="served"' in body and 'name="outcome" value="no_show"' in body
    assert f'name="ticket" value="{first.id}"' in body
    assert 'data-key="h"' in body and 'data-key="v"' in body and 'data-key="n"' not in body
    assert _status(first.id) == "called" and _status(second.id) == "waiting"
    finished = select(TicketEvent).where(TicketEvent.kind == "finished")
    assert db.session.scalars(finished).first() is None

    answered = client.post(
        "/counter/call-next", data={"outcome": "no_show", "ticket": first.id}, headers=HTMX
    )
    assert "A002" in text(answered) and 'data-key="n"' in text(answered)
    assert (_status(first.id), _status(second.id)) == ("no_show", "called")


def test_the_question_works_without_javascript(client, at_counter, hall):
    first = tickets.issue(hall["office"], "dat-dai").ticket
    client.post("/counter/call-next")
    page = client.post("/counter/call-next")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    body = text(page)
    assert "Công dân số A001 có đến quầy không?" in body
    assert body.count('<form method="post" action="/counter/call-next"') == 2
    assert _status(first.id) == "called"
    done = client.post("/counter/call-next", data={"outcome": "served", "ticket": first.id})
    assert done.status_code == 303 and _status(first.id) == "done"


def test_calling_from_the_list_asks_too_and_a_stale_answer_asks_again(client, at_counter, hall):
    first = tickets.issue(hall["office"], "dat-dai").ticket
    second = tickets.issue(hall["office"], "dat-dai").ticket
    third = tickets.issue(hall["office"], "dat-dai").ticket
    client.post("/counter/call-next", headers=HTMX)  # A001
    url = f"/counter/tickets/{third.id}/call"
    body = text(client.post(url, headers=HTMX))
    assert "Công dân số A001 có đến quầy không?" in body and f'action="{url}"' in body
    assert _status(third.id) == "waiting"

    # Meanwhile the officer's tablet called A002 out of turn; an answer about A001 is stale.
    tickets.call_ticket(db.session.get(Ticket, second.id), at_counter, hall["officer"])
    again = text(client.post(url, data={"outcome": "served", "ticket": first.id}, headers=HTMX))
    assert "Công dân số A002 có đến quầy không?" in again
    assert _status(second.id) == "called" and _status(third.id) == "waiting"
    client.post(url, data={"outcome": "served", "ticket": second.id}, headers=HTMX)
    assert (_status(second.id), _status(third.id)) == ("done", "called")


def test_an_unknown_answer_is_refused_and_changes_nothing(client, at_counter, hall):
    first = tickets.issue(hall["office"], "dat-dai").ticket
    client.post("/counter/call-next", headers=HTMX)
    response = client.post(
        "/counter/call-next", data={"outcome": "gone", "ticket": first.id}, headers=HTMX
    )
    assert response.status_code == 422 and _status(first.id) == "called"


# --- the floor, for supervisors ------------------------------------------------------------------


def test_the_floor_state_gives_each_counter_and_queue_with_the_instants_they_began(hall):
    office, officer = hall["office"], hall["officer"]
    one, two = hall["counters"][("VY", 1)], hall["counters"][("VY", 2)]
    configure.sign_in(one, officer)
    start = hall["clock"]()
    first = tickets.issue(office, "dat-dai").ticket
    tickets.issue(office, "dat-dai")
    hall["clock"](start + dt.timedelta(minutes=5))
    moved = tickets.issue(office, "dat-dai").ticket
    hall["clock"](start + dt.timedelta(minutes=9))
    tickets.transfer(moved, "ho-tich", officer)  # waited 4 min in Đất đai, now in Hộ tịch
    tickets.call_next(one, officer)
    hall["clock"](start + dt.timedelta(minutes=12))
    tickets.start(db.session.get(Ticket, first.id), officer)

    state = floor.floor_state(office)
    by_number = {row.counter.number: row for row in state.counters}
    assert by_number[1].officer_name == officer.full_name
    assert by_number[1].ticket.id == first.id
    assert by_number[1].ticket_since == start + dt.timedelta(minutes=12)  # started, not called
    assert by_number[2].counter.id == two.id
    assert by_number[2].officer_name is None and by_number[2].ticket is None
    assert by_number[2].idle_since is None
    services = {row.service.code: row for row in state.services}
    assert services["dat-dai"].waiting == 1
    assert services["dat-dai"].longest_since == start  # A002 waits since the start
    assert services["ho-tich"].waiting == 1
    assert services["ho-tich"].longest_since == start + dt.timedelta(minutes=5)  # both segments
    assert state.longest_since == start and state.waiting == 2 and state.wait_target_min == 20
    assert state.served_today == 0

    hall["clock"](start + dt.timedelta(minutes=20))
    tickets.finish(db.session.get(Ticket, first.id), officer)
    again = {row.counter.number: row for row in floor.floor_state(office).counters}
    assert again[1].ticket is None and again[1].idle_since == start + dt.timedelta(minutes=20)
    assert floor.floor_state(office).served_today == 1


@pytest.fixture
def supervisors(make_user, hall):
    return {
        "city": make_user("vy-supervisor", "supervisor", hall["office"], full_name="Đỗ Minh Tuấn"),
        "ward": make_user("lb-supervisor", "supervisor", hall["ward"], full_name="Lê Thị Hoa"),
    }


def test_the_floor_page_shows_counters_queues_and_waits_past_the_target(
    client, login, hall, supervisors
):
    office, officer = hall["office"], hall["officer"]
    configure.sign_in(hall["counters"][("VY", 1)], officer)
    start = hall["clock"]()
    tickets.issue(office, "dat-dai")
    tickets.issue(office, "dat-dai")
    tickets.issue(office, "ho-tich")
    hall["clock"](start + dt.timedelta(minutes=3))
    tickets.call_next(hall["counters"][("VY", 1)], officer)
    hall["clock"](start + dt.timedelta(minutes=25))  # A002 and B001 waited 25 min: past 20

    login(supervisors["city"])
    page = text(client.get("/floor/VY"))
    assert "Giám sát quầy" in page and office.name in page
    assert "Quầy số 1" in page and officer.full_name in page
    assert "A001</strong> Đã gọi từ 08:18" in page
    assert 'data-since="2026-11-27T01:18:00+00:00">22:00</span>' in page
    assert "Quầy số 2" in page and "Chưa có cán bộ đăng nhập" in page
    assert '<span class="stat__value"><span class="elapsed elapsed--over"' in page
    assert 'từ 08:15 · <span class="elapsed elapsed--over"' in page and ">25:00<" in page
    assert "mục tiêu 20 phút" in page and 'hx-trigger="every 5s"' in page
    assert "1/2" in page  # counters staffed
    # A staff page: the officer's name is fine here, the citizens' tickets carry none.
    assert "js/floor.js" in page


def test_the_floor_is_for_supervisors_of_the_office_or_a_parent(client, login, hall, supervisors):
    assert client.get("/floor/VY").status_code == 302  # to the login
    login(hall["officer"])
    assert client.get("/floor/VY").status_code == 403
    assert client.get("/floor/VY/live").status_code == 403
    login(supervisors["ward"])
    assert client.get("/floor/VY").status_code == 404
    assert client.get("/floor/VY/live").status_code == 404
    assert client.get("/floor/VY-LB").status_code == 200
    assert client.get("/floor").location.endswith("/floor/VY-LB")
    login(supervisors["city"])
    ward_floor = text(client.get("/floor/VY-LB"))
    assert "UBND phường Liên Bảo" in ward_floor and 'href="/floor/VY"' in ward_floor
    assert client.get("/floor/NOPE").status_code == 404
    login(hall["admin"])
    assert client.get("/floor/VY-LB").status_code == 200


def test_the_floor_poll_answers_304_until_something_changes(client, login, hall, supervisors):
    login(supervisors["city"])
    tickets.issue(hall["office"], "dat-dai")
    page = client.get("/floor/VY").get_data(as_text=True)
    # The poll sends back the version of the floor it shows.
    etag = re.search(r'"If-None-Match": "\\"([^\\]+)\\""', page).group(1)
    first = client.get("/floor/VY/live", headers={**HTMX, "If-None-Match": f'"{etag}"'})
    assert first.status_code == 304 and first.get_data() == b""
    hall["clock"](hall["clock"]() + dt.timedelta(minutes=7))  # time alone changes nothing
    assert client.get("/floor/VY/live", headers={"If-None-Match": f'"{etag}"'}).status_code == 304

    configure.sign_in(hall["counters"][("VY", 1)], hall["officer"])
    tickets.call_next(hall["counters"][("VY", 1)], hall["officer"])
    fresh = client.get("/floor/VY/live", headers={**HTMX, "If-None-Match": f'"{etag}"'})
    body = text(fresh)
    assert fresh.status_code == 200 and body.startswith('<section id="floor"')
    assert "A001</strong> Đã gọi" in body and fresh.headers["ETag"] != f'"{etag}"'
    again = client.get("/floor/VY/live", headers={"If-None-Match": fresh.headers["ETag"]})
    assert again.status_code == 304
    # Another office's change is not this floor's.
    tickets.issue(hall["ward"], "dat-dai")
    assert (
        client.get("/floor/VY/live", headers={"If-None-Match": fresh.headers["ETag"]}).status_code
        == 304
    )
