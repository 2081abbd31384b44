"""A procedure's processing time as a number and a unit: parsing, storage, pages, due dates."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dossiers import catalogue
from dossiers.catalogue import ImportRefused, import_procedures_csv, search_procedures
from dossiers.models import Procedure
from dossiers.processing_time import ProcessingTimeError, parse_processing_time
from dossiers.workdays import due_end
from onestop.extensions import db
from tests.fixtures.dossiers import local

CATALOGUE_HEADER = "code,name,field,processing_days,fee,online_level,offices,required_documents\n"


@pytest.mark.parametrize(
    "typed, value, unit",
    [
        ("15", "15", "working_days"),
        ("03", "3", "working_days"),
        ("0", "0", "working_days"),
        ("trong ngày", "0", "working_days"),
        ("Trong ngay", "0", "working_days"),
        ("0.5", "0.5", "working_days"),
        ("0,5", "0.5", "working_days"),
        ("1,25", "1.25", "working_days"),
        ("15 ngày", "15", "calendar_days"),
        ("15ngày", "15", "calendar_days"),
        ("  15   NGÀY  ", "15", "calendar_days"),
        ("15 ngay", "15", "calendar_days"),
        ("15 ngày làm việc", "15", "working_days"),
        ("15 Ngày Làm Việc.", "15", "working_days"),
        ("15 ngay lam viec", "15", "working_days"),
        ("0,5 ngày làm việc", "0.5", "working_days"),
        ("0 ngày làm việc", "0", "working_days"),
        ("4 giờ làm việc", "4", "working_hours"),
        ("04 GIỜ LÀM VIỆC", "4", "working_hours"),
        ("1,5 gio lam viec", "1.5", "working_hours"),
        ("calendar_days", None, None),
    ],
)
def test_the_parser_reads_what_procedure_texts_write(app, typed, value, unit):
    if value is None:
        with pytest.raises(ProcessingTimeError):
            parse_processing_time(typed)
        return
    parsed = parse_processing_time(typed)
    assert (parsed.value, parsed.unit) == (Decimal(value), unit)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("abc", "Không đọc được thời hạn “abc”"),
        ("", "Không đọc được thời hạn “”"),
        ("15 tuần", "Không đọc được thời hạn “15 tuần”"),
        ("15 giờ", "Không đọc được thời hạn “15 giờ”"),
        ("1.5.2", "Không đọc được thời hạn"),
        ("ngày làm việc", "Không đọc được thời hạn"),
        ("-1", "không được là số âm"),
        ("-0,5 ngày làm việc", "không được là số âm"),
        ("0,333", "tối đa hai chữ số sau dấu phẩy"),
        ("1,5 ngày", "phải là số nguyên"),
        ("0 ngày", "phải lớn hơn 0"),
        ("0 giờ làm việc", "phải lớn hơn 0"),
        ("366", "quá dài"),
        ("2921 giờ làm việc", "quá dài"),
    ],
)
def test_the_parser_refuses_what_it_cannot_read_with_a_message(app, typed, message):
    with pytest.raises(ProcessingTimeError) as refused:
        parse_processing_time(typed)
    assert message in refused.value.message


def test_a_unit_chosen_beside_the_number(app):
    assert parse_processing_time("15", "calendar_days").unit == "calendar_days"
    assert parse_processing_time("0,5", "working_hours").value == Decimal("0.5")
    assert parse_processing_time("15 ngày", "calendar_days").unit == "calendar_days"
    with pytest.raises(ProcessingTimeError, match="khác với đơn vị đã chọn"):
        parse_processing_time("15 ngày", "working_days")
    with pytest.raises(ProcessingTimeError, match="Chọn đơn vị"):
        parse_processing_time("15", "weeks")


def _procedure(code: str) -> Procedure | None:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def test_csv_import_stores_the_number_and_the_unit(world):
    data = CATALOGUE_HEADER + (
        "1.000001,Thủ tục nửa ngày,Hộ tịch,0.5,0,full,VY,\n"
        '1.000002,Thủ tục nửa ngày phẩy,Hộ tịch,"0,5",0,full,VY,\n'
        "1.000003,Thủ tục theo ngày,Xây dựng,15 ngày,0,full,VY,\n"
        "1.000004,Thủ tục ngày làm việc,Xây dựng,15 ngày làm việc,0,full,VY,\n"
        "1.000005,Thủ tục theo giờ,Kinh doanh,4 giờ làm việc,0,full,VY,\n"
        "1.000006,Thủ tục trong ngày,Chứng thực,trong ngày,0,full,VY,\n"
    )
    assert import_procedures_csv(data.encode()) == (6, 0)
    stored = {
        code: (_procedure(code).processing_time, _procedure(code).processing_unit)
        for code in ("1.000001", "1.000002", "1.000003", "1.000004", "1.000005", "1.000006")
    }
    assert stored == {
        "1.000001": (0.5, "working_days"),
        "1.000002": (0.5, "working_days"),
        "1.000003": (15, "calendar_days"),
        "1.000004": (15, "working_days"),
        "1.000005": (4, "working_hours"),
        "1.000006": (0, "working_days"),
    }
    # processing_days keeps meaning days: 4 working hours are half a working day.
    assert _procedure("1.000005").processing_days == 0.5
    assert _procedure("1.000001").processing_days == 0.5


def test_csv_import_names_each_unreadable_row_and_stores_nothing(world):
    before = db.session.scalar(select(func.count(Procedure.id)))
    data = CATALOGUE_HEADER + (
        "1.000001,Thủ tục,Hộ tịch,15 ngày,0,full,VY,\n"  # row 2: fine
        "1.000002,Thủ tục,Hộ tịch,abc,0,full,VY,\n"  # row 3
        "1.000003,Thủ tục,Hộ tịch,15 tuần,0,full,VY,\n"  # row 4
        "1.000004,Thủ tục,Hộ tịch,-2,0,full,VY,\n"  # row 5
        "1.000005,Thủ tục,Hộ tịch,0 giờ làm việc,0,full,VY,\n"  # row 6
    )
    with pytest.raises(ImportRefused) as refused:
        import_procedures_csv(data.encode())
    db.session.rollback()
    reported = dict(refused.value.rows)
    assert sorted(reported) == [3, 4, 5, 6]
    assert "Không đọc được thời hạn “abc”" in reported[3]
    assert "“15 tuần”" in reported[4]
    assert "số âm" in reported[5]
    assert "lớn hơn 0" in reported[6]
    assert db.session.scalar(select(func.count(Procedure.id))) == before
    assert _procedure("1.000001") is None


def test_csv_export_writes_the_unit_and_reimports_unchanged(world):
    world.p.building.processing_time, world.p.building.processing_unit = 15, "calendar_days"
    world.p.business.processing_time, world.p.business.processing_unit = 4, "working_hours"
    world.p.copy.processing_time = 0.5
    db.session.commit()
    exported = catalogue.catalogue_csv(search_procedures(include_inactive=True))
    assert "1.009994,Cấp giấy phép xây dựng nhà ở riêng lẻ,Xây dựng,15 ngày," in exported
    assert ",4 giờ làm việc," in exported and ',"0,5 ngày làm việc",' in exported
    assert import_procedures_csv(exported.encode()) == (0, 4)
    assert catalogue.catalogue_csv(search_procedures(include_inactive=True)) == exported
    assert (_procedure("1.009994").processing_time, _procedure("1.009994").processing_unit) == (
        15,
        "calendar_days",
    )


def _form(**values) -> dict:
    return {
        "code": "1.009994",
        "name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "field": "Xây dựng",
        "fee": "75000",
        "online_level": "partial",
        "active": "1",
        **values,
    }


def test_the_admin_form_takes_a_number_and_a_unit(client, login, world):
    login(world.admin)
    building = world.p.building
    page = client.get(f"/admin/procedures/{building.id}").get_data(as_text=True)
    assert 'name="processing_unit"' in page and 'value="15"' in page
    assert '<option value="working_days" selected>' in page
    offices = [str(world.city.id)]
    saved = client.post(
        f"/admin/procedures/{building.id}",
        data=_form(processing_days="15", processing_unit="calendar_days", office_ids=offices),
    )
    assert saved.status_code == 303
    db.session.expire_all()
    stored = db.session.get(Procedure, building.id)
    assert (stored.processing_time, stored.processing_unit) == (15, "calendar_days")
    half = client.post(
        f"/admin/procedures/{building.id}",
        data=_form(processing_days="0,5", processing_unit="working_days", office_ids=offices),
    )
    assert half.status_code == 303
    db.session.expire_all()
    stored = db.session.get(Procedure, building.id)
    assert (stored.processing_time, stored.processing_unit) == (0.5, "working_days")
    # The form shows the stored value back the Vietnamese way, with its unit selected.
    page = client.get(f"/admin/procedures/{building.id}").get_data(as_text=True)
    assert 'value="0,5"' in page and '<option value="working_days" selected>' in page


@pytest.mark.parametrize(
    "typed, unit, message",
    [
        ("abc", "working_days", "Không đọc được thời hạn “abc”"),
        ("1,5", "calendar_days", "phải là số nguyên"),
        ("0", "working_hours", "phải lớn hơn 0"),
        ("15", "", "Chọn đơn vị của thời hạn"),
    ],
)
def test_the_admin_form_refuses_an_unreadable_time_and_keeps_the_old_one(
    client, login, world, typed, unit, message
):
    login(world.admin)
    building = world.p.building
    refused = client.post(
        f"/admin/procedures/{building.id}",
        data=_form(processing_days=typed, processing_unit=unit, office_ids=[str(world.city.id)]),
    )
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Procedure, building.id)
    assert (stored.processing_time, stored.processing_unit) == (15, "working_days")


def test_catalogue_pages_show_the_unit(client, login, world):
    world.p.building.processing_time, world.p.building.processing_unit = 15, "calendar_days"
    world.p.business.processing_time, world.p.business.processing_unit = 4, "working_hours"
    world.p.copy.processing_time = 0.5
    db.session.commit()
    public = client.get("/procedures?office=VY").get_data(as_text=True)
    assert ">15 ngày<" in public
    assert ">4 giờ làm việc<" in public
    assert ">0,5 ngày làm việc<" in public
    login(world.admin)
    admin = client.get("/admin/procedures").get_data(as_text=True)
    assert ">15 ngày</td>" in admin and ">4 giờ làm việc</td>" in admin
    assert ">Trong ngày</td>" in admin  # the birth registration, a same-day procedure
    world.p.building.processing_unit = "working_days"
    db.session.commit()
    assert ">15 ngày làm việc<" in client.get("/procedures?office=VY").get_data(as_text=True)


def test_intake_gives_the_due_date_of_each_unit(world, receive):
    building = world.p.building
    building.processing_time, building.processing_unit = 15, "calendar_days"
    db.session.commit()
    # Mon 02/11/2026 09:00 + 15 calendar days = Tue 17/11/2026 (not Mon 23/11 in working days).
    permit = receive(procedure_code="1.009994", received_at=local(2026, 11, 2, 9, 0))
    assert permit.due_date == dt.date(2026, 11, 17)
    assert permit.due_at == due_end(dt.date(2026, 11, 17))
    # 4 working hours from Fri 13/11/2026 15:00: 2 h on Friday, 2 h on Mon 16/11/2026.
    world.p.business.processing_time, world.p.business.processing_unit = 4, "working_hours"
    db.session.commit()
    quick = receive(received_at=local(2026, 11, 13, 15, 0))
    assert quick.due_date == dt.date(2026, 11, 16)
    # Half a working day from Tue 10/11/2026 10:00 ends at 15:30 the same day.
    world.p.business.processing_time, world.p.business.processing_unit = 0.5, "working_days"
    db.session.commit()
    assert receive(received_at=local(2026, 11, 10, 10, 0)).due_date == dt.date(2026, 11, 10)


def test_the_receipt_prints_the_time_with_its_unit(client, login, world, receive):
    world.p.building.processing_time, world.p.building.processing_unit = 15, "calendar_days"
    world.p.business.processing_time, world.p.business.processing_unit = 4, "working_hours"
    db.session.commit()
    login(world.officer)

    def receipt_text(dossier) -> str:
        response = client.get(f"/dossiers/{dossier.code}/receipt.pdf")
        assert response.status_code == 200
        pages = PdfReader(io.BytesIO(response.data)).pages
        return " ".join(" ".join(page.extract_text() for page in pages).split())

    permit = receive(procedure_code="1.009994", received_at=local(2026, 11, 2, 9, 0))
    assert "Thời gian giải quyết hồ sơ theo quy định: 15 ngày." in receipt_text(permit)
    quick = receive(received_at=local(2026, 11, 13, 15, 0))
    assert "4 giờ làm việc" in receipt_text(quick)
