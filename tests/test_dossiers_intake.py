"""Intake: validation, phone numbers, dossier codes, due dates by office calendar, concurrency."""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from test_dossiers_support import local, receive_fixture, world_fixture  # noqa: F401 (fixtures)

from dossiers.intake import receive_dossier
from dossiers.models import Dossier, DossierCounter, DossierEvent, Holiday
from dossiers.office_days import add_office_day, calendar_for
from onestop import clock
from onestop.exceptions import Forbidden, ValidationError
from onestop.extensions import db
from onestop.models import Office, User
from onestop.phones import normalise_phone
from queues import tickets
from queues.models import Service


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0912345678", "0912345678"),
        ("091 234 5678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(+84) 38-123-4567", "0381234567"),
        ("0701234567", "0701234567"),
        ("0561234567", "0561234567"),
        ("0881234567", "0881234567"),
    ],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "091234567",
        "09123456789",
        "0212345678",
        "0112345678",
        "+1 912 345 678",
        "09123x5678",
        "0412345678",
        "+8491234567",
    ],
)
def test_non_vietnamese_mobile_numbers_are_refused(raw):
    assert normalise_phone(raw) is None


def test_receive_numbers_and_dates_a_dossier(world, receive):
    dossier = receive(phone="+84 912 345 678", applicant_name="  Nguyễn   Thị  Lan ")
    # Friday 27/11/2026 08:15; 3 working days -> Mon 30/11, Tue 01/12, Wed 02/12.
    assert dossier.code == "000.00.12.H62-261127-0001"
    assert dossier.number == 1 and dossier.received_day == dt.date(2026, 11, 27)
    assert dossier.due_date == dt.date(2026, 12, 2)
    assert dossier.phone == "0912345678"
    assert dossier.applicant_name == "Nguyễn Thị Lan"
    assert dossier.status == "received" and dossier.officer_id == world.officer.id
    assert len(dossier.token) >= 24
    assert [(e.kind, e.to_status) for e in dossier.events] == [("intake", "received")]


def test_codes_count_per_office_and_local_day(world, receive):
    first = receive()
    second = receive()
    ward = receive(office=world.lb, procedure_code="1.001193", officer=world.lb_officer)
    # 17:30 UTC on Thursday 26/11 is already Friday 27/11, 00:30 in Vĩnh Yên: counted on the 27th.
    late = receive(received_at=dt.datetime(2026, 11, 26, 17, 30, tzinfo=dt.UTC))
    assert [first.code[-11:], second.code[-11:]] == ["261127-0001", "261127-0002"]
    assert ward.code == "000.12.02.H62-261127-0001"
    assert late.code == "000.00.12.H62-261127-0003"
    # 16:59 UTC on the 26th is still Thursday 23:59 locally: that day's count.
    day_before = receive(received_at=dt.datetime(2026, 11, 26, 16, 59, tzinfo=dt.UTC))
    assert day_before.code == "000.00.12.H62-261126-0001"


def test_same_day_procedure_before_and_after_15h(world, receive, fixed_clock):
    fixed_clock(local(2026, 11, 27, 16, 0))
    kw = {"office": world.lb, "procedure_code": "1.001193", "officer": world.lb_officer}
    assert receive(received_at=local(2026, 11, 26, 14, 55), **kw).due_date == dt.date(2026, 11, 26)
    assert receive(received_at=local(2026, 11, 26, 15, 5), **kw).due_date == dt.date(2026, 11, 27)
    # Friday after 15:00 -> Monday.
    assert receive(**{**kw, "received_at": local(2026, 11, 27, 15, 30)}).due_date == dt.date(
        2026, 11, 30
    )


def test_due_date_uses_the_office_and_parent_calendar(world, receive):
    # The city closes Mon 30/11/2026; the ward Liên Bảo works Sat 28/11 (make-up day) and
    # keeps Mon 30/11 as a working day of its own.
    #   November/December 2026:  Fri 27 | Sat 28 | Sun 29 | Mon 30 | Tue 01 | Wed 02 | Thu 03
    #   city (3 days):       rcv  |  -    |   -    |  off   |   1    |   2    |   3  -> Thu 03/12
    #   ward (3 days):       rcv  |  1    |   -    |   2    |   3                   -> Tue 01/12
    add_office_day(
        world.city, dt.date(2026, 11, 30), "day_off", "Kiểm kê", world.admin, clock.today()
    )
    add_office_day(
        world.lb, dt.date(2026, 11, 28), "makeup_day", "Làm bù", world.admin, clock.today()
    )
    add_office_day(
        world.lb,
        dt.date(2026, 11, 30),
        "makeup_day",
        "Phường vẫn làm việc",
        world.admin,
        clock.today(),
    )
    ward_procedure = world.p.copy.code
    world.p.copy.processing_days = 3
    db.session.commit()
    assert receive().due_date == dt.date(2026, 12, 3)
    ward = receive(office=world.lb, procedure_code=ward_procedure, officer=world.lb_officer)
    assert ward.due_date == dt.date(2026, 12, 1)
    # The other ward inherits the city's day off.
    other = receive(office=world.ts, procedure_code=ward_procedure, officer=world.ts_officer)
    assert other.due_date == dt.date(2026, 12, 3)
    assert not calendar_for(world.ts).is_working_day(dt.date(2026, 11, 30))


@pytest.mark.parametrize(
    "kind, day, message_field",
    [
        ("day_off", dt.date(2026, 11, 28), "day"),  # already a day off (Saturday)
        ("makeup_day", dt.date(2026, 11, 26), "day"),  # already a working day
        ("holiday", dt.date(2026, 12, 3), "kind"),
        ("day_off", dt.date(2030, 1, 2), "day"),  # too far ahead
    ],
)
def test_office_day_validation(world, kind, day, message_field):
    with pytest.raises(ValidationError) as refused:
        add_office_day(world.city, day, kind, "Lý do", world.admin, clock.today())
    assert message_field in refused.value.errors
    db.session.rollback()
    assert _count(Holiday) == 0


def test_a_ward_officer_cannot_change_the_city_calendar(world):
    with pytest.raises(Forbidden):
        add_office_day(
            world.city, dt.date(2026, 12, 3), "day_off", "Lý do", world.lb_officer, clock.today()
        )


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"procedure_code": "9.999999"}, "procedure"),
        ({"procedure_code": "1.001193"}, "procedure"),  # a ward procedure at the city office
        ({"applicant_name": "   "}, "applicant_name"),
        ({"applicant_name": "A" * 121}, "applicant_name"),
        ({"phone": "0212345678"}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"channel": "fax"}, "channel"),
        (
            {"received_at": dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)},
            "received_at",
        ),  # in the future
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(world, receive, overrides, field):
    with pytest.raises(ValidationError) as refused:
        receive(**overrides)
    db.session.rollback()
    assert field in refused.value.errors
    assert _count(Dossier) == 0 and _count(DossierEvent) == 0 and _count(DossierCounter) == 0


def test_an_officer_cannot_receive_for_another_office(world, receive):
    with pytest.raises(Forbidden):
        receive(office=world.lb, procedure_code="1.001193")
    db.session.rollback()
    assert _count(Dossier) == 0


def test_a_refused_dossier_leaves_no_gap_in_the_numbers(world, receive):
    receive()
    with pytest.raises(ValidationError):
        receive(phone="123")
    db.session.rollback()
    assert receive().code.endswith("-0002")


def test_dossier_from_a_ticket(world, receive):
    service = Service(
        office_id=world.city.id,
        code="KD",
        letter="B",
        name="Kinh doanh",
        field="Thành lập và hoạt động của hộ kinh doanh",
    )
    db.session.add(service)
    db.session.commit()
    ticket = tickets.issue(world.city, "KD").ticket
    dossier = receive(ticket=ticket)
    assert dossier.ticket_id == ticket.id and dossier.ticket.display_number == "B001"
    with pytest.raises(ValidationError) as refused:
        receive(office=world.lb, procedure_code="1.001193", officer=world.supervisor, ticket=ticket)
    assert "ticket" in refused.value.errors


def _receive_in_thread(app, office_id, officer_id, results, errors, barrier):
    with app.app_context():
        try:
            barrier.wait(10)
            office, officer = db.session.get(Office, office_id), db.session.get(User, officer_id)
            dossier = receive_dossier(
                office, "1.001612", "Nguyễn Văn An", "0987654321", "online", False, officer
            )
            results.append(dossier.code)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(repr(error))
        finally:
            db.session.remove()


def test_concurrent_intakes_get_distinct_gap_free_codes(app, world):
    threads_count = 16
    results, errors = [], []
    barrier = threading.Barrier(threads_count)
    office_id, officer_id = world.city.id, world.officer.id
    db.session.remove()  # every thread works with its own session and connection
    threads = [
        threading.Thread(
            target=_receive_in_thread, args=(app, office_id, officer_id, results, errors, barrier)
        )
        for _ in range(threads_count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in results)
    assert numbers == list(range(1, threads_count + 1))
    assert db.session.scalar(select(DossierCounter.last_number)) == threads_count
