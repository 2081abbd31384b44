"""Admin pages for offices and users: create, edit, deactivate, validation next to the field."""

import pytest
from sqlalchemy import func, select

from onestop.extensions import db
from onestop.models import Office, User
from tests.fixtures import HTMX


@pytest.fixture
def admin(client, make_office, make_user, login):
    city = make_office()
    user = make_user("admin", "admin", city)
    login("admin")
    return user


def office_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Office))


def test_admin_page_lists_offices_and_users(client, admin):
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="offices-panel"' in page and 'id="users-panel"' in page
    assert "UBND thành phố Vĩnh Yên" in page


def test_create_office_by_htmx_returns_the_panel(client, admin):
    response = client.post(
        "/admin/offices",
        headers=HTMX,
        data={
            "code": "vy-lb",
            "name": "UBND phường Liên Bảo",
            "level": "commune",
            "parent": "VY",
            "late_rate_target_percent": "0.50",
            "wait_target_min": "20",
        },
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="offices-panel"' in body
    office = db.session.scalar(select(Office).where(Office.code == "VY-LB"))
    assert office.parent.code == "VY" and float(office.late_rate_target) == pytest.approx(0.005)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"code": "", "name": "X", "level": "commune"}, "code", "Trường này là bắt buộc."),
        ({"code": "VY", "name": "Trùng", "level": "commune"}, "code", "Mã đơn vị này đã tồn tại."),
        ({"code": "VY-X", "name": "x" * 201, "level": "commune"}, "name", "Tối đa 200 ký tự."),
        ({"code": "VY-X", "name": "X", "level": "planet"}, "level", "Cấp không hợp lệ."),
        (
            {"code": "VY-X", "name": "X", "level": "commune", "parent": "NOPE"},
            "parent",
            "Không có đơn vị cấp trên này.",
        ),
        (
            {"code": "VY-X", "name": "X", "level": "commune", "late_rate_target_percent": "abc"},
            "late_rate_target_percent",
            "Nhập một tỉ lệ phần trăm từ 0 đến 100.",
        ),
    ],
)
def test_bad_office_input_is_shown_next_to_the_field_and_nothing_is_stored(
    client, admin, data, field, message
):
    before = office_count()
    response = client.post("/admin/offices", headers=HTMX, data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'name="{field}"' in body
    section = body[body.index(f'name="{field}"') :]
    assert message in section[: section.index("</label>")]
    assert office_count() == before


def test_edit_office_inline_and_refuse_a_cycle(client, admin):
    city = db.session.scalar(select(Office).where(Office.code == "VY"))
    form = client.get(f"/admin/offices/{city.id}/edit", headers=HTMX).get_data(as_text=True)
    assert f'id="office-{city.id}"' in form and "row--editing" in form
    response = client.post(
        f"/admin/offices/{city.id}",
        headers=HTMX,
        data={"code": "VY", "name": "Thành phố Vĩnh Yên", "level": "district", "parent": "VY"},
    )
    assert response.status_code == 422
    assert "không thể là chính nó" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/offices/{city.id}",
        headers=HTMX,
        data={"code": "VY", "name": "Thành phố Vĩnh Yên", "level": "district"},
    )
    assert response.status_code == 200 and "Thành phố Vĩnh Yên" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Office, city.id).name == "Thành phố Vĩnh Yên"


def test_edit_without_javascript_redirects(client, admin):
    city = db.session.scalar(select(Office).where(Office.code == "VY"))
    assert "<html" in client.get(f"/admin/offices/{city.id}/edit").get_data(as_text=True)
    response = client.post(
        f"/admin/offices/{city.id}", data={"code": "VY", "name": "Vĩnh Yên", "level": "district"}
    )
    assert response.status_code == 303


def test_deactivate_office_and_user(client, admin, make_user):
    city = db.session.scalar(select(Office).where(Office.code == "VY"))
    clerk = make_user("officer1", "officer", city)
    assert (
        client.post(
            f"/admin/users/{clerk.id}/active", headers=HTMX, data={"active": "0"}
        ).status_code
        == 200
    )
    db.session.expire_all()
    assert db.session.get(User, clerk.id).active is False
    response = client.post(f"/admin/users/{admin.id}/active", headers=HTMX, data={"active": "0"})
    assert response.status_code == 422
    assert (
        client.post(
            f"/admin/offices/{city.id}/active", headers=HTMX, data={"active": "0"}
        ).status_code
        == 200
    )
    db.session.expire_all()
    assert db.session.get(Office, city.id).active is False


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {
                "username": "",
                "full_name": "A",
                "role": "officer",
                "office": "VY",
                "password": "12345678",
            },
            "username",
            "Trường này là bắt buộc.",
        ),
        (
            {
                "username": "admin",
                "full_name": "A",
                "role": "officer",
                "office": "VY",
                "password": "12345678",
            },
            "username",
            "Tên đăng nhập này đã được dùng.",
        ),
        (
            {
                "username": "newbie",
                "full_name": "A",
                "role": "king",
                "office": "VY",
                "password": "12345678",
            },
            "role",
            "Vai trò không hợp lệ.",
        ),
        (
            {
                "username": "newbie",
                "full_name": "A",
                "role": "officer",
                "office": "NOWHERE",
                "password": "12345678",
            },
            "office",
            "Không có đơn vị này.",
        ),
        (
            {
                "username": "newbie",
                "full_name": "A",
                "role": "officer",
                "office": "VY",
                "password": "short",
            },
            "password",
            "Mật khẩu cần ít nhất 8 ký tự.",
        ),
    ],
)
def test_bad_user_input_is_refused(client, admin, data, field, message):
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/admin/users", headers=HTMX, data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_create_user_stores_nfc_text(client, admin):
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Lan"
    client.post(
        "/admin/users",
        headers=HTMX,
        data={
            "username": "lan",
            "full_name": decomposed,
            "role": "officer",
            "office": "VY",
            "password": "12345678",
        },
    )
    assert (
        db.session.scalar(select(User.full_name).where(User.username == "lan")) == "Nguyễn Thị Lan"
    )
