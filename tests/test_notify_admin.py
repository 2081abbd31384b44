"""Admin pages of messages: edit and restore the texts, list the outbox, retry a failed message."""

import pytest
from sqlalchemy import select
from test_dossiers_support import world_fixture  # noqa: F401 (fixture)

from notify import texts
from notify.models import MessageTemplate, OutboxMessage
from notify.outbox import DEFAULT_TEMPLATES, enqueue
from onestop import clock
from onestop.audit import AuditEntry
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.phones import mask_phone


@pytest.fixture
def admin_client(client, login, world):
    login(world.admin)
    return client


def _audit() -> list[tuple[str, str, str]]:
    return [
        (e.action, e.object_type, e.detail)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


def test_only_admins_see_the_message_pages(client, login, world):
    for url in ("/admin/messages", "/admin/outbox"):
        assert client.get(url).status_code == 302
    login(world.officer)
    for url in ("/admin/messages", "/admin/outbox"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/messages/ticket_called", data={"body": "x"}).status_code == 403


def test_the_admin_menu_links_the_message_pages(admin_client):
    assert 'href="/admin/messages"' in admin_client.get("/admin/").get_data(as_text=True)


def test_the_page_lists_every_template_with_its_current_text(admin_client):
    page = admin_client.get("/admin/messages").get_data(as_text=True)
    for code in DEFAULT_TEMPLATES:
        assert f'id="template-{code}"' in page
    assert "Mời ông/bà có số {number} đến quầy số {counter}, {office}." in page
    assert "Mời ông/bà có số A015 đến quầy số 12, UBND phường Liên Bảo." in page  # example


def test_an_edited_text_is_saved_logged_and_restored(admin_client):
    body = "Xin mời số {number} tới quầy {counter} ({office})."
    response = admin_client.post("/admin/messages/ticket_called", data={"body": body})
    assert response.status_code == 303
    assert texts.texts()["ticket_called"] == body
    page = admin_client.get("/admin/messages").get_data(as_text=True)
    assert "Xin mời số {number} tới quầy {counter} ({office})." in page
    assert "Đã sửa" in page and "Khôi phục nội dung mặc định" in page

    assert admin_client.post("/admin/messages/ticket_called/restore").status_code == 303
    assert texts.texts()["ticket_called"] == DEFAULT_TEMPLATES["ticket_called"]
    assert db.session.scalar(select(MessageTemplate)) is None
    assert _audit() == [
        ("edit", "message_template", "ticket_called"),
        ("restore", "message_template", "ticket_called"),
    ]


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "Nhập nội dung tin nhắn."),
        ("Số {number} gặp {officer} tại quầy {counter}.", "Không có chỗ điền {officer}"),
        ("Số {number!r} tại quầy {counter}.", "Dấu ngoặc nhọn chỉ dùng cho các chỗ điền"),
        ("Số {number:>200} tại quầy {counter}.", "Dấu ngoặc nhọn chỉ dùng cho các chỗ điền"),
        ("Số {number} tại quầy {counter", "Dấu ngoặc nhọn chỉ dùng cho các chỗ điền"),
        ("Mời {number} " + "rất " * 40 + "đến quầy {counter}.", "quá 160 ký tự"),
    ],
)
def test_a_bad_text_is_refused_with_a_clear_message(admin_client, body, message):
    response = admin_client.post("/admin/messages/ticket_called", data={"body": body})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(MessageTemplate)) is None
    assert _audit() == []


def test_the_length_is_checked_with_long_values():
    # 150 characters as typed, but the office's name and the dossier code make it longer.
    body = "Hồ sơ {code} đã có kết quả tại {office}. " + "x" * 108
    with pytest.raises(ValidationError) as refused:
        texts.check("dossier_result_ready", body)
    assert "khi điền giá trị dài nhất" in refused.value.errors["body"]


def test_an_unknown_template_is_not_found(admin_client):
    assert admin_client.post("/admin/messages/lottery", data={"body": "x"}).status_code == 404


def _failed_message(index: int = 1) -> OutboxMessage:
    message = enqueue(
        f"091234567{index}",
        "dossier_supplement",
        {"code": f"H62-{index}", "office": "VY"},
        key=f"dossier:{index}:supplement:1",
    )
    message.status, message.attempts, message.last_error = "failed", 8, "HTTP 503"
    db.session.commit()
    return message


def test_the_outbox_lists_failed_messages_with_a_masked_phone(admin_client, fixed_clock):
    failed = _failed_message(1)
    enqueue("0987654321", "ticket_called", {"number": "A001", "counter": 2}, key="ticket:1:called")
    db.session.commit()
    page = admin_client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert f'id="message-{failed.id}"' in page
    assert "HTTP 503" in page and "Gửi lại" in page and "Hồ sơ cần bổ sung giấy tờ" in page
    assert mask_phone("0912345671") in page and "0912345671" not in page
    assert "Mời đến quầy" not in page  # the pending message is filtered out
    everything = admin_client.get("/admin/outbox?status=nonsense").get_data(as_text=True)
    assert "2 tin nhắn" in everything and "0987654321" not in everything


def test_retry_sends_a_failed_message_again_under_its_id(admin_client, fixed_clock):
    failed = _failed_message(1)
    response = admin_client.post(f"/admin/outbox/{failed.id}/retry", data={"status": "failed"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/outbox?status=failed")
    db.session.expire_all()
    message = db.session.get(OutboxMessage, failed.id)
    assert (message.status, message.attempts, message.next_attempt_at) == (
        "pending",
        0,
        clock.now(),
    )
    assert _audit() == [("retry", "outbox_message", "dossier_supplement")]
    # Pending now: a second retry is refused and logs nothing.
    again = admin_client.post(f"/admin/outbox/{failed.id}/retry", follow_redirects=True)
    assert "Chỉ gửi lại được tin nhắn đã gửi không thành công." in again.get_data(as_text=True)
    assert len(_audit()) == 1
    assert admin_client.post("/admin/outbox/999/retry").status_code == 404


def test_a_message_whose_number_was_purged_cannot_be_retried(admin_client, fixed_clock):
    failed = _failed_message(1)
    failed.to = None
    db.session.commit()
    page = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "đã xóa" in page and "Gửi lại</button>" not in page
    response = admin_client.post(f"/admin/outbox/{failed.id}/retry", follow_redirects=True)
    assert "đã được xóa theo thời hạn lưu trữ" in response.get_data(as_text=True)
    assert db.session.get(OutboxMessage, failed.id).status == "failed"
