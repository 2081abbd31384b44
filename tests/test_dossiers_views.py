"""HTML pages: officer's list and intake, a dossier and its slips, citizens' pages, admin pages."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from test_dossiers_support import local, receive_fixture, world_fixture  # noqa: F401 (fixtures)

from dossiers.lifecycle import change_status
from dossiers.models import Dossier, Holiday, Procedure
from onestop.extensions import db
from queues import tickets
from queues.models import Service

HTMX = {"HX-Request": "true"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def officer_client(client, login, world):
    login(world.officer)
    return client


def test_pages_need_an_officer(client, world, login):
    assert client.get("/dossiers").status_code == 302
    assert client.get("/dossiers/new").status_code == 302
    login(world.officer)
    assert client.get("/admin/procedures").status_code == 403
    assert client.get("/admin/holidays").status_code == 403


def test_list_masks_personal_data_and_filters(officer_client, world, receive):
    late = receive(
        received_at=local(2026, 11, 16, 9, 0), applicant_name="Nguyễn Thị Lan", phone="0912345678"
    )
    receive(applicant_name="Trần Văn Bình", phone="0387654321", channel="online")
    page = officer_client.get("/dossiers").get_data(as_text=True)
    assert 'id="dossier-list"' in page and "<html" in page
    assert "Nguyễn T. L." in page and "09xx xxx 678" in page
    assert "Nguyễn Thị Lan" not in page and "0912345678" not in page and "Trần Văn Bình" not in page
    overdue = officer_client.get("/dossiers?status=&due=overdue", headers=HTMX).get_data(
        as_text=True
    )
    assert "<html" not in overdue and late.code in overdue and "261127-0001" not in overdue
    online = officer_client.get("/dossiers?channel=online").get_data(as_text=True)
    assert "261127-0001" in online and late.code not in online
    by_phone = officer_client.get("/dossiers?q=038+765+4321").get_data(as_text=True)
    assert "261127-0001" in by_phone and late.code not in by_phone


def test_list_shows_only_the_officers_offices(client, login, world, receive):
    receive(office=world.lb, procedure_code="1.001193", officer=world.lb_officer)
    login(world.officer)
    assert "000.12.02.H62" not in client.get("/dossiers").get_data(as_text=True)


def test_intake_form_and_success(officer_client, world):
    page = officer_client.get("/dossiers/new").get_data(as_text=True)
    assert 'id="intake-form"' in page and "Đăng ký thành lập hộ kinh doanh" in page
    info = officer_client.get("/dossiers/procedure-info?procedure=1.001612").get_data(as_text=True)
    assert 'id="procedure-info"' in info and "Thứ Tư, 02/12/2026" in info
    response = officer_client.post(
        "/dossiers/new",
        data={
            "procedure": "1.001612",
            "applicant_name": "Nguyễn Văn An",
            "phone": "0912 345 678",
            "channel": "direct",
            "documents_reused": "1",
        },
    )
    assert response.status_code == 303
    dossier = db.session.scalar(select(Dossier))
    assert response.headers["Location"].endswith(f"/dossiers/{dossier.code}")
    assert dossier.documents_reused and dossier.phone == "0912345678"
    htmx = officer_client.post(
        "/dossiers/new",
        headers=HTMX,
        data={
            "procedure": "1.001612",
            "applicant_name": "Nguyễn Văn Bảo",
            "phone": "0912345679",
            "channel": "online",
        },
    )
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"].startswith(
        "/dossiers/000.00.12.H62-"
    )


def test_intake_errors_rerender_the_form_with_422(officer_client):
    response = officer_client.post(
        "/dossiers/new",
        headers=HTMX,
        data={"procedure": "9.9", "applicant_name": "", "phone": "12345", "channel": "direct"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in text and 'id="intake-form"' in text
    assert "Không có thủ tục" in text and "Nhập họ và tên" in text and "10 số" in text
    assert _count(Dossier) == 0


def test_intake_from_a_ticket(officer_client, world):
    db.session.add(
        Service(office_id=world.city.id, code="tu-phap", letter="B", name="Tư pháp – Hộ tịch")
    )
    db.session.add(
        Service(office_id=world.city.id, code="kinh-doanh", letter="C", name="Kinh doanh")
    )
    db.session.commit()
    ticket = tickets.issue(world.city, "kinh-doanh").ticket
    page = officer_client.get(f"/dossiers/new?ticket={ticket.id}").get_data(as_text=True)
    assert "C001" in page and f'name="ticket" value="{ticket.id}"' in page
    # The ticket's field comes first among the procedures.
    assert page.index("Đăng ký thành lập hộ kinh doanh") < page.index("Chứng thực bản sao")
    officer_client.post(
        "/dossiers/new",
        data={
            "ticket": ticket.id,
            "procedure": "1.001612",
            "applicant_name": "Nguyễn Văn An",
            "phone": "0912345678",
            "channel": "direct",
        },
    )
    assert db.session.scalar(select(Dossier)).ticket_id == ticket.id


def test_detail_status_change_and_conflict(officer_client, world, receive):
    dossier = receive()
    page = officer_client.get(f"/dossiers/{dossier.code}").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in page and 'id="dossier-panel"' in page and "Chuyển xử lý" in page
    response = officer_client.post(
        f"/dossiers/{dossier.code}/status", headers=HTMX, data={"status": "in_progress"}
    )
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert db.session.get(Dossier, dossier.id).status == "in_progress"
    missing_note = officer_client.post(
        f"/dossiers/{dossier.code}/status", headers=HTMX, data={"status": "awaiting_supplement"}
    )
    assert missing_note.status_code == 422 and "giấy tờ cần bổ sung" in missing_note.get_data(
        as_text=True
    )
    refused = officer_client.post(
        f"/dossiers/{dossier.code}/status", headers=HTMX, data={"status": "returned"}
    )
    assert refused.status_code == 409
    assert "“Đang xử lý”" in refused.get_data(as_text=True)
    plain = officer_client.post(f"/dossiers/{dossier.code}/status", data={"status": "result_ready"})
    assert plain.status_code == 303


def test_other_offices_dossiers_are_not_found(client, login, world, receive):
    dossier = receive()
    login(world.lb_officer)
    assert client.get(f"/dossiers/{dossier.code}").status_code == 404
    assert client.get(f"/dossiers/{dossier.code}/receipt.pdf").status_code == 404
    assert (
        client.post(f"/dossiers/{dossier.code}/status", data={"status": "in_progress"}).status_code
        == 404
    )


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split())  # lines wrap anywhere; compare words


def test_slips_print_with_their_facts(officer_client, world, receive):
    dossier = receive()
    receipt = _pdf_text(officer_client.get(f"/dossiers/{dossier.code}/receipt.pdf"))
    for text in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        dossier.code,
        "Nguyễn Thị Lan",
        "0912345678",
        "Đăng ký thành lập hộ kinh doanh",
        "ngày 02 tháng 12 năm 2026",
        "08 giờ 15 phút",
        "100.000 đồng",
        "Trần Văn Minh",
        f"http://onestop.test/d/{dossier.token}",
    ):
        assert text in receipt
    assert officer_client.get(f"/dossiers/{dossier.code}/supplement.pdf").status_code == 404
    change_status(dossier, "awaiting_supplement", world.officer, "Bản sao CCCD có chứng thực")
    supplement = _pdf_text(officer_client.get(f"/dossiers/{dossier.code}/supplement.pdf"))
    assert (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in supplement
        and "Bản sao CCCD có chứng thực" in supplement
    )
    officer_client.post(
        f"/dossiers/{dossier.code}/apology",
        data={"new_date": "2026-12-09", "reason": "Chờ xác minh của cơ quan thuế"},
    )
    apology = _pdf_text(officer_client.get(f"/dossiers/{dossier.code}/apology.pdf"))
    assert (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology
        and "ngày 09 tháng 12 năm 2026" in apology
    )
    assert "Chờ xác minh của cơ quan thuế" in apology
    change_status(dossier, "rejected", world.officer, "Hồ sơ không bổ sung đúng hạn")
    rejection = _pdf_text(officer_client.get(f"/dossiers/{dossier.code}/rejection.pdf"))
    assert (
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in rejection
        and "Hồ sơ không bổ sung đúng hạn" in rejection
    )


def test_apology_form_errors(officer_client, receive):
    dossier = receive()
    response = officer_client.post(
        f"/dossiers/{dossier.code}/apology", headers=HTMX, data={"new_date": "x"}
    )
    assert response.status_code == 422 and "Chọn ngày hẹn mới" in response.get_data(as_text=True)


def test_public_page_shows_no_personal_data(client, world, receive):
    dossier = receive(applicant_name="Hoàng Thị Yến", phone="0977123456")
    page = client.get(f"/d/{dossier.token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex"
    assert (
        dossier.code in text
        and "Đăng ký thành lập hộ kinh doanh" in text
        and "Thứ Tư, 02/12/2026" in text
    )
    for secret in ("Hoàng", "Yến", "0977123456", "3456", "Trần Văn Minh"):
        assert secret not in text
    assert client.get("/d/not-a-token").status_code == 404


def test_lookup_gives_one_answer_for_wrong_code_and_wrong_phone(client, world, receive):
    dossier = receive(phone="0977123456")
    found = client.post("/lookup", data={"code": dossier.code.lower(), "phone_last4": "3456"})
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/d/{dossier.token}")
    wrong_phone = client.post("/lookup", data={"code": dossier.code, "phone_last4": "0000"})
    wrong_code = client.post(
        "/lookup", data={"code": dossier.code[:-1] + "9", "phone_last4": "3456"}
    )
    assert wrong_phone.status_code == wrong_code.status_code == 404

    def message(response):
        text = response.get_data(as_text=True)
        return text[text.index('class="flash flash--error"') :].split("</p>")[0]

    assert message(wrong_phone) == message(wrong_code).replace(
        dossier.code[:-1] + "9", dossier.code
    )


def test_lookup_is_rate_limited(app, client, world, receive):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["DOSSIER_LOOKUP_RATE_LIMIT"] = "3 per minute"
    statuses = [
        client.post("/lookup", data={"code": "X", "phone_last4": "1234"}).status_code
        for _ in range(5)
    ]
    assert statuses == [404, 404, 404, 429, 429]


def test_catalogue_search_on_kiosk_and_phone(client, world):
    page = client.get("/procedures?q=dang+ky+khai+sinh").get_data(as_text=True)
    assert "Đăng ký khai sinh" in page and "Cấp giấy phép xây dựng" not in page
    fragment = client.get("/procedures?q=CHUNG%20THUC&office=VY-LB", headers=HTMX).get_data(
        as_text=True
    )
    assert (
        "<html" not in fragment
        and 'id="procedure-results"' in fragment
        and "Chứng thực bản sao" in fragment
    )
    assert "Không tìm thấy thủ tục" in client.get("/procedures?q=khong+co+thu+tuc+nay").get_data(
        as_text=True
    )


def test_admin_edits_a_procedure(client, login, world):
    login(world.admin)
    assert "1.001612" in client.get("/admin/procedures").get_data(as_text=True)
    procedure = world.p.business
    form = client.get(f"/admin/procedures/{procedure.id}").get_data(as_text=True)
    assert 'value="1.001612"' in form and "Giấy tờ tùy thân" in form
    assert client.get("/admin/procedures/new").status_code == 200
    bad = client.post(
        f"/admin/procedures/{procedure.id}", data={"code": "1.001612", "name": "", "field": "X"}
    )
    assert bad.status_code == 422 and "Nhập tên thủ tục" in bad.get_data(as_text=True)
    ok = client.post(
        f"/admin/procedures/{procedure.id}",
        data={
            "code": "1.001612",
            "name": "Đăng ký thành lập hộ kinh doanh",
            "field": "Kinh doanh",
            "processing_days": "5",
            "fee": "100.000",
            "online_level": "full",
            "required_documents": "Giấy đề nghị",
            "office_ids": [str(world.city.id), str(world.lb.id)],
        },
    )
    assert ok.status_code == 303
    stored = db.session.get(Procedure, procedure.id)
    assert (
        stored.processing_days == 5
        and not stored.active
        and {o.code for o in stored.offices} == {"VY", "VY-LB"}
    )
    created = client.post(
        "/admin/procedures/new",
        data={
            "code": "1.004873",
            "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
            "field": "Hộ tịch",
            "processing_days": "3",
            "online_level": "full",
            "active": "1",
            "office_ids": [str(world.lb.id)],
        },
    )
    assert created.status_code == 303
    assert "Đăng ký thành lập" in client.get("/admin/procedures.csv").get_data(as_text=True)


def test_admin_imports_the_catalogue(client, login, world):
    login(world.admin)
    bad = client.post(
        "/admin/procedures/import",
        headers=HTMX,
        data={
            "file": (
                io.BytesIO(b"code,name,field,processing_days,offices\n1.0,,,x,VY\n"),
                "catalogue.csv",
            )
        },
    )
    assert bad.status_code == 422 and "Không nhập thủ tục nào" in bad.get_data(as_text=True)
    good = client.post(
        "/admin/procedures/import",
        headers=HTMX,
        data={
            "file": (
                io.BytesIO(
                    "code,name,field,processing_days,offices\n"
                    "1.004873,Xác nhận tình trạng hôn nhân,"
                    "Hộ tịch,3,commune\n".encode()
                ),
                "catalogue.csv",
            )
        },
    )
    assert good.status_code == 200 and "Đã nhập 1 thủ tục mới" in good.get_data(as_text=True)


def test_import_page_reports_rows_and_stores_nothing(officer_client, world):
    data = (
        "MaHoSo,MaTTHC,ChuHoSo,SoDienThoai,KenhThucHien,NgayTiepNhan\n"
        "G1,1.001612,Nguyễn Văn An,0912345678,2,20261126101500\n"
        "G2,1.001612,Trần Văn Bình,12345,2,20261126101500\n"
    )
    response = officer_client.post(
        "/dossiers/import", headers=HTMX, data={"file": (io.BytesIO(data.encode()), "cong.csv")}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="import-result"' in text and "SoDienThoai" in text
    assert _count(Dossier) == 0
    ok = officer_client.post(
        "/dossiers/import", data={"file": (io.BytesIO(data.split("G2")[0].encode()), "cong.csv")}
    )
    assert ok.status_code == 200 and "Đã nhập 1 hồ sơ" in ok.get_data(as_text=True)


def test_holiday_admin_for_a_supervisor(client, login, world):
    login(world.supervisor)
    page = client.get("/admin/holidays?office=VY-LB&year=2026").get_data(as_text=True)
    assert "Ngày Văn hóa Việt Nam" in page and "Ngày làm bù theo lịch nghỉ của Chính phủ" in page
    added = client.post(
        "/admin/holidays",
        headers=HTMX,
        data={
            "office": "VY-LB",
            "year": "2026",
            "day": "2026-12-05",
            "kind": "makeup_day",
            "reason": "Làm bù",
        },
    )
    assert added.status_code == 200 and "Làm bù" in added.get_data(as_text=True)
    row = db.session.scalar(select(Holiday))
    assert row.office_id == world.lb.id and row.day == dt.date(2026, 12, 5)
    refused = client.post(
        "/admin/holidays",
        headers=HTMX,
        data={
            "office": "VY-LB",
            "year": "2026",
            "day": "2026-12-05",
            "kind": "makeup_day",
            "reason": "Lần nữa",
        },
    )
    assert refused.status_code == 422
    client.post(f"/admin/holidays/{row.id}/delete", data={"office": "VY-LB", "year": "2026"})
    assert _count(Holiday) == 0


def test_dossier_pages_work_in_english(client, login, world, receive):
    dossier = receive()
    login(world.officer)
    client.post("/lang/en", data={"next": "/dossiers"})
    assert client.get("/dossiers").status_code == 200
    assert client.get(f"/dossiers/{dossier.code}").status_code == 200
    assert client.get(f"/d/{dossier.token}").status_code == 200
