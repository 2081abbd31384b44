"""Shared dossier-test fixtures: a city office, two wards, their officers, a small catalogue.

Import ``world_fixture`` / ``receive_fixture`` to use them as ``world`` / ``receive``.

The default clock (tests/conftest.py fixed_clock) is Friday 27/11/2026 08:15 in Vĩnh Yên.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from dossiers.catalogue import search_text
from dossiers.intake import receive_dossier
from dossiers.models import Procedure
from onestop.extensions import db

VN = dt.timezone(dt.timedelta(hours=7))


def local(y, m, d, hh=9, mm=0) -> dt.datetime:
    """An aware instant given in Vietnamese local time."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN)


def add_procedure(
    code, name, field, days, offices, fee=0, level="partial", documents="Tờ khai\nGiấy tờ tùy thân"
):
    procedure = Procedure(
        code=code,
        name=name,
        field=field,
        processing_days=days,
        fee=fee,
        online_level=level,
        required_documents=documents,
        search_text=search_text(code, name, field),
        offices=list(offices),
    )
    db.session.add(procedure)
    db.session.commit()
    return procedure


@pytest.fixture(name="world")
def world_fixture(app, make_office, make_user, fixed_clock):
    """VY (city), wards VY-LB and VY-TS, officers, a supervisor, an admin and four procedures."""
    city = make_office("VY", agency_code="000.00.12.H62")
    lb = make_office(
        "VY-LB", "UBND phường Liên Bảo", "commune", parent=city, agency_code="000.12.02.H62"
    )
    ts = make_office(
        "VY-TS", "UBND phường Tích Sơn", "commune", parent=city, agency_code="000.12.01.H62"
    )
    people = SimpleNamespace(
        officer=make_user("officer1", "officer", city, full_name="Trần Văn Minh"),
        lb_officer=make_user("vy-lb-officer", "officer", lb, full_name="Lê Thu Hà"),
        ts_officer=make_user("vy-ts-officer", "officer", ts, full_name="Phạm Quốc Bảo"),
        supervisor=make_user("supervisor", "supervisor", city, full_name="Đỗ Minh Tuấn"),
        admin=make_user("admin", "admin", city, full_name="Quản trị"),
    )
    procedures = SimpleNamespace(
        birth=add_procedure("1.001193", "Đăng ký khai sinh", "Hộ tịch", 0, [lb, ts], level="full"),
        business=add_procedure(
            "1.001612",
            "Đăng ký thành lập hộ kinh doanh",
            "Thành lập và hoạt động của hộ kinh doanh",
            3,
            [city],
            fee=100000,
        ),
        building=add_procedure(
            "1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", 15, [city], fee=75000
        ),
        copy=add_procedure(
            "2.000815",
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "Chứng thực",
            0,
            [city, lb, ts],
            fee=2000,
            level="none",
        ),
    )
    return SimpleNamespace(city=city, lb=lb, ts=ts, **vars(people), p=procedures)


@pytest.fixture(name="receive")
def receive_fixture(world):
    """Take in a dossier with sensible defaults; keyword arguments override them."""

    def make(**overrides):
        args = {
            "office": world.city,
            "procedure_code": "1.001612",
            "applicant_name": "Nguyễn Thị Lan",
            "phone": "0912345678",
            "channel": "direct",
            "documents_reused": False,
            "officer": world.officer,
        }
        args.update(overrides)
        return receive_dossier(**args)

    return make
