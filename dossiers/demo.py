"""Demo data: the city's and wards' procedure catalogue, office days off, dossiers in every state.

Processing times follow domain.md section 4.3 where it gives them (civil status and
certification same day, household business 3 working days, building permit 15 calendar
days); the city's shortened commitments for household business changes (1.5 working days,
4 working hours), the other times, the fees and the national codes are plausible demo
values, to be checked against the province's published catalogue before real use.
"""

import datetime as dt
import random

from sqlalchemy import select

from dossiers.catalogue import search_text
from dossiers.intake import Applicant, receive_dossier
from dossiers.lifecycle import change_status, issue_apology
from dossiers.models import Holiday, Procedure
from dossiers.office_days import calendar_for
from dossiers.processing_time import parse_processing_time
from dossiers.slips import place_name
from onestop import clock
from onestop.extensions import db
from onestop.models import Office, User

ID_PAPERS = "Giấy tờ tùy thân có ảnh của người nộp (xuất trình)"

# (code, name, field, processing time (working days, 0 = same day, or a text such as
# "15 ngày"), fee in VND, online level, documents)
WARD_PROCEDURES = [
    (
        "1.001193",
        "Đăng ký khai sinh",
        "Hộ tịch",
        0,
        0,
        "full",
        ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh (bản chính)", ID_PAPERS],
    ),
    (
        "1.000894",
        "Đăng ký kết hôn",
        "Hộ tịch",
        0,
        0,
        "partial",
        [
            "Tờ khai đăng ký kết hôn (mỗi bên một tờ hoặc chung một tờ)",
            "Giấy xác nhận tình trạng hôn nhân (nếu đăng ký ở nơi không thường trú)",
            ID_PAPERS,
        ],
    ),
    (
        "1.000656",
        "Đăng ký khai tử",
        "Hộ tịch",
        0,
        0,
        "full",
        ["Tờ khai đăng ký khai tử", "Giấy báo tử hoặc giấy tờ thay thế giấy báo tử", ID_PAPERS],
    ),
    (
        "2.000635",
        "Cấp bản sao trích lục hộ tịch",
        "Hộ tịch",
        0,
        8000,
        "full",
        ["Tờ khai cấp bản sao trích lục hộ tịch", ID_PAPERS],
    ),
    (
        "1.004873",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "Hộ tịch",
        3,
        0,
        "full",
        [
            "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
            "Bản án, quyết định ly hôn hoặc giấy chứng tử (nếu có)",
            ID_PAPERS,
        ],
    ),
    (
        "1.004884",
        "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
        "Hộ tịch",
        3,
        0,
        "partial",
        [
            "Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
            "Giấy tờ làm căn cứ cải chính, bổ sung",
            ID_PAPERS,
        ],
    ),
    (
        "1.001022",
        "Đăng ký nhận cha, mẹ, con",
        "Hộ tịch",
        3,
        0,
        "partial",
        [
            "Tờ khai đăng ký nhận cha, mẹ, con",
            "Chứng cứ chứng minh quan hệ cha, mẹ, con",
            ID_PAPERS,
        ],
    ),
    (
        "1.000689",
        "Đăng ký giám hộ",
        "Hộ tịch",
        3,
        0,
        "partial",
        ["Tờ khai đăng ký giám hộ", "Văn bản cử người giám hộ", ID_PAPERS],
    ),
    (
        "1.004859",
        "Đăng ký lại khai sinh",
        "Hộ tịch",
        5,
        0,
        "partial",
        [
            "Tờ khai đăng ký lại khai sinh",
            "Bản sao giấy tờ có thông tin khai sinh (nếu có)",
            ID_PAPERS,
        ],
    ),
    (
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Chứng thực",
        0,
        10000,
        "none",
        ["Giấy tờ, văn bản cần chứng thực chữ ký", ID_PAPERS],
    ),
    (
        "2.001035",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
        "Chứng thực",
        2,
        50000,
        "none",
        [
            "Dự thảo hợp đồng, giao dịch",
            "Giấy tờ chứng minh quyền sở hữu tài sản (bản sao)",
            ID_PAPERS,
        ],
    ),
    (
        "2.001019",
        "Chứng thực di chúc",
        "Chứng thực",
        2,
        50000,
        "none",
        ["Dự thảo di chúc", "Giấy tờ về tài sản (bản sao)", ID_PAPERS],
    ),
    (
        "2.000286",
        "Hòa giải tranh chấp đất đai",
        "Đất đai",
        30,
        0,
        "none",
        ["Đơn đề nghị hòa giải tranh chấp đất đai", "Giấy tờ liên quan đến thửa đất (bản sao)"],
    ),
    (
        "1.001776",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
        "Lao động, Thương binh và Xã hội",
        15,
        0,
        "partial",
        [
            "Tờ khai đề nghị trợ giúp xã hội",
            "Giấy xác nhận khuyết tật hoặc giấy tờ chứng minh đối tượng",
        ],
    ),
    (
        "1.001731",
        "Trợ giúp xã hội khẩn cấp về hỗ trợ chi phí mai táng",
        "Lao động, Thương binh và Xã hội",
        3,
        0,
        "partial",
        ["Tờ khai đề nghị hỗ trợ chi phí mai táng", "Giấy báo tử (bản sao)"],
    ),
    (
        "1.001699",
        "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật",
        "Lao động, Thương binh và Xã hội",
        25,
        0,
        "partial",
        [
            "Đơn đề nghị xác định mức độ khuyết tật",
            "Hồ sơ bệnh án, giấy tờ khám chữa bệnh (bản sao)",
        ],
    ),
    (
        "2.000346",
        "Xét tặng Giấy khen của Chủ tịch UBND cấp xã",
        "Thi đua - khen thưởng",
        20,
        0,
        "none",
        ["Tờ trình đề nghị khen thưởng", "Báo cáo thành tích"],
    ),
    (
        "1.003622",
        "Đăng ký hoạt động tín ngưỡng",
        "Tín ngưỡng, tôn giáo",
        15,
        0,
        "none",
        ["Văn bản đăng ký hoạt động tín ngưỡng", "Danh mục hoạt động tín ngưỡng hằng năm"],
    ),
]

CITY_PROCEDURES = [
    (
        "1.001612",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        3,
        100000,
        "full",
        [
            "Giấy đề nghị đăng ký hộ kinh doanh",
            "Bản sao giấy tờ pháp lý của cá nhân đăng ký hộ kinh doanh",
            "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh (nếu có)",
            "Bản sao hợp đồng thuê, mượn địa điểm kinh doanh",
        ],
    ),
    (
        "2.000575",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        "1,5 ngày làm việc",
        50000,
        "full",
        [
            "Thông báo thay đổi nội dung đăng ký hộ kinh doanh",
            "Giấy chứng nhận đăng ký hộ kinh doanh (bản gốc)",
        ],
    ),
    (
        "1.001266",
        "Tạm ngừng hoặc tiếp tục kinh doanh của hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        "4 giờ làm việc",
        0,
        "full",
        ["Thông báo tạm ngừng hoặc tiếp tục kinh doanh"],
    ),
    (
        "1.001570",
        "Chấm dứt hoạt động hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        3,
        0,
        "full",
        [
            "Thông báo chấm dứt hoạt động hộ kinh doanh",
            "Giấy chứng nhận đăng ký hộ kinh doanh (bản gốc)",
        ],
    ),
    (
        "1.009994",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Xây dựng",
        "15 ngày",
        75000,
        "partial",
        [
            "Đơn đề nghị cấp giấy phép xây dựng",
            "Giấy tờ chứng minh quyền sử dụng đất (bản sao)",
            "Hai bộ bản vẽ thiết kế xây dựng",
            "Cam kết bảo đảm an toàn công trình liền kề (nếu có)",
        ],
    ),
    (
        "1.009995",
        "Cấp giấy phép sửa chữa, cải tạo nhà ở riêng lẻ",
        "Xây dựng",
        "15 ngày",
        75000,
        "partial",
        [
            "Đơn đề nghị cấp giấy phép sửa chữa, cải tạo",
            "Giấy chứng nhận quyền sở hữu công trình (bản sao)",
            "Bản vẽ hiện trạng và bản vẽ thiết kế sửa chữa",
        ],
    ),
    (
        "1.004269",
        "Đăng ký kết hôn có yếu tố nước ngoài",
        "Hộ tịch",
        15,
        1000000,
        "partial",
        [
            "Tờ khai đăng ký kết hôn",
            "Giấy xác nhận tình trạng hôn nhân của người nước ngoài (hợp pháp hóa lãnh sự)",
            "Giấy xác nhận của tổ chức y tế về sức khỏe tâm thần",
            ID_PAPERS,
        ],
    ),
    (
        "1.001695",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Hộ tịch",
        0,
        0,
        "partial",
        [
            "Tờ khai đăng ký khai sinh",
            "Giấy chứng sinh",
            "Văn bản thỏa thuận lựa chọn quốc tịch (nếu có)",
            ID_PAPERS,
        ],
    ),
    (
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Chứng thực",
        0,
        2000,
        "partial",
        ["Bản chính giấy tờ, văn bản cần chứng thực", "Bản sao cần chứng thực"],
    ),
    (
        "2.000908",
        "Chứng thực chữ ký người dịch",
        "Chứng thực",
        0,
        10000,
        "none",
        [
            "Bản dịch và giấy tờ, văn bản cần dịch",
            "Bằng cấp ngoại ngữ của người dịch (bản sao)",
            ID_PAPERS,
        ],
    ),
    (
        "2.000620",
        "Cấp Giấy phép bán lẻ rượu",
        "Công thương",
        10,
        1200000,
        "full",
        [
            "Đơn đề nghị cấp Giấy phép bán lẻ rượu",
            "Bản sao Giấy chứng nhận đăng ký hộ kinh doanh",
            "Bản sao hợp đồng thuê địa điểm kinh doanh",
        ],
    ),
    (
        "2.000633",
        "Cấp Giấy phép bán lẻ sản phẩm thuốc lá",
        "Công thương",
        10,
        1200000,
        "full",
        [
            "Đơn đề nghị cấp Giấy phép bán lẻ sản phẩm thuốc lá",
            "Bản sao Giấy chứng nhận đăng ký hộ kinh doanh",
        ],
    ),
    (
        "1.003348",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Đất đai",
        10,
        0,
        "partial",
        [
            "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất",
            "Giấy chứng nhận đã cấp (bản gốc)",
            "Hợp đồng, văn bản chuyển nhượng đã công chứng, chứng thực",
        ],
    ),
    (
        "1.012790",
        "Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        "Đất đai",
        20,
        0,
        "partial",
        [
            "Đơn đăng ký, cấp Giấy chứng nhận",
            "Giấy tờ về quyền sử dụng đất (bản sao)",
            "Sơ đồ nhà, công trình (nếu có)",
        ],
    ),
    (
        "1.012795",
        "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền",
        "Đất đai",
        15,
        0,
        "partial",
        ["Đơn xin chuyển mục đích sử dụng đất", "Giấy chứng nhận quyền sử dụng đất (bản gốc)"],
    ),
    (
        "2.001283",
        "Xác nhận đăng ký kế hoạch bảo vệ môi trường",
        "Tài nguyên - Môi trường",
        10,
        0,
        "partial",
        [
            "Văn bản đề nghị đăng ký kế hoạch bảo vệ môi trường",
            "Kế hoạch bảo vệ môi trường (03 bản)",
        ],
    ),
    (
        "1.001029",
        "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
        "Văn hóa - Thể thao",
        5,
        2000000,
        "full",
        [
            "Đơn đề nghị cấp giấy phép",
            "Bản sao Giấy chứng nhận đăng ký hộ kinh doanh",
            "Bản vẽ mặt bằng phòng hát",
        ],
    ),
    (
        "1.005098",
        "Chuyển trường đối với học sinh trung học cơ sở",
        "Giáo dục - Đào tạo",
        3,
        0,
        "full",
        [
            "Đơn xin chuyển trường của cha mẹ học sinh",
            "Học bạ (bản chính)",
            "Giấy giới thiệu chuyển trường",
        ],
    ),
]
# Certified copies from originals are done by wards and by the city (domain.md 4.3).
SHARED_CODES = {"2.000815"}

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Thanh", "Hữu", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Yến",
]


def _seed_catalogue(city: Office, wards: list[Office]) -> None:
    for rows, offices in ((WARD_PROCEDURES, wards), (CITY_PROCEDURES, [city])):
        for code, name, field, days, fee, level, documents in rows:
            db.session.add(
                Procedure(
                    code=code,
                    name=name,
                    field=field,
                    processing=parse_processing_time(str(days)),
                    fee=fee,
                    online_level=level,
                    required_documents="\n".join(documents),
                    search_text=search_text(code, name, field),
                    offices=list(offices) + (wards if code in SHARED_CODES else []),
                )
            )
    db.session.commit()


def _seed_office_days(ward: Office, admin: User, today: dt.date) -> None:
    """A ward that closes one weekday next month and works the Saturday after instead."""
    calendar = calendar_for(ward)
    day = today + dt.timedelta(days=30)
    while day.weekday() != 4 or not calendar.is_working_day(day):  # a working Friday
        day += dt.timedelta(days=1)
    saturday = day + dt.timedelta(days=1)
    db.session.add(
        Holiday(
            office_id=ward.id,
            day=day,
            kind="day_off",
            created_by_id=admin.id,
            reason="Hội nghị cán bộ, công chức phường (dữ liệu mẫu)",
        )
    )
    if not calendar.is_working_day(saturday):
        db.session.add(
            Holiday(
                office_id=ward.id,
                day=saturday,
                kind="makeup_day",
                created_by_id=admin.id,
                reason="Làm bù cho ngày nghỉ thứ Sáu trước đó (dữ liệu mẫu)",
            )
        )
    db.session.commit()


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), clock.LOCAL_TZ).astimezone(dt.UTC)


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    span = max((end - start).total_seconds(), 60)
    return start + dt.timedelta(seconds=rng.uniform(30, span))


def _play_history(rng: random.Random, dossier, officer: User, now: dt.datetime, fate: str) -> None:
    """Move a demo dossier through a realistic life up to ``now``."""
    start = dossier.received_at + dt.timedelta(minutes=rng.randint(20, 120))
    if start >= now:
        return
    if fate in ("rejected", "withdrawn"):
        note = (
            "Thủ tục không thuộc thẩm quyền giải quyết của đơn vị; "
            "đề nghị nộp tại Chi nhánh Văn phòng "
            "đăng ký đất đai."
            if fate == "rejected"
            else "Công dân đề nghị rút hồ sơ."
        )
        change_status(dossier, fate, officer, note, at=start)
        return
    if dossier.procedure.processing_days == 0:
        change_status(dossier, "result_ready", officer, at=start)
        if now - start > dt.timedelta(hours=3):
            change_status(
                dossier, "returned", officer, at=start + dt.timedelta(minutes=rng.randint(5, 90))
            )
        return
    change_status(dossier, "in_progress", officer, at=start)
    if fate in ("supplement", "waiting"):
        asked = start + dt.timedelta(hours=rng.randint(1, 4))
        if asked >= now:
            return
        change_status(
            dossier,
            "awaiting_supplement",
            officer,
            "Bản sao giấy tờ tùy thân có chứng thực\nGiấy tờ chứng minh nơi cư trú",
            at=asked,
        )
        start = asked + dt.timedelta(days=rng.randint(1, 2))
        if fate == "waiting" or start >= now:
            return
        change_status(
            dossier, "in_progress", officer, "Công dân đã nộp đủ giấy tờ bổ sung.", at=start
        )
    if fate == "overdue":
        return
    if fate == "apology":
        issue_apology(
            dossier,
            calendar_for(dossier.office).add_working_days(clock.local_date(now), 3),
            "Cần xác minh thêm thông tin với cơ quan liên quan.",
            officer,
            at=now - dt.timedelta(hours=1),
        )
        return
    # Late: ready the morning after the due date; otherwise some time before its last working hours.
    due = dossier.due_at
    ready = (
        due + dt.timedelta(hours=9)
        if fate == "late"
        else _between(rng, start, due - dt.timedelta(hours=8))
    )
    if ready >= now:
        return
    change_status(dossier, "result_ready", officer, at=ready)
    collected = ready + dt.timedelta(hours=rng.randint(2, 48))
    if collected < now and rng.random() < 0.75:
        change_status(dossier, "returned", officer, at=collected)


STREETS = ["Ngô Quyền", "Trần Phú", "Mê Linh", "Nguyễn Tất Thành", "Lam Sơn", "Hùng Vương"]


def _seed_dossiers(
    rng: random.Random,
    office: Office,
    officers: list[User],
    days_back: int,
    per_day: tuple[int, int],
    forced: list[str],
) -> None:
    """Receive dossiers on the office's last working days; ``forced`` fates go to old ones."""
    now, today = clock.now(), clock.today()
    calendar = calendar_for(office)
    procedures = list(
        db.session.scalars(select(Procedure).where(Procedure.offices.any(Office.id == office.id)))
    )
    fates = list(forced)
    for back in range(days_back, -1, -1):
        day = today - dt.timedelta(days=back)
        if not calendar.is_working_day(day):
            continue
        elapsed = calendar.working_days_between(day, today)
        for _ in range(rng.randint(*per_day)):
            received = _local(
                day, rng.choice([7, 8, 8, 9, 9, 10, 10, 13, 14, 14, 15, 16]), rng.randint(0, 59)
            )
            if received >= now:
                continue
            procedure, fate = rng.choice(procedures), "normal"
            # An overdue, late or apologised dossier needs a due date already past.
            fitting = [p for p in procedures if 0 < p.processing_days <= elapsed - 2]
            if fates and fitting:
                procedure, fate = rng.choice(fitting), fates.pop(0)
            else:
                fate = rng.choices(
                    ["normal", "supplement", "waiting", "rejected", "withdrawn"],
                    weights=[86, 6, 3, 3, 2],
                )[0]
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            phone = rng.choice(["09", "08", "03", "07"]) + f"{rng.randint(0, 99_999_999):08d}"
            channel = rng.choices(["online", "direct", "postal"], weights=[55, 37, 8])[0]
            officer = rng.choice(officers)
            dossier = receive_dossier(
                office,
                procedure.code,
                name,
                phone,
                channel,
                rng.random() < 0.35,
                officer,
                received_at=received,
                applicant=_paper_applicant(office, procedure, phone)
                if channel != "online"
                else None,
            )
            _play_history(rng, dossier, officer, now, fate)


def _paper_applicant(office: Office, procedure: Procedure, phone: str) -> Applicant:
    """Made-up details of a citizen who handed in paper: address, ID number, one original each.

    Derived from the phone number so that the random sequence of the demo stays the same.
    """
    number = int(phone)
    street = STREETS[number % len(STREETS)]
    return Applicant(
        address=f"Số {number % 97 + 1} {street}, {place_name(office.name)}, Vĩnh Phúc",
        id_number=f"026{number % 10**9:09d}",
        documents=tuple({"name": name, "originals": 1} for name in procedure.document_list),
    )


def seed() -> None:
    """Create the demo catalogue, a ward's extra day off and make-up day, and demo dossiers."""
    city = db.session.scalar(select(Office).where(Office.code == "VY"))
    if city is None:
        return
    wards = list(
        db.session.scalars(select(Office).where(Office.parent_id == city.id).order_by(Office.code))
    )
    _seed_catalogue(city, wards)
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    by_code = {o.code: o for o in wards}
    if "VY-LB" in by_code and admin is not None:
        _seed_office_days(by_code["VY-LB"], admin, clock.today())
    rng = random.Random(2022)
    plans = [
        (
            "VY",
            15,
            (2, 4),
            ["overdue", "overdue", "apology", "late", "supplement", "waiting", "rejected"],
        ),
        ("VY-LB", 10, (1, 2), ["overdue", "supplement"]),
        ("VY-TS", 10, (0, 2), ["overdue"]),
    ]
    for code, days_back, per_day, forced in plans:
        office = city if code == "VY" else by_code.get(code)
        if office is None:
            continue
        officers = list(
            db.session.scalars(
                select(User).where(User.office_id == office.id, User.role == "officer")
            )
        )
        if officers:
            _seed_dossiers(rng, office, officers, days_back, per_day, forced)
