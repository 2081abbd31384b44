"""The feedback JSON API: rating a ticket (201, 409, 422), submitting and tracking complaints."""

import pytest
from sqlalchemy import func, select

from feedback import complaint_queries, complaints
from feedback.models import Complaint, Rating
from onestop.extensions import db
from queues import tickets
from queues.demo import add_queues
from queues.models import Counter

CONTACT = "0912 345 678"


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    office = make_office()
    add_queues(office, [("ho-tich", "A", "Tư pháp – Hộ tịch", 6)], [(1, "Quầy 1", ["ho-tich"])])
    officer = make_user("officer1", "officer", office)
    db.session.commit()
    return {"office": office, "officer": officer, "counter": db.session.scalar(select(Counter))}


@pytest.fixture
def finished(hall):
    tickets.issue(hall["office"], "ho-tich")
    return tickets.finish(tickets.call_next(hall["counter"], hall["officer"]), hall["officer"])


def test_rating_a_finished_ticket_answers_201_with_the_rating(client, finished):
    response = client.post(
        f"/api/v1/tickets/{finished.token}/rating",
        json={"score": 2, "comment": "Nhanh gọn", "reasons": ["time"]},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {
        "id",
        "ticket",
        "score",
        "label",
        "reasons",
        "comment",
        "channel",
        "created_at",
    }
    assert (
        body["ticket"],
        body["score"],
        body["label"],
        body["reasons"],
        body["comment"],
        body["channel"],
    ) == ("A001", 2, "Rất hài lòng", ["time"], "Nhanh gọn", "api")
    assert body["created_at"].startswith("2026-11-27T01:15:00")


def test_a_second_rating_is_409_already_rated(client, finished):
    assert (
        client.post(
            f"/api/v1/tickets/{finished.token}/rating", json={"score": 1, "comment": ""}
        ).status_code
        == 201
    )
    response = client.post(
        f"/api/v1/tickets/{finished.token}/rating", json={"score": 0, "comment": "lần hai"}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_rated"
    assert db.session.scalar(select(Rating.score)) == 1


def test_a_ticket_not_finished_is_409_not_finished(client, hall):
    ticket = tickets.issue(hall["office"], "ho-tich").ticket
    response = client.post(
        f"/api/v1/tickets/{ticket.token}/rating", json={"score": 2, "comment": ""}
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "not_finished" and error["message"]


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"score": 3, "comment": ""}, 422, "invalid"),
        ({"score": 1.5, "comment": ""}, 422, "invalid"),
        ({"score": 2.0, "comment": ""}, 422, "invalid"),
        ({"score": "2", "comment": ""}, 422, "invalid"),
        ({"score": " 1 ", "comment": ""}, 422, "invalid"),
        ({"score": "２", "comment": ""}, 422, "invalid"),
        ({"score": True, "comment": ""}, 422, "invalid"),
        ({"score": None, "comment": ""}, 422, "invalid"),
        ({"comment": "không có điểm"}, 422, "invalid"),
        ({"score": 2, "comment": "x" * 501}, 422, "invalid"),
        ({"score": 2, "reasons": "time"}, 422, "invalid"),
        ({"score": 2, "reasons": ["rude"]}, 422, "invalid"),
        ([2], 400, "bad_request"),
    ],
)
def test_bad_rating_bodies_are_refused_and_nothing_is_stored(client, finished, body, status, code):
    response = client.post(f"/api/v1/tickets/{finished.token}/rating", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_malformed_json_and_unknown_tickets(client, finished):
    response = client.post(
        f"/api/v1/tickets/{finished.token}/rating",
        data="{score: 2",
        content_type="application/json",
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    response = client.post("/api/v1/tickets/not-a-token/rating", json={"score": 2})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_an_overlong_comment_names_the_field(client, finished):
    response = client.post(
        f"/api/v1/tickets/{finished.token}/rating", json={"score": 0, "comment": "x" * 600}
    )
    assert "500" in response.get_json()["error"]["fields"]["comment"]


def test_submitting_a_complaint_gives_a_tracking_code(client, hall):
    response = client.post(
        "/api/v1/complaints",
        json={
            "office": "vy",
            "subject": "Chờ quá lâu",
            "text": "Tôi chờ 45 phút.",
            "contact": CONTACT,
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["code"].startswith("PA-") and len(body["code"]) == 12
    assert (body["status"], body["office"], body["answer"], body["due_date"]) == (
        "received",
        "VY",
        None,
        "2026-12-18",
    )
    assert body["url"] == f"http://onestop.test/complaints/{body['code']}"
    assert CONTACT not in response.get_data(as_text=True)
    stored = db.session.scalar(select(Complaint))
    assert (stored.contact, stored.channel) == (CONTACT, "api")


def test_a_complaint_with_missing_fields_is_422_and_not_stored(client, hall):
    response = client.post(
        "/api/v1/complaints", json={"office": "XX", "subject": "", "text": "x" * 4001}
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"office", "subject", "text"}
    assert (
        client.post("/api/v1/complaints", data="nope", content_type="application/json").status_code
        == 400
    )
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_complaint_status_shows_the_answer_only_once_published_and_never_the_contact(
    client, hall, make_user
):
    code = client.post(
        "/api/v1/complaints",
        json={"office": "VY", "subject": "Ghế chờ", "text": "Thiếu ghế.", "contact": CONTACT},
    ).get_json()["code"]
    supervisor = make_user("supervisor", "supervisor", hall["office"])
    body = client.get(f"/api/v1/complaints/{code.lower()}").get_json()
    assert (body["code"], body["status"], body["answer"]) == (code, "received", None)
    complaint = complaint_queries.by_code(code)
    complaints.answer(complaint, supervisor, "Đã bố trí thêm 20 ghế.")
    body = client.get(f"/api/v1/complaints/{code}").get_json()
    assert (body["status"], body["answer"], body["answered_at"]) == ("answered", None, None)
    complaints.publish(complaint, supervisor)
    response = client.get(f"/api/v1/complaints/{code}")
    assert response.get_json()["answer"] == "Đã bố trí thêm 20 ghế."
    assert CONTACT not in response.get_data(as_text=True) and "Thiếu ghế" not in response.get_data(
        as_text=True
    )
    assert client.get("/api/v1/complaints/PA-XXXX-XXXX").status_code == 404
