"""Complaints: submitted, assigned, handled, answered, published, each step recorded; overdue."""

import datetime as dt
import json
import logging
import re

import pytest
from itsdangerous.encoding import base64_decode
from sqlalchemy import func, select

from feedback import complaint_queries, complaints, handoff
from feedback.demo import seed as seed_complaints
from feedback.models import Complaint, ComplaintEvent
from onestop import clock
from onestop.demo import seed as seed_offices
from onestop.exceptions import Conflict, Forbidden, NotFound, ValidationError
from onestop.extensions import db
from queues import devices
from tests.fixtures import HTMX

CONTACT = "lan.nguyen@example.vn"


@pytest.fixture
def city(app, make_office, make_user, fixed_clock):
    office = make_office()
    ward = make_office(
        "VY-LB", "UBND phường Liên Bảo", "commune", parent=office, agency_code="000.12.02.H62"
    )
    return {
        "office": office,
        "ward": ward,
        "supervisor": make_user("supervisor", "supervisor", office, full_name="Đỗ Minh Tuấn"),
        "officer": make_user("officer1", "officer", office, full_name="Nguyễn Thị Lan"),
        "other_officer": make_user("officer2", "officer", office, full_name="Trần Văn Minh"),
        "ward_officer": make_user("vy-lb-officer", "officer", ward, full_name="Lê Thu Hà"),
        "ward_supervisor": make_user(
            "vy-lb-supervisor", "supervisor", ward, full_name="Phạm Quốc Bảo"
        ),
    }


def submit(office, subject="Thời gian chờ quá lâu", contact=CONTACT) -> Complaint:
    return complaints.submit(
        office, subject, "Tôi đã chờ 45 phút tại quầy chứng thực.", contact, "attitude", "web"
    )


def test_a_complaint_is_received_with_a_code_and_a_due_date_fifteen_working_days_later(city):
    complaint = submit(city["office"])
    assert re.fullmatch(r"PA-[A-Z2-9]{4}-[A-Z2-9]{4}", complaint.code)
    assert (complaint.status, complaint.topic, complaint.contact) == (
        "received",
        "attitude",
        CONTACT,
    )
    # Friday 27/11/2026: fifteen working days later, weekends skipped.
    assert complaint.due_date == dt.date(2026, 12, 18)
    assert [(e.action, e.user_id, e.at) for e in complaint.events] == [
        ("received", None, clock.now())
    ]


def test_the_due_date_skips_tet(city, fixed_clock):
    fixed_clock(dt.datetime(2026, 2, 9, 2, 0, tzinfo=dt.UTC))  # Monday before Tết Bính Ngọ
    # 10-13/2 (4 working days), Tết 16-20/2 off, 23-27/2 (9), 2-6/3 (14): the 15th is Monday 9/3.
    assert submit(city["office"]).due_date == dt.date(2026, 3, 9)


def test_the_whole_lifecycle_is_recorded_step_by_step(city, fixed_clock):
    complaint = submit(city["office"])
    complaints.assign(complaint, city["officer"], city["supervisor"], "Xác minh với quầy 3")
    assert (complaint.status, complaint.assignee_id) == ("handling", city["officer"].id)
    fixed_clock(clock.now() + dt.timedelta(hours=2))
    complaints.handle(complaint, city["officer"], "Đã làm việc với cán bộ quầy 3")
    fixed_clock(clock.now() + dt.timedelta(days=1))
    complaints.answer(
        complaint, city["officer"], "Đơn vị đã bố trí thêm một quầy chứng thực vào giờ cao điểm."
    )
    assert (complaint.status, complaint.answered_at, complaint.published) == (
        "answered",
        clock.now(),
        False,
    )
    assert complaint_queries.public_view(complaint)["answer"] is None
    complaints.publish(complaint, city["supervisor"])
    assert complaint_queries.public_view(complaint)["answer"].startswith("Đơn vị đã bố trí")
    db.session.expire_all()
    steps = [
        (e.action, e.user.username if e.user else None)
        for e in db.session.get(Complaint, complaint.id).events
    ]
    assert steps == [
        ("received", None),
        ("assigned", "supervisor"),
        ("note", "officer1"),
        ("answered", "officer1"),
        ("published", "supervisor"),
    ]
    times = [e.at for e in complaint.events]
    assert times == sorted(times)


def test_handling_starts_without_an_assignment_and_notes_need_text(city):
    complaint = submit(city["office"])
    complaints.handle(complaint, city["supervisor"])
    assert complaint.status == "handling"
    with pytest.raises(ValidationError):
        complaints.handle(complaint, city["supervisor"], "  ")


def test_who_may_do_what(city):
    complaint = submit(city["office"])
    with pytest.raises(Forbidden):
        complaints.assign(complaint, city["officer"], city["officer"])  # officers do not assign
    with pytest.raises(Forbidden):
        complaints.handle(complaint, city["officer"], "chưa được giao")
    with pytest.raises(Forbidden):
        complaints.assign(
            complaint, city["officer"], city["ward_supervisor"]
        )  # another office's lead
    with pytest.raises(ValidationError):
        complaints.assign(
            complaint, city["ward_officer"], city["supervisor"]
        )  # not staff of that office
    complaints.assign(complaint, city["officer"], city["supervisor"])
    with pytest.raises(Forbidden):
        complaints.handle(complaint, city["other_officer"], "không phải việc của tôi")
    with pytest.raises(Forbidden):
        complaints.answer(
            complaint, city["officer"], "Trả lời", publish=True
        )  # publishing is the lead's
    complaints.answer(complaint, city["officer"], "Trả lời")
    with pytest.raises(Forbidden):
        complaints.publish(complaint, city["officer"])
    with pytest.raises(Conflict):
        complaints.answer(complaint, city["supervisor"], "Lần hai")
    with pytest.raises(Conflict):
        complaints.assign(complaint, city["other_officer"], city["supervisor"])


def test_a_ward_complaint_can_go_to_the_city_supervisor_or_ward_staff(city):
    complaint = submit(city["ward"])
    names = {user.username for user in complaints.assignable_users(complaint)}
    assert names == {"vy-lb-officer", "vy-lb-supervisor", "supervisor"}


def test_publishing_needs_an_answer(city):
    complaint = submit(city["office"])
    with pytest.raises(Conflict):
        complaints.publish(complaint, city["supervisor"])


def test_overdue_complaints_are_those_unanswered_after_their_due_date(city, fixed_clock):
    late = submit(city["office"], "Chưa được trả lời")
    answered = submit(city["office"], "Đã trả lời")
    complaints.answer(answered, city["supervisor"], "Xong.")
    fixed_clock(dt.datetime(2026, 12, 18, 16, 59, tzinfo=dt.UTC))  # 23:59 on the due date, local
    assert not late.is_overdue() and complaint_queries.overdue({city["office"].id}) == []
    fixed_clock(dt.datetime(2026, 12, 18, 17, 0, tzinfo=dt.UTC))  # 00:00 on 19/12, local
    assert late.is_overdue() and not answered.is_overdue()
    assert [c.id for c in complaint_queries.overdue({city["office"].id})] == [late.id]
    listed, total = complaint_queries.for_staff(city["supervisor"])
    assert [c.id for c in listed] == [late.id, answered.id] and total == 2
    assert complaint_queries.for_staff(city["supervisor"], status="open") == ([late], 1)
    assert complaint_queries.for_staff(city["supervisor"], limit=1) == ([late], 2)


@pytest.mark.parametrize(
    "office_key, subject, text, contact, topic, field",
    [
        (None, "Tiêu đề", "Nội dung", "", "other", "office"),
        ("office", "", "Nội dung", "", "other", "subject"),
        ("office", "Tiêu đề", "   ", "", "other", "text"),
        ("office", "x" * 201, "Nội dung", "", "other", "subject"),
        ("office", "Tiêu đề", "x" * 4001, "", "other", "text"),
        ("office", "Tiêu đề", "Nội dung", "0" * 201, "other", "contact"),
        ("office", "Tiêu đề", "Nội dung", "", "politics", "topic"),
    ],
)
def test_bad_complaints_are_refused_and_nothing_is_stored(
    city, office_key, subject, text, contact, topic, field
):
    with pytest.raises(ValidationError) as refused:
        complaints.submit(city.get(office_key), subject, text, contact, topic)
    assert field in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_tracking_codes_are_found_however_they_are_typed(city):
    complaint = submit(city["office"])
    assert complaint_queries.by_code(complaint.code.lower().replace("-", " ")).id == complaint.id
    with pytest.raises(NotFound):
        complaint_queries.by_code("PA-AAAA-AAAA")


# --- pages ----------------------------------------------------------------------------------------


def test_a_citizen_submits_from_a_phone_and_tracks_the_published_answer(
    client, city, login, caplog
):
    caplog.set_level(logging.DEBUG)
    form = {
        "office": "VY",
        "topic": "regulation",
        "subject": "Hồ sơ phải bổ sung nhiều lần",
        "text": "Tôi phải đi lại ba lần.",
        "contact": CONTACT,
    }
    response = client.post("/complaints/new", data=form)
    assert response.status_code == 303
    code = re.search(r"/complaints/(PA-[A-Z0-9-]+)", response.location).group(1)
    page = client.get(response.location).get_data(as_text=True)
    assert code in page and "Đã tiếp nhận" in page and "18/12/2026" in page
    assert CONTACT not in page and "đi lại ba lần" not in page
    complaint = complaint_queries.by_code(code)
    assert complaint.channel == "web"

    login(city["supervisor"])
    manage = client.get(f"/complaints/{code}/manage").get_data(as_text=True)
    assert CONTACT in manage  # the staff handling it see the contact
    response = client.post(
        f"/complaints/{code}/answer",
        headers=HTMX,
        data={"answer": "Đơn vị đã rà soát và hướng dẫn một lần đầy đủ.", "publish": "1"},
    )
    assert response.status_code == 200 and 'id="complaint-manage"' in response.get_data(
        as_text=True
    )
    client.post("/logout")
    page = client.get(f"/complaints/{code}").get_data(as_text=True)
    assert "Đơn vị đã rà soát và hướng dẫn một lần đầy đủ." in page and "Đã trả lời" in page
    assert CONTACT not in caplog.text


def test_the_htmx_form_shows_the_code_and_a_qr_in_place(client, city):
    response = client.post(
        "/complaints/new",
        headers=HTMX,
        data={"office": "VY", "topic": "other", "subject": "Ghế chờ", "text": "Thiếu ghế."},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="complaint-form"' in html
    code = db.session.scalar(select(Complaint.code))
    assert code in html and "<svg" in html


def test_a_bad_complaint_form_comes_back_with_its_errors(client, city):
    response = client.post(
        "/complaints/new", headers=HTMX, data={"office": "", "subject": "", "text": "x"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.count("field__error") == 2
    assert 'value="x"' not in html and ">x</textarea>" in html


def test_a_kiosk_complaint_needs_a_paired_kiosk(client, city):
    form = {
        "office": "VY",
        "topic": "other",
        "subject": "Ghế chờ",
        "text": "Thiếu ghế.",
        "kiosk": "1",
    }
    assert client.post("/complaints/new", data=form).status_code == 403
    _device, pairing = devices.create_pairing(city["office"], "kiosk", "Ki-ốt sảnh")
    device, secret = devices.pair(pairing)
    client.set_cookie(devices.COOKIE_NAME, devices.cookie_value(device, secret))
    assert client.post("/complaints/new", data=form).status_code == 303
    assert db.session.scalar(select(Complaint.channel)) == "kiosk"


def test_tracking_by_a_typed_code(client, city):
    complaint = submit(city["office"])
    response = client.get(f"/complaints/track?code={complaint.code.lower()}")
    assert (response.status_code, response.location) == (303, f"/complaints/{complaint.code}")
    missing = client.get("/complaints/track?code=PA-0000")
    assert missing.status_code == 404 and "Không tìm thấy phản ánh" in missing.get_data(
        as_text=True
    )


def test_the_supervisor_list_marks_overdue_complaints_and_escapes_text(
    client, city, login, fixed_clock
):
    submit(city["office"], subject='<img src=x onerror="alert(1)">')
    fixed_clock(dt.datetime(2027, 1, 5, 2, 0, tzinfo=dt.UTC))
    submit(city["office"], subject="Mới gửi")
    login(city["supervisor"])
    html = client.get("/complaints").get_data(as_text=True)
    assert "1 phản ánh đã quá hạn trả lời." in html
    assert html.count('class="row--overdue"') == 1
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html and "<img src=x" not in html
    fragment = client.get("/complaints?overdue=1", headers=HTMX).get_data(as_text=True)
    assert 'id="complaints-table"' in fragment
    assert "Mới gửi" not in fragment and "<html" not in fragment


def test_the_list_shows_unanswered_complaints_unless_asked_for_all(client, city, login):
    complaints.answer(submit(city["office"], subject="Đã xong"), city["supervisor"], "Xong.")
    submit(city["office"], subject="Còn mở")
    login(city["supervisor"])
    html = client.get("/complaints").get_data(as_text=True)
    assert "Còn mở" in html and "Đã xong" not in html
    html = client.get("/complaints?status=").get_data(as_text=True)
    assert "Còn mở" in html and "Đã xong" in html


def test_staff_see_only_what_is_theirs(client, city, login):
    complaint = submit(city["office"])
    login(city["ward_supervisor"])
    assert complaint.code not in client.get("/complaints").get_data(as_text=True)
    assert client.get(f"/complaints/{complaint.code}/manage").status_code == 403
    assert (
        client.post(f"/complaints/{complaint.code}/handle", data={"note": "x"}).status_code == 403
    )
    client.post("/logout")
    login(city["officer"])
    assert complaint.code not in client.get("/complaints").get_data(as_text=True)
    complaints.assign(complaint, city["officer"], city["supervisor"])
    assert complaint.code in client.get("/complaints").get_data(as_text=True)
    response = client.post(f"/complaints/{complaint.code}/handle", data={"note": "Đang xác minh"})
    assert response.status_code == 303
    client.post("/logout")
    assert client.get("/complaints").status_code == 302


def test_a_refused_answer_comes_back_with_its_message(client, city, login):
    complaint = submit(city["office"])
    login(city["supervisor"])
    response = client.post(
        f"/complaints/{complaint.code}/answer", headers=HTMX, data={"answer": "   "}
    )
    assert response.status_code == 422 and "Trường này là bắt buộc." in response.get_data(
        as_text=True
    )


def test_demo_seed_creates_complaints_in_each_state_with_one_overdue(app, fixed_clock):
    seed_offices()
    seed_complaints()
    statuses = set(db.session.scalars(select(Complaint.status)))
    assert statuses == {"received", "handling", "answered"}
    assert any(c.is_overdue() for c in db.session.scalars(select(Complaint)))
    assert db.session.scalar(select(func.count()).select_from(ComplaintEvent)) >= 5


def _handoff_link(page: str) -> str:
    return re.search(r'data-handoff-url="https?://[^/"]+(/c/[^"]+)"', page).group(1)


def test_a_kiosk_complaint_can_continue_on_the_phone_through_a_qr(client, city, fixed_clock):
    shown = fixed_clock()
    page = client.get("/complaints/new?office=VY&kiosk=1").get_data(as_text=True)
    assert 'class="handoff"' in page and "<svg" in page.split('class="handoff"')[1]
    link = _handoff_link(page)
    # What the QR carries is the office's code and the time it was made, nothing else.
    payload = link.removeprefix("/c/").split(".")[0]
    assert json.loads(base64_decode(payload)) == {"office": "VY"}
    fixed_clock(shown + dt.timedelta(minutes=14))
    opened = client.get(link)
    assert opened.status_code == 303 and opened.location == "/complaints/new?office=VY"
    phone_form = client.get(opened.location).get_data(as_text=True)
    assert 'class="handoff"' not in phone_form and 'name="kiosk"' not in phone_form
    assert '<option value="VY" selected' in phone_form


def test_the_phone_link_expires_after_15_minutes_into_the_plain_form(client, city, fixed_clock):
    shown = fixed_clock()
    link = _handoff_link(client.get("/complaints/new?office=VY&kiosk=1").get_data(as_text=True))
    fixed_clock(shown + dt.timedelta(minutes=16))
    expired = client.get(link)
    assert expired.status_code == 303 and expired.location == "/complaints/new"
    assert "Mã QR này đã hết hạn" in client.get(expired.location).get_data(as_text=True)
    assert client.get(link[:-4] + "AAAA").status_code == 404
    assert client.get("/c/not-a-token").status_code == 404


def test_a_handoff_to_an_office_closed_since_is_refused(app, city):
    with app.test_request_context():
        token = handoff.handoff_token(city["ward"])
        assert handoff.office_of_handoff(token).code == "VY-LB"
        city["ward"].active = False
        db.session.commit()
        with pytest.raises(NotFound):
            handoff.office_of_handoff(token)


def test_the_phone_and_desktop_forms_show_no_handoff(client, city):
    assert 'class="handoff"' not in client.get("/complaints/new?office=VY").get_data(as_text=True)
    # A kiosk form without an office has no office to hand over.
    assert 'class="handoff"' not in client.get("/complaints/new?kiosk=1").get_data(as_text=True)
