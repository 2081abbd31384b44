"""The audit trail: every administrative change and every view of personal data, and its page."""

import datetime as dt

import pytest
from sqlalchemy import select

from dossiers import catalogue, office_days
from feedback import complaints
from onestop import audit, clock
from onestop.audit import AuditEntry
from onestop.exceptions import ValidationError
from onestop.extensions import db
from onestop.models import Office, User
from queues import configure, devices
from tests.fixtures import HTMX


def entries(**where) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(query))


@pytest.fixture
def admin_client(client, login, world):
    login(world.admin)
    return client


def test_offices_and_users_changed_by_an_admin_are_logged_with_who_and_what(admin_client, world):
    form = {"code": "VY-DD", "name": "UBND phường Đống Đa", "level": "commune", "parent": "VY"}
    assert admin_client.post("/admin/offices", data=form).status_code == 303
    office = db.session.scalar(select(Office).where(Office.code == "VY-DD"))
    (created,) = entries(object_type="office")
    assert (created.action, created.object_id, created.office_id) == (
        "create",
        office.id,
        office.id,
    )
    assert created.user_id == world.admin.id

    form = {**form, "name": "UBND phường Đống Đa mới", "wait_target_min": "15"}
    assert admin_client.post(f"/admin/offices/{office.id}", data=form).status_code == 303
    assert admin_client.post(f"/admin/offices/{office.id}/active", data={}).status_code == 303
    assert [(e.action, e.detail) for e in entries(object_type="office")][1:] == [
        ("edit", "name, wait_target_min"),
        ("deactivate", "active"),
    ]

    user_form = {
        "username": "vy-dd-officer",
        "full_name": "Hoàng Thị Mai",
        "role": "officer",
        "office": "VY-DD",
        "password": "mat-khau-dai",
    }
    assert admin_client.post("/admin/users", data=user_form).status_code == 303
    user = db.session.scalar(select(User).where(User.username == "vy-dd-officer"))
    edit = {**user_form, "password": "", "full_name": "Hoàng Thị Mai Anh"}
    assert admin_client.post(f"/admin/users/{user.id}", data=edit).status_code == 303
    reset = {**edit, "password": "mat-khau-moi-123"}
    assert admin_client.post(f"/admin/users/{user.id}", data=reset).status_code == 303
    assert admin_client.post(f"/admin/users/{user.id}/active", data={}).status_code == 303
    logged = entries(object_type="user", object_id=user.id)
    assert [(e.action, e.detail) for e in logged] == [
        ("create", ""),
        ("edit", "full_name"),
        ("password_reset", "password"),
        ("deactivate", "active"),
    ]
    assert {e.office_id for e in logged} == {office.id}
    # The names and the password are never in the log.
    stored = " ".join(e.detail for e in entries())
    assert "Hoàng" not in stored and "mat-khau" not in stored


def test_a_refused_change_logs_nothing(admin_client, world):
    response = admin_client.post("/admin/offices", data={"code": "??", "name": ""})
    assert response.status_code == 422
    office = {"code": "VY", "name": "", "level": "district"}
    assert admin_client.post(f"/admin/offices/{world.city.id}", data=office).status_code == 422
    assert entries() == []


def test_the_entry_is_stored_with_the_change_or_not_at_all(world):
    office = world.city
    office.name = "UBND thành phố khác"
    audit.record("edit", office, user=world.admin)
    db.session.rollback()
    assert entries() == []
    assert db.session.get(Office, office.id).name == "UBND thành phố Vĩnh Yên"


def test_services_counters_devices_procedures_and_holidays_are_logged(world):
    admin = world.admin
    service = configure.save_service(
        world.city, {"code": "dat-dai", "letter": "A", "name": "Đất đai", "active": "1"}, admin
    )
    configure.save_service(
        world.city,
        {"code": "dat-dai", "letter": "A", "name": "Đất đai", "active": ""},
        admin,
        service,
    )
    counter = configure.save_counter(world.city, {"number": "1", "services": [service.id]}, admin)
    with pytest.raises(ValidationError):
        configure.save_counter(world.city, {"number": "1", "services": []}, admin)
    db.session.rollback()
    device, code = devices.create_pairing(world.city, "kiosk", "Ki-ốt sảnh")
    devices.pair(code)
    devices.revoke(device)
    procedure = catalogue.save_procedure(
        {
            "code": "1.000001",
            "name": "Thủ tục thử",
            "field": "Hộ tịch",
            "processing_days": "3",
            "online_level": "none",
            "active": "1",
        },
        [world.city.id],
    )
    csv = "code,name,field,processing_days,offices\n1.000002,Thủ tục hai,Hộ tịch,5,VY\n"
    catalogue.import_procedures_csv(csv.encode())
    day = office_days.add_office_day(
        world.city, dt.date(2026, 12, 7), "day_off", "Quyết định của UBND", admin, clock.today()
    )
    office_days.delete_office_day(day.id, world.supervisor)

    logged = [(e.object_type, e.action, e.object_id, e.office_id) for e in entries()]
    city = world.city.id
    assert logged == [
        ("service", "create", service.id, city),
        ("service", "edit", service.id, city),
        ("counter", "create", counter.id, city),
        ("device", "create", device.id, city),
        ("device", "pair", device.id, city),
        ("device", "revoke", device.id, city),
        ("procedure", "create", procedure.id, None),
        ("procedure", "import", None, None),
        ("holiday", "create", day.id, city),
        ("holiday", "delete", day.id, city),
    ]
    by_action = {(e.object_type, e.action): e for e in entries()}
    assert by_action["service", "edit"].detail == "active"
    assert by_action["procedure", "import"].detail == "1 new, 0 updated"
    assert by_action["holiday", "delete"].user_id == world.supervisor.id
    # A device pairs itself at the kiosk: nobody is logged in.
    assert by_action["device", "pair"].user_id is None
    assert by_action["device", "create"].user_id is None  # called outside a request here


def test_opening_personal_data_is_logged_without_the_data(client, login, world, receive):
    dossier = receive()
    login(world.officer)
    page = client.get(f"/dossiers/{dossier.code}")
    assert page.status_code == 200 and "Nguyễn Thị Lan" in page.get_data(as_text=True)
    assert client.get(f"/dossiers/{dossier.code}/receipt.pdf").status_code == 200
    # The list shows masked data only: not a view of personal data.
    assert client.get("/dossiers").status_code == 200
    (view, export) = entries()
    assert (view.action, view.object_type, view.object_id) == ("view", "dossier", dossier.id)
    assert (view.user_id, view.office_id, view.detail) == (
        world.officer.id,
        world.city.id,
        dossier.code,
    )
    assert (export.action, export.detail) == ("export", f"{dossier.code} receipt.pdf")

    complaint = complaints.submit(
        world.city, "Chờ lâu", "Tôi chờ hai tiếng", "0912000111", "attitude", channel="web"
    )
    login(world.supervisor)
    page = client.get(f"/complaints/{complaint.code}/manage")
    assert page.status_code == 200 and "0912000111" in page.get_data(as_text=True)
    (seen,) = entries(object_type="complaint")
    assert (seen.action, seen.object_id, seen.user_id) == (
        "view",
        complaint.id,
        world.supervisor.id,
    )
    stored = " ".join(e.detail for e in entries())
    assert "Nguyễn" not in stored and "0912" not in stored


def test_a_dossier_someone_may_not_see_is_neither_shown_nor_logged(client, login, world, receive):
    dossier = receive()
    login(world.lb_officer)
    assert client.get(f"/dossiers/{dossier.code}").status_code == 404
    assert entries() == []


def _entry(at, user, action, object_type, office=None, object_id=None, detail=""):
    entry = AuditEntry(
        at=at,
        user_id=user.id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        office_id=office.id if office else None,
        detail=detail,
    )
    db.session.add(entry)
    return entry


NAMES = ("lb-created", "city-dossier-seen", "officer-edited", "lb-dossier-seen", "device-revoked")


@pytest.fixture
def history(world):
    """Entries over three local days by three people in two offices."""
    day = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # 09:00 local, Tuesday
    later = day + dt.timedelta(days=1)
    _entry(day, world.admin, "create", "office", world.lb, world.lb.id, "lb-created")
    _entry(day, world.officer, "view", "dossier", world.city, 7, "city-dossier-seen")
    _entry(later, world.admin, "edit", "user", world.city, world.officer.id, "officer-edited")
    _entry(later, world.lb_officer, "view", "dossier", world.lb, 8, "lb-dossier-seen")
    # 23:30 local on the 26th is still the 26th, though it is the 26th 16:30 UTC.
    night = dt.datetime(2026, 11, 26, 16, 30, tzinfo=dt.UTC)
    _entry(night, world.admin, "revoke", "device", detail="device-revoked")
    db.session.commit()
    return world


def _shown(client, query: str = "") -> list[str]:
    """The entries on the page, in the page's order."""
    response = client.get(f"/admin/audit{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return sorted((name for name in NAMES if name in page), key=page.index)


def test_the_audit_page_lists_newest_first_and_filters(admin_client, history):
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "<html" in page and "5 mục" in page
    assert _shown(admin_client) == [
        "device-revoked",
        "lb-dossier-seen",
        "officer-edited",
        "city-dossier-seen",
        "lb-created",
    ]
    admin, lb, city = history.admin.id, history.lb.id, history.city.id
    assert _shown(admin_client, f"?user={admin}") == [
        "device-revoked",
        "officer-edited",
        "lb-created",
    ]
    assert _shown(admin_client, "?action=view") == ["lb-dossier-seen", "city-dossier-seen"]
    assert _shown(admin_client, "?type=user") == ["officer-edited"]
    assert _shown(admin_client, f"?office={lb}") == ["lb-dossier-seen", "lb-created"]
    assert _shown(admin_client, "?from=2026-11-25&to=2026-11-25") == [
        "lb-dossier-seen",
        "officer-edited",
    ]
    assert _shown(admin_client, "?from=2026-11-26") == ["device-revoked"]
    assert _shown(admin_client, "?to=2026-11-24") == ["city-dossier-seen", "lb-created"]
    assert _shown(admin_client, f"?action=view&office={city}") == ["city-dossier-seen"]
    assert _shown(admin_client, f"?user={admin}&type=dossier") == []
    # Nonsense filters are ignored rather than failing.
    assert len(_shown(admin_client, "?action=drop&type=x&user=abc&from=2026-13-45&page=-3")) == 5
    assert len(_shown(admin_client, "?from=0001-01-01&to=9999-12-31&user=99999999999999")) == 5
    fragment = admin_client.get("/admin/audit?action=edit", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="audit-results"' in fragment
    assert "officer-edited" in fragment and "lb-created" not in fragment


def test_the_audit_page_pages_through_long_logs(admin_client, world):
    start = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    for n in range(audit.PAGE_SIZE + 5):
        _entry(start + dt.timedelta(minutes=n), world.admin, "view", "dossier", object_id=n + 1)
    db.session.commit()
    first = admin_client.get("/admin/audit?action=view").get_data(as_text=True)
    assert first.count("<tr>") == audit.PAGE_SIZE + 1  # and the header row
    assert "page=2" in first and "action=view" in first
    second = admin_client.get("/admin/audit?action=view&page=2").get_data(as_text=True)
    assert second.count("<tr>") == 5 + 1 and "#1<" in second


def test_only_admins_see_the_audit_page(client, login, world):
    assert client.get("/admin/audit").status_code == 302
    for user in (world.officer, world.supervisor):
        login(user)
        assert client.get("/admin/audit").status_code == 403
    login(world.admin)
    index = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/audit"' in index
