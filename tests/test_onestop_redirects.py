"""Redirects to a user-supplied address (next=, back=) stay on this site."""

import pytest

from onestop.inputs import forbidden_character
from onestop.security import local_path
from tests.conftest import PASSWORD

NASTY = [
    "//evil.example/",
    "///evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "/\x00/evil.example/",
    "/\x7f/evil.example/",
    "/\x85/evil.example/",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "http:/evil.example/",
    "//user@evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
]
LOCAL = ["/", "/admin/", "/dossiers?status=late&page=2", "/t/abc#rating", "/%2F%2Fevil.example"]


@pytest.mark.parametrize("target", NASTY)
def test_anything_but_a_local_path_is_replaced_by_the_default(target):
    assert local_path(target, "/home") == "/home"


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_are_kept(target):
    assert local_path(target, "/home") == target


def test_a_missing_target_gives_the_default():
    assert local_path(None, "/home") == "/home"


def _stays_on_this_site(response, target) -> bool:
    if forbidden_character(target):
        # Refused before any view runs: no redirect at all.
        return response.status_code == 400 and "Location" not in response.headers
    return response.status_code == 303 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", NASTY)
def test_the_language_switch_returns_only_to_a_local_path(client, target):
    assert _stays_on_this_site(client.post("/lang/en", data={"next": target}), target)


def test_the_language_switch_with_an_encoded_tab_stays_home(client):
    response = client.post(
        "/lang/en",
        data="next=/%09/evil.example/",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.headers["Location"] == "/"
    response = client.post("/lang/vi", data={"next": "/dossiers?page=2"})
    assert response.headers["Location"] == "/dossiers?page=2"


def test_login_returns_only_to_a_local_path(client, make_office, make_user):
    make_user("admin", "admin", make_office())
    for target in NASTY:
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"username": "admin", "password": PASSWORD},
        )
        assert _stays_on_this_site(response, target), target


def test_login_returns_to_the_page_asked_for(client, make_office, make_user):
    make_user("admin", "admin", make_office())
    response = client.post("/login?next=/admin/", data={"username": "admin", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/"
