"""Who sees which ratings; tallies by office, counter, officer and service; escaped comments."""

import datetime as dt

import pytest
from sqlalchemy import select

from feedback import ratings, stats
from onestop import clock
from onestop.extensions import db
from queues import tickets
from queues.demo import add_queues
from queues.models import Counter

HTMX = {"HX-Request": "true"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def rated(app, make_office, make_user, fixed_clock):
    """Ratings at the city (two officers, two counters, two services) and at a ward."""
    city = make_office()
    ward = make_office(
        "VY-LB", "UBND phường Liên Bảo", "commune", parent=city, agency_code="000.12.02.H62"
    )
    add_queues(
        city,
        [("dat-dai", "A", "Đất đai", 10), ("ho-tich", "B", "Tư pháp – Hộ tịch", 6)],
        [(1, "Quầy 1", ["dat-dai", "ho-tich"]), (2, "Quầy 2", ["dat-dai", "ho-tich"])],
    )
    add_queues(ward, [("ho-tich", "A", "Hộ tịch", 6)], [(1, "Quầy 1", ["ho-tich"])])
    db.session.commit()
    people = {
        "lan": make_user("officer1", "officer", city, full_name="Nguyễn Thị Lan"),
        "minh": make_user("officer2", "officer", city, full_name="Trần Văn Minh"),
        "ha": make_user("vy-lb-officer", "officer", ward, full_name="Lê Thu Hà"),
        "supervisor": make_user("supervisor", "supervisor", city, full_name="Đỗ Minh Tuấn"),
        "ward_supervisor": make_user(
            "vy-lb-supervisor", "supervisor", ward, full_name="Phạm Quốc Bảo"
        ),
    }
    counters = {(c.office_id, c.number): c for c in db.session.scalars(select(Counter))}

    def rate(office, service, counter_number, officer, score, comment="", reasons=()):
        tickets.issue(office, service)
        ticket = tickets.call_next(counters[(office.id, counter_number)], officer)
        ratings.rate_ticket(tickets.finish(ticket, officer), score, reasons, comment)

    rate(city, "dat-dai", 1, people["lan"], 2, "Rất nhanh")
    rate(city, "dat-dai", 1, people["lan"], 1)
    rate(city, "ho-tich", 2, people["minh"], 0, HOSTILE, ["attitude", "time"])
    rate(city, "ho-tich", 2, people["minh"], 0, "", ["time"])
    rate(ward, "ho-tich", 1, people["ha"], 2, "Phường phục vụ tốt")
    return {"city": city, "ward": ward, **people}


def scope_of(*offices, officer=None) -> stats.Scope:
    return stats.Scope(
        frozenset(o.id for o in offices),
        clock.today(),
        clock.today(),
        officer.id if officer else None,
    )


def test_overall_tally_and_satisfaction_rate(rated):
    total = stats.overall(scope_of(rated["city"], rated["ward"]))
    assert (total.total, total.very_satisfied, total.satisfied, total.unsatisfied) == (5, 2, 1, 2)
    assert total.satisfaction == pytest.approx(3 / 5)
    assert total.average_points == pytest.approx(5 / 5)


def test_tallies_by_office_counter_officer_and_service(rated):
    scope = scope_of(rated["city"], rated["ward"])
    by_officer = {t.label: (t.total, t.unsatisfied) for t in stats.tally_by("officer", scope)}
    assert by_officer == {"Nguyễn Thị Lan": (2, 0), "Trần Văn Minh": (2, 2), "Lê Thu Hà": (1, 0)}
    assert stats.tally_by("officer", scope)[0].label == "Trần Văn Minh"  # least satisfied first
    by_office = {t.label: t.total for t in stats.tally_by("office", scope)}
    assert by_office == {"VY · UBND thành phố Vĩnh Yên": 4, "VY-LB · UBND phường Liên Bảo": 1}
    by_counter = {t.label: t.total for t in stats.tally_by("counter", scope)}
    assert by_counter == {"VY · Quầy 1": 2, "VY · Quầy 2": 2, "VY-LB · Quầy 1": 1}
    by_service = {t.label: t.satisfaction for t in stats.tally_by("service", scope)}
    assert by_service == {
        "VY · Đất đai": 1.0,
        "VY · Tư pháp – Hộ tịch": 0.0,
        "VY-LB · Hộ tịch": 1.0,
    }


def test_reasons_of_dissatisfaction_are_counted(rated):
    counts = dict(stats.reason_counts(scope_of(rated["city"]), score=0))
    assert counts == {"time": 2, "attitude": 1, "guidance": 0, "visits": 0, "facilities": 0}


def test_the_period_is_in_local_days(rated, fixed_clock):
    tomorrow = clock.today() + dt.timedelta(days=1)
    assert stats.overall(stats.Scope(frozenset({rated["city"].id}), tomorrow, tomorrow)).total == 0


def test_an_officer_sees_only_their_own_ratings(client, login, rated):
    login(rated["lan"])
    html = client.get("/ratings").get_data(as_text=True)
    assert "Đánh giá của tôi" in html and "Rất nhanh" in html
    assert (
        "Trần Văn Minh" not in html and "onerror" not in html and "Phường phục vụ tốt" not in html
    )
    assert '<option value="officer"' not in html


def test_the_supervisor_sees_every_office_below_with_comments_escaped(client, login, rated):
    login(rated["supervisor"])
    response = client.get("/ratings?group=officer")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Trần Văn Minh" in html and "Phường phục vụ tốt" in html and "Rất nhanh" in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    )
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "60,0%" in html  # 3 of 5 satisfied


def test_a_ward_supervisor_sees_the_ward_only(client, login, rated):
    login(rated["ward_supervisor"])
    html = client.get("/ratings?office=VY").get_data(
        as_text=True
    )  # asking for the city changes nothing
    assert "Phường phục vụ tốt" in html and "Rất nhanh" not in html


def test_filters_answer_htmx_with_the_results_fragment(client, login, rated):
    login(rated["supervisor"])
    response = client.get("/ratings?office=VY&group=counter&level=0", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="ratings-results"' in html
    assert "Rất nhanh" not in html and "&lt;script&gt;" in html  # only "Không hài lòng" listed
    assert "VY · Quầy 2" in html and "VY-LB" not in html


def test_the_ratings_page_needs_a_login(client, rated):
    assert client.get("/ratings").status_code == 302
