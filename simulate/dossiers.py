"""Simulated dossiers (with supplements, lateness and their status history), ratings and complaints.

A dossier's life is drawn first (processing start, supplement requests, result, return,
or a rejection / withdrawal) and then replayed up to the present, so that dossiers
still in progress are stored exactly as ``dossiers.lifecycle`` would have left them.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from dossiers.demo import FAMILY, GIVEN, MIDDLE
from dossiers.workdays import END_OF_OFFICE_DAY, SAME_DAY_CUTOFF, WorkCalendar, due_end
from feedback.complaints import new_code
from feedback.models import COMPLAINT_WORKING_DAYS
from onestop import clock
from simulate.tickets import SimTicket, local_instant

COMPLAINTS = [
    (
        "other",
        "Khu vực chờ đông vào buổi sáng",
        "Buổi sáng đầu tuần rất đông, đề nghị bố trí thêm ghế và quầy.",
    ),
    (
        "attitude",
        "Cán bộ hướng dẫn chưa rõ ràng",
        "Tôi phải hỏi lại nhiều lần mới biết cần bổ sung giấy tờ gì.",
    ),
    (
        "regulation",
        "Thời gian giải quyết hồ sơ kéo dài",
        "Hồ sơ của tôi quá hẹn nhưng chưa nhận được thông báo.",
    ),
    (
        "attitude",
        "Cảm ơn cán bộ quầy tiếp nhận",
        "Cán bộ tiếp nhận nhiệt tình, hướng dẫn đầy đủ một lần.",
    ),
    (
        "regulation",
        "Đề nghị đơn giản hóa giấy tờ",
        "Đề nghị không yêu cầu nộp lại giấy tờ đã có trên hệ thống.",
    ),
]
RATING_CHANNELS = ("tablet", "tablet", "phone", "kiosk")


@dataclass
class ProcedureSpec:
    id: int
    processing_days: int


@dataclass
class OfficeProfile:
    """The character of one office in the simulation (drawn from the seed and the office code)."""

    id: int
    agency_code: str
    calendar: WorkCalendar
    procedures: list[ProcedureSpec]
    procedures_by_service: dict[int, list[ProcedureSpec]]
    officer_ids: list[int]
    online_share: float
    reuse_share: float
    late_share: float
    mood: float  # shifts ratings: > 0 happier citizens
    due_dates: dict = field(default_factory=dict)

    def due_date(self, received_at: dt.datetime, processing_days: int) -> dt.date:
        """``calendar.due_date``, remembered: only the day, the cut-offs and the days matter."""
        local = received_at.astimezone(clock.LOCAL_TZ)
        at = local.time()
        key = (local.date(), at <= SAME_DAY_CUTOFF, at <= END_OF_OFFICE_DAY, processing_days)
        if key not in self.due_dates:
            self.due_dates[key] = self.calendar.due_date(received_at, processing_days)
        return self.due_dates[key]


@dataclass
class Rows:
    """Rows to write, by table."""

    dossier: list = field(default_factory=list)
    dossier_event: list = field(default_factory=list)
    supplement_request: list = field(default_factory=list)
    rating: list = field(default_factory=list)
    complaint: list = field(default_factory=list)
    complaint_event: list = field(default_factory=list)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _phone(rng: random.Random) -> str:
    return f"0{rng.choice('398753')}{rng.randrange(10**8):08d}"


def _score(roll: float, badness: float, mood: float) -> int:
    """2, 1 or 0 points for a uniform ``roll``; ``badness`` 0 (quick, on time) .. 1 (slow, late)."""
    unhappy = max(0.01, 0.03 + 0.25 * badness - mood)
    happy = max(0.2, min(0.9, 0.72 - 0.35 * badness + mood))
    return 0 if roll < unhappy else 2 if roll < unhappy + happy else 1


def ticket_ratings(
    rng: random.Random,
    profile: OfficeProfile,
    tickets: list[tuple[int, SimTicket]],
    rows: Rows,
    ids,
) -> None:
    """About a third of the citizens served rate the counter on the tablet or their phone."""
    for ticket_id, ticket in tickets:
        if ticket.status != "done" or rng.random() > 0.35:
            continue
        wait = ticket.waited_before_min + (ticket.called_at - ticket.queued_at).total_seconds() / 60
        score = _score(rng.random(), min(1.0, max(0.0, (wait - 10) / 40)), profile.mood)
        rows.rating.append(
            {
                "id": ids.take(),
                "ticket_id": ticket_id,
                "dossier_id": None,
                "office_id": profile.id,
                "counter_id": ticket.counter_id,
                "officer_id": ticket.officer_id,
                "service_id": ticket.service_id,
                "score": score,
                "reasons": "time" if score == 0 and wait > 20 else "",
                "comment": "",
                "channel": rng.choice(RATING_CHANNELS),
                "details_at": None,
                "created_at": ticket.finished_at + dt.timedelta(seconds=rng.uniform(15, 150)),
            }
        )


@dataclass
class _Life:
    """The transitions of one dossier: (instant, new status, due date after it or None)."""

    steps: list = field(default_factory=list)
    supplements: list = field(default_factory=list)  # [requested_at, completed_at or None]


def _working_hours(rng: random.Random, day: dt.date) -> dt.datetime:
    return local_instant(day, 8, 0, rng.uniform(0, 8 * 3600))


def _draw_life(
    rng: random.Random,
    profile: OfficeProfile,
    procedure: ProcedureSpec,
    received_at: dt.datetime,
    due: dt.date,
) -> _Life:
    life = _Life()
    calendar = profile.calendar
    same_day = procedure.processing_days == 0
    t = received_at + dt.timedelta(minutes=rng.uniform(15, 90 if same_day else 240))
    fate = rng.random()
    if fate < 0.012:
        life.steps.append((t + dt.timedelta(days=rng.uniform(0.1, 3)), "rejected", None))
        return life
    if fate < 0.016:
        life.steps.append((t + dt.timedelta(days=rng.uniform(0.5, 6)), "withdrawn", None))
        return life
    if not same_day:
        life.steps.append((t, "in_progress", None))
        roll = rng.random()
        for _ in range(2 if roll < 0.001 else 1 if roll < 0.07 else 0):
            requested = t + dt.timedelta(hours=rng.uniform(4, 60))
            completed = requested + dt.timedelta(days=rng.uniform(0.5, 6))
            due = calendar.extend_for_pause(
                due, clock.local_date(requested), clock.local_date(completed)
            )
            life.steps.append((requested, "awaiting_supplement", None))
            life.steps.append((completed, "in_progress", due))
            life.supplements.append([requested, completed])
            t = completed
    due_at = due_end(due)
    late = len(life.supplements) > 1 or rng.random() < profile.late_share
    if late:
        ready = _working_hours(rng, calendar.add_working_days(due, rng.randint(1, 4)))
    elif same_day:
        ready = t + dt.timedelta(minutes=rng.uniform(10, 120))
        if clock.local_date(ready) != due or ready.astimezone(clock.LOCAL_TZ).hour >= 17:
            # Received after the same-day cut-off (or too late to finish): ready on the due morning.
            ready = local_instant(due, 8, 0, rng.uniform(0, 3 * 3600))
    else:
        ready = t + (due_at - dt.timedelta(hours=8) - t) * rng.uniform(0.25, 0.98)
    ready = max(ready, t + dt.timedelta(minutes=5))
    life.steps.append((ready, "result_ready", None))
    if rng.random() < 0.88:
        life.steps.append((ready + dt.timedelta(hours=rng.uniform(1, 160)), "returned", None))
    return life


def dossier(
    rng: random.Random,
    profile: OfficeProfile,
    day: dt.date,
    number: int,
    channel: str,
    received_at: dt.datetime,
    procedure: ProcedureSpec,
    progress: float,
    now: dt.datetime,
    ticket: tuple[int, SimTicket] | None,
    rows: Rows,
    ids,
    tokens: random.Random,
) -> None:
    """Draw one dossier received at ``received_at`` and append its rows, replayed up to ``now``.

    :param progress: 0 at the start of the simulated history, 1 at its end (shares drift up).
    :param tokens: the source of public tokens (seeded per run: a second run repeats none).
    """
    due = profile.due_date(received_at, procedure.processing_days)
    life = _draw_life(rng, profile, procedure, received_at, due)
    ticket_id, sim_ticket = ticket if ticket else (None, None)
    officer_id = (
        sim_ticket.officer_id
        if sim_ticket
        else (rng.choice(profile.officer_ids) if profile.officer_ids else None)
    )
    dossier_id = ids["dossier"].take()
    record = {
        "id": dossier_id,
        "code": f"{profile.agency_code}-{day:%y%m%d}-{number:04d}",
        "office_id": profile.id,
        "procedure_id": procedure.id,
        "received_day": day,
        "number": number,
        "applicant_name": person(rng),
        "phone": _phone(rng),
        "channel": channel,
        "documents_reused": rng.random() < min(0.9, profile.reuse_share + 0.08 * progress),
        "status": "received",
        "received_at": received_at,
        "due_date": due,
        "due_at": due_end(due),
        "paused_at": None,
        "supplement_count": 0,
        "result_ready_at": None,
        "returned_at": None,
        "closed_at": None,
        "apology_date": None,
        "apology_reason": "",
        "apology_at": None,
        "ticket_id": ticket_id,
        "officer_id": officer_id,
        "external_code": None,
        "token": f"{tokens.getrandbits(128):032x}",
        "created_at": received_at,
        "updated_at": received_at,
    }
    events = [
        {
            "id": ids["dossier_event"].take(),
            "dossier_id": dossier_id,
            "office_id": profile.id,
            "kind": "intake",
            "from_status": None,
            "to_status": "received",
            "at": received_at,
            "officer_id": officer_id,
            "note": "",
        }
    ]
    for at, status, new_due in life.steps:
        if at > now:
            break
        events.append(
            {
                "id": ids["dossier_event"].take(),
                "dossier_id": dossier_id,
                "office_id": profile.id,
                "kind": "status",
                "from_status": record["status"],
                "to_status": status,
                "at": at,
                "officer_id": officer_id,
                "note": "",
            }
        )
        record["status"], record["updated_at"] = status, at
        record["paused_at"] = at if status == "awaiting_supplement" else None
        if status == "awaiting_supplement":
            record["supplement_count"] += 1
        if new_due is not None:
            record["due_date"], record["due_at"] = new_due, due_end(new_due)
        if status == "result_ready":
            record["result_ready_at"] = at
        elif status == "returned":
            record["returned_at"] = at
        elif status in ("rejected", "withdrawn"):
            record["closed_at"] = at
    for requested, completed in life.supplements:
        if requested <= now:
            rows.supplement_request.append(
                {
                    "id": ids["supplement_request"].take(),
                    "dossier_id": dossier_id,
                    "requested_at": requested,
                    "completed_at": completed if completed <= now else None,
                    "note": "Bản sao giấy tờ chứng minh nhân thân",
                    "officer_id": officer_id,
                }
            )
    rows.dossier.append(record)
    rows.dossier_event.extend(events)
    # Random draws never depend on "now", so a seed gives the same history whenever it is run.
    rated, roll = rng.random() < 0.1, rng.random()
    if rated and record["returned_at"] is not None:
        late = record["result_ready_at"] > record["due_at"] or record["supplement_count"] > 1
        rows.rating.append(
            {
                "id": ids["rating"].take(),
                "ticket_id": None,
                "dossier_id": dossier_id,
                "office_id": profile.id,
                "counter_id": sim_ticket.counter_id if sim_ticket else None,
                "officer_id": officer_id,
                "service_id": sim_ticket.service_id if sim_ticket else None,
                "score": _score(roll, 0.9 if late else 0.1, profile.mood),
                "reasons": "",
                "comment": "",
                "channel": "phone",
                "details_at": None,
                "created_at": record["returned_at"] + dt.timedelta(minutes=rng.uniform(1, 30)),
            }
        )


def complaints(
    rng: random.Random,
    profile: OfficeProfile,
    day: dt.date,
    tickets: int,
    now: dt.datetime,
    rows: Rows,
    ids,
) -> None:
    """A few complaints or suggestions a month per office; older ones have been answered."""
    for _ in range(poisson(rng, 0.02 + tickets * 0.0015)):
        topic, subject, text = rng.choice(COMPLAINTS)
        received = _working_hours(rng, day)
        complaint_id = ids["complaint"].take()
        answered = received + dt.timedelta(days=rng.uniform(1, 14))
        done = rng.random() < 0.9 and answered <= now
        rows.complaint.append(
            {
                "id": complaint_id,
                "code": new_code(),
                "office_id": profile.id,
                "topic": topic,
                "subject": subject,
                "text": text,
                "contact": None,
                "channel": rng.choice(("kiosk", "web")),
                "status": "answered" if done else "received",
                "assignee_id": None,
                "answer": "Bộ phận Một cửa đã tiếp thu và chấn chỉnh." if done else "",
                "published": False,
                "received_at": received,
                "answered_at": answered if done else None,
                "published_at": None,
                "due_date": profile.calendar.add_working_days(day, COMPLAINT_WORKING_DAYS),
            }
        )
        rows.complaint_event.append(
            {
                "id": ids["complaint_event"].take(),
                "complaint_id": complaint_id,
                "at": received,
                "user_id": None,
                "action": "received",
                "note": "",
            }
        )
        if done:
            rows.complaint_event.append(
                {
                    "id": ids["complaint_event"].take(),
                    "complaint_id": complaint_id,
                    "at": answered,
                    "user_id": None,
                    "action": "answered",
                    "note": "",
                }
            )
