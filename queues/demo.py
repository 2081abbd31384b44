"""Demo queues: the services and counters of the city office and of each ward or commune.

Every demo office is open around the clock (no office hours), so that anyone trying the demo
can take a ticket at any hour, except one ward, Liên Bảo, which keeps real hours and shows
the kiosk's closed screen outside them.
"""

import datetime as dt

from sqlalchemy import select

from onestop.extensions import db
from onestop.models import Office
from queues import store
from queues.models import Counter, OfficeSession, Service

# (code, letter, name, minutes per citizen) — the fields (lĩnh vực) of a city one-stop office.
CITY_SERVICES = [
    ("dat-dai", "A", "Đất đai", 12),
    ("tu-phap", "B", "Tư pháp – Hộ tịch", 6),
    ("kinh-doanh", "C", "Kinh doanh", 10),
    ("xay-dung", "D", "Xây dựng", 12),
    ("lao-dong", "E", "Lao động – TBXH", 7),
    ("tai-nguyen", "F", "Tài nguyên – Môi trường", 10),
    ("van-hoa", "G", "Văn hóa – Giáo dục – Y tế", 6),
]
# (number, name, service codes)
CITY_COUNTERS = [
    (1, "Quầy Đất đai 1", ["dat-dai"]),
    (2, "Quầy Đất đai 2", ["dat-dai", "tai-nguyen"]),
    (3, "Quầy Tư pháp – Hộ tịch", ["tu-phap"]),
    (4, "Quầy Kinh doanh", ["kinh-doanh"]),
    (5, "Quầy Xây dựng – Tài nguyên", ["xay-dung", "tai-nguyen"]),
    (6, "Quầy Lao động – Văn hóa", ["lao-dong", "van-hoa"]),
    (
        7,
        "Quầy tổng hợp",
        ["dat-dai", "tu-phap", "kinh-doanh", "xay-dung", "lao-dong", "tai-nguyen", "van-hoa"],
    ),
]
WARD_SERVICES = [
    ("ho-tich", "A", "Tư pháp – Hộ tịch", 6),
    ("chung-thuc", "B", "Chứng thực", 4),
    ("lao-dong", "C", "Lao động – TBXH", 7),
    ("dat-dai", "D", "Đất đai", 12),
]
WARD_COUNTERS_TWO = [
    (1, "Quầy 1", ["ho-tich", "chung-thuc"]),
    (2, "Quầy 2", ["lao-dong", "dat-dai", "chung-thuc"]),
]
WARD_COUNTERS_THREE = [
    (1, "Quầy Hộ tịch", ["ho-tich"]),
    (2, "Quầy Chứng thực", ["chung-thuc", "ho-tich"]),
    (3, "Quầy Lao động – Đất đai", ["lao-dong", "dat-dai"]),
]

# The ward with real hours: two sessions on weekdays, Saturday morning; land matters take
# their last ticket at 16:30.
HOURS_OFFICE = "VY-LB"
WEEKDAY_SESSIONS = ((dt.time(7, 30), dt.time(11, 30)), (dt.time(13, 0), dt.time(17, 0)))
SATURDAY_SESSIONS = ((dt.time(7, 30), dt.time(11, 30)),)
LAST_TICKETS = {"dat-dai": dt.time(16, 30)}


def add_hours(office: Office, services: dict[str, Service]) -> None:
    """Give ``office`` real hours (HOURS_OFFICE's); the caller commits."""
    for weekday in range(1, 7):
        for opens, closes in WEEKDAY_SESSIONS if weekday < 6 else SATURDAY_SESSIONS:
            db.session.add(
                OfficeSession(office=office, weekday=weekday, opens=opens, closes=closes)
            )
    for code, last in LAST_TICKETS.items():
        if code in services:
            services[code].last_ticket = last


def add_queues(office: Office, services: list[tuple], counters: list[tuple]) -> dict[str, Service]:
    """Add services (code, letter, name, minutes) and open counters (number, name, codes).

    The caller commits. Returns the services by code.
    """
    by_code = {}
    for ordering, (code, letter, name, minutes) in enumerate(services):
        by_code[code] = Service(
            office=office,
            code=code,
            letter=letter,
            name=name,
            field=name,
            ordering=ordering,
            default_service_min=minutes,
            active=True,
        )
        db.session.add(by_code[code])
    for number, name, codes in counters:
        db.session.add(
            Counter(
                office=office,
                number=number,
                name=name,
                is_open=True,
                services=[by_code[c] for c in codes if c in by_code],
            )
        )
    db.session.flush()
    store.bump_office(office.id)  # the version rows that its screens' polls read
    return by_code


def seed() -> None:
    """Create services and open counters (no officer signed in) for the city and every ward."""
    offices = list(
        db.session.scalars(select(Office).where(Office.code.like("VY%")).order_by(Office.id))
    )
    wards = [office for office in offices if office.code != "VY"]
    for office in offices:
        if office.code == "VY":
            add_queues(office, CITY_SERVICES, CITY_COUNTERS)
    for index, office in enumerate(wards):
        # Communes (xã) handle land matters at the city office in this demo: three services there.
        services = WARD_SERVICES if office.name.startswith("UBND phường") else WARD_SERVICES[:3]
        counters = WARD_COUNTERS_THREE if index % 2 == 0 else WARD_COUNTERS_TWO
        by_code = add_queues(office, services, counters)
        if office.code == HOURS_OFFICE:
            add_hours(office, by_code)
    db.session.commit()
