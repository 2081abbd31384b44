"""The call order between booked citizens and walk-ins (queues.order.choose), clock frozen."""

import datetime as dt

from queues.order import Candidate, PreviousCall, choose

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 09:00 in Vĩnh Yên
TARGET = dt.timedelta(minutes=20)


def walk_in(waited_min: float, priority: bool = False) -> Candidate:
    return Candidate(1, NOW - dt.timedelta(minutes=waited_min), priority=priority)


def booked(slot_from_now_min: float) -> Candidate:
    return Candidate(
        2, NOW - dt.timedelta(minutes=5), booked_for=NOW + dt.timedelta(minutes=slot_from_now_min)
    )


def test_nobody_waiting():
    assert choose(None, None, None, NOW, TARGET) is None


def test_only_walk_ins_or_only_booked():
    assert choose(None, walk_in(30), None, NOW, TARGET).id == 1
    # A booked citizen alone is served even before the slot: the counter never idles.
    assert choose(booked(10), None, None, NOW, TARGET).id == 2


def test_a_booked_citizen_whose_slot_started_goes_ahead_of_a_walk_in():
    assert choose(booked(0), walk_in(15), None, NOW, TARGET).id == 2
    assert choose(booked(-10), walk_in(20), PreviousCall(booked=True), NOW, TARGET).id == 2


def test_before_the_slot_the_walk_in_goes_first():
    assert choose(booked(1), walk_in(2), None, NOW, TARGET).id == 1


def test_a_priority_ticket_keeps_its_precedence():
    assert choose(booked(-5), walk_in(1, priority=True), None, NOW, TARGET).id == 1


def test_one_booked_citizen_at_most_ahead_of_a_walk_in_over_the_target():
    long_wait = walk_in(21)
    assert choose(booked(-5), long_wait, PreviousCall(booked=False), NOW, TARGET).id == 2
    assert choose(booked(-5), long_wait, None, NOW, TARGET).id == 2
    # The counter's previous call was a booked citizen: now the walk-in's turn.
    assert choose(booked(-5), long_wait, PreviousCall(booked=True), NOW, TARGET).id == 1


def test_the_target_is_the_offices():
    assert (
        choose(booked(-5), walk_in(25), PreviousCall(True), NOW, dt.timedelta(minutes=30)).id == 2
    )
