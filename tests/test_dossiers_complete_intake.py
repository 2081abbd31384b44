"""Complete intake: address, e-mail, ID number and papers received; ID card scans; masking;
supplement requests with counted papers; the slips filled from what was stored."""

import datetime as dt
import io
import logging
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dossiers.intake import Applicant
from dossiers.lifecycle import change_status, issue_apology, request_supplement
from dossiers.models import (
    Dossier,
    DossierCounter,
    DossierDocument,
    SlipForm,
    SupplementDocument,
    SupplementRequest,
)
from dossiers.slips import add_slip_form
from onestop.exceptions import ValidationError
from onestop.extensions import db
from tests.fixtures import HTMX

ID_NUMBER = "026190001234"
SCAN = (
    f"{ID_NUMBER}|135792468|Nguyễn Thị Thu Hà|07031990|Nữ|"
    "Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên|20042021"
)
PAPERS = (
    {"name": "Tờ khai", "originals": 1, "certified_copies": 0, "photocopies": 0},
    {"name": "Giấy tờ tùy thân", "originals": 0, "certified_copies": 1, "photocopies": 2},
    {"name": "Giấy ủy quyền", "originals": "", "certified_copies": "0", "photocopies": 0},
)
PERSON = Applicant(
    address="Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên",
    email="thuha@example.vn",
    id_number=ID_NUMBER,
    documents=PAPERS,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _intake_form(**fields) -> dict:
    form = {
        "procedure": "1.001612",
        "applicant_name": "Nguyễn Thị Thu Hà",
        "phone": "0912345678",
        "channel": "direct",
        "id_number": ID_NUMBER,
        "address": "Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên",
        "email": "thuha@example.vn",
        "doc_name": ["Tờ khai", "Giấy tờ tùy thân", "Giấy ủy quyền", ""],
        "doc_originals": ["1", "", "1", ""],
        "doc_certified_copies": ["", "1", "", ""],
        "doc_photocopies": ["", "2", "", ""],
    }
    form.update(fields)
    return form


def test_intake_stores_the_person_and_the_papers_received(world, receive):
    dossier = receive(applicant=PERSON)
    stored = db.session.get(Dossier, dossier.id)
    assert stored.address == "Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên"
    assert stored.email == "thuha@example.vn" and stored.id_number == ID_NUMBER
    # The paper with no copy was not handed in: it is not recorded.
    assert [
        (d.position, d.name, d.originals, d.certified_copies, d.photocopies)
        for d in stored.documents
    ] == [(1, "Tờ khai", 1, 0, 0), (2, "Giấy tờ tùy thân", 0, 1, 2)]


def test_the_fields_are_optional(world, receive):
    dossier = receive()
    assert (dossier.address, dossier.email, dossier.id_number, dossier.documents) == (
        "",
        "",
        "",
        [],
    )


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"email": "thuha@example"}, "email", "Thư điện tử"),
        ({"email": "thu ha@example.vn"}, "email", "Thư điện tử"),
        ({"id_number": "02619000123"}, "id_number", "12 chữ số"),
        ({"id_number": "135792468"}, "id_number", "12 chữ số"),  # an old 9-digit card
        ({"id_number": "02619000123X"}, "id_number", "12 chữ số"),
        ({"address": "x" * 301}, "address", "300"),
        ({"documents": ({"name": "Tờ khai", "originals": -1},)}, "documents", "0 đến 99"),
        ({"documents": ({"name": "Tờ khai", "originals": 100},)}, "documents", "0 đến 99"),
        ({"documents": ({"name": "Tờ khai", "photocopies": "2.5"},)}, "documents", "0 đến 99"),
        ({"documents": ({"name": "Tờ khai", "originals": True},)}, "documents", "0 đến 99"),
        ({"documents": ({"name": " ", "originals": 1},)}, "documents", "Ghi tên"),
        (
            {
                "documents": (
                    {"name": "Tờ khai", "originals": 1},
                    {"name": "tờ khai", "originals": 1},
                )
            },
            "documents",
            "hai lần",
        ),
        ({"documents": ("Tờ khai",)}, "documents", "không đúng dạng"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_stored(world, receive, change, field, words):
    person = Applicant(**{**PERSON.__dict__, **change})
    with pytest.raises(ValidationError) as caught:
        receive(applicant=person)
    db.session.rollback()
    assert words in caught.value.errors[field]
    assert _count(Dossier) == _count(DossierDocument) == _count(DossierCounter) == 0


def test_a_spaced_id_number_is_stored_as_12_digits(world, receive):
    dossier = receive(applicant=Applicant(id_number="0261 9000 1234"))
    assert dossier.id_number == ID_NUMBER


def test_intake_form_takes_in_the_papers_and_personal_fields(officer_client, world):
    response = officer_client.post("/dossiers/new", data=_intake_form())
    assert response.status_code == 303, response.get_data(as_text=True)
    dossier = db.session.scalar(select(Dossier))
    assert dossier.id_number == ID_NUMBER and dossier.email == "thuha@example.vn"
    assert [
        (d.name, d.originals, d.certified_copies, d.photocopies) for d in dossier.documents
    ] == [
        ("Tờ khai", 1, 0, 0),
        ("Giấy tờ tùy thân", 0, 1, 2),
        ("Giấy ủy quyền", 1, 0, 0),
    ]
    detail = officer_client.get(f"/dossiers/{dossier.code}").get_data(as_text=True)
    assert ID_NUMBER in detail and "thuha@example.vn" in detail and "Giấy ủy quyền" in detail


def test_the_intake_form_offers_the_procedures_components_as_a_checklist(officer_client, world):
    page = officer_client.post(
        "/dossiers/procedure-info", headers=HTMX, data={"procedure": "1.001612"}
    ).get_data(as_text=True)
    assert 'id="intake-papers"' in page and 'hx-swap-oob="true"' in page
    assert 'name="doc_name" value="Tờ khai"' in page
    assert 'name="doc_name" value="Giấy tờ tùy thân"' in page


def test_a_bad_count_in_the_form_keeps_what_was_typed(officer_client, world):
    form = _intake_form(doc_photocopies=["", "-2", "", ""])
    response = officer_client.post("/dossiers/new", headers=HTMX, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "0 đến 99" in page
    assert f'value="{ID_NUMBER}"' in page and 'value="-2"' in page
    assert _count(Dossier) == 0


def test_a_scan_without_javascript_fills_the_form_and_takes_nothing_in(officer_client, world):
    form = _intake_form(applicant_name="", id_number="", address="", scan=SCAN)
    response = officer_client.post("/dossiers/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert 'value="Nguyễn Thị Thu Hà"' in page and f'value="{ID_NUMBER}"' in page
    assert 'value="Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên"' in page
    assert 'value="0912345678"' in page  # what the officer typed stays
    assert "Đã điền họ tên" in page and _count(Dossier) == 0


def test_a_malformed_scan_is_refused_with_its_reason(officer_client, world):
    response = officer_client.post(
        "/dossiers/new", headers=HTMX, data=_intake_form(scan="026190001234|Nguyễn")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "7 trường" in page and "có 2" in page
    assert _count(Dossier) == 0


def test_the_scan_endpoint_answers_the_fields_as_json(officer_client, world):
    good = officer_client.post("/dossiers/id-card", data={"scan": SCAN})
    assert good.status_code == 200
    assert good.get_json() | {"message": ""} == {
        "applicant_name": "Nguyễn Thị Thu Hà",
        "id_number": ID_NUMBER,
        "address": "Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên",
        "message": "",
    }
    bad = officer_client.post("/dossiers/id-card", data={"scan": SCAN.replace("07031990", "3102")})
    assert bad.status_code == 422 and "Ngày sinh" in bad.get_json()["error"]["message"]


def test_the_scan_endpoint_needs_an_officer(client, world):
    assert client.post("/dossiers/id-card", data={"scan": SCAN}).status_code == 302


def test_api_intake_accepts_the_new_fields(client, login, world):
    login(world.officer)
    response = client.post(
        "/api/v1/dossiers",
        json={
            "procedure": "1.001612",
            "applicant_name": "Nguyễn Thị Thu Hà",
            "phone": "0912345678",
            "address": "Số 12 Ngô Quyền",
            "email": "thuha@example.vn",
            "id_number": ID_NUMBER,
            "documents": list(PAPERS),
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["documents"] == [
        {"name": "Tờ khai", "originals": 1, "certified_copies": 0, "photocopies": 0},
        {"name": "Giấy tờ tùy thân", "originals": 0, "certified_copies": 1, "photocopies": 2},
    ]
    # The answer carries no personal data besides what the caller sent: not the ID number.
    assert ID_NUMBER not in response.get_data(as_text=True)
    dossier = db.session.scalar(select(Dossier))
    assert (dossier.address, dossier.email, dossier.id_number) == (
        "Số 12 Ngô Quyền",
        "thuha@example.vn",
        ID_NUMBER,
    )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"documents": "Tờ khai"}, "documents"),
        ({"documents": [{"name": "Tờ khai", "originals": -1}]}, "documents"),
        ({"documents": [{"name": "Tờ khai", "originals": 1.5}]}, "documents"),
        ({"id_number": "12345"}, "id_number"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_api_intake_refuses_bad_fields(client, login, world, change, field):
    login(world.officer)
    payload = {"procedure": "1.001612", "applicant_name": "Lan", "phone": "0912345678", **change}
    response = client.post("/api/v1/dossiers", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert _count(Dossier) == _count(DossierDocument) == 0


def test_id_numbers_are_masked_in_lists_and_never_public(client, login, world, receive, caplog):
    caplog.set_level(logging.DEBUG)
    dossier = receive(applicant=PERSON)
    login(world.officer)
    listing = client.get("/dossiers").get_data(as_text=True)
    assert "********1234" in listing and ID_NUMBER not in listing
    # A failed intake through the page and the API, and a scan, do not log the number either.
    client.post("/dossiers/new", data=_intake_form(email="bad"))
    client.post("/api/v1/dossiers", json={"procedure": "x", "id_number": ID_NUMBER})
    client.post("/dossiers/id-card", data={"scan": SCAN})
    client.get("/logout")
    public = client.get(f"/d/{dossier.token}").get_data(as_text=True)
    looked_up = client.post(
        "/lookup", data={"code": dossier.code, "phone_last4": "5678"}, follow_redirects=True
    ).get_data(as_text=True)
    api = client.get(f"/api/v1/dossiers/{dossier.code}?phone_last4=5678").get_data(as_text=True)
    assert dossier.code in looked_up and dossier.code in api
    for page in (public, looked_up, api):
        for secret in (ID_NUMBER, "1234", "thuha@example.vn", "Ngô Quyền"):
            assert secret not in page
    assert ID_NUMBER not in caplog.text and "thuha@example.vn" not in caplog.text


def test_a_supplement_request_records_the_papers_and_the_reason(world, receive):
    dossier = receive()
    request_supplement(
        dossier,
        [
            {
                "name": "Giấy tờ tùy thân",
                "originals": "",
                "certified_copies": "1",
                "photocopies": "",
            },
            {"name": "Tờ khai", "originals": "0", "certified_copies": "", "photocopies": ""},
            {
                "name": "Hợp đồng thuê nhà",
                "originals": "1",
                "certified_copies": "",
                "photocopies": "2",
            },
        ],
        "Bản sao giấy tờ tùy thân đã hết hạn.",
        world.officer,
    )
    stored = db.session.get(Dossier, dossier.id)
    assert stored.status == "awaiting_supplement" and stored.paused_at is not None
    request = stored.supplements[0]
    assert request.note == "Bản sao giấy tờ tùy thân đã hết hạn."
    assert [
        (d.name, d.originals, d.certified_copies, d.photocopies) for d in request.documents
    ] == [
        ("Giấy tờ tùy thân", 0, 1, 0),
        ("Hợp đồng thuê nhà", 1, 0, 2),
    ]


@pytest.mark.parametrize(
    "papers, reason, field",
    [
        ([{"name": "Tờ khai", "originals": ""}], "Thiếu tờ khai", "documents"),
        ([], "Thiếu tờ khai", "documents"),
        ([{"name": "Tờ khai", "originals": "x"}], "Thiếu tờ khai", "documents"),
        ([{"name": "Tờ khai", "originals": "1"}], "  ", "supplement_reason"),
    ],
)
def test_a_supplement_request_needs_papers_and_a_reason(world, receive, papers, reason, field):
    dossier = receive()
    with pytest.raises(ValidationError) as caught:
        request_supplement(dossier, papers, reason, world.officer)
    db.session.rollback()
    assert field in caught.value.errors
    assert db.session.get(Dossier, dossier.id).status == "received"
    assert _count(SupplementRequest) == _count(SupplementDocument) == 0


def test_the_officer_asks_for_a_supplement_from_the_dossier_page(officer_client, world, receive):
    dossier = receive()
    page = officer_client.get(f"/dossiers/{dossier.code}").get_data(as_text=True)
    assert "Phiếu yêu cầu bổ sung" in page and 'value="Giấy tờ tùy thân"' in page
    refused = officer_client.post(
        f"/dossiers/{dossier.code}/supplement",
        headers=HTMX,
        data={"doc_name": ["Tờ khai"], "doc_originals": ["1"], "reason": ""},
    )
    assert refused.status_code == 422 and "lý do" in refused.get_data(as_text=True)
    answer = officer_client.post(
        f"/dossiers/{dossier.code}/supplement",
        headers=HTMX,
        data={
            "doc_name": ["Tờ khai", "Giấy tờ tùy thân", "Sơ đồ địa điểm"],
            "doc_originals": ["1", "", "1"],
            "doc_certified_copies": ["", "", ""],
            "doc_photocopies": ["", "", "3"],
            "reason": "Tờ khai chưa có chữ ký.",
        },
    )
    assert answer.status_code == 200 and "supplement.pdf" in answer.get_data(as_text=True)
    pdf = officer_client.get(f"/dossiers/{dossier.code}/supplement.pdf")
    text = _text(pdf.data)
    assert "Tờ khai 1 0 0" in text and "Sơ đồ địa điểm 1 0 3" in text
    assert "Lý do: Tờ khai chưa có chữ ký." in text
    assert "Giấy tờ tùy thân" not in text.split("Lý do")[0].split("như sau")[1]


def _edition(form, basis, valid_from, office=None):
    db.session.add(
        SlipForm(
            office_id=office.id if office else None,
            form=form,
            legal_basis=basis,
            valid_from=valid_from,
        )
    )


def _seed_2018_editions():
    for form in ("01", "02", "03", "04"):
        _edition(
            form,
            f"Mẫu số {form} ban hành kèm theo Thông tư số 01/2018/TT-VPCP "
            "ngày 23/11/2018 của Văn phòng Chính phủ",
            dt.date(2018, 11, 23),
        )
    db.session.commit()


def test_the_three_slips_print_every_stored_field(officer_client, world, receive):
    _seed_2018_editions()
    dossier = receive(applicant=PERSON, applicant_name="Nguyễn Thị Thu Hà")
    request_supplement(
        dossier,
        [{"name": "Giấy tờ tùy thân", "originals": 1, "certified_copies": 0, "photocopies": 2}],
        "Bản sao chưa có chứng thực.",
        world.officer,
    )
    change_status(dossier, "in_progress", world.officer)
    issue_apology(dossier, dt.date(2026, 12, 9), "Chờ ý kiến Chi cục Thuế.", world.officer)
    code = dossier.code

    receipt = _text(officer_client.get(f"/dossiers/{code}/receipt.pdf").data)
    for expected in (
        "Mẫu số 01 ban hành kèm theo Thông tư số 01/2018/TT-VPCP",
        "Nguyễn Thị Thu Hà",
        "Địa chỉ: Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên",
        "Email: thuha@example.vn",
        "Số điện thoại: 0912345678",
        "Bản chính",
        "Bản sao có chứng thực",
        "Bản photo",
        "1 Tờ khai 1 0 0",
        "2 Giấy tờ tùy thân 0 1 2",
    ):
        assert expected in receipt, expected
    assert "....." not in receipt  # no dotted blank left: every field was filled
    assert ID_NUMBER not in receipt  # Mẫu 01 does not ask for it

    supplement = _text(officer_client.get(f"/dossiers/{code}/supplement.pdf").data)
    for expected in (
        "Mẫu số 02 ban hành kèm theo Thông tư số 01/2018/TT-VPCP",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Địa chỉ: Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên",
        "Email: thuha@example.vn",
        "Thành phần hồ sơ",
        "1 Giấy tờ tùy thân 1 0 2",
        "Lý do: Bản sao chưa có chứng thực.",
        "http://onestop.test/procedures?office=VY&q=1.001612",
        "Trần Văn Minh",
        "NGƯỜI HƯỚNG DẪN",
    ):
        assert expected in supplement, expected

    apology = _text(officer_client.get(f"/dossiers/{code}/apology.pdf").data)
    for expected in (
        "Mẫu số 04 ban hành kèm theo Thông tư số 01/2018/TT-VPCP",
        "Kính gửi: Ông/Bà Nguyễn Thị Thu Hà",
        "Địa chỉ: Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên",
        "Số điện thoại: 0912345678",
        "Lý do: Chờ ý kiến Chi cục Thuế.",
        "ngày 09 tháng 12 năm 2026",
    ):
        assert expected in apology, expected


def test_the_legal_basis_line_is_the_newest_edition_valid_for_the_office(
    officer_client, world, receive
):
    _seed_2018_editions()
    # The city adopts a new edition of the receipt from 01/11/2026; a general edition that
    # starts next year is not valid yet.
    _edition(
        "01",
        "Mẫu số 01 ban hành kèm theo Thông tư số 03/2025/TT-VPCP",
        dt.date(2026, 11, 1),
        world.city,
    )
    _edition("01", "Mẫu số 01 của một thông tư sau này", dt.date(2027, 1, 1))
    db.session.commit()
    city = receive()
    ward = receive(office=world.lb, procedure_code="1.001193", officer=world.lb_officer)
    older = receive(received_at=dt.datetime(2026, 10, 30, 2, 0, tzinfo=dt.UTC))

    def basis(dossier) -> str:
        text = _text(officer_client.get(f"/dossiers/{dossier.code}/receipt.pdf").data)
        return re.search(r"\((Mẫu số 01[^)]*)\)", text).group(1)

    assert basis(city) == "Mẫu số 01 ban hành kèm theo Thông tư số 03/2025/TT-VPCP"
    assert "01/2018/TT-VPCP" in basis(older)  # a reprint keeps the edition of its day
    officer_client.get("/logout")
    officer_client.post("/login", data={"username": "supervisor", "password": "correct-horse"})
    assert "01/2018/TT-VPCP" in basis(ward)


def test_without_any_edition_the_slip_has_no_legal_basis_line(officer_client, world, receive):
    dossier = receive()
    text = _text(officer_client.get(f"/dossiers/{dossier.code}/receipt.pdf").data)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "Thông tư" not in text


def test_the_api_asks_for_a_supplement_with_counted_papers(client, login, world, receive):
    dossier = receive()
    login(world.officer)
    url = f"/api/v1/dossiers/{dossier.code}/status"
    papers = [{"name": "Tờ khai", "originals": 1}, {"name": "Sơ đồ", "photocopies": 2}]
    refused = client.post(url, json={"status": "awaiting_supplement", "documents": papers})
    assert (
        refused.status_code == 422 and "supplement_reason" in refused.get_json()["error"]["fields"]
    )
    not_a_list = client.post(
        url, json={"status": "awaiting_supplement", "documents": "Tờ khai", "note": "Thiếu"}
    )
    assert not_a_list.status_code == 422
    assert _count(SupplementRequest) == 0
    answer = client.post(
        url, json={"status": "awaiting_supplement", "documents": papers, "note": "Thiếu sơ đồ."}
    )
    assert answer.status_code == 200 and answer.get_json()["status"] == "awaiting_supplement"
    request = db.session.scalar(select(SupplementRequest))
    assert request.note == "Thiếu sơ đồ."
    assert [(d.name, d.originals, d.photocopies) for d in request.documents] == [
        ("Tờ khai", 1, 0),
        ("Sơ đồ", 0, 2),
    ]


def test_picking_another_office_refreshes_the_form_without_taking_anything_in(client, login, world):
    login(world.supervisor)
    response = client.post(
        "/dossiers/new",
        headers=HTMX,
        data={"action": "refresh", "office": str(world.lb.id), "applicant_name": "Lê Văn An"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="intake-form"' in page
    assert "Đăng ký khai sinh" in page and "Đăng ký thành lập hộ kinh doanh" not in page
    assert 'value="Lê Văn An"' in page and _count(Dossier) == 0


def test_a_newer_edition_is_added_from_the_command_line(runner, officer_client, world, receive):
    _seed_2018_editions()
    added = runner.invoke(
        args=[
            "slip-form",
            "--form",
            "02",
            "--legal-basis",
            "Mẫu số 02 ban hành kèm theo Thông tư số 03/2025/TT-VPCP",
            "--valid-from",
            "2026-07-01",
            "--office",
            "vy",
        ]
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(
        args=[
            "slip-form",
            "--form",
            "02",
            "--legal-basis",
            "x",
            "--valid-from",
            "2026-07-01",
            "--office",
            "VY",
        ]
    )
    assert again.exit_code != 0 and "Đã có mẫu phiếu này" in again.output
    unknown = runner.invoke(
        args=[
            "slip-form",
            "--form",
            "02",
            "--legal-basis",
            "x",
            "--valid-from",
            "2026-07-01",
            "--office",
            "XX",
        ]
    )
    assert unknown.exit_code != 0 and "No office XX" in unknown.output
    listing = runner.invoke(args=["slip-form"])
    assert "02  2026-07-01  VY" in listing.output and "01  2018-11-23  *" in listing.output
    dossier = receive()
    request_supplement(
        dossier, [{"name": "Tờ khai", "originals": 1}], "Thiếu chữ ký.", world.officer
    )
    text = _text(officer_client.get(f"/dossiers/{dossier.code}/supplement.pdf").data)
    assert "(Mẫu số 02 ban hành kèm theo Thông tư số 03/2025/TT-VPCP)" in text
    assert "01/2018/TT-VPCP" not in text


def test_an_edition_with_a_bad_form_or_an_empty_line_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        add_slip_form("05", "  ", dt.date(2026, 1, 1))
    assert set(caught.value.errors) == {"form", "legal_basis"}
    assert _count(SlipForm) == 0
