"""The dashboard over HTTP: who may see what, htmx fragments and URLs, tables, charts."""

import pytest

from onestop.accounts import create_token
from tests.fixtures import HTMX

PERIOD = "from=2026-11-02&to=2026-11-04&period=custom"


@pytest.fixture
def net(network, make_user):
    network.boss = make_user("c-boss", "supervisor", network.city, full_name="Lãnh đạo C")
    network.ward_boss = make_user("w-boss", "supervisor", network.ward, full_name="Lãnh đạo W")
    return network


def test_supervisor_sees_the_kpis_of_the_city(client, login, net):
    login(net.boss)
    response = client.get(f"/reports?office=C&scope=alone&{PERIOD}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page and 'id="report"' in page and 'id="report-table"' in page
    assert "19,8 phút" in page  # average wait of the hand-computed fixture
    assert "kpi--ok" in page and "kpi--bad" in page
    assert "1 / 3 lượt đánh giá" in page  # the counts behind the satisfaction rate
    for name in ("wait-by-hour", "daily-wait", "satisfaction", "late-by-office", "online-reuse"):
        assert f"/reports/charts/{name}.svg?" in page


def test_htmx_gets_the_fragment_and_the_canonical_url(client, login, net):
    login(net.boss)
    response = client.get(f"/reports?office=C&scope=alone&{PERIOD}&service=", headers=HTMX)
    page = response.get_data(as_text=True)
    assert "<html" not in page and page.lstrip().startswith(("{#", '<section id="report"'))
    assert (
        response.headers["HX-Push-Url"]
        == "/reports?office=C&scope=alone&period=custom&from=2026-11-02&to=2026-11-04"
    )


def test_a_preset_keeps_its_name_in_the_url(client, login, net):
    login(net.boss)
    response = client.get(
        "/reports?office=C&period=month&from=2026-11-01&to=2026-11-20", headers=HTMX
    )
    assert response.headers["HX-Push-Url"] == "/reports?office=C&scope=tree&period=month"
    response = client.get(
        "/reports?office=C&period=month&from=2026-11-01&to=2026-11-10", headers=HTMX
    )
    assert "period=custom" in response.headers["HX-Push-Url"]


def test_a_ward_supervisor_sees_only_the_ward(client, login, net):
    login(net.ward_boss)
    assert client.get(f"/reports?office=C-W&{PERIOD}").status_code == 200
    assert client.get(f"/reports?office=C&{PERIOD}").status_code == 403
    assert client.get(f"/reports?office=X&{PERIOD}").status_code == 403
    assert client.get(f"/reports/report.pdf?office=X&{PERIOD}").status_code == 403
    assert client.get(f"/reports/export/offices.csv?office=C&{PERIOD}").status_code == 403
    assert client.get(f"/reports/charts/daily-wait.svg?office=C&{PERIOD}").status_code == 403


def test_officers_and_visitors_are_turned_away(client, login, net):
    assert client.get("/reports").status_code == 302
    login(net.o1)
    assert client.get("/reports").status_code == 403


def test_a_bad_range_shows_the_error_and_the_default_period(client, login, net):
    login(net.boss)
    response = client.get("/reports?office=C&period=custom&from=2026-11-04&to=2026-11-01")
    assert response.status_code == 422
    assert "Ngày kết thúc không được trước ngày bắt đầu." in response.get_data(as_text=True)


def test_tables_sort_and_switch_by_htmx(client, login, net):
    login(net.boss)
    response = client.get(
        f"/reports/table?office=C&scope=alone&{PERIOD}&tab=services&sort=avg_wait_min&dir=desc",
        headers=HTMX,
    )
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith(("{#", '<section id="report-table"'))
    assert page.index("A · Đất đai") < page.index("B · Tư pháp – Hộ tịch")  # 20.0 before 19.7
    assert "sort=avg_wait_min&amp;dir=desc" in response.headers["HX-Push-Url"].replace("&", "&amp;")
    ascending = client.get(
        f"/reports/table?office=C&scope=alone&{PERIOD}&tab=services&sort=avg_wait_min", headers=HTMX
    ).get_data(as_text=True)
    assert ascending.index("B · Tư pháp – Hộ tịch") < ascending.index("A · Đất đai")
    # Without htmx the table URL leads to the full page in the same state.
    plain = client.get(f"/reports/table?office=C&{PERIOD}&tab=waits")
    assert plain.status_code == 303 and "tab=waits" in plain.headers["Location"]


def test_worst_cases_are_one_click_away(client, login, net):
    login(net.boss)
    waits = client.get(f"/reports?office=C&scope=alone&{PERIOD}&tab=waits").get_data(as_text=True)
    assert "A002" in waits and "30,0" in waits
    overdue = client.get(f"/reports?office=C&scope=alone&{PERIOD}&tab=overdue").get_data(
        as_text=True
    )
    assert (
        "D-02" in overdue and "D-06" in overdue and "Nguyễn Văn A" not in overdue
    )  # no personal data


def test_charts_are_svg_images(client, login, net):
    login(net.boss)
    response = client.get(f"/reports/charts/wait-by-hour.svg?office=C&{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<?xml") and b"<svg" in response.data
    assert "style-src 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert client.get(f"/reports/charts/nothing.svg?office=C&{PERIOD}").status_code == 404


def test_the_api_token_of_a_supervisor_works_for_the_page_too(client, net):
    token = create_token(net.boss, "test")
    response = client.get(
        f"/reports?office=C&{PERIOD}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
