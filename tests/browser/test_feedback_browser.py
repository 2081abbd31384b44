"""Rating in a real browser three ways (phone, kiosk, counter tablet); a complaint to its answer."""

import re

import pytest
from playwright.sync_api import expect

KIOSK = {"width": 1080, "height": 1920}
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1280, "height": 800}
# A ward whose queue no other browser test works in, so the tickets finished here are ours.
WARD = "VY-DD"
OFFICER = "vy-dd-officer"


@pytest.fixture
def desk(new_context, live_server, login_page):
    """The ward's officer in a browser of their own, driving the officers' API."""
    context = new_context()
    login_page(context.new_page(), OFFICER)
    counters = context.request.get(f"{live_server}/api/v1/offices/{WARD}/counters").json()
    serving = [c["id"] for c in counters if "chung-thuc" in c["services"]]

    class Desk:
        counter_ids = serving

        @staticmethod
        def issue() -> dict:
            response = context.request.post(
                f"{live_server}/api/v1/offices/{WARD}/tickets", data={"service": "chung-thuc"}
            )
            assert response.status == 201, response.text()
            return response.json()

        @staticmethod
        def serve(counter_id: int) -> dict:
            """A ticket issued, called here out of turn (so no one else's) and finished."""
            ticket = Desk.issue()
            for step, body in (("call", {"counter": counter_id}), ("finish", None)):
                response = context.request.post(
                    f"{live_server}/api/v1/tickets/{ticket['id']}/{step}", data=body
                )
                assert response.ok, response.text()
            return ticket

    return Desk


def test_rating_on_the_phone_page_after_the_ticket_is_finished(
    new_context, live_server, desk, screenshot
):
    ticket = desk.serve(desk.counter_ids[0])
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(ticket["url"])
    panel = page.locator("#rating-panel")
    expect(panel.get_by_role("button", name="Rất hài lòng")).to_be_visible()
    expect(panel.get_by_role("button", name="Hài lòng", exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name="Không hài lòng")).to_be_visible()
    screenshot(page, "phone-ask")

    panel.get_by_role("button", name="Không hài lòng").click()
    expect(page.locator(".details-form__title")).to_have_text("Rất tiếc vì ông/bà chưa hài lòng.")
    page.get_by_text("Thời gian giải quyết").click()
    page.get_by_text("Số lần phải đi lại").click()
    page.locator("textarea[name=comment]").fill("Tôi phải chờ gần một tiếng.")
    expect(page.locator("#comment-count")).to_have_text("27/500")
    screenshot(page, "phone-details")
    page.get_by_role("button", name="Gửi ý kiến").click()
    expect(page.locator(".rating-thanks__title")).to_have_text("Xin cảm ơn ông/bà!")
    screenshot(page, "phone-thanks")

    page.reload()
    expect(page.locator("#rating-panel")).to_contain_text("Ông/bà đã đánh giá lượt phục vụ này.")
    expect(page.locator("#rating-panel .rate-btn")).to_have_count(0)


def test_rating_at_the_kiosk_by_todays_ticket_number(new_context, live_server, desk, screenshot):
    ticket = desk.serve(desk.counter_ids[0])
    page = new_context(viewport=KIOSK, has_touch=True).new_page()
    page.goto(f"{live_server}/rate?office={WARD}")
    expect(page.locator("#rate-query")).to_be_focused()
    screenshot(page, "kiosk-lookup")
    for key in ticket["number"]:
        page.locator(f".keypad [data-key='{key}']").click()
    expect(page.locator("#rate-query")).to_have_value(ticket["number"])
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator(".rating-subject__number")).to_have_text(ticket["number"])
    screenshot(page, "kiosk-ask")

    page.get_by_role("button", name="Rất hài lòng").click()
    expect(page.locator(".details-form__title")).to_have_text("Cảm ơn ông/bà đã đánh giá!")
    page.get_by_text("Hướng dẫn của cán bộ").click()
    screenshot(page, "kiosk-details")
    page.get_by_role("button", name="Gửi ý kiến").click()
    expect(page.locator(".rating-thanks__title")).to_be_visible()
    screenshot(page, "kiosk-thanks")
    # The kiosk returns to the number pad by itself, ready for the next citizen.
    expect(page.locator("#rate-query")).to_be_visible(timeout=10_000)
    expect(page.locator("#rate-query")).to_have_value("")

    page.locator("#rate-query").fill(ticket["number"])
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator(".lookup__error")).to_contain_text("đã được đánh giá")


def test_the_counter_tablet_asks_for_the_ticket_its_counter_just_finished(
    new_context, live_server, desk, screenshot
):
    this_counter, other_counter = desk.counter_ids[0], desk.counter_ids[-1]
    assert this_counter != other_counter
    page = new_context(viewport=TABLET, has_touch=True).new_page()
    page.goto(f"{live_server}/rate/counter/{this_counter}")
    expect(page.locator(".rating-idle__welcome")).to_be_visible()
    expect(page.locator(".rate-btn")).to_have_count(0)
    screenshot(page, "tablet-idle")

    desk.serve(other_counter)  # finished at the other counter: this tablet stays idle
    page.wait_for_timeout(2500)
    expect(page.locator(".rate-btn")).to_have_count(0)

    ticket = desk.serve(this_counter)
    expect(page.locator(".rating-subject__number")).to_have_text(ticket["number"], timeout=8000)
    screenshot(page, "tablet-ask")
    page.get_by_role("button", name="Hài lòng", exact=True).click()
    expect(page.locator(".details-form__title")).to_be_visible()
    screenshot(page, "tablet-details")
    page.get_by_role("button", name="Bỏ qua").click()
    expect(page.locator(".rating-thanks__title")).to_be_visible()
    screenshot(page, "tablet-thanks")
    # It clears itself and waits for the next citizen.
    expect(page.locator(".rating-idle__welcome")).to_be_visible(timeout=10_000)


def test_the_supervisor_sees_ratings_by_officer_with_comments(
    new_context, live_server, desk, login_page, screenshot
):
    comments = [
        (2, "Cán bộ hướng dẫn rất tận tình, cảm ơn!"),
        (1, ""),
        (2, "Nhanh, gọn."),
        (0, '<script>alert("x")</script> Phải chờ quá lâu'),
        (1, "Phòng chờ hơi nóng."),
        (2, ""),
    ]
    context = new_context()
    for score, comment in comments:
        ticket = desk.serve(desk.counter_ids[len(comment) % len(desk.counter_ids)])
        response = context.request.post(
            f"{live_server}/api/v1/tickets/{ticket['token']}/rating",
            data={
                "score": score,
                "comment": comment,
                "reasons": ["time", "facilities"] if score == 0 else ["attitude"],
            },
        )
        assert response.status == 201, response.text()
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail("a comment ran as script"))
    login_page(page, "supervisor")
    page.goto(f"{live_server}/ratings?office={WARD}&group=officer")
    expect(page.locator(".comment__text").filter(has_text="Phải chờ quá lâu")).to_contain_text(
        '<script>alert("x")</script>'
    )
    expect(page.locator(".tally-table")).to_contain_text("Cán bộ một cửa")
    screenshot(page, "supervisor")
    page.select_option("select[name=group]", "counter")
    expect(page.locator(".tally-table th").first).to_have_text("Quầy")
    assert "group=counter" in page.url


def test_a_complaint_from_submission_to_published_answer(
    new_context, live_server, login_page, screenshot
):
    citizen = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    citizen.goto(f"{live_server}/complaints/new?office={WARD}")
    citizen.get_by_label("Thái độ, tác phong phục vụ").check()
    citizen.get_by_label("Tiêu đề").fill("Đề nghị bố trí thêm ghế chờ")
    citizen.locator("textarea[name=text]").fill("Sáng thứ Hai nhiều người cao tuổi phải đứng chờ.")
    citizen.get_by_label(re.compile("Số điện thoại hoặc thư điện tử")).fill("0912 345 678")
    screenshot(citizen, "complaint-form")
    citizen.get_by_role("button", name="Gửi phản ánh").click()
    code = citizen.locator(".tracking-code").inner_text()
    assert re.fullmatch(r"PA-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    screenshot(citizen, "complaint-sent")

    staff = new_context().new_page()
    login_page(staff, "vy-dd-supervisor")
    staff.goto(f"{live_server}/complaints")
    staff.get_by_role("link", name="Đề nghị bố trí thêm ghế chờ").click()
    expect(staff.locator(".private-box")).to_contain_text("0912 345 678")
    staff.select_option("select[name=assignee]", label="Cán bộ một cửa phường Đống Đa (VY-DD)")
    staff.get_by_role("button", name="Phân công").click()
    expect(staff.locator(".timeline")).to_contain_text("Phân công")
    staff.locator("textarea[name=answer]").fill(
        "Đơn vị đã bố trí thêm 20 ghế chờ từ ngày hôm nay. Xin cảm ơn ông/bà."
    )
    staff.get_by_role("button", name="Gửi trả lời").click()
    expect(staff.locator(".answer")).to_contain_text("Đã công khai")
    screenshot(staff, "complaint-manage")

    citizen.get_by_role("link", name="Xem tình trạng").click()
    expect(citizen.locator(".answer__text")).to_have_text(
        "Đơn vị đã bố trí thêm 20 ghế chờ từ ngày hôm nay. Xin cảm ơn ông/bà."
    )
    expect(citizen.locator("body")).not_to_contain_text("0912 345 678")
    screenshot(citizen, "complaint-answered")


def test_the_supervisors_complaint_list_shows_overdue_ones_first(
    new_context, live_server, login_page, screenshot
):
    page = new_context().new_page()
    login_page(page, "supervisor")
    page.goto(f"{live_server}/complaints")
    expect(page.locator(".alert--overdue")).to_be_visible()
    expect(page.locator("tbody tr").first).to_have_class(re.compile("row--overdue"))
    screenshot(page, "complaints")


def test_a_complaint_sent_at_the_kiosk_gives_a_code_to_scan(new_context, live_server, screenshot):
    page = new_context(viewport=KIOSK, has_touch=True).new_page()
    page.goto(f"{live_server}/rate?office={WARD}")
    page.get_by_role("link", name="Gửi phản ánh, kiến nghị").click()
    expect(page.locator("select[name=office]")).to_have_value(WARD)
    page.get_by_label("Tiêu đề").fill("Nhà vệ sinh khu chờ cần sửa")
    page.locator("textarea[name=text]").fill("Vòi nước bị hỏng từ tuần trước.")
    screenshot(page, "kiosk-complaint-form")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator(".complaint-done__qr svg")).to_be_visible()
    expect(page.locator(".tracking-code")).to_have_text(re.compile(r"PA-[A-Z2-9]{4}-[A-Z2-9]{4}"))
    screenshot(page, "kiosk-complaint-sent")
