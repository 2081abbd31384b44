"""Messages about a dossier: queued with its status change, only for applicants who opted in."""

import pytest
from sqlalchemy import select
from test_dossiers_support import receive_fixture, world_fixture  # noqa: F401 (fixtures)

from dossiers.intake import Applicant
from dossiers.lifecycle import change_status, request_supplement
from dossiers.models import Dossier
from notify.models import OutboxMessage
from onestop.exceptions import ValidationError
from onestop.extensions import db

PAPERS = [{"name": "Bản sao giấy khai sinh", "certified_copies": 1}]


def _outbox() -> list[tuple[str, str, str, dict]]:
    db.session.expire_all()
    return [
        (m.key, m.to, m.template, m.params)
        for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]


def test_result_ready_and_supplements_message_an_applicant_who_opted_in(world, receive):
    dossier = receive(phone="091 234 5678", applicant=Applicant(notify=True))
    assert dossier.notify_opt_in
    request_supplement(dossier, PAPERS, "Thiếu bản sao", world.officer)
    change_status(dossier, "in_progress", world.officer)
    change_status(dossier, "awaiting_supplement", world.officer, "Thiếu bản sao lần hai")
    change_status(dossier, "in_progress", world.officer)
    change_status(dossier, "result_ready", world.officer)
    change_status(dossier, "returned", world.officer)
    params = {"code": dossier.code, "office": "UBND thành phố Vĩnh Yên"}
    assert _outbox() == [
        (f"dossier:{dossier.id}:supplement:1", "0912345678", "dossier_supplement", params),
        (f"dossier:{dossier.id}:supplement:2", "0912345678", "dossier_supplement", params),
        (f"dossier:{dossier.id}:result_ready", "0912345678", "dossier_result_ready", params),
    ]
    assert {m.office_id for m in db.session.scalars(select(OutboxMessage))} == {world.city.id}


def test_no_message_without_the_opt_in(world, receive):
    dossier = receive()
    assert not dossier.notify_opt_in
    change_status(dossier, "awaiting_supplement", world.officer, "Thiếu bản sao")
    change_status(dossier, "in_progress", world.officer)
    change_status(dossier, "result_ready", world.officer)
    assert _outbox() == []


def test_no_message_when_the_status_change_is_rolled_back(world, receive, monkeypatch):
    dossier = receive(applicant=Applicant(notify=True))

    def fail():
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(db.session, "commit", fail)
    with pytest.raises(RuntimeError):
        change_status(dossier, "result_ready", world.officer)
    monkeypatch.undo()
    db.session.rollback()
    assert _outbox() == []
    assert db.session.get(Dossier, dossier.id).status == "received"
    change_status(dossier, "result_ready", world.officer)
    assert [key for key, *_rest in _outbox()] == [f"dossier:{dossier.id}:result_ready"]


def test_a_refused_status_change_queues_nothing(world, receive):
    dossier = receive(applicant=Applicant(notify=True))
    with pytest.raises(ValidationError):
        change_status(dossier, "awaiting_supplement", world.officer, "")
    db.session.rollback()
    assert _outbox() == []


def test_the_intake_form_and_the_api_record_the_opt_in(client, login, world):
    login(world.officer)
    page = client.get("/dossiers/new").get_data(as_text=True)
    assert 'name="notify"' in page and "Nhận tin nhắn về hồ sơ qua SMS/Zalo" in page
    form = {
        "procedure": "1.001612",
        "applicant_name": "Nguyễn Văn An",
        "phone": "0912345678",
        "channel": "direct",
    }
    assert client.post("/dossiers/new", data={**form, "notify": "1"}).status_code == 303
    assert client.post("/dossiers/new", data=form).status_code == 303
    body = {"procedure": "1.001612", "applicant_name": "Lê Thị Hoa", "phone": "0987654321"}
    created = client.post("/api/v1/dossiers", json={**body, "notify": True})
    assert created.status_code == 201 and created.get_json()["notify"] is True
    plain = client.post("/api/v1/dossiers", json=body)
    assert plain.status_code == 201 and plain.get_json()["notify"] is False
    stored = db.session.scalars(select(Dossier.notify_opt_in).order_by(Dossier.id))
    assert list(stored) == [True, False, True, False]


def test_the_api_refuses_an_opt_in_that_is_not_a_boolean(client, login, world):
    login(world.officer)
    body = {"procedure": "1.001612", "applicant_name": "Lê Thị Hoa", "phone": "0987654321"}
    response = client.post("/api/v1/dossiers", json={**body, "notify": "yes"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"
    assert db.session.scalar(select(Dossier.id)) is None
