"""Lifecycle: valid transitions accepted, invalid ones refused; supplement pause; lateness."""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dossiers import lifecycle
from dossiers.lifecycle import TRANSITIONS, change_status, is_late, is_overdue, issue_apology
from dossiers.models import STATUSES, Dossier, DossierEvent, Holiday
from dossiers.workdays import due_end
from onestop import clock
from onestop.exceptions import Conflict, Forbidden, ValidationError
from onestop.extensions import db
from tests.fixtures.dossiers import local

NOTES = {"awaiting_supplement": "Bản sao giấy tờ tùy thân", "rejected": "Không thuộc thẩm quyền"}
# A shortest path from "received" to each status, to test every (from, to) pair.
PATHS = {
    "received": [],
    "in_progress": ["in_progress"],
    "awaiting_supplement": ["awaiting_supplement"],
    "result_ready": ["result_ready"],
    "returned": ["result_ready", "returned"],
    "rejected": ["rejected"],
    "withdrawn": ["withdrawn"],
}


def _move(dossier, status, officer):
    return change_status(dossier, status, officer, NOTES.get(status, ""))


def _events(dossier) -> int:
    return db.session.scalar(
        select(func.count(DossierEvent.id)).where(DossierEvent.dossier_id == dossier.id)
    )


def test_transition_table_covers_every_status():
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(set(targets) <= set(STATUSES) for targets in TRANSITIONS.values())
    assert lifecycle.NATIONAL_CODES == {
        "received": 2,
        "in_progress": 4,
        "awaiting_supplement": 5,
        "result_ready": 9,
        "returned": 10,
        "rejected": 3,
        "withdrawn": 7,
    }


@pytest.mark.parametrize("source, target", list(itertools.product(STATUSES, STATUSES)))
def test_every_pair_is_accepted_or_refused_as_the_table_says(world, receive, source, target):
    dossier = receive()
    for step in PATHS[source]:
        dossier = _move(dossier, step, world.officer)
    assert dossier.status == source
    before = _events(dossier)
    if target in TRANSITIONS[source]:
        assert _move(dossier, target, world.officer).status == target
        assert _events(dossier) == before + 1
    else:
        with pytest.raises(Conflict) as refused:
            _move(dossier, target, world.officer)
        db.session.rollback()
        assert refused.value.status == 409
        assert dossier.code in refused.value.message
        assert db.session.get(Dossier, dossier.id).status == source
        assert _events(dossier) == before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(walk=st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8))
def test_random_walks_follow_the_table(world, receive, walk):
    dossier = receive()
    expected, events = "received", 1
    for target in walk:
        if target in TRANSITIONS[expected]:
            dossier = _move(dossier, target, world.officer)
            expected, events = target, events + 1
        else:
            with pytest.raises(Conflict):
                _move(dossier, target, world.officer)
            db.session.rollback()
        stored = db.session.get(Dossier, dossier.id)
        assert stored.status == expected
        assert _events(stored) == events
    assert [e.to_status for e in db.session.get(Dossier, dossier.id).events][0] == "received"


def test_refusal_explains_what_is_allowed(world, receive):
    dossier = _move(receive(), "result_ready", world.officer)
    with pytest.raises(Conflict) as refused:
        _move(dossier, "in_progress", world.officer)
    assert "“Đã có kết quả”" in refused.value.message
    assert "“Đã trả kết quả”" in refused.value.message


def test_supplement_and_rejection_need_a_note(world, receive):
    dossier = receive()
    for status in ("awaiting_supplement", "rejected"):
        with pytest.raises(ValidationError) as refused:
            change_status(dossier, status, world.officer, "   ")
        db.session.rollback()
        assert "note" in refused.value.errors
    assert db.session.get(Dossier, dossier.id).status == "received"


def test_unknown_status_and_other_office_are_refused(world, receive):
    dossier = receive()
    with pytest.raises(ValidationError):
        change_status(dossier, "lost", world.officer)
    db.session.rollback()
    with pytest.raises(Forbidden):
        change_status(dossier, "in_progress", world.lb_officer)
    db.session.rollback()
    # A supervisor of the parent office may act in a ward.
    ward_dossier = receive(office=world.lb, procedure_code="1.001193", officer=world.lb_officer)
    assert change_status(ward_dossier, "in_progress", world.supervisor).status == "in_progress"


def test_a_time_before_the_last_event_is_refused(world, receive):
    dossier = receive(received_at=local(2026, 11, 23, 9, 0))
    change_status(dossier, "in_progress", world.officer, at=local(2026, 11, 24, 9, 0))
    with pytest.raises(ValidationError):
        change_status(dossier, "result_ready", world.officer, at=local(2026, 11, 24, 8, 0))


# --- the clock stops while waiting for a supplement ---------------------------------------------


def test_supplement_pause_moves_the_due_date_by_the_paused_working_days(world, receive):
    # November 2026; Tue 24/11 is Ngày Văn hóa Việt Nam (a day off):
    #   Mon 16 received, 3 working days -> Tue 17 = 1, Wed 18 = 2, Thu 19 = 3 => due Thu 19/11
    #   Tue 17 10:00 supplement asked; Fri 20 14:00 papers complete:
    #   (Tue 17, Fri 20] = Wed, Thu, Fri = 3 days
    #   due Thu 19 + 3 working days -> Fri 20, Mon 23, (Tue 24 off), Wed 25/11
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))
    assert dossier.due_date == dt.date(2026, 11, 19)
    dossier = change_status(
        dossier,
        "awaiting_supplement",
        world.officer,
        "Bản sao CCCD\nGiấy đề nghị có chữ ký",
        at=local(2026, 11, 17, 10, 0),
    )
    assert dossier.paused_at == local(2026, 11, 17, 10, 0)
    assert dossier.supplement_count == 1
    # While paused, the dossier is not overdue even after the original due date.
    assert not is_overdue(dossier, local(2026, 11, 20, 9, 0))
    dossier = change_status(dossier, "in_progress", world.officer, at=local(2026, 11, 20, 14, 0))
    assert dossier.due_date == dt.date(2026, 11, 25)
    assert dossier.due_at == due_end(dt.date(2026, 11, 25))
    assert dossier.paused_at is None
    request = dossier.supplements[0]
    assert request.requested_at == local(2026, 11, 17, 10, 0)
    assert request.completed_at == local(2026, 11, 20, 14, 0)
    assert request.items == ["Bản sao CCCD", "Giấy đề nghị có chữ ký"]
    assert "25/11/2026" in dossier.events[-1].note
    # Ready on the extended due date: on time.
    dossier = change_status(dossier, "result_ready", world.officer, at=local(2026, 11, 25, 16, 0))
    assert not is_late(dossier)


def test_pause_uses_the_office_calendar(world, receive):
    # The city closes Wed 18/11/2026:
    # received Mon 16 -> 17 = 1, (18 off), 19 = 2, 20 = 3 => due Fri 20;
    # paused (Tue 17, Fri 20] = Thu 19 and Fri 20 -> due + 2 -> Mon 23, (Tue 24 off), Wed 25.
    db.session.add(
        Holiday(office_id=world.city.id, day=dt.date(2026, 11, 18), kind="day_off", reason="Họp")
    )
    db.session.commit()
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))
    assert dossier.due_date == dt.date(2026, 11, 20)
    change_status(
        dossier, "awaiting_supplement", world.officer, "CCCD", at=local(2026, 11, 17, 10, 0)
    )
    dossier = change_status(dossier, "in_progress", world.officer, at=local(2026, 11, 20, 10, 0))
    assert dossier.due_date == dt.date(2026, 11, 25)


def test_a_pause_ended_by_withdrawal_leaves_the_due_date(world, receive):
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))
    change_status(
        dossier, "awaiting_supplement", world.officer, "CCCD", at=local(2026, 11, 17, 10, 0)
    )
    dossier = change_status(dossier, "withdrawn", world.officer, at=local(2026, 11, 20, 10, 0))
    assert dossier.due_date == dt.date(2026, 11, 19)
    assert dossier.closed_at == local(2026, 11, 20, 10, 0)
    assert dossier.supplements[0].completed_at is None


# --- late or on time, decided at the end of the due date ----------------------------------------


@pytest.mark.parametrize(
    "offset, late",
    [
        (dt.timedelta(0), False),
        (dt.timedelta(microseconds=1), True),
        (-dt.timedelta(hours=8), False),
    ],
)
def test_late_is_decided_exactly_at_the_end_of_the_due_date(world, receive, offset, late):
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))  # due Thu 19/11/2026
    end = due_end(dt.date(2026, 11, 19))
    assert end == dt.datetime(2026, 11, 19, 16, 59, 59, 999999, tzinfo=dt.UTC)
    dossier = change_status(dossier, "result_ready", world.officer, at=end + offset)
    assert is_late(dossier) is late
    assert lifecycle.timeliness(dossier, end + offset) == ("late" if late else "on_time")
    stored = db.session.scalar(select(Dossier.id).where(lifecycle.late_condition()))
    assert (stored == dossier.id) is late


def test_early_result_is_early(world, receive):
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))
    dossier = change_status(dossier, "result_ready", world.officer, at=local(2026, 11, 18, 10, 0))
    assert lifecycle.timeliness(dossier, clock.now()) == "early"


def test_more_than_one_supplement_request_counts_as_late(world, receive):
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))
    for day in (17, 18):
        change_status(
            dossier, "awaiting_supplement", world.officer, "CCCD", at=local(2026, 11, day, 9, 0)
        )
        dossier = change_status(
            dossier, "in_progress", world.officer, at=local(2026, 11, day, 15, 0)
        )
    dossier = change_status(dossier, "result_ready", world.officer, at=local(2026, 11, 19, 9, 0))
    assert dossier.result_ready_at < dossier.due_at
    assert dossier.supplement_count == 2
    assert is_late(dossier)
    assert db.session.scalar(select(Dossier.id).where(lifecycle.late_condition())) == dossier.id


def test_overdue_open_dossiers(world, receive):
    # Received Mon 16/11/2026, due Thu 19/11; the clock is Fri 27/11.
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))
    assert not is_overdue(dossier, due_end(dossier.due_date))
    assert is_overdue(dossier, due_end(dossier.due_date) + dt.timedelta(microseconds=1))
    fresh = receive()
    now = clock.now()
    overdue_ids = set(
        db.session.scalars(select(Dossier.id).where(lifecycle.overdue_condition(now)))
    )
    assert overdue_ids == {dossier.id}
    assert not is_overdue(fresh, now)
    # A supplement asked after the due date keeps it overdue; a finished dossier is never overdue.
    change_status(
        dossier, "awaiting_supplement", world.officer, "CCCD", at=local(2026, 11, 25, 9, 0)
    )
    assert set(db.session.scalars(select(Dossier.id).where(lifecycle.overdue_condition(now)))) == {
        dossier.id
    }
    change_status(
        dossier, "rejected", world.officer, "Quá thời hạn bổ sung", at=local(2026, 11, 26, 9, 0)
    )
    assert not is_overdue(db.session.get(Dossier, dossier.id), now)
    assert lifecycle.national_code(dossier) == 8  # stopped after processing began


def test_rejection_at_intake_is_national_code_3(world, receive):
    dossier = change_status(receive(), "rejected", world.officer, "Không thuộc thẩm quyền")
    assert lifecycle.national_code(dossier) == 3


# --- apology and new appointment (Mẫu 04) -------------------------------------------------------


def test_apology_sets_a_new_date_but_the_dossier_stays_late(world, receive):
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))  # due Thu 19/11
    dossier = issue_apology(dossier, dt.date(2026, 12, 1), "Cần xác minh thêm", world.officer)
    assert dossier.apology_date == dt.date(2026, 12, 1)
    assert dossier.appointment_date == dt.date(2026, 12, 1)
    assert dossier.due_date == dt.date(2026, 11, 19)
    assert dossier.events[-1].kind == "apology"
    dossier = change_status(dossier, "result_ready", world.officer, at=local(2026, 11, 30, 9, 0))
    assert is_late(dossier)


@pytest.mark.parametrize(
    "new_date, reason, field",
    [
        (dt.date(2026, 11, 26), "Xác minh", "new_date"),  # in the past (today is 27/11)
        (dt.date(2026, 11, 28), "Xác minh", "new_date"),  # a Saturday
        (dt.date(2026, 12, 1), "  ", "reason"),
    ],
)
def test_apology_validation(world, receive, new_date, reason, field):
    dossier = receive(received_at=local(2026, 11, 16, 9, 0))
    with pytest.raises(ValidationError) as refused:
        issue_apology(dossier, new_date, reason, world.officer)
    assert field in refused.value.errors


def test_no_apology_for_a_finished_dossier(world, receive):
    dossier = change_status(receive(), "result_ready", world.officer)
    with pytest.raises(Conflict):
        issue_apology(dossier, dt.date(2026, 12, 4), "Xác minh", world.officer)
