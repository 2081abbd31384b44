"""GET /api/v1/kpi: DESIGN.md section 6, by session or API token, scoped, with clear errors."""

import pytest

from onestop.accounts import create_token
from reports.kpi import JSON_KEYS

URL = "/api/v1/kpi?office=C&from=2026-11-02&to=2026-11-04"


@pytest.fixture
def net(network, make_user):
    network.boss = make_user("c-boss", "supervisor", network.city)
    network.ward_boss = make_user("w-boss", "supervisor", network.ward)
    return network


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_token(user, 'KPI system')}"}


def test_kpi_object_with_a_token(client, net):
    response = client.get(URL + "&scope=alone", headers=bearer(net.boss))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == set(JSON_KEYS) | {"targets"}
    assert body["avg_wait_min"] == 19.8 and body["p90_wait_min"] == 30
    assert body["late_rate"] == round(5 / 9, 4) and body["online_rate"] == 0.5
    assert body["targets"]["late_rate"] == {"max": 0.009}


def test_kpi_object_includes_children_by_default_with_a_session(client, login, net):
    login(net.boss)
    body = client.get(URL).get_json()
    assert body["tickets_issued"] == 10 and body["p90_wait_min"] == 44


def test_out_of_scope_is_403(client, net):
    response = client.get(URL, headers=bearer(net.ward_boss))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert (
        client.get(URL.replace("office=C", "office=C-W"), headers=bearer(net.ward_boss)).status_code
        == 200
    )


def test_strangers_get_401(client, net):
    # (Before any authenticated request: the test app context keeps Flask-Login's user on g.)
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_officers_get_403(client, net):
    assert client.get(URL, headers=bearer(net.o1)).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "office=C&from=2026-11-02",
        "office=C&from=2026-13-02&to=2026-11-04",
        "office=C&from=02/11/2026&to=2026-11-04",
        "office=C&from=2026-11-04&to=2026-11-02",
    ],
)
def test_bad_dates_are_400(client, net, query):
    response = client.get(f"/api/v1/kpi?{query}", headers=bearer(net.boss))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_dates" and error["message"]


def test_unknown_office_is_404(client, net):
    response = client.get(URL.replace("office=C", "office=NOPE"), headers=bearer(net.boss))
    assert response.status_code == 404
