"""Demo complaints: a few in each state, one of them overdue, one answered and published."""

import datetime as dt

from sqlalchemy import select

from dossiers.office_days import calendar_for
from feedback.complaints import new_code
from feedback.models import COMPLAINT_WORKING_DAYS, Complaint, ComplaintEvent
from onestop import clock
from onestop.extensions import db
from onestop.models import Office, User

# (office, days ago, topic, subject, text, status, published answer)
DEMO_COMPLAINTS = [
    (
        "VY",
        26,
        "regulation",
        "Thời gian cấp giấy phép xây dựng quá lâu",
        "Tôi nộp hồ sơ xin giấy phép xây dựng nhà ở riêng lẻ đã hơn một tháng "
        "nhưng chưa có kết quả, "
        "đề nghị cho biết hồ sơ đang ở khâu nào.",
        "handling",
        None,
    ),
    (
        "VY",
        12,
        "attitude",
        "Cán bộ hướng dẫn rất tận tình",
        "Tôi muốn cảm ơn cán bộ quầy số 2 đã hướng dẫn tôi hoàn thiện hồ sơ "
        "đăng ký hộ kinh doanh chỉ trong một lần.",
        "answered",
        "Bộ phận Một cửa xin cảm ơn ông/bà đã ghi nhận. "
        "Ý kiến đã được chuyển tới cán bộ và lãnh đạo đơn vị.",
    ),
    (
        "VY",
        3,
        "other",
        "Đề nghị bố trí thêm ghế chờ",
        "Buổi sáng thứ Hai khu vực chờ rất đông, nhiều người cao tuổi phải đứng chờ.",
        "received",
        None,
    ),
    (
        "VY-LB",
        20,
        "regulation",
        "Hồ sơ khai sinh phải bổ sung nhiều lần",
        "Tôi phải đi lại ba lần vì mỗi lần được yêu cầu bổ sung một loại giấy tờ khác nhau.",
        "received",
        None,
    ),
    (
        "VY-TS",
        5,
        "attitude",
        "Thời gian chờ tại quầy chứng thực",
        "Tôi đã chờ gần 40 phút để chứng thực bản sao, đề nghị mở thêm quầy vào giờ cao điểm.",
        "handling",
        None,
    ),
]


def seed() -> None:
    """Create the demo complaints with their recorded steps, dated in the recent past."""
    offices = {o.code: o for o in db.session.scalars(select(Office))}
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    for code, days_ago, topic, subject, text, status, answer in DEMO_COMPLAINTS:
        office = offices.get(code)
        if office is None:
            continue
        received = clock.now() - dt.timedelta(days=days_ago, hours=2)
        complaint = Complaint(
            code=new_code(),
            office_id=office.id,
            topic=topic,
            subject=subject,
            text=text,
            channel="kiosk",
            status=status,
            received_at=received,
            due_date=calendar_for(office).add_working_days(
                clock.local_date(received), COMPLAINT_WORKING_DAYS
            ),
        )
        db.session.add(complaint)
        db.session.add(ComplaintEvent(complaint=complaint, at=received, action="received"))
        if status != "received" and supervisor is not None:
            complaint.assignee_id = supervisor.id
            db.session.add(
                ComplaintEvent(
                    complaint=complaint,
                    at=received + dt.timedelta(hours=3),
                    user_id=supervisor.id,
                    action="assigned",
                    note=supervisor.full_name,
                )
            )
        if answer and supervisor is not None:
            answered = received + dt.timedelta(days=2)
            complaint.answer, complaint.answered_at = answer, answered
            complaint.published, complaint.published_at = True, answered
            db.session.add(
                ComplaintEvent(
                    complaint=complaint, at=answered, user_id=supervisor.id, action="answered"
                )
            )
            db.session.add(
                ComplaintEvent(
                    complaint=complaint, at=answered, user_id=supervisor.id, action="published"
                )
            )
    db.session.commit()
