"""Office hours: tickets only while the office is open, the hours API, the closed kiosk screen,
the note near closing, and the end-of-day close of tickets still waiting."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from dossiers.models import Holiday
from onestop.extensions import db
from queues import hours, tickets
from queues.demo import add_queues
from queues.models import OfficeSession, Ticket, TicketEvent
from tests.test_kiosk_screens import HTMX, build_hall, pair_as_kiosk
from tests.test_queues_concurrency import run_threads

LOCAL = dt.timezone(dt.timedelta(hours=7))


def local(year, month, day, hour, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


# Friday 27/11/2026 is the clock's default day.
FRIDAY_MORNING = local(2026, 11, 27, 8, 15)


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    """The city office with weekday hours (07:30-11:30, 13:00-17:00), a Saturday morning, and
    its land service (dat-dai) taking its last ticket at 16:30."""
    hall = build_hall(make_office, make_user, fixed_clock)
    for weekday in range(1, 7):
        sessions = [(dt.time(7, 30), dt.time(11, 30))]
        if weekday < 6:
            sessions.append((dt.time(13, 0), dt.time(17, 0)))
        for opens, closes in sessions:
            db.session.add(
                OfficeSession(office_id=hall.office.id, weekday=weekday, opens=opens, closes=closes)
            )
    hall.services["dat-dai"].last_ticket = dt.time(16, 30)
    db.session.commit()
    return hall


@pytest.fixture
def kiosk(client, hall):
    return pair_as_kiosk(client, hall.office)


def take(client, service="ho-tich"):
    return client.post("/api/v1/offices/VY/tickets", json={"service": service})


def add_day(office, day, kind):
    db.session.add(Holiday(office_id=office.id, day=day, kind=kind, reason="Quyết định của UBND"))
    db.session.commit()


def state(office, at):
    return hours.week_of(office.id).state_at(at)


# --- open or closed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "opens_next"),
    [
        # After the afternoon session: Saturday morning.
        (local(2026, 11, 27, 17, 30), local(2026, 11, 28, 7, 30)),
        # Lunch break: the afternoon session.
        (local(2026, 11, 27, 12, 0), local(2026, 11, 27, 13, 0)),
        # Saturday afternoon and Sunday: Monday morning.
        (local(2026, 11, 28, 14, 0), local(2026, 11, 30, 7, 30)),
        (local(2026, 11, 29, 10, 0), local(2026, 11, 30, 7, 30)),
        # Before opening.
        (local(2026, 11, 30, 7, 29), local(2026, 11, 30, 7, 30)),
        # Tết (the fourth day, a Tuesday): the first working day after the holiday.
        (local(2027, 2, 9, 9, 0), local(2027, 2, 11, 7, 30)),
    ],
)
def test_closed_outside_sessions_weekends_and_holidays(hall, at, opens_next):
    found = state(hall.office, at)
    assert not found.open_now and found.closes_at is None
    assert found.next_open_at == opens_next


def test_open_in_a_session_until_its_end(hall):
    found = state(hall.office, FRIDAY_MORNING)
    assert found.open_now and found.next_open_at is None
    assert found.closes_at == local(2026, 11, 27, 11, 30)
    assert found.day_closes_at == local(2026, 11, 27, 17, 0)
    assert state(hall.office, local(2026, 11, 28, 9, 0)).open_now  # Saturday morning


def test_office_day_off_closes_and_make_up_saturday_opens_with_monday_hours(hall):
    add_day(hall.office, dt.date(2026, 12, 2), "day_off")  # a Wednesday
    assert not state(hall.office, local(2026, 12, 2, 9, 0)).open_now
    assert state(hall.office, local(2026, 12, 1, 17, 5)).next_open_at == local(2026, 12, 3, 7, 30)
    add_day(hall.office, dt.date(2026, 12, 12), "makeup_day")  # a Saturday worked in full
    assert state(hall.office, local(2026, 12, 12, 14, 0)).open_now
    assert not state(hall.office, local(2026, 12, 19, 14, 0)).open_now  # an ordinary Saturday


def test_an_office_without_hours_is_open_around_the_clock(app, make_office, fixed_clock):
    office = make_office(code="VY-TS", name="UBND phường Tích Sơn", level="commune")
    add_day(office, dt.date(2026, 11, 29), "day_off")
    for at in (local(2026, 11, 29, 3, 31), local(2027, 2, 9, 23, 0)):
        found = state(office, at)
        assert found.open_now and found.always_open and found.closes_at is None


# --- issuing -------------------------------------------------------------------------------------


def test_api_refuses_a_ticket_outside_hours_with_409_office_closed(kiosk, hall):
    hall.clock(local(2026, 11, 29, 10, 0))  # Sunday
    response = take(kiosk)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "office_closed"
    assert "07:30 thứ Hai, 30/11/2026" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_kiosk_page_refuses_a_ticket_outside_hours_with_409(kiosk, hall):
    hall.clock(local(2026, 11, 27, 17, 30))
    response = kiosk.post(
        "/kiosk/VY/tickets", data={"service": "ho-tich", "request_id": "r1"}, headers=HTMX
    )
    assert response.status_code == 409
    assert "07:30 thứ Bảy, 28/11/2026" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_tickets_are_given_in_hours_and_on_a_make_up_saturday(kiosk, hall):
    assert take(kiosk).status_code == 201
    add_day(hall.office, dt.date(2026, 12, 12), "makeup_day")
    hall.clock(local(2026, 12, 12, 14, 0))
    assert take(kiosk).status_code == 201


def test_a_service_stops_at_its_last_ticket_time_while_others_go_on(kiosk, hall):
    hall.clock(local(2026, 11, 27, 16, 30))
    assert take(kiosk, "dat-dai").status_code == 201  # 16:30 itself is still in time
    hall.clock(local(2026, 11, 27, 16, 45))
    refused = take(kiosk, "dat-dai")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "office_closed" and "16:30" in error["message"]
    assert "07:30 thứ Bảy, 28/11/2026" in error["message"]
    assert take(kiosk, "ho-tich").status_code == 201


def test_a_retried_request_still_gets_its_ticket_after_closing(kiosk, hall):
    hall.clock(local(2026, 11, 27, 16, 59))
    body = {"service": "ho-tich", "request_id": "same-tap"}
    first = kiosk.post("/api/v1/offices/VY/tickets", json=body)
    hall.clock(local(2026, 11, 27, 17, 1))
    again = kiosk.post("/api/v1/offices/VY/tickets", json=body)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["token"] == again.get_json()["token"]


# --- the hours API -------------------------------------------------------------------------------


def test_hours_api_gives_state_week_and_last_tickets(client, hall):
    hall.clock(local(2026, 11, 27, 17, 30))
    body = client.get("/api/v1/offices/vy/hours").get_json()
    assert set(body) == {"open_now", "closes_at", "next_open_at", "week", "services"}
    assert body["open_now"] is False and body["closes_at"] is None
    assert dt.datetime.fromisoformat(body["next_open_at"]) == local(2026, 11, 28, 7, 30)
    assert body["week"][:2] == [
        {"weekday": 1, "opens": "07:30", "closes": "11:30"},
        {"weekday": 1, "opens": "13:00", "closes": "17:00"},
    ]
    assert body["week"][-1] == {"weekday": 6, "opens": "07:30", "closes": "11:30"}
    assert len(body["week"]) == 11
    assert body["services"] == {"ho-tich": None, "dat-dai": "16:30"}
    hall.clock(FRIDAY_MORNING)
    body = client.get("/api/v1/offices/VY/hours").get_json()
    assert body["open_now"] is True and body["next_open_at"] is None
    assert dt.datetime.fromisoformat(body["closes_at"]) == local(2026, 11, 27, 11, 30)
    assert client.get("/api/v1/offices/NOPE/hours").status_code == 404


def test_hours_api_of_an_office_open_around_the_clock(client, app, make_office, fixed_clock):
    make_office()
    body = client.get("/api/v1/offices/VY/hours").get_json()
    assert body["open_now"] is True and body["closes_at"] is None and body["next_open_at"] is None
    assert body["week"][0] == {"weekday": 1, "opens": "00:00", "closes": "24:00"}
    assert len(body["week"]) == 7


# --- the kiosk screen ----------------------------------------------------------------------------


def test_kiosk_home_shows_when_the_office_opens_next_when_closed(kiosk, hall):
    hall.clock(local(2026, 12, 5, 15, 31))  # Saturday afternoon
    html = kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert "Bộ phận một cửa mở cửa lại lúc 07:30 thứ Hai, 07/12/2026" in html
    assert 'name="service"' not in html  # no service to tap
    assert "thứ Hai – thứ Sáu</th><td>07:30–11:30, 13:00–17:00" in html
    assert "thứ Bảy</th><td>07:30–11:30" in html
    hall.clock(FRIDAY_MORNING)
    html = kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert "data-closed" not in html and 'name="service"' in html


def test_kiosk_notes_services_whose_wait_runs_past_closing_and_those_past_last_ticket(kiosk, hall):
    hall.clock(local(2026, 11, 27, 16, 0))
    for _ in range(6):  # 6 x 12 min over 2 counters: 36 min, served by 16:36
        tickets.issue(hall.office, "dat-dai")
    html = kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert "Có thể không kịp" not in html
    for _ in range(6):  # 12 waiting: 72 min, past 17:00
        tickets.issue(hall.office, "dat-dai")
    html = kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert html.count("data-hours-note") == 1
    assert "Có thể không kịp được phục vụ trước giờ đóng cửa 17:00" in html
    hall.clock(local(2026, 11, 27, 16, 40))
    html = kiosk.get("/kiosk/VY").get_data(as_text=True)
    assert "Đã hết giờ lấy số hôm nay (số cuối lúc 16:30)" in html
    assert html.count(" disabled>") == 1  # the land tile only; ho-tich still takes numbers


# --- the end of the day --------------------------------------------------------------------------


def _day_with_one_served_and_two_waiting(hall):
    served = tickets.issue(hall.office, "ho-tich").ticket
    waiting = [tickets.issue(hall.office, "ho-tich").ticket for _ in range(2)]
    called = tickets.call_next(hall.counters[1], hall.officer)
    assert called.id == served.id
    tickets.finish(called, hall.officer)
    return served, waiting


def _status(ticket_id):
    return db.session.scalar(select(Ticket.status).where(Ticket.id == ticket_id))


def _closing_events():
    return db.session.scalar(
        select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == "day_closed")
    )


def test_close_day_closes_waiting_tickets_as_not_served_once(app, hall, runner, client):
    hall.counters[1].officer_id = hall.officer.id
    db.session.commit()
    served, waiting = _day_with_one_served_and_two_waiting(hall)
    hall.clock(local(2026, 11, 27, 16, 0))
    assert "0 waiting" in runner.invoke(args=["queues", "close-day"]).output  # still open
    assert {_status(t.id) for t in waiting} == {"waiting"}
    hall.clock(local(2026, 11, 27, 17, 5))
    result = runner.invoke(args=["queues", "close-day"])
    assert result.exit_code == 0 and "2 waiting ticket(s) closed" in result.output
    assert {_status(t.id) for t in waiting} == {"unserved"} and _status(served.id) == "done"
    events = db.session.scalars(
        select(TicketEvent).where(TicketEvent.kind == "day_closed").order_by(TicketEvent.id)
    ).all()
    assert [e.ticket_id for e in events] == [t.id for t in waiting]
    assert all(e.at == local(2026, 11, 27, 17, 0) for e in events)
    phone = client.get(f"/t/{waiting[0].token}").get_data(as_text=True)
    assert "Chưa được phục vụ: bộ phận một cửa đã hết giờ làm việc" in phone
    assert "every 5s" not in phone  # nothing more happens to it: the page stops polling
    # Again, and lazily on the next day: nothing more.
    assert "0 waiting" in runner.invoke(args=["queues", "close-day"]).output
    hall.clock(local(2026, 11, 28, 8, 0))
    assert hours.close_past_days(local(2026, 11, 28, 8, 0)) == 0
    assert _closing_events() == 2


def test_unserved_tickets_count_as_issued_never_as_served_in_the_kpis(
    app, hall, runner, client, make_user, login
):
    _day_with_one_served_and_two_waiting(hall)
    hall.clock(local(2026, 11, 27, 17, 5))
    runner.invoke(args=["queues", "close-day"])
    hall.clock(local(2026, 11, 30, 9, 0))
    login(make_user("giamsat", "supervisor", hall.office))
    body = client.get("/api/v1/kpi?office=VY&from=2026-11-27&to=2026-11-27").get_json()
    assert body["tickets_issued"] == 3
    assert body["tickets_called"] == 1 and body["tickets_finished"] == 1
    assert body["no_shows"] == 0 and body["tickets_unserved"] == 2
    assert body["avg_wait_min"] is not None  # the served ticket's wait only
    # The precomputed totals say the same.
    rebuilt = runner.invoke(
        args=["reports", "rebuild", "--from", "2026-11-27", "--to", "2026-11-27"]
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    again = client.get("/api/v1/kpi?office=VY&from=2026-11-27&to=2026-11-27").get_json()
    assert again == body


def test_the_first_kiosk_request_of_a_new_day_closes_what_earlier_days_left(
    client, app, make_office, make_user, fixed_clock
):
    # An office open around the clock, on a machine without the timer.
    office = make_office()
    add_queues(office, [("ho-tich", "A", "Tư pháp – Hộ tịch", 6)], [(1, "Quầy 1", ["ho-tich"])])
    db.session.commit()
    left = tickets.issue(office, "ho-tich").ticket
    fixed_clock(local(2026, 11, 27, 23, 50))
    late = tickets.issue(office, "ho-tich").ticket
    assert client.get("/kiosk/VY").status_code == 200  # same day: nothing closes
    assert _status(left.id) == "waiting"
    fixed_clock(local(2026, 11, 28, 0, 5))
    html = client.get("/kiosk/VY").get_data(as_text=True)
    assert _status(left.id) == _status(late.id) == "unserved"
    assert "Chưa có người chờ" in html
    event = db.session.scalar(
        select(TicketEvent).where(
            TicketEvent.ticket_id == late.id, TicketEvent.kind == "day_closed"
        )
    )
    # Closed at the end of its day, not at the moment the next day noticed it.
    assert event.at == local(2026, 11, 28, 0, 0)
    client.get("/kiosk/VY")
    assert _closing_events() == 2


def test_several_workers_closing_at_once_close_each_ticket_once(app, hall):
    left = [tickets.issue(hall.office, "ho-tich").ticket.id for _ in range(30)]
    db.session.remove()
    after = local(2026, 11, 28, 8, 0)
    hall.clock(after)

    def close(_index, out):
        out.append(hours.close_day(after))

    closed = run_threads(app, 4, close)
    assert sum(closed) == 30
    assert {_status(ticket_id) for ticket_id in left} == {"unserved"}
    assert _closing_events() == 30


# --- editing the hours ---------------------------------------------------------------------------


@pytest.fixture
def admin(hall, make_user, login, client):
    login(make_user("quantri", "admin", hall.office))
    return client


def test_admin_saves_weekly_hours(admin, hall):
    response = admin.post(
        "/admin/hours?office=VY",
        data={
            "mode": "weekly",
            "d1s1_opens": "07:00",
            "d1s1_closes": "11:00",
            "d1s2_opens": "13:30",
            "d1s2_closes": "17:30",
            "d6s1_opens": "7:30",
            "d6s1_closes": "11:30",
        },
    )
    assert response.status_code == 303
    rows = db.session.execute(
        select(OfficeSession.weekday, OfficeSession.opens, OfficeSession.closes)
        .where(OfficeSession.office_id == hall.office.id)
        .order_by(OfficeSession.weekday, OfficeSession.opens)
    ).all()
    assert [(r.weekday, r.opens.hour, r.closes.hour) for r in rows] == [
        (1, 7, 11),
        (1, 13, 17),
        (6, 7, 11),
    ]
    page = admin.get("/admin/services?office=VY").get_data(as_text=True)
    assert 'name="d1s2_opens" value="13:30"' in page
    assert admin.post("/admin/hours?office=VY", data={"mode": "always"}).status_code == 303
    assert hours.week_of(hall.office.id).always_open


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"d1s1_opens": "11:00", "d1s1_closes": "07:00"}, "Giờ đóng cửa phải sau giờ mở cửa."),
        ({"d1s1_opens": "25:00", "d1s1_closes": "26:00"}, "Nhập giờ mở và giờ đóng dạng HH:MM"),
        ({"d1s1_opens": "07:30"}, "Nhập giờ mở và giờ đóng dạng HH:MM"),
        (
            {
                "d1s1_opens": "07:30",
                "d1s1_closes": "12:00",
                "d1s2_opens": "11:00",
                "d1s2_closes": "17:00",
            },
            "Buổi chiều phải bắt đầu sau khi buổi sáng kết thúc.",
        ),
        ({}, "Nhập ít nhất một buổi làm việc"),
    ],
)
def test_admin_hours_refuses_bad_sessions_and_keeps_the_old_week(admin, hall, fields, message):
    response = admin.post("/admin/hours?office=VY", data={"mode": "weekly", **fields})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert len(hours.week_of(hall.office.id).sessions) == 6  # unchanged


def test_admin_sets_and_checks_a_service_last_ticket_time(admin, hall):
    service = hall.services["ho-tich"]
    form = {"code": "ho-tich", "letter": "A", "name": "Tư pháp – Hộ tịch", "active": "1"}
    bad = admin.post(f"/admin/services/{service.id}", data={**form, "last_ticket": "16h30"})
    assert bad.status_code == 422 and "Nhập giờ dạng HH:MM" in bad.get_data(as_text=True)
    assert admin.post(
        f"/admin/services/{service.id}", data={**form, "last_ticket": "16:00"}
    ).status_code in (200, 303)
    db.session.expire_all()
    assert db.session.get(type(service), service.id).last_ticket == dt.time(16, 0)


def test_only_an_admin_edits_hours(hall, make_user, login, client):
    login(make_user("canbo", "officer", hall.office))
    response = client.post("/admin/hours?office=VY", data={"mode": "always"})
    assert response.status_code in (302, 403)
    assert not hours.week_of(hall.office.id).always_open
