"""Login, roles, office scope, bearer tokens, CSRF and the login rate limit."""

import re

import pytest
from sqlalchemy import select

from onestop import accounts
from onestop.extensions import db
from onestop.models import can_act_in, visible_office_ids


@pytest.fixture
def city(make_office):
    return make_office()


@pytest.fixture
def ward(make_office, city):
    return make_office(code="VY-LB", name="UBND phường Liên Bảo", level="commune", parent=city)


def test_login_and_logout(client, city, make_user, login):
    make_user("officer1", "officer", city)
    response = login("officer1")
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, city, make_user, login):
    make_user("officer1", "officer", city)
    response = login("officer1", "not the password")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(city, make_user, login):
    make_user("gone", "officer", city, active=False)
    assert login("gone").status_code == 401


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin/")


def test_login_redirects_only_to_local_paths(client, city, make_user):
    make_user("admin", "admin", city)
    from tests.conftest import PASSWORD

    response = client.post(
        "/login?next=//evil.example/", data={"username": "admin", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("role, status", [("officer", 403), ("supervisor", 403), ("admin", 200)])
def test_admin_pages_need_the_admin_role(client, city, make_user, login, role, status):
    make_user("someone", role, city)
    login("someone")
    assert client.get("/admin/").status_code == status


def test_supervisor_of_the_city_sees_its_wards_and_a_ward_sees_only_itself(
    city, ward, make_office, make_user
):
    other = make_office(code="VY-TT", name="UBND xã Thanh Trù", level="commune", parent=city)
    boss = make_user("supervisor", "supervisor", city)
    ward_boss = make_user("vy-lb-supervisor", "supervisor", ward)
    officer = make_user("officer1", "officer", city)
    assert visible_office_ids(boss) == {city.id, ward.id, other.id}
    assert visible_office_ids(ward_boss) == {ward.id}
    assert can_act_in(officer, city.id) and not can_act_in(officer, ward.id)


def test_passwords_are_hashed_with_werkzeugs_default(city, make_user):
    user = accounts.save_user(
        {
            "username": "newbie",
            "full_name": "Lê Văn Bình",
            "role": "officer",
            "office": "VY",
            "password": "a long password",
        }
    )
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("a long password")


def test_api_without_credentials_answers_json_401(client, app):
    from flask_login import login_required

    @app.get("/api/v1/_probe")
    @login_required
    def probe():
        return {"ok": True}

    response = client.get("/api/v1/_probe")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_bearer_token_opens_a_protected_api_view(client, app, city, make_user):
    from flask_login import current_user, login_required

    @app.get("/api/v1/_whoami")
    @login_required
    def whoami():
        return {"user": current_user.username}

    token = accounts.create_token(make_user("kpi-system", "supervisor", city), "city KPI system")
    response = client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json() == {"user": "kpi-system"}


def test_tampered_csrf_token_is_refused_and_nothing_changes(app, client, city, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("admin", "admin", city)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    from tests.conftest import PASSWORD

    assert (
        client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 303
    )
    response = client.post(
        "/admin/offices",
        data={"code": "VY-X", "name": "X", "level": "commune", "csrf_token": token[:-4] + "abcd"},
    )
    assert response.status_code == 400
    assert "biểu mẫu không hợp lệ" in response.get_data(as_text=True)
    from onestop.models import Office

    assert db.session.scalar(select(Office).where(Office.code == "VY-X")) is None


def test_login_attempts_are_rate_limited(tmp_path):
    from onestop import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}",
            "LOGIN_RATE_LIMIT": "3 per minute",
        }
    )
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [
            client.post("/login", data={"username": "x", "password": "y"}).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        assert "Quá nhiều yêu cầu" in client.post("/login", data={"username": "x"}).get_data(
            as_text=True
        )
        db.session.remove()
        db.drop_all()


def test_session_cookie_flags(client, city, make_user, login):
    make_user("officer1", "officer", city)
    cookie = login("officer1").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
