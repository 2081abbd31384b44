"""Tests for dossiers.workdays: every expected date is written out from a wall calendar."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossiers.workdays import WorkCalendar, due_end

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()


def local(y, m, d, hh=9, mm=0):
    """Aware local receipt time in Vietnam."""
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def is_on_time(ready_at: datetime, due: date) -> bool:
    """Timeliness rule used by the reports: ready at or before the end of the due day."""
    return ready_at <= due_end(due)


# --- weekends -------------------------------------------------------------------------------


def test_weekend_days_are_not_working_days():
    # March 2026: Fri 13, Sat 14, Sun 15, Mon 16.
    assert CAL.is_working_day(date(2026, 3, 13))
    assert not CAL.is_working_day(date(2026, 3, 14))
    assert not CAL.is_working_day(date(2026, 3, 15))
    assert CAL.is_working_day(date(2026, 3, 16))


def test_add_working_days_skips_weekend():
    # Thu 12/03/2026 + 1 = Fri 13; + 2 = Mon 16; + 5 = Thu 19.
    assert CAL.add_working_days(date(2026, 3, 12), 1) == date(2026, 3, 13)
    assert CAL.add_working_days(date(2026, 3, 12), 2) == date(2026, 3, 16)
    assert CAL.add_working_days(date(2026, 3, 12), 5) == date(2026, 3, 19)


def test_add_zero_working_days():
    assert CAL.add_working_days(date(2026, 3, 13), 0) == date(2026, 3, 13)  # Fri itself
    assert CAL.add_working_days(date(2026, 3, 14), 0) == date(2026, 3, 16)  # Sat -> Mon


def test_add_working_days_from_weekend_start():
    # Sat 14/03/2026 + 1 = Mon 16 (the start is not counted).
    assert CAL.add_working_days(date(2026, 3, 14), 1) == date(2026, 3, 16)


def test_negative_n_is_rejected():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 3, 12), -1)


def test_datetime_instead_of_date_is_rejected():
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2026, 3, 12, 9, 0))


def test_working_days_between_half_open():
    # (Fri 13/03/2026, Fri 20/03/2026] = Mon 16 .. Fri 20 = 5.
    assert CAL.working_days_between(date(2026, 3, 13), date(2026, 3, 20)) == 5
    # (Fri 13, Sun 15] = 0; (Fri 13, Fri 13] = 0; reversed = 0.
    assert CAL.working_days_between(date(2026, 3, 13), date(2026, 3, 15)) == 0
    assert CAL.working_days_between(date(2026, 3, 13), date(2026, 3, 13)) == 0
    assert CAL.working_days_between(date(2026, 3, 20), date(2026, 3, 13)) == 0


# --- public holidays ------------------------------------------------------------------------


def test_new_year_2027_friday():
    # Fri 01/01/2027 is off: Thu 31/12/2026 + 1 working day = Mon 04/01/2027.
    assert not CAL.is_working_day(date(2027, 1, 1))
    assert CAL.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert CAL.due_date(local(2026, 12, 31), 1) == date(2027, 1, 4)


def test_reunification_and_labour_day_2026():
    # Thu 30/04 and Fri 01/05/2026 off: Wed 29/04 + 1 = Mon 04/05.
    assert not CAL.is_working_day(date(2026, 4, 30))
    assert not CAL.is_working_day(date(2026, 5, 1))
    assert CAL.due_date(local(2026, 4, 29), 1) == date(2026, 5, 4)


def test_hung_kings_observed_and_april_holidays_2026():
    # Fri 24/04/2026 + 3: Sat 25, Sun 26 weekend; Mon 27 off (Giỗ Tổ, observed);
    # Tue 28 = 1, Wed 29 = 2; Thu 30, Fri 01/05 off; Sat 2, Sun 3; Mon 04/05 = 3.
    assert CAL.due_date(local(2026, 4, 24), 3) == date(2026, 5, 4)


def test_national_day_2026_with_swap():
    # 31/08 (Mon), 01/09 (Tue), 02/09 (Wed) off; Sat 22/08/2026 is a make-up working day.
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert not CAL.is_working_day(date(2026, 9, 1))
    assert not CAL.is_working_day(date(2026, 9, 2))
    assert CAL.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 8, 29))  # an ordinary Saturday
    # Fri 21/08 + 1 = Sat 22/08 (make-up day).
    assert CAL.due_date(local(2026, 8, 21), 1) == date(2026, 8, 22)
    # Fri 28/08 + 1: Sat 29, Sun 30, Mon 31, Tue 1, Wed 2 all off -> Thu 03/09.
    assert CAL.due_date(local(2026, 8, 28), 1) == date(2026, 9, 3)
    # (Thu 20/08, Thu 27/08] = Fri 21, Sat 22, Mon 24, Tue 25, Wed 26, Thu 27 = 6.
    assert CAL.working_days_between(date(2026, 8, 20), date(2026, 8, 27)) == 6


def test_tet_2026():
    # 16-20/02/2026 off; 21, 22 weekend; Mon 23 = 1, Tue 24 = 2, Wed 25 = 3.
    for d in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, d))
    assert CAL.due_date(local(2026, 2, 13), 3) == date(2026, 2, 25)


def test_tet_2027_per_package():
    # Thu 04 .. Wed 10/02/2027 off: Wed 03/02 + 2 = Thu 11 (1), Fri 12 (2).
    for d in range(4, 11):
        assert not CAL.is_working_day(date(2027, 2, d))
    assert CAL.is_working_day(date(2027, 2, 3))
    assert CAL.is_working_day(date(2027, 2, 11))
    assert CAL.due_date(local(2027, 2, 3), 2) == date(2027, 2, 12)


# --- office overrides -----------------------------------------------------------------------


def test_office_extra_day_off():
    # The office closes Fri 09/10/2026: Thu 08/10 + 1 = Mon 12/10.
    cal = WorkCalendar(extra_days_off={date(2026, 10, 9)})
    assert not cal.is_working_day(date(2026, 10, 9))
    assert CAL.due_date(local(2026, 10, 8), 1) == date(2026, 10, 9)
    assert cal.due_date(local(2026, 10, 8), 1) == date(2026, 10, 12)


def test_office_makeup_saturday():
    # Office off Fri 09/10/2026 and works Sat 10/10 instead: Thu 08/10 + 1 = Sat 10/10.
    cal = WorkCalendar(extra_days_off={date(2026, 10, 9)}, makeup_days={date(2026, 10, 10)})
    assert cal.is_working_day(date(2026, 10, 10))
    assert cal.due_date(local(2026, 10, 8), 1) == date(2026, 10, 10)
    # Thu 08/10 + 2 = Mon 12/10.
    assert cal.due_date(local(2026, 10, 8), 2) == date(2026, 10, 12)


def test_office_overrides_win_over_package():
    # Extra day off beats the package's make-up Saturday 22/08/2026;
    # office make-up day beats the package's holiday 24/11/2026.
    cal = WorkCalendar(extra_days_off={date(2026, 8, 22)}, makeup_days={date(2026, 11, 24)})
    assert not cal.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 11, 24))
    assert cal.is_working_day(date(2026, 11, 24))


def test_office_makeup_wins_over_its_own_day_off():
    cal = WorkCalendar(extra_days_off={date(2026, 10, 10)}, makeup_days={date(2026, 10, 10)})
    assert cal.is_working_day(date(2026, 10, 10))


def test_calendar_is_immutable_and_hashable():
    cal = WorkCalendar(extra_days_off={date(2026, 10, 9)})
    with pytest.raises(AttributeError):
        cal.extra_days_off = frozenset()  # type: ignore[misc]
    assert hash(cal) == hash(WorkCalendar(extra_days_off=[date(2026, 10, 9)]))


# --- receipt time ---------------------------------------------------------------------------


def test_same_day_before_and_after_15h():
    # Tue 10/03/2026.
    assert CAL.due_date(local(2026, 3, 10, 14, 59), 0) == date(2026, 3, 10)
    assert CAL.due_date(local(2026, 3, 10, 15, 1), 0) == date(2026, 3, 11)
    # Fri 13/03 after 15:00 -> Mon 16/03.
    assert CAL.due_date(local(2026, 3, 13, 15, 1), 0) == date(2026, 3, 16)


def test_same_day_received_in_utc():
    # 08:30 UTC = 15:30 in Vietnam on Tue 10/03/2026 -> next working day Wed 11/03.
    received = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert CAL.due_date(received, 0) == date(2026, 3, 11)


def test_received_on_sunday():
    # Sun 15/03/2026 counts as Mon 16: + 2 = Wed 18; same-day -> Mon 16.
    assert CAL.due_date(local(2026, 3, 15, 10, 0), 2) == date(2026, 3, 18)
    assert CAL.due_date(local(2026, 3, 15, 10, 0), 0) == date(2026, 3, 16)


def test_received_after_17h():
    # Tue 10/03/2026 16:30 + 2 = Thu 12; 17:30 counts as Wed 11, + 2 = Fri 13.
    assert CAL.due_date(local(2026, 3, 10, 16, 30), 2) == date(2026, 3, 12)
    assert CAL.due_date(local(2026, 3, 10, 17, 30), 2) == date(2026, 3, 13)
    # Fri 13/03 17:30 counts as Mon 16, + 1 = Tue 17.
    assert CAL.due_date(local(2026, 3, 13, 17, 30), 1) == date(2026, 3, 17)


def test_naive_receipt_time_is_rejected():
    with pytest.raises(ValueError):
        CAL.due_date(datetime(2026, 3, 10, 9, 0), 1)


# --- due_end --------------------------------------------------------------------------------


def test_due_end_boundary():
    due = date(2026, 3, 10)
    end = due_end(due)
    # 23:59:59.999999 in UTC+7 = 16:59:59.999999 UTC.
    assert end == datetime(2026, 3, 10, 16, 59, 59, 999999, tzinfo=UTC)
    assert end.tzinfo is UTC
    assert is_on_time(end, due)
    assert not is_on_time(end + timedelta(microseconds=1), due)
    # Local 23:59 on the due day is on time; 00:00 next day is late.
    assert is_on_time(datetime(2026, 3, 10, 23, 59, tzinfo=VN), due)
    assert not is_on_time(datetime(2026, 3, 11, 0, 0, tzinfo=VN), due)
    assert CAL.due_end(due) == end


# --- pauses ---------------------------------------------------------------------------------


def test_extend_for_pause_across_weekend():
    due = date(2026, 3, 18)  # Wed
    # (Fri 13, Mon 16] = Mon 16 only -> due + 1 = Thu 19/03.
    assert CAL.extend_for_pause(due, date(2026, 3, 13), date(2026, 3, 16)) == date(2026, 3, 19)
    # (Thu 12, Tue 17] = Fri 13, Mon 16, Tue 17 = 3 -> Thu 19, Fri 20, Mon 23/03.
    assert CAL.extend_for_pause(due, date(2026, 3, 12), date(2026, 3, 17)) == date(2026, 3, 23)
    # A pause over the weekend only, or of zero length, changes nothing.
    assert CAL.extend_for_pause(due, date(2026, 3, 13), date(2026, 3, 15)) == due
    assert CAL.extend_for_pause(due, date(2026, 3, 16), date(2026, 3, 16)) == due


def test_a_calendar_day_procedure_pauses_by_calendar_days_and_lands_on_a_working_day():
    # A 15-calendar-day permit received Mon 02/11/2026 is due Tue 17/11/2026.
    due = date(2026, 11, 17)
    # Paused (Wed 04/11, Sat 07/11]: 3 calendar days, the weekend included -> Fri 20/11.
    paused = ("calendar_days", date(2026, 11, 4), date(2026, 11, 7))
    assert CAL.extend_for_pause(due, *paused[1:], unit=paused[0]) == date(2026, 11, 20)
    # Paused (Wed 04/11, Sun 08/11]: 4 days -> Sat 21/11, a day off -> Mon 23/11.
    assert CAL.extend_for_pause(
        due, date(2026, 11, 4), date(2026, 11, 8), unit="calendar_days"
    ) == date(2026, 11, 23)
    # The same pause of a working-day procedure counts Thu 05 and Fri 06 only -> Thu 19/11.
    assert CAL.extend_for_pause(due, date(2026, 11, 4), date(2026, 11, 8)) == date(2026, 11, 19)


def test_extend_for_pause_rejects_reversed_interval():
    with pytest.raises(ValueError):
        CAL.extend_for_pause(date(2026, 3, 18), date(2026, 3, 17), date(2026, 3, 16))


# --- property -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    n=st.integers(min_value=1, max_value=30),
)
def test_add_working_days_property(start, n):
    result = CAL.add_working_days(start, n)
    assert CAL.is_working_day(result)
    assert result > start
    assert CAL.working_days_between(start, result) == n


# --- more holidays, each against a calendar written out ---------------------------------------


def test_new_year_2026_thursday():
    # Dec 2025 / Jan 2026:  Wed 31/12 | Thu 01/01 off | Fri 02/01 | Sat 03, Sun 04 | Mon 05/01
    assert not CAL.is_working_day(date(2026, 1, 1))
    assert CAL.due_date(local(2025, 12, 31), 1) == date(2026, 1, 2)
    assert CAL.due_date(local(2025, 12, 31), 2) == date(2026, 1, 5)
    # Same-day dossier received on the holiday itself: the next working day.
    assert CAL.due_date(local(2026, 1, 1, 9, 0), 0) == date(2026, 1, 2)


def test_april_may_2027_with_observed_labour_day():
    # Thu 29/04 | Fri 30/04 off | Sat 01/05 (holiday on a Saturday) | Sun 02 |
    # Mon 03/05 off (nghỉ bù) | Tue 04/05
    assert not CAL.is_working_day(date(2027, 4, 30))
    assert not CAL.is_working_day(date(2027, 5, 3))
    assert CAL.due_date(local(2027, 4, 29), 1) == date(2027, 5, 4)
    assert CAL.working_days_between(date(2027, 4, 29), date(2027, 5, 4)) == 1


def test_national_day_2027():
    # Wed 01/09 | Thu 02/09 off | Fri 03/09 off | Sat 04, Sun 05 |
    # Mon 06 = 1 | Tue 07 = 2 | Wed 08 = 3
    assert not CAL.is_working_day(date(2027, 9, 2))
    assert not CAL.is_working_day(date(2027, 9, 3))
    assert CAL.due_date(local(2027, 9, 1), 1) == date(2027, 9, 6)
    assert CAL.due_date(local(2027, 9, 1), 3) == date(2027, 9, 8)


def test_same_day_procedure_received_after_15h_before_tet_2026():
    # Fri 13/02/2026 15:30 -> next working day:
    # Sat 14, Sun 15, Mon 16 .. Fri 20 off, Sat 21, Sun 22 -> Mon 23/02.
    assert CAL.due_date(local(2026, 2, 13, 15, 30), 0) == date(2026, 2, 23)
    # The same dossier at 14:00 is returned the same day.
    assert CAL.due_date(local(2026, 2, 13, 14, 0), 0) == date(2026, 2, 13)


def test_tet_2027_fifteen_working_days():
    # A building permit (15 working days) received Mon 01/02/2027:
    # Tue 02 = 1, Wed 03 = 2; Thu 04 .. Wed 10 off; Thu 11 = 3, Fri 12 = 4; Mon 15 .. Fri 19 = 5..9;
    # Mon 22 .. Fri 26 = 10..14; Mon 01/03 = 15.
    assert CAL.due_date(local(2027, 2, 1), 15) == date(2027, 3, 1)


# --- processing time units ------------------------------------------------------------------


def test_fifteen_calendar_days_count_every_day():
    # A building permit received Mon 02/11/2026: 15 calendar days -> Tue 17/11/2026.
    # In working days it would be Mon 23/11/2026 (three weekends skipped).
    assert CAL.due_date(local(2026, 11, 2), 15, "calendar_days") == date(2026, 11, 17)
    assert CAL.due_date(local(2026, 11, 2), 15, "working_days") == date(2026, 11, 23)
    assert CAL.due_date(local(2026, 11, 2), 15) == date(2026, 11, 23)


def test_calendar_days_ending_on_a_weekend_move_to_the_next_working_day():
    # Wed 04/11/2026 + 18 days = Sun 22/11 -> Mon 23/11.
    assert CAL.due_date(local(2026, 11, 4), 18, "calendar_days") == date(2026, 11, 23)
    # Wed 04/11/2026 + 17 days = Sat 21/11 -> Mon 23/11.
    assert CAL.due_date(local(2026, 11, 4), 17, "calendar_days") == date(2026, 11, 23)


def test_calendar_days_ending_on_a_holiday_or_received_after_hours():
    # Mon 09/11/2026 + 15 days = Tue 24/11 (Ngày Văn hóa Việt Nam, off) -> Wed 25/11.
    assert CAL.due_date(local(2026, 11, 9), 15, "calendar_days") == date(2026, 11, 25)
    # Received Fri 06/11/2026 at 17:30: counts from Mon 09/11, so the same Wed 25/11;
    # at 16:30 it counts from Fri 06/11: Sat 21/11 -> Mon 23/11.
    assert CAL.due_date(local(2026, 11, 6, 17, 30), 15, "calendar_days") == date(2026, 11, 25)
    assert CAL.due_date(local(2026, 11, 6, 16, 30), 15, "calendar_days") == date(2026, 11, 23)
    # Received on Sat 07/11/2026 (online): counts from Mon 09/11 as well.
    assert CAL.due_date(local(2026, 11, 7, 10, 0), 15, "calendar_days") == date(2026, 11, 25)


def test_calendar_days_ending_in_tet_2027():
    # Fri 22/01/2027 + 15 days = Sat 06/02/2027, Mùng một Tết Đinh Mùi. Tết off Thu 04/02 to
    # Wed 10/02/2027 (holidays package), so the deadline is Thu 11/02/2027.
    assert CAL.due_date(local(2027, 1, 22), 15, "calendar_days") == date(2027, 2, 11)
    # Thu 21/01/2027 + 15 = Fri 05/02 (Giao thừa, off) -> Thu 11/02 as well.
    assert CAL.due_date(local(2027, 1, 21), 15, "calendar_days") == date(2027, 2, 11)
    # Wed 20/01/2027 + 15 = Thu 04/02 (29 Tết, off) -> Thu 11/02.
    assert CAL.due_date(local(2027, 1, 20), 15, "calendar_days") == date(2027, 2, 11)
    # Tue 19/01/2027 + 15 = Wed 03/02, a working day.
    assert CAL.due_date(local(2027, 1, 19), 15, "calendar_days") == date(2027, 2, 3)


def test_calendar_days_ending_on_a_make_up_saturday_or_an_office_day_off():
    # Fri 07/08/2026 + 15 = Sat 22/08/2026, the official make-up working Saturday: it stays.
    assert CAL.due_date(local(2026, 8, 7), 15, "calendar_days") == date(2026, 8, 22)
    # Mon 02/11/2026 + 15 = Tue 17/11; the office closed Tue 17/11 -> Wed 18/11.
    closed = WorkCalendar(extra_days_off={date(2026, 11, 17)})
    assert closed.due_date(local(2026, 11, 2), 15, "calendar_days") == date(2026, 11, 18)


def test_half_a_working_day_is_four_working_hours():
    # Tue 10/11/2026 10:00: 10:00-11:30 (1.5 h) + 13:00-15:30 (2.5 h) -> Tue 10/11.
    assert CAL.due_date(local(2026, 11, 10, 10, 0), 0.5) == date(2026, 11, 10)
    # 13:00 -> exactly 17:00 the same day; 13:01 -> one minute on Wed 11/11.
    assert CAL.due_date(local(2026, 11, 10, 13, 0), 0.5) == date(2026, 11, 10)
    assert CAL.due_date(local(2026, 11, 10, 13, 1), 0.5) == date(2026, 11, 11)
    # During lunch (12:00) the count starts at 13:00 -> Tue 10/11.
    assert CAL.due_date(local(2026, 11, 10, 12, 0), 0.5) == date(2026, 11, 10)
    # 14:00: 3 h on Tue, 1 h on Wed 11/11.
    assert CAL.due_date(local(2026, 11, 10, 14, 0), 0.5) == date(2026, 11, 11)
    # Fri 13/11/2026 14:00: 3 h on Fri, then Mon 16/11.
    assert CAL.due_date(local(2026, 11, 13, 14, 0), 0.5) == date(2026, 11, 16)
    # Received after 17:00 on Tue: Wed 11/11 07:30-11:30.
    assert CAL.due_date(local(2026, 11, 10, 17, 30), 0.5) == date(2026, 11, 11)
    # Decimal and float amounts read the same.
    assert CAL.due_date(local(2026, 11, 10, 14, 0), Decimal("0.50")) == date(2026, 11, 11)


def test_one_and_a_half_working_days():
    # Tue 10/11/2026 14:00 + 1 working day = Wed 11/11 14:00, + 4 h: 3 h Wed, 1 h Thu 12/11.
    assert CAL.due_date(local(2026, 11, 10, 14, 0), 1.5) == date(2026, 11, 12)
    # Tue 10/11/2026 09:00 + 1 day = Wed 09:00, + 4 h: 09:00-11:30, 13:00-14:30 -> Wed 11/11.
    assert CAL.due_date(local(2026, 11, 10, 9, 0), 1.5) == date(2026, 11, 11)


def test_half_a_working_day_in_tet_2027_and_on_a_make_up_day():
    # Wed 03/02/2027 15:00: 2 h on Wed, Thu 04 - Wed 10/02 off, 2 h on Thu 11/02/2027.
    assert CAL.due_date(local(2027, 2, 3, 15, 0), 0.5) == date(2027, 2, 11)
    # The office works Sat 14/11/2026 (make-up day): Fri 13/11 15:00 -> 2 h Fri, 2 h Sat.
    makeup = WorkCalendar(makeup_days={date(2026, 11, 14)})
    assert makeup.due_date(local(2026, 11, 13, 15, 0), 0.5) == date(2026, 11, 14)


def test_four_working_hours_across_lunch_and_across_a_weekend():
    hours = "working_hours"
    # Tue 10/11/2026 10:00: 1.5 h before lunch, 2.5 h after -> Tue 10/11 (15:30).
    assert CAL.due_date(local(2026, 11, 10, 10, 0), 4, hours) == date(2026, 11, 10)
    # Tue 10/11/2026 11:00: 0.5 h before lunch, 3.5 h after -> 16:30 Tue.
    assert CAL.due_date(local(2026, 11, 10, 11, 0), 4, hours) == date(2026, 11, 10)
    # Fri 13/11/2026 15:00: 2 h Fri; Sat 14, Sun 15 off; 2 h Mon 16/11.
    assert CAL.due_date(local(2026, 11, 13, 15, 0), 4, hours) == date(2026, 11, 16)
    # Received before opening (07:00): counted from 07:30 -> 11:30 the same day.
    assert CAL.due_date(local(2026, 11, 10, 7, 0), 4, hours) == date(2026, 11, 10)
    # Received on Sunday 15/11/2026: counted from Mon 16/11 07:30.
    assert CAL.due_date(local(2026, 11, 15, 10, 0), 4, hours) == date(2026, 11, 16)


def test_working_hours_across_tet_2027_and_a_make_up_saturday():
    hours = "working_hours"
    # Wed 03/02/2027 16:00: 1 h, then Tết (Thu 04 - Wed 10/02) -> Thu 11/02/2027.
    assert CAL.due_date(local(2027, 2, 3, 16, 0), 4, hours) == date(2027, 2, 11)
    # Fri 21/08/2026 13:00, 8 h: 4 h Fri, 4 h on the make-up Saturday 22/08/2026.
    assert CAL.due_date(local(2026, 8, 21, 13, 0), 8, hours) == date(2026, 8, 22)
    # 16 h from Mon 16/11/2026 08:00: Mon 7.5 h, Tue 17/11 8 h, Wed 18/11 0.5 h.
    assert CAL.due_date(local(2026, 11, 16, 8, 0), 16, hours) == date(2026, 11, 18)
    # 1.5 h from Tue 10/11/2026 16:00: 1 h Tue, 0.5 h Wed 11/11.
    assert CAL.due_date(local(2026, 11, 10, 16, 0), 1.5, hours) == date(2026, 11, 11)


def test_same_day_rule_is_kept_for_zero_working_days():
    assert CAL.due_date(local(2026, 11, 10, 15, 0), 0, "working_days") == date(2026, 11, 10)
    assert CAL.due_date(local(2026, 11, 13, 15, 1), 0, "working_days") == date(2026, 11, 16)


@pytest.mark.parametrize(
    "amount, unit",
    [
        (0.5, "calendar_days"),
        (0, "calendar_days"),
        (0, "working_hours"),
        (-1, "working_days"),
        (-4, "working_hours"),
        (15, "weeks"),
        ("15", "working_days"),
    ],
)
def test_impossible_processing_times_are_refused(amount, unit):
    with pytest.raises((ValueError, TypeError)):
        CAL.due_date(local(2026, 11, 10), amount, unit)


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1)),
    whole=st.integers(min_value=1, max_value=20),
    hundredths=st.integers(min_value=1, max_value=99),
)
def test_a_fraction_of_a_day_falls_between_the_whole_days(start, whole, hundredths):
    received = start.replace(tzinfo=VN)
    fraction = whole + Decimal(hundredths) / 100
    due = CAL.due_date(received, fraction)
    assert CAL.due_date(received, whole) <= due <= CAL.due_date(received, whole + 1)
    assert CAL.is_working_day(due)
