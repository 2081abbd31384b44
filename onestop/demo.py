"""Demo data for the shell: the city office of the 2022 plan, its wards and communes, demo users."""

from decimal import Decimal

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from onestop.extensions import db
from onestop.models import Office, User

DEMO_PASSWORD = "demo"

CITY = ("VY", "UBND thành phố Vĩnh Yên", "000.00.12.H62")
# The nine units of 2022 (domain.md section 4.1); the agency codes are demo values.
WARDS = [
    ("VY-TS", "UBND phường Tích Sơn", "000.12.01.H62"),
    ("VY-LB", "UBND phường Liên Bảo", "000.12.02.H62"),
    ("VY-HH", "UBND phường Hội Hợp", "000.12.03.H62"),
    ("VY-DD", "UBND phường Đống Đa", "000.12.04.H62"),
    ("VY-NQ", "UBND phường Ngô Quyền", "000.12.05.H62"),
    ("VY-DTA", "UBND phường Đồng Tâm", "000.12.06.H62"),
    ("VY-DTR", "UBND xã Định Trung", "000.12.07.H62"),
    ("VY-KQ", "UBND phường Khai Quang", "000.12.08.H62"),
    ("VY-TT", "UBND xã Thanh Trù", "000.12.09.H62"),
]
OFFICER_NAMES = [
    "Nguyễn Thị Lan",
    "Trần Văn Minh",
    "Lê Thu Hà",
    "Phạm Quốc Bảo",
    "Hoàng Thị Mai",
    "Vũ Đức Thắng",
]


def seed() -> None:
    """Create the demo offices and users (password ``demo``)."""
    city = Office(
        code=CITY[0],
        name=CITY[1],
        agency_code=CITY[2],
        level="district",
        late_rate_target=Decimal("0.0090"),
        wait_target_min=20,
    )
    db.session.add(city)
    for code, name, agency in WARDS:
        db.session.add(
            Office(
                code=code,
                name=name,
                agency_code=agency,
                level="commune",
                parent=city,
                late_rate_target=Decimal("0.0050"),
                wait_target_min=20,
            )
        )
    # One hash for every demo account: scrypt is deliberately slow, and they share a password.
    password_hash = generate_password_hash(DEMO_PASSWORD)
    people = [
        ("admin", "Quản trị hệ thống", "admin", city),
        ("supervisor", "Đỗ Minh Tuấn", "supervisor", city),
    ]
    people += [
        (f"officer{i}", name, "officer", city) for i, name in enumerate(OFFICER_NAMES, start=1)
    ]
    db.session.flush()
    for office in city.children:
        short = office.code.lower()
        people.append((f"{short}-officer", f"Cán bộ một cửa {office.name[4:]}", "officer", office))
        people.append((f"{short}-supervisor", f"Lãnh đạo {office.name[4:]}", "supervisor", office))
    for username, full_name, role, office in people:
        db.session.add(
            User(
                username=username,
                full_name=full_name,
                role=role,
                office=office,
                password_hash=password_hash,
            )
        )
    db.session.commit()


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Office))


def run_seeders(app: Flask) -> list[str]:
    """Run every package's demo seeder on an empty database; return the packages seeded."""
    if not is_empty():
        return []
    done = []
    for name, seeder in app.extensions["onestop.seeders"]:
        seeder()
        done.append(name)
    return done


def prepare_demo_database(app: Flask) -> None:
    """Apply the migrations and seed an empty database: the first start of a demo."""
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        run_seeders(app)
        db.session.remove()
