"""The kiosk's catalogue: every office of the city searched, results grouped by where to submit."""

import pytest

from dossiers.catalogue import city_of, search_by_place
from onestop.extensions import db
from tests.fixtures.dossiers import add_procedure


@pytest.fixture(name="city")
def city_tree(make_office):
    city = make_office()
    wards = [
        make_office(code=code, name=name, level="commune", parent=city)
        for code, name in (
            ("VY-TS", "UBND phường Tích Sơn"),
            ("VY-LB", "UBND phường Liên Bảo"),
            ("VY-KQ", "UBND phường Khai Quang"),
            ("VY-HH", "UBND phường Hội Hợp"),
        )
    ]
    other_city = make_office(code="PY", name="UBND thành phố Phúc Yên")
    birth = add_procedure("1.001193", "Đăng ký khai sinh", "Hộ tịch", 1, wards)
    business = add_procedure("2.000720", "Đăng ký hộ kinh doanh", "Kinh doanh", 3, [city])
    marriage = add_procedure("1.000894", "Đăng ký kết hôn", "Hộ tịch", 1, [city, *wards])
    elsewhere = add_procedure("9.999999", "Khai sinh nơi khác", "Hộ tịch", 1, [other_city])
    return {
        "city": city,
        "wards": wards,
        "birth": birth,
        "business": business,
        "marriage": marriage,
        "elsewhere": elsewhere,
    }


def titles(places) -> list[tuple[list[str], list[str], bool]]:
    """Each group's offices in order, its procedures by name (their order is the database's)."""
    return [
        ([o.code for o in p.offices], sorted(x.name for x in p.procedures), p.here) for p in places
    ]


def test_the_city_kiosk_finds_a_ward_procedure_grouped_under_the_wards(app, city):
    places = search_by_place("khai sinh", city["city"])
    # The other city's procedure is not offered here; the wards share one group.
    assert titles(places) == [
        (["VY-HH", "VY-KQ", "VY-LB", "VY-TS"], ["Đăng ký khai sinh"], False),
    ]


def test_a_ward_kiosk_lists_what_it_handles_here_first_then_the_city(app, city):
    ward = city["wards"][2]  # Khai Quang
    places = search_by_place("dang ky", ward)
    assert titles(places) == [
        (["VY-KQ"], sorted(["Đăng ký kết hôn", "Đăng ký khai sinh"]), True),
        (["VY"], ["Đăng ký hộ kinh doanh"], False),
    ]


def test_an_empty_search_lists_every_procedure_of_the_city_once_per_place(app, city):
    places = search_by_place("", city["city"])
    assert [p.here for p in places] == [True, False]
    here, wards = places
    assert {x.name for x in here.procedures} == {"Đăng ký hộ kinh doanh", "Đăng ký kết hôn"}
    assert [x.name for x in wards.procedures] == ["Đăng ký khai sinh"]
    assert len(wards.offices) == 4


def test_an_inactive_ward_or_procedure_is_not_offered(app, city):
    city["wards"][0].active = False
    city["marriage"].active = False
    db.session.commit()
    places = search_by_place("dang ky", city["city"])
    assert titles(places) == [
        (["VY"], ["Đăng ký hộ kinh doanh"], True),
        (["VY-HH", "VY-KQ", "VY-LB"], ["Đăng ký khai sinh"], False),
    ]


def test_nothing_found_gives_no_group(app, city):
    assert search_by_place("không có thủ tục này", city["city"]) == []


def test_the_city_of_a_ward_is_the_top_of_its_tree(app, city):
    assert city_of(city["wards"][1]) is city["city"]
    assert city_of(city["city"]) is city["city"]
