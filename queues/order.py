"""Who a counter calls next when booked citizens and walk-ins both wait.

A booked ticket (checked in at the kiosk for an appointment slot) whose slot has started
goes ahead of walk-ins: that is what booking a time is for. Yet the walk-ins must not
wait without end: when the walk-in next in line has waited longer than the office's wait
target (``Office.wait_target_min``, 20 minutes), a counter calls at most ONE booked
citizen ahead of them; the call after that goes to the walk-in. Priority tickets
(elderly, disabled, ...) keep their precedence over both.

``choose`` is a pure function of the two candidates, the counter's previous call and the
time, so each case is tested with a frozen clock.
"""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """The first waiting ticket of one line, as the rule needs it."""

    id: int
    issued_at: dt.datetime
    priority: bool = False
    # The start of the booked slot; None for a walk-in.
    booked_for: dt.datetime | None = None


@dataclass(frozen=True)
class PreviousCall:
    """The counter's last call today: whether it was a booked ticket."""

    booked: bool


def due(candidate: Candidate | None, now: dt.datetime) -> bool:
    """A booked ticket whose slot has started."""
    return (
        candidate is not None and candidate.booked_for is not None and candidate.booked_for <= now
    )


def choose(
    booked: Candidate | None,
    walk_in: Candidate | None,
    previous: PreviousCall | None,
    now: dt.datetime,
    wait_target: dt.timedelta = dt.timedelta(minutes=20),
) -> Candidate | None:
    """The ticket to call: ``booked`` (the first booked ticket, by slot) or ``walk_in`` (the
    first other ticket in the usual order: priority, then issue time); None if neither.

    - one line empty: the other;
    - the walk-in line's first is a priority ticket: it keeps its precedence;
    - the booked ticket's slot has not started: the walk-in (the booking keeps its place
      once its slot starts);
    - the walk-in has waited up to the target: the booked citizen goes first;
    - the walk-in has waited longer than the target: the booked citizen goes first unless
      the counter's previous call was already a booked citizen.
    """
    if booked is None or walk_in is None:
        return booked or walk_in
    if walk_in.priority or not due(booked, now):
        return walk_in
    if now - walk_in.issued_at <= wait_target:
        return booked
    if previous is not None and previous.booked:
        return walk_in
    return booked
