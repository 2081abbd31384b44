"""Ratings: one per ticket or dossier (even under concurrent taps), once finished; details."""

import datetime as dt
import secrets

import pytest
from sqlalchemy import func, select

from dossiers.models import Dossier, Procedure
from feedback import ratings
from feedback.models import Rating
from onestop import clock
from onestop.exceptions import Conflict, NotFound, ValidationError
from onestop.extensions import db
from onestop.models import Office
from queues import tickets
from queues.models import Ticket
from tests.fixtures.threads import run_threads


@pytest.fixture
def hall(rating_hall):
    return rating_hall


def serve(hall, counter_index: int = 0) -> Ticket:
    """Issue a ticket, call it at a counter and finish it there: a citizen served end to end."""
    ticket = tickets.issue(hall["office"], "ho-tich").ticket
    called = tickets.call_next(hall["counters"][counter_index], hall["officer"])
    assert called.id == ticket.id
    return tickets.finish(called, hall["officer"])


def make_dossier(
    office: Office, status: str, ticket: Ticket | None = None, officer=None
) -> Dossier:
    procedure = Procedure(
        code="1.001193", name="Đăng ký khai sinh", field="Hộ tịch", processing_days=0
    )
    now = clock.now()
    dossier = Dossier(
        code=f"{office.agency_code}-261127-0001",
        office_id=office.id,
        procedure=procedure,
        received_day=clock.today(),
        number=1,
        applicant_name="Trần Văn Bình",
        phone="0912345678",
        channel="direct",
        status=status,
        received_at=now,
        due_date=clock.today(),
        due_at=now,
        ticket_id=ticket.id if ticket else None,
        officer_id=officer.id if officer else None,
        token=secrets.token_urlsafe(16),
    )
    db.session.add(dossier)
    db.session.commit()
    return dossier


def test_a_finished_ticket_is_rated_with_its_office_counter_officer_and_service(hall):
    ticket = serve(hall, counter_index=1)
    rating = ratings.rate_ticket(ticket, 2, ["attitude", "time"], "  Cán bộ nhiệt tình  ", "phone")
    assert (rating.ticket_id, rating.dossier_id) == (ticket.id, None)
    assert rating.office_id == hall["office"].id
    assert rating.counter_id == hall["counters"][1].id
    assert rating.officer_id == hall["officer"].id
    assert rating.service_id == ticket.service_id
    assert (rating.score, rating.reasons, rating.comment, rating.channel) == (
        2,
        "attitude,time",
        "Cán bộ nhiệt tình",
        "phone",
    )
    assert rating.created_at == clock.now() and rating.details_at == clock.now()


@pytest.mark.parametrize("status", ["waiting", "called", "serving"])
def test_a_ticket_not_yet_finished_cannot_be_rated(hall, status):
    ticket = tickets.issue(hall["office"], "ho-tich").ticket
    if status != "waiting":
        ticket = tickets.call_next(hall["counters"][0], hall["officer"])
    if status == "serving":
        ticket = tickets.start(ticket, hall["officer"])
    with pytest.raises(Conflict) as refused:
        ratings.rate_ticket(ticket, 2)
    assert refused.value.code == "not_finished"
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_a_no_show_cannot_be_rated(hall):
    tickets.issue(hall["office"], "ho-tich")
    ticket = tickets.no_show(
        tickets.call_next(hall["counters"][0], hall["officer"]), hall["officer"]
    )
    with pytest.raises(Conflict):
        ratings.rate_ticket(ticket, 0)


def test_a_second_rating_gets_a_polite_already_rated(hall):
    ticket = serve(hall)
    ratings.rate_ticket(ticket, 1)
    with pytest.raises(Conflict) as refused:
        ratings.rate_ticket(ticket, 0, channel="kiosk")
    assert refused.value.code == "already_rated"
    assert "đã được đánh giá" in refused.value.message
    assert db.session.scalar(select(Rating.score)) == 1


def test_one_rating_per_ticket_under_concurrent_submissions(app, hall):
    ticket_id = serve(hall).id
    db.session.remove()  # the threads use their own sessions
    count = 8

    def tap(index, outcomes):
        ticket = db.session.get(Ticket, ticket_id)
        try:
            ratings.rate_ticket(ticket, index % 3, comment=f"lượt {index}", channel="tablet")
            outcomes.append("stored")
        except Conflict as refusal:
            outcomes.append(refusal.code)

    outcomes = run_threads(app, count, tap)
    assert sorted(outcomes) == ["already_rated"] * (count - 1) + ["stored"]
    assert (
        db.session.scalar(
            select(func.count()).select_from(Rating).where(Rating.ticket_id == ticket_id)
        )
        == 1
    )


def test_the_unique_constraint_alone_refuses_a_second_rating(hall, monkeypatch):
    """Even when the friendly pre-check is raced past, the database keeps one rating per ticket."""
    ticket = serve(hall)
    ratings.rate_ticket(ticket, 2)
    monkeypatch.setattr(ratings.db.session, "scalar", lambda *args, **kwargs: None)
    with pytest.raises(Conflict) as refused:
        ratings.rate_ticket(ticket, 0)
    monkeypatch.undo()
    assert refused.value.code == "already_rated"
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1


@pytest.mark.parametrize(
    "score", [3, -1, "x", None, True, False, "1.5", "2", 2.0, 1.0, " 1 ", "２", "٢"]
)
def test_only_the_integers_0_1_2_are_scores(hall, score):
    with pytest.raises(ValidationError) as refused:
        ratings.rate_ticket(serve(hall), score)
    assert "score" in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


@pytest.mark.parametrize(
    "text, score",
    [("0", 0), ("1", 1), ("2", 2), (" 1 ", None), ("２", None), ("2.0", None), ("+1", None)]
    + [("01", None), ("", None), (None, None), ("1\n", None)],
)
def test_a_form_posts_the_score_as_exactly_one_digit(text, score):
    assert ratings.form_score(text) == score


def test_unknown_reasons_and_overlong_comments_are_refused_with_a_clear_message(hall):
    ticket = serve(hall)
    with pytest.raises(ValidationError) as refused:
        ratings.rate_ticket(ticket, 0, ["rudeness"])
    assert "reasons" in refused.value.errors
    with pytest.raises(ValidationError) as refused:
        ratings.rate_ticket(ticket, 0, comment="x" * 501)
    assert refused.value.errors["comment"] == (
        "Ý kiến dài tối đa 500 ký tự (đã nhập 501 ký tự). Vui lòng rút gọn."
    )
    assert ratings.rate_ticket(ticket, 0, comment="ư" * 500).comment == "ư" * 500


def test_details_follow_the_tap_once_and_only_shortly_after(hall, fixed_clock):
    rating = ratings.rate_ticket(serve(hall), 0, channel="kiosk")
    assert rating.details_at is None
    ratings.add_details(rating, ["visits", "attitude"], "Phải đi lại ba lần")
    assert (rating.reasons, rating.comment) == ("attitude,visits", "Phải đi lại ba lần")
    with pytest.raises(Conflict):
        ratings.add_details(rating, ["time"], "sửa lại")
    late = ratings.rate_ticket(serve(hall), 1, channel="kiosk")
    fixed_clock(clock.now() + ratings.DETAILS_WINDOW + dt.timedelta(seconds=1))
    with pytest.raises(Conflict):
        ratings.add_details(late, ["time"], "")
    db.session.refresh(late)
    assert late.reasons == "" and late.details_at is None


def test_a_dossier_is_rated_once_its_result_is_out(hall):
    ticket = serve(hall, counter_index=1)
    dossier = make_dossier(hall["office"], "in_progress", ticket=ticket, officer=hall["officer"])
    with pytest.raises(Conflict) as refused:
        ratings.rate_dossier(dossier, 2)
    assert refused.value.code == "not_finished"
    dossier.status = "returned"
    db.session.commit()
    rating = ratings.rate_dossier(dossier, 2, ["guidance"], "", "kiosk")
    assert (rating.dossier_id, rating.ticket_id) == (dossier.id, None)
    assert (rating.counter_id, rating.officer_id, rating.service_id) == (
        hall["counters"][1].id,
        hall["officer"].id,
        ticket.service_id,
    )
    with pytest.raises(Conflict):
        ratings.rate_dossier(dossier, 0)
    # The ticket the dossier came from keeps its own, separate rating.
    assert ratings.rate_ticket(ticket, 1).ticket_id == ticket.id


def test_the_counter_tablet_gets_the_ticket_its_counter_just_finished(hall, fixed_clock):
    first, second = hall["counters"]
    assert ratings.ticket_awaiting_rating(first) is None
    done_at_first = serve(hall, counter_index=0)
    assert ratings.ticket_awaiting_rating(first).id == done_at_first.id
    assert ratings.ticket_awaiting_rating(second) is None  # another counter's ticket is not shown
    done_at_second = serve(hall, counter_index=1)
    assert ratings.ticket_awaiting_rating(second).id == done_at_second.id
    assert ratings.ticket_awaiting_rating(first).id == done_at_first.id
    ratings.rate_ticket(done_at_first, 2, channel="tablet")
    assert ratings.ticket_awaiting_rating(first) is None
    fixed_clock(clock.now() + ratings.TABLET_WINDOW + dt.timedelta(seconds=1))
    assert ratings.ticket_awaiting_rating(second) is None  # that citizen has left the counter


def test_call_next_finishing_the_current_ticket_also_offers_it_to_the_tablet(hall):
    tickets.issue(hall["office"], "ho-tich")
    tickets.issue(hall["office"], "ho-tich")
    first = tickets.call_next(hall["counters"][0], hall["officer"])
    tickets.call_next(hall["counters"][0], hall["officer"])  # finishes the first one
    assert ratings.ticket_awaiting_rating(hall["counters"][0]).id == first.id


def test_the_kiosk_finds_todays_ticket_by_number_or_a_scanned_code(hall, make_office, fixed_clock):
    ticket = serve(hall)
    office = hall["office"]
    for typed in ("A001", "a001", "A1", " a 001 ", "A-001"):
        assert ratings.find_for_kiosk(office, typed).id == ticket.id
    assert ratings.find_for_kiosk(office, f"http://onestop.test/t/{ticket.token}").id == ticket.id
    dossier = make_dossier(office, "returned")
    assert (
        ratings.find_for_kiosk(office, f"https://onestop.test/d/{dossier.token}").id == dossier.id
    )
    ward = make_office("VY-LB", "UBND phường Liên Bảo", "commune", agency_code="000.12.02.H62")
    for typed in ("A002", "B001", dossier.code, "", "<script>"):
        with pytest.raises(NotFound):
            ratings.find_for_kiosk(office, typed)
    with pytest.raises(NotFound):
        ratings.find_for_kiosk(ward, "A001")
    fixed_clock(clock.now() + dt.timedelta(days=1))
    with pytest.raises(NotFound):
        ratings.find_for_kiosk(office, "A001")  # numbers restart each day


def test_the_kiosk_rates_a_ticket_finished_here_within_30_minutes(hall, fixed_clock):
    finished = fixed_clock()
    ticket = serve(hall)
    office = hall["office"]
    fixed_clock(finished + dt.timedelta(minutes=29))
    assert ratings.kiosk_refusal(ticket, office, clock.now()) is None
    rating = ratings.rate_at_kiosk(office, ticket, 2)
    assert (rating.ticket_id, rating.channel) == (ticket.id, "kiosk")


def test_the_kiosk_refuses_a_ticket_finished_31_minutes_ago(hall, fixed_clock):
    finished = fixed_clock()
    ticket = serve(hall)
    fixed_clock(finished + dt.timedelta(minutes=31))
    with pytest.raises(Conflict) as refused:
        ratings.rate_at_kiosk(hall["office"], ticket, 2)
    assert refused.value.code == "kiosk_window_closed"
    assert "hơn 30 phút" in refused.value.message and "mã QR trên phiếu" in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0
    # The ticket's own QR still rates it: the phone page has no window.
    assert ratings.rate_ticket(ticket, 2, channel="phone").channel == "phone"


def test_the_kiosk_refuses_another_offices_ticket_and_an_unfinished_one(
    hall, make_office, fixed_clock
):
    ticket = serve(hall)
    ward = make_office("VY-LB", "UBND phường Liên Bảo", "commune", agency_code="000.12.02.H62")
    with pytest.raises(Conflict) as refused:
        ratings.rate_at_kiosk(ward, ticket, 1)
    assert refused.value.code == "other_office" and "không phải của đơn vị này" in str(
        refused.value.message
    )
    waiting = tickets.issue(hall["office"], "ho-tich").ticket
    refusal = ratings.kiosk_refusal(waiting, hall["office"], clock.now())
    assert refusal.code == "not_finished"
    dossier = make_dossier(hall["office"], "returned")
    with pytest.raises(Conflict):
        ratings.rate_at_kiosk(ward, dossier, 1)
    assert ratings.rate_at_kiosk(hall["office"], dossier, 1).dossier_id == dossier.id
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
