"""Demo queues: the services and counters of the city office and of each ward or commune."""

from sqlalchemy import select

from onestop.extensions import db
from onestop.models import Office
from queues.models import BoardVersion, Counter, Service

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
    db.session.add(BoardVersion(office_id=office.id, version=1))
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
        add_queues(office, services, counters)
    db.session.commit()
