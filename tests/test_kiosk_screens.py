"""The kiosk screens: services with counts, one ticket per tap, priority, unpaired screens."""

import re

from sqlalchemy import func, select

from onestop.extensions import db
from queues import tickets
from queues.models import Ticket
from tests.fixtures import HTMX
from tests.fixtures.halls import pair_as_kiosk, request_id_of


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_home_shows_each_open_service_with_its_waiting_count_and_estimate(kiosk, hall):
    for _ in range(3):
        tickets.issue(hall.office, "dat-dai")
    html = kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert "UBND thành phố Vĩnh Yên" in html
    assert "Tư pháp – Hộ tịch" in html and "Đất đai" in html
    assert "Xây dựng" not in html  # closed
    assert "3 người đang chờ" in html
    # 3 people x 12 min, served by 2 open counters = 18 min.
    assert "chờ khoảng 18 phút" in html
    assert 'id="kiosk-screen"' in html and 'data-idle-seconds="20"' in html
    assert 'hx-disabled-elt="#kiosk-screen button"' in html
    assert "Màn hình này chưa được đăng ký" not in html


def test_home_htmx_answers_only_the_screen_with_a_fresh_request_id(kiosk, hall):
    first = kiosk.get("/kiosk/VY", headers=HTMX).get_data(as_text=True)
    second = kiosk.get("/kiosk/VY", headers=HTMX).get_data(as_text=True)
    assert first.lstrip().startswith('<section id="kiosk-screen"') and "<html" not in first
    assert request_id_of(first) != request_id_of(second)


def test_unknown_office_is_404(kiosk):
    assert kiosk.get("/kiosk/NOPE").status_code == 404


def test_tapping_a_service_gives_the_ticket_screen_at_once(kiosk, hall):
    page = kiosk.get("/kiosk/VY").get_data(as_text=True)
    response = kiosk.post(
        "/kiosk/VY/tickets",
        headers=HTMX,
        data={"service": "ho-tich", "request_id": request_id_of(page)},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'data-screen="ticket"' in html and "A001" in html and "Tư pháp – Hộ tịch" in html
    ticket = db.session.scalar(select(Ticket))
    assert f"/tickets/{ticket.token}.pdf" in html
    assert "<svg" in html and 'aria-label="QR"' in html
    assert "27/11/2026" in html and "08:15" in html


def test_without_javascript_the_form_post_redirects_to_the_ticket_screen(kiosk, hall):
    page = kiosk.get("/kiosk/VY").get_data(as_text=True)
    response = kiosk.post(
        "/kiosk/VY/tickets", data={"service": "dat-dai", "request_id": request_id_of(page)}
    )
    ticket = db.session.scalar(select(Ticket))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/kiosk/VY/tickets/{ticket.token}")
    html = kiosk.get(response.headers["Location"]).get_data(as_text=True)
    assert "B001" in html and "<html" in html and 'class="kiosk-header"' in html


def test_double_and_impatient_taps_on_one_screen_give_one_ticket(kiosk, hall):
    request_id = request_id_of(kiosk.get("/kiosk/VY").get_data(as_text=True))
    numbers = set()
    for service, headers in [
        ("ho-tich", HTMX),
        ("ho-tich", HTMX),
        ("ho-tich", {}),
        ("dat-dai", HTMX),
    ]:
        response = kiosk.post(
            "/kiosk/VY/tickets",
            headers=headers,
            data={"service": service, "request_id": request_id},
        )
        assert response.status_code in (200, 303)
        if response.status_code == 303:
            response = kiosk.get(response.headers["Location"])
        numbers.add(
            re.search(r"data-ticket-number>(\w+)<", response.get_data(as_text=True)).group(1)
        )
    assert numbers == {"A001"} and ticket_count() == 1
    # The next screen has its own id: the next citizen gets the next number.
    request_id = request_id_of(kiosk.get("/kiosk/VY").get_data(as_text=True))
    kiosk.post(
        "/kiosk/VY/tickets", headers=HTMX, data={"service": "ho-tich", "request_id": request_id}
    )
    assert ticket_count() == 2


def test_a_closed_or_unknown_service_is_refused_and_nothing_is_stored(kiosk, hall):
    closed = kiosk.post(
        "/kiosk/VY/tickets", headers=HTMX, data={"service": "xay-dung", "request_id": "r1"}
    )
    unknown = kiosk.post(
        "/kiosk/VY/tickets", headers=HTMX, data={"service": "nope", "request_id": "r2"}
    )
    assert closed.status_code == 409 and "tạm ngừng nhận số" in closed.get_data(as_text=True)
    assert unknown.status_code == 404
    assert ticket_count() == 0


def test_priority_screen_names_each_group_with_its_legal_basis(kiosk):
    html = kiosk.get("/kiosk/VY/priority").get_data(as_text=True)
    for text in (
        "Người cao tuổi",
        "Luật Người cao tuổi năm 2009",
        "Người khuyết tật",
        "Luật Người khuyết tật năm 2010",
        "Phụ nữ mang thai",
        "dưới 36 tháng tuổi",
        "Người có công với cách mạng",
    ):
        assert text in html
    assert "/kiosk/VY?priority=elderly" in html


def test_a_priority_ticket_is_marked_and_served_first(kiosk, hall):
    tickets.issue(hall.office, "dat-dai")
    page = kiosk.get("/kiosk/VY?priority=disabled").get_data(as_text=True)
    assert (
        "Phiếu ưu tiên: Người khuyết tật" in page
        and "Căn cứ: Luật Người khuyết tật năm 2010" in page
    )
    assert page.count('name="priority_reason" value="disabled"') == 2  # one per open service
    html = kiosk.post(
        "/kiosk/VY/tickets",
        headers=HTMX,
        data={
            "service": "dat-dai",
            "request_id": request_id_of(page),
            "priority_reason": "disabled",
        },
    ).get_data(as_text=True)
    assert "ƯU TIÊN · Người khuyết tật" in html
    assert re.search(r"data-people-ahead>0<", html)  # ahead of the normal ticket issued before
    ticket = db.session.scalar(select(Ticket).where(Ticket.priority.is_(True)))
    assert ticket.priority_reason == "disabled"


def test_an_unknown_priority_in_the_address_shows_the_normal_screen(kiosk):
    html = kiosk.get("/kiosk/VY?priority=vip").get_data(as_text=True)
    assert "Phiếu ưu tiên" not in html and 'name="priority_reason"' not in html


def test_an_unpaired_browser_in_production_sees_counts_and_the_notice_but_cannot_issue(
    client, hall, app
):
    assert app.config["DEMO"] is False
    tickets.issue(hall.office, "ho-tich")
    html = client.get("/kiosk/VY").get_data(as_text=True)
    assert "Màn hình này chưa được đăng ký là ki-ốt" in html
    assert "1 người đang chờ" in html
    assert (
        'action="/kiosk/VY/tickets"' not in html
        and "<button" not in html.split('id="kiosk-screen"')[1].split("</section>")[0]
    )
    response = client.post("/kiosk/VY/tickets", data={"service": "ho-tich", "request_id": "x1"})
    assert response.status_code == 403
    assert ticket_count() == 1


def test_in_demo_mode_every_browser_is_a_kiosk_but_does_not_print_by_itself(client, hall, app):
    app.config["DEMO"] = True
    page = client.get("/kiosk/VY").get_data(as_text=True)
    assert "Màn hình này chưa được đăng ký" not in page
    html = client.post(
        "/kiosk/VY/tickets",
        headers=HTMX,
        data={"service": "ho-tich", "request_id": request_id_of(page)},
    ).get_data(as_text=True)
    assert "A001" in html and "data-autoprint" not in html


def test_a_paired_kiosk_prints_each_ticket_by_itself(kiosk, hall):
    page = kiosk.get("/kiosk/VY").get_data(as_text=True)
    html = kiosk.post(
        "/kiosk/VY/tickets",
        headers=HTMX,
        data={"service": "ho-tich", "request_id": request_id_of(page)},
    ).get_data(as_text=True)
    assert "data-autoprint" in html and "Phiếu đang được in" in html


def test_a_kiosk_paired_to_another_office_cannot_issue_here(client, hall, make_office):
    ward = make_office(
        code="VY-LB", name="UBND phường Liên Bảo", parent=hall.office, level="commune"
    )
    pair_as_kiosk(client, ward)
    assert "Màn hình này chưa được đăng ký là ki-ốt" in client.get("/kiosk/VY").get_data(
        as_text=True
    )
    assert client.post("/kiosk/VY/tickets", data={"service": "ho-tich"}).status_code == 403


def test_the_home_screen_links_the_other_citizen_services_that_exist(kiosk, app):
    html = kiosk.get("/kiosk/VY").get_data(as_text=True)
    expected = {
        "dossiers.lookup": "Tra cứu hồ sơ",
        "dossiers.catalogue": "Thủ tục hành chính",
        "feedback.kiosk_rate": "Đánh giá",
        "feedback.complaint_new": "Phản ánh, kiến nghị",
    }
    for endpoint, label in expected.items():
        assert (label in html) == (endpoint in app.view_functions)
