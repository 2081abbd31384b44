"""The queue's JSON API: shapes of DESIGN.md section 6, ETag/304, status codes and errors."""

import json

import pytest
from sqlalchemy import func, select

from onestop.accounts import create_token
from onestop.extensions import db
from queues import configure, tickets
from queues.demo import add_queues
from queues.models import Counter, Ticket, TicketEvent

SERVICES = [("dat-dai", "A", "Đất đai", 10), ("ho-tich", "B", "Tư pháp – Hộ tịch", 6)]


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    ward = make_office(code="VY-LB", name="UBND phường Liên Bảo", level="commune", parent=office)
    add_queues(
        office, SERVICES, [(1, "Quầy 1", ["dat-dai", "ho-tich"]), (2, "Quầy 2", ["ho-tich"])]
    )
    add_queues(ward, SERVICES[:1], [(1, "Quầy 1", ["dat-dai"])])
    db.session.commit()
    officer = make_user("officer1", "officer", office)
    stranger = make_user("vy-lb-officer", "officer", ward)
    counters = {(c.office.code, c.number): c for c in db.session.scalars(select(Counter))}
    return {
        "office": office,
        "ward": ward,
        "officer": officer,
        "stranger": stranger,
        "counters": counters,
    }


def post_json(client, url, body=None, **kwargs):
    data = json.dumps(body) if body is not None else None
    return client.post(url, data=data, content_type="application/json", **kwargs)


def events_count():
    return db.session.scalar(select(func.count()).select_from(TicketEvent))


def test_services_list_waiting_and_estimate(client, hall):
    for _ in range(3):
        tickets.issue(hall["office"], "dat-dai")
    response = client.get("/api/v1/offices/vy/services")
    assert response.status_code == 200
    assert response.json == [
        {
            "code": "dat-dai",
            "letter": "A",
            "name": "Đất đai",
            "waiting": 3,
            "eta_minutes": 30,
            "open_counters": 1,
        },
        {
            "code": "ho-tich",
            "letter": "B",
            "name": "Tư pháp – Hộ tịch",
            "waiting": 0,
            "eta_minutes": 0,
            "open_counters": 2,
        },
    ]


def test_counters_list(client, hall):
    response = client.get("/api/v1/offices/VY/counters")
    assert response.status_code == 200
    assert [(c["number"], c["services"], c["open"]) for c in response.json] == [
        (1, ["dat-dai", "ho-tich"], True),
        (2, ["ho-tich"], True),
    ]
    assert set(response.json[0]) == {"id", "number", "name", "services", "open", "staffed"}


def test_counters_say_whether_an_officer_is_signed_in(client, hall):
    def staffed():
        rows = client.get("/api/v1/offices/VY/counters").json
        return [(c["number"], c["open"], c["staffed"]) for c in rows]

    # Open in the set-up, but nobody there.
    assert staffed() == [(1, True, False), (2, True, False)]
    configure.sign_in(hall["counters"][("VY", 2)], hall["officer"])
    assert staffed() == [(1, True, False), (2, True, True)]
    configure.sign_out(hall["counters"][("VY", 2)], hall["officer"])
    assert staffed() == [(1, True, False), (2, False, False)]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/offices/XX/services", "/api/v1/offices/XX/counters", "/api/v1/offices/XX/board"],
)
def test_an_unknown_office_is_a_json_404(client, hall, url):
    response = client.get(url)
    assert response.status_code == 404
    assert (
        response.json["error"]["code"] == "not_found" and "XX" in response.json["error"]["message"]
    )


def test_board_answers_304_until_something_changes(client, hall):
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    first = client.get("/api/v1/offices/VY/board")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.json["serving"] == [] and first.json["waiting"] == {"dat-dai": 1, "ho-tich": 0}
    unchanged = client.get(
        "/api/v1/offices/VY/board", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status_code == 304 and unchanged.data == b""
    tickets.call_next(hall["counters"][("VY", 1)], hall["officer"])
    changed = client.get(
        "/api/v1/offices/VY/board", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.json["version"] > first.json["version"]
    assert changed.json["serving"] == [
        {
            "counter": 1,
            "number": "A001",
            "status": "called",
            "called_at": ticket.issued_at.isoformat(),
        }
    ]
    assert (
        changed.json["recent"][0]["number"] == "A001"
        and changed.json["recent"][0]["kind"] == "called"
    )


def test_call_next_needs_an_officer(client, hall):
    response = client.post(f"/api/v1/counters/{hall['counters'][('VY', 1)].id}/call-next")
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_call_next_gives_the_ticket_then_204(client, login, hall):
    tickets.issue(hall["office"], "ho-tich", priority_reason="pregnant")
    login(hall["officer"])
    url = f"/api/v1/counters/{hall['counters'][('VY', 1)].id}/call-next"
    response = client.post(url)
    assert response.status_code == 200
    body = response.json["ticket"]
    assert (body["number"], body["service"], body["status"], body["counter"], body["priority"]) == (
        "B001",
        "ho-tich",
        "called",
        1,
        True,
    )
    assert "token" not in body
    empty = client.post(url)
    assert empty.status_code == 204 and empty.data == b""


def test_call_next_by_bearer_token(client, hall):
    tickets.issue(hall["office"], "dat-dai")
    token = create_token(hall["officer"], "counter app")
    response = client.post(
        f"/api/v1/counters/{hall['counters'][('VY', 1)].id}/call-next",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and response.json["ticket"]["number"] == "A001"


def test_call_next_at_another_offices_counter_is_403(client, login, hall):
    tickets.issue(hall["office"], "dat-dai")
    login(hall["stranger"])
    response = client.post(f"/api/v1/counters/{hall['counters'][('VY', 1)].id}/call-next")
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert db.session.scalar(select(Ticket.status)) == "waiting"


def test_call_next_unknown_counter_404_and_bad_json_400(client, login, hall):
    login(hall["officer"])
    assert client.post("/api/v1/counters/999/call-next").status_code == 404
    counter_id = hall["counters"][("VY", 1)].id
    response = client.post(
        f"/api/v1/counters/{counter_id}/call-next", data="{oops", content_type="application/json"
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_json"


@pytest.fixture
def called(client, login, hall):
    """A001 called at counter 1 by officer1, who is logged in."""
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    tickets.call_next(hall["counters"][("VY", 1)], hall["officer"])
    login(hall["officer"])
    return ticket


def test_recall_start_finish(client, called):
    base = f"/api/v1/tickets/{called.id}"
    recalled = client.post(f"{base}/recall")
    assert recalled.status_code == 200 and recalled.json["ticket"]["recall_count"] == 1
    assert client.post(f"{base}/start").json["ticket"]["status"] == "serving"
    finished = client.post(f"{base}/finish")
    assert finished.status_code == 200
    assert finished.json["ticket"]["status"] == "done" and finished.json["ticket"]["finished_at"]


def test_no_show_then_requeue(client, called):
    base = f"/api/v1/tickets/{called.id}"
    assert client.post(f"{base}/no-show").json["ticket"]["status"] == "no_show"
    assert client.post(f"{base}/requeue").json["ticket"]["status"] == "waiting"


def test_transfer_keeps_the_number(client, called):
    response = post_json(client, f"/api/v1/tickets/{called.id}/transfer", {"service": "ho-tich"})
    assert response.status_code == 200
    assert (
        response.json["ticket"]["number"],
        response.json["ticket"]["service"],
        response.json["ticket"]["status"],
    ) == ("A001", "ho-tich", "waiting")


def test_call_a_chosen_ticket_out_of_turn(client, called, hall):
    later = tickets.issue(hall["office"], "ho-tich").ticket
    response = post_json(
        client, f"/api/v1/tickets/{later.id}/call", {"counter": hall["counters"][("VY", 2)].id}
    )
    assert response.status_code == 200 and response.json["ticket"]["counter"] == 2
    missing = post_json(client, f"/api/v1/tickets/{later.id}/call", {"counter": "two"})
    assert missing.status_code == 404


@pytest.mark.parametrize("action", ["start", "finish", "recall", "no-show"])
def test_an_action_in_the_wrong_state_is_409_and_changes_nothing(client, called, action):
    client.post(f"/api/v1/tickets/{called.id}/finish")
    before = events_count()
    response = client.post(f"/api/v1/tickets/{called.id}/{action}")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "wrong_state"
    assert (
        "A001" in response.json["error"]["message"]
        and "Đã xong" in response.json["error"]["message"]
    )
    assert events_count() == before


def test_requeue_of_a_waiting_ticket_is_409(client, login, hall):
    ticket = tickets.issue(hall["office"], "dat-dai").ticket
    login(hall["officer"])
    assert client.post(f"/api/v1/tickets/{ticket.id}/requeue").status_code == 409


def test_ticket_actions_of_another_office_are_403(client, login, hall, called):
    client.post("/logout")
    login(hall["stranger"])
    before = events_count()
    for action in ("recall", "no-show", "finish", "start", "requeue"):
        response = client.post(f"/api/v1/tickets/{called.id}/{action}")
        assert response.status_code == 403, action
    assert (
        post_json(
            client, f"/api/v1/tickets/{called.id}/transfer", {"service": "ho-tich"}
        ).status_code
        == 403
    )
    assert events_count() == before


def test_transfer_errors(client, called):
    url = f"/api/v1/tickets/{called.id}/transfer"
    before = events_count()
    malformed = client.post(url, data="{service: ho-tich", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json["error"]["code"] == "bad_json"
    assert client.post(url, data="[1, 2]", content_type="application/json").status_code == 400
    assert client.post(url).status_code == 400  # no body at all
    assert post_json(client, url, {"service": 5}).status_code == 400
    assert post_json(client, url, {"service": "khong-co"}).status_code == 404
    assert post_json(client, url, {"service": "dat-dai"}).status_code == 409
    assert events_count() == before


def test_unknown_ticket_is_404(client, login, hall):
    login(hall["officer"])
    response = client.post("/api/v1/tickets/4242/finish")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
