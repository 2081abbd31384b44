"""Sessions that end (logout everywhere, a new password, idle and absolute lifetimes), and a
login that checks a password hash whether or not the username exists."""

import datetime as dt

import pytest
from werkzeug.security import check_password_hash

from onestop import accounts
from onestop.extensions import db
from tests.conftest import PASSWORD

ADMIN_PAGE = "/admin/"


@pytest.fixture
def city(make_office):
    return make_office()


@pytest.fixture
def admin(city, make_user):
    return make_user("admin", "admin", city)


def copy_of_session(app, client):
    """Another browser holding the same session cookie (copied, or stolen)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def is_logged_in(client) -> bool:
    return client.get(ADMIN_PAGE).status_code == 200


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(app, client, admin, login):
    login(admin)
    copy = copy_of_session(app, client)
    assert is_logged_in(copy)
    assert client.post("/logout").status_code == 303
    response = copy.get(ADMIN_PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not is_logged_in(client)


def test_logout_ends_the_users_sessions_in_every_browser_but_not_other_users(
    app, client, admin, city, make_user, login
):
    login(admin)
    second_browser = app.test_client()
    second_browser.post("/login", data={"username": "admin", "password": PASSWORD})
    colleague = app.test_client()
    make_user("admin2", "admin", city)
    colleague.post("/login", data={"username": "admin2", "password": PASSWORD})
    client.post("/logout")
    assert not is_logged_in(second_browser)
    assert is_logged_in(colleague)
    # Logging in again gives a session that works.
    login(admin)
    assert is_logged_in(client)


def test_a_new_password_ends_the_users_sessions(app, client, admin, city, make_user, login):
    officer = make_user("officer1", "officer", city)
    officer_browser = app.test_client()
    officer_browser.post("/login", data={"username": "officer1", "password": PASSWORD})
    assert officer_browser.get("/dossiers").status_code == 200
    login(admin)
    form = {
        "username": "officer1",
        "full_name": officer.full_name,
        "role": "officer",
        "office": "VY",
        "password": "a brand new password",
    }
    assert client.post(f"/admin/users/{officer.id}", data=form).status_code == 303
    response = officer_browser.get("/dossiers")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_admin_who_changes_their_own_password_stays_logged_in_there_only(
    app, client, admin, login
):
    login(admin)
    copy = copy_of_session(app, client)
    form = {
        "username": "admin",
        "full_name": admin.full_name,
        "role": "admin",
        "office": "VY",
        "password": "another long password",
    }
    assert client.post(f"/admin/users/{admin.id}", data=form).status_code == 303
    assert is_logged_in(client)
    assert not is_logged_in(copy)


def test_an_account_locked_by_an_admin_is_logged_out_at_once(
    app, client, admin, city, make_user, login
):
    officer = make_user("officer1", "officer", city)
    officer_browser = app.test_client()
    officer_browser.post("/login", data={"username": "officer1", "password": PASSWORD})
    assert officer_browser.get("/dossiers").status_code == 200
    login(admin)
    client.post(f"/admin/users/{officer.id}/active", data={"active": "0"})
    assert officer_browser.get("/dossiers").status_code == 302


def test_a_session_ends_after_the_idle_lifetime(app, client, admin, login, fixed_clock):
    start = fixed_clock()
    app.config["SESSION_IDLE_MINUTES"] = 120
    login(admin)
    fixed_clock(start + dt.timedelta(minutes=119))
    assert is_logged_in(client)  # a request keeps the session alive
    fixed_clock(start + dt.timedelta(minutes=119 + 119))
    assert is_logged_in(client)
    fixed_clock(start + dt.timedelta(minutes=119 + 119 + 120))
    response = client.get(ADMIN_PAGE)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại." in page


def test_an_htmx_poll_after_the_session_ended_sends_the_whole_page_to_the_login(
    app, client, admin, login, fixed_clock
):
    start = fixed_clock()
    login(admin)
    fixed_clock(start + dt.timedelta(hours=3))
    response = client.get(
        "/dossiers",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/dossiers?page=2"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/dossiers?page%3D2"


def test_a_session_ends_after_the_absolute_lifetime_however_busy(
    app, client, admin, login, fixed_clock
):
    start = fixed_clock()
    app.config.update(SESSION_IDLE_MINUTES=120, SESSION_MAX_HOURS=12)
    login(admin)
    for hour in range(1, 12):
        fixed_clock(start + dt.timedelta(hours=hour))
        assert is_logged_in(client)
    fixed_clock(start + dt.timedelta(hours=12))
    assert not is_logged_in(client)


def test_the_lifetimes_come_from_the_environment(monkeypatch, tmp_path):
    from onestop import create_app

    monkeypatch.setenv("ONESTOP_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("ONESTOP_SESSION_MAX_HOURS", "9")
    config = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    app = create_app(config)
    assert (app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_MAX_HOURS"]) == (30, 9)
    monkeypatch.setenv("ONESTOP_SESSION_MAX_HOURS", "0")
    with pytest.raises(RuntimeError, match="SESSION_MAX_HOURS"):
        create_app(config)


@pytest.fixture
def hash_checks(monkeypatch):
    """The password hashes the login verified, in order."""
    checked = []

    def counting(pwhash, password):
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checked


def test_an_unknown_username_costs_one_password_hash_like_a_wrong_password(
    client, admin, hash_checks
):
    wrong = client.post("/login", data={"username": "admin", "password": "wrong password"})
    unknown = client.post("/login", data={"username": "nobody", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True).count("Sai tên đăng nhập hoặc mật khẩu.") == 1
    assert unknown.get_data(as_text=True).count("Sai tên đăng nhập hoặc mật khẩu.") == 1
    assert len(hash_checks) == 2
    real, dummy = hash_checks
    assert real == admin.password_hash and dummy != admin.password_hash
    # The dummy is made like a real hash, so that it takes as long to check.
    assert dummy.split("$")[0] == real.split("$")[0]


def test_an_inactive_user_is_checked_against_the_dummy_hash_even_with_the_right_password(
    client, city, make_user, hash_checks
):
    gone = make_user("gone", "officer", city, active=False)
    assert client.post("/login", data={"username": "gone", "password": PASSWORD}).status_code == 401
    assert len(hash_checks) == 1 and hash_checks[0] != gone.password_hash
    assert db.session.get(type(gone), gone.id).session_epoch == 0
