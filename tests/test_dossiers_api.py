"""JSON API v1 for dossiers: catalogue, lookup, intake and status changes (DESIGN.md section 6)."""

from sqlalchemy import func, select

from dossiers.models import Dossier
from onestop.accounts import create_token
from onestop.extensions import db


def test_office_procedures_with_search(client, world):
    response = client.get("/api/v1/offices/vy-lb/procedures?q=khai sinh")
    assert response.status_code == 200
    assert response.get_json() == [
        {
            "code": "1.001193",
            "name": "Đăng ký khai sinh",
            "field": "Hộ tịch",
            "processing_days": 0,
            "processing_time": {"value": 0, "unit": "working_days", "text": "Trong ngày"},
            "fee": 0,
            "online_level": "full",
        }
    ]
    assert len(client.get("/api/v1/offices/VY/procedures").get_json()) == 3
    # processing_days stays a number of days; processing_time gives the value and its unit.
    world.p.building.processing_time, world.p.building.processing_unit = 15, "calendar_days"
    world.p.business.processing_time, world.p.business.processing_unit = 4, "working_hours"
    db.session.commit()
    by_code = {p["code"]: p for p in client.get("/api/v1/offices/VY/procedures").get_json()}
    assert by_code["1.009994"]["processing_days"] == 15
    assert by_code["1.009994"]["processing_time"] == {
        "value": 15,
        "unit": "calendar_days",
        "text": "15 ngày",
    }
    assert by_code["1.001612"]["processing_days"] == 0.5
    assert by_code["1.001612"]["processing_time"] == {
        "value": 4,
        "unit": "working_hours",
        "text": "4 giờ làm việc",
    }
    missing = client.get("/api/v1/offices/XX/procedures")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_lookup_by_code_and_last_four_digits(client, world, receive):
    dossier = receive(phone="0977123456")
    found = client.get(f"/api/v1/dossiers/{dossier.code}?phone_last4=3456")
    assert found.status_code == 200
    body = found.get_json()
    assert {"code", "procedure", "status", "received_at", "due_at", "result_ready_at"} <= set(body)
    assert (
        body["code"] == dossier.code
        and body["status"] == "received"
        and body["procedure"] == "1.001612"
    )
    assert body["due_date"] == "2026-12-02" and body["result_ready_at"] is None
    assert "Nguyễn" not in found.get_data(as_text=True) and "0977123456" not in found.get_data(
        as_text=True
    )
    wrong_phone = client.get(f"/api/v1/dossiers/{dossier.code}?phone_last4=0000")
    wrong_code = client.get("/api/v1/dossiers/000.00.12.H62-261127-0099?phone_last4=3456")
    no_phone = client.get(f"/api/v1/dossiers/{dossier.code}")
    assert wrong_phone.status_code == wrong_code.status_code == no_phone.status_code == 404
    assert wrong_phone.get_json() == wrong_code.get_json() == no_phone.get_json()


def test_create_needs_an_officer(client, world):
    response = client.post("/api/v1/dossiers", json={"procedure": "1.001612"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_create_with_a_bearer_token(client, world):
    token = create_token(world.officer, "quầy tiếp nhận")
    response = client.post(
        "/api/v1/dossiers",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "procedure": "1.001612",
            "applicant_name": "Nguyễn Văn An",
            "phone": "+84912345678",
            "channel": "online",
            "documents_reused": True,
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["code"] == "000.00.12.H62-261127-0001"
    assert body["due_at"] == "2026-12-02T16:59:59.999999+00:00"
    assert body["receipt_pdf_url"] == f"http://localhost/dossiers/{body['code']}/receipt.pdf"
    assert body["url"] == f"http://onestop.test/d/{body['token']}"
    dossier = db.session.scalar(select(Dossier))
    assert (
        dossier.token == body["token"] and dossier.documents_reused and dossier.channel == "online"
    )


def test_create_refuses_bad_input_with_field_errors(client, login, world):
    login(world.officer)
    response = client.post(
        "/api/v1/dossiers", json={"procedure": "0.0", "applicant_name": "", "phone": "112"}
    )
    body = response.get_json()
    assert response.status_code == 422 and body["error"]["code"] == "invalid"
    assert set(body["error"]["fields"]) == {"procedure", "applicant_name", "phone"}
    assert (
        client.post(
            "/api/v1/dossiers", data="not json", content_type="application/json"
        ).status_code
        == 422
    )
    other_office = client.post(
        "/api/v1/dossiers",
        json={
            "procedure": "1.001193",
            "office": "VY-LB",
            "applicant_name": "An",
            "phone": "0912345678",
        },
    )
    assert (
        other_office.status_code == 422 and "office" in other_office.get_json()["error"]["fields"]
    )
    assert db.session.scalar(select(func.count(Dossier.id))) == 0


def test_a_supervisor_creates_in_a_ward(client, login, world):
    login(world.supervisor)
    response = client.post(
        "/api/v1/dossiers",
        json={
            "procedure": "1.001193",
            "office": "VY-LB",
            "applicant_name": "Lê Văn Hùng",
            "phone": "0912345678",
        },
    )
    assert response.status_code == 201 and response.get_json()["code"].startswith(
        "000.12.02.H62-261127-"
    )


def test_status_change_and_refusal(client, login, world, receive):
    dossier = receive()
    login(world.officer)
    ok = client.post(
        f"/api/v1/dossiers/{dossier.code}/status", json={"status": "in_progress", "note": "Chuyển"}
    )
    assert ok.status_code == 200 and ok.get_json()["status"] == "in_progress"
    assert ok.get_json()["national_status"] == 4
    refused = client.post(f"/api/v1/dossiers/{dossier.code}/status", json={"status": "returned"})
    body = refused.get_json()
    assert refused.status_code == 409 and body["error"]["code"] == "transition_not_allowed"
    assert (
        "“Đang xử lý”" in body["error"]["message"]
        and "“Đã trả kết quả”" in body["error"]["message"]
    )
    missing_note = client.post(
        f"/api/v1/dossiers/{dossier.code}/status", json={"status": "rejected"}
    )
    assert missing_note.status_code == 422 and "note" in missing_note.get_json()["error"]["fields"]
    assert db.session.get(Dossier, dossier.id).status == "in_progress"


def test_status_of_another_offices_dossier_is_not_found(client, login, world, receive):
    dossier = receive()
    login(world.lb_officer)
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/status", json={"status": "in_progress"}
    )
    assert response.status_code == 404


def test_lookup_is_rate_limited(app, client, world):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["DOSSIER_LOOKUP_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get("/api/v1/dossiers/X?phone_last4=1234").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
