"""Every KPI against a small network whose values are worked out by hand, on SQLite and PostgreSQL.

Period under test: local dates 2026-11-02 (Mon) .. 2026-11-04 (Wed). Times are local
(Asia/Ho_Chi_Minh, UTC+7) unless they say otherwise.
"""

import datetime as dt
import secrets
from decimal import Decimal

from dossiers.models import Dossier, Procedure, SupplementRequest
from feedback.models import Complaint, Rating
from onestop.clock import LOCAL_TZ
from onestop.extensions import db
from queues.models import Counter, Service, Ticket, TicketEvent
from reports.periods import Period

PERIOD = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 4))


def at(day: int, hour: int, minute: int, month: int = 11) -> dt.datetime:
    """An aware UTC instant from a local wall-clock time in 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


class Network:
    """City C, its ward W and ward X (another branch), with tickets, dossiers and ratings."""

    def __init__(self, make_office, make_user):
        self.city = make_office(
            "C", "UBND thành phố Thử", "district", late_rate_target=Decimal("0.0090")
        )
        self.ward = make_office(
            "C-W",
            "UBND phường Một",
            "commune",
            parent=self.city,
            late_rate_target=Decimal("0.0050"),
            agency_code="000.12.01.H62",
        )
        self.other = make_office(
            "X",
            "UBND phường Khác",
            "commune",
            late_rate_target=Decimal("0.0050"),
            agency_code="000.99.01.H62",
        )
        self.o1 = make_user("c-officer1", "officer", self.city, full_name="Cán bộ Một")
        self.o2 = make_user("c-officer2", "officer", self.city, full_name="Cán bộ Hai")
        self.o3 = make_user("w-officer", "officer", self.ward, full_name="Cán bộ Ba")
        self.s1 = self._service(self.city, "s1", "A", "Đất đai")
        self.s2 = self._service(self.city, "s2", "B", "Tư pháp – Hộ tịch")
        self.s3 = self._service(self.ward, "s3", "A", "Hộ tịch")
        self.sx = self._service(self.other, "sx", "A", "Hộ tịch")
        self.k1 = self._counter(self.city, 1, [self.s1, self.s2])
        self.k2 = self._counter(self.city, 2, [self.s2])
        self.k3 = self._counter(self.ward, 1, [self.s3])
        self.kx = self._counter(self.other, 1, [self.sx])
        db.session.flush()
        self.numbers: dict[tuple, int] = {}
        self._tickets()
        self._dossiers()
        db.session.commit()

    def _service(self, office, code, letter, name):
        service = Service(office=office, code=code, letter=letter, name=name, field=name)
        db.session.add(service)
        return service

    def _counter(self, office, number, services):
        counter = Counter(
            office=office, number=number, name=f"Quầy {number}", is_open=True, services=services
        )
        db.session.add(counter)
        return counter

    def ticket(
        self,
        service,
        issued,
        status,
        called=None,
        finished=None,
        counter=None,
        officer=None,
        transfers=(),
        issued_service=None,
    ):
        """A ticket and its events; ``transfers``: (moved_at, new service, next call or None)."""
        issued_service = issued_service or service
        day = issued.astimezone(LOCAL_TZ).date()
        key = (issued_service.id, day)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        ticket = Ticket(
            office_id=service.office_id,
            service_id=issued_service.id,
            issued_service_id=issued_service.id,
            day=day,
            number=self.numbers[key],
            status="waiting",
            issued_at=issued,
            queued_at=issued,
            token=secrets.token_hex(8),
        )
        db.session.add(ticket)
        db.session.flush()
        events = [("issued", issued, None, None, issued_service.id)]
        waited = 0.0
        if called:
            ticket.called_at = ticket.last_called_at = called
            events.append(("called", called, counter, officer, issued_service.id))
        for moved_at, target, next_call in transfers:
            segment_end = events[-1][1] if events[-1][0] == "called" else moved_at
            waited += (segment_end - ticket.queued_at).total_seconds() / 60
            events.append(("transferred", moved_at, counter, officer, ticket.service_id))
            ticket.service_id, ticket.queued_at = target.id, moved_at
            if next_call:
                if ticket.called_at is None:
                    ticket.called_at = next_call
                ticket.last_called_at = next_call
                events.append(("called", next_call, counter, officer, target.id))
        ticket.waited_before_min = waited
        ticket.status = status
        ticket.finished_at = finished
        ticket.counter_id = counter.id if counter and ticket.called_at else None
        ticket.officer_id = officer.id if officer and ticket.called_at else None
        if status == "no_show":
            events.append(
                ("no_show", called + dt.timedelta(minutes=2), counter, officer, ticket.service_id)
            )
        if finished:
            events.append(("finished", finished, counter, officer, ticket.service_id))
        for kind, when, event_counter, event_officer, service_id in events:
            db.session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    office_id=ticket.office_id,
                    kind=kind,
                    at=when,
                    counter_id=event_counter.id if event_counter else None,
                    officer_id=event_officer.id if event_officer else None,
                    service_id=service_id,
                )
            )
        return ticket

    def rate(self, score, created, ticket=None, dossier=None, office=None):
        subject = ticket or dossier
        db.session.add(
            Rating(
                ticket_id=ticket.id if ticket else None,
                dossier_id=dossier.id if dossier else None,
                office_id=(office or self.city).id if subject is None else subject.office_id,
                counter_id=ticket.counter_id if ticket else None,
                officer_id=ticket.officer_id if ticket else None,
                service_id=ticket.service_id if ticket else None,
                score=score,
                channel="tablet",
                created_at=created,
            )
        )

    def _tickets(self):
        k1, k2, o1, o2 = self.k1, self.k2, self.o1, self.o2
        # T1: 10 min wait, 10 min service, rated 2.
        self.t1 = self.ticket(self.s1, at(2, 8, 0), "done", at(2, 8, 10), at(2, 8, 20), k1, o1)
        # T2: 30 min wait (over 20), 15 min service, rated 0.
        self.t2 = self.ticket(self.s1, at(2, 8, 0), "done", at(2, 8, 30), at(2, 8, 45), k1, o1)
        # T3: called after exactly 20 min, then a no-show: called and no-show, no wait sample.
        self.t3 = self.ticket(self.s2, at(2, 8, 5), "no_show", at(2, 8, 25), None, k2, o2)
        # T4: called 09:06 (6 min), moved to s2 at 09:08, called there 09:20 (12 min): 18 min;
        # served 09:20 -> 09:30.
        self.t4 = self.ticket(
            self.s1,
            at(2, 9, 0),
            "done",
            at(2, 9, 6),
            at(2, 9, 30),
            k2,
            o2,
            transfers=[(at(2, 9, 8), self.s2, at(2, 9, 20))],
        )
        # T5: issued 23:50 on 1 Nov (before the period), called 00:15 on 2 Nov: 25 min, on the 2nd.
        self.t5 = self.ticket(self.s2, at(1, 23, 50), "done", at(2, 0, 15), at(2, 0, 20), k2, o2)
        # T6: issued on the 4th, never called.
        self.t6 = self.ticket(self.s1, at(4, 16, 50), "waiting")
        # T7: issued 23:55 on the 4th, called 00:05 on the 5th (after the period).
        self.t7 = self.ticket(self.s1, at(4, 23, 55), "called", at(5, 0, 5), None, k1, o1)
        # T8: moved while waiting (4 min in s1), called in s2 after 12 more: 16 min; served 10.
        self.t8 = self.ticket(
            self.s1,
            at(3, 10, 0),
            "done",
            None,
            at(3, 10, 26),
            k2,
            o2,
            transfers=[(at(3, 10, 4), self.s2, at(3, 10, 16))],
        )
        # T9: called, then transferred and still waiting in its new queue: called, no sample yet.
        self.t9 = self.ticket(
            self.s1,
            at(4, 15, 0),
            "waiting",
            at(4, 15, 5),
            None,
            k1,
            o1,
            transfers=[(at(4, 15, 7), self.s2, None)],
        )
        # Ward W: 2 and 44 minutes.
        self.w1 = self.ticket(
            self.s3, at(3, 8, 0), "done", at(3, 8, 2), at(3, 8, 10), self.k3, self.o3
        )
        self.w2 = self.ticket(
            self.s3, at(3, 8, 1), "done", at(3, 8, 45), at(3, 8, 50), self.k3, self.o3
        )
        # Ward X (another branch): must never be counted for C.
        self.x1 = self.ticket(
            self.sx, at(3, 8, 0), "done", at(3, 9, 30), at(3, 9, 40), self.kx, None
        )
        db.session.flush()
        self.rate(2, at(2, 8, 21), ticket=self.t1)
        self.rate(0, at(2, 8, 46), ticket=self.t2)
        self.rate(1, at(3, 8, 11), ticket=self.w1)
        self.rate(0, at(3, 9, 41), ticket=self.x1)

    def dossier(
        self,
        code,
        received,
        due_day,
        status="received",
        channel="direct",
        reused=False,
        ready=None,
        closed=None,
        requests=(),
    ):
        office = self.city
        due_at = dt.datetime.combine(due_day, dt.time.max, LOCAL_TZ).astimezone(dt.UTC)
        dossier = Dossier(
            code=code,
            office_id=office.id,
            procedure_id=self.procedure.id,
            received_day=received.astimezone(LOCAL_TZ).date(),
            number=int(code[-2:]),
            applicant_name="Nguyễn Văn A",
            phone="0912345678",
            channel=channel,
            documents_reused=reused,
            status=status,
            received_at=received,
            due_date=due_day,
            due_at=due_at,
            result_ready_at=ready,
            closed_at=closed,
            supplement_count=len(requests),
            token=secrets.token_hex(8),
        )
        if status == "awaiting_supplement":
            dossier.paused_at = requests[-1][0]
        db.session.add(dossier)
        db.session.flush()
        for requested, completed in requests:
            db.session.add(
                SupplementRequest(
                    dossier_id=dossier.id, requested_at=requested, completed_at=completed
                )
            )
        return dossier

    def _dossiers(self):
        self.procedure = Procedure(
            code="1.000001", name="Thủ tục thử", field="Đất đai", processing_days=3
        )
        db.session.add(self.procedure)
        db.session.flush()
        day = dt.date
        # D1: finished before the period: not counted anywhere.
        self.dossier(
            "D-01", at(20, 9, 0, 10), day(2026, 10, 30), "result_ready", ready=at(29, 10, 0, 10)
        )
        # D2: open at the start, still open and past its due date (3 Nov) at the end: overdue open.
        self.dossier("D-02", at(25, 9, 0, 10), day(2026, 11, 3), "in_progress")
        # D3: open at the start, ready on the 3rd before its due date: resolved on time; rated 0.
        self.d3 = self.dossier(
            "D-03", at(28, 9, 0, 10), day(2026, 11, 10), "returned", ready=at(3, 10, 0)
        )
        # D4: online on the 2nd, due the same day, ready on the 3rd: resolved late; reused papers.
        self.dossier(
            "D-04",
            at(2, 9, 30),
            day(2026, 11, 2),
            "result_ready",
            "online",
            True,
            ready=at(3, 10, 0),
        )
        # D5: paused for a supplement requested before its due date: not overdue at the end.
        self.dossier(
            "D-05",
            at(2, 10, 0),
            day(2026, 11, 4),
            "awaiting_supplement",
            requests=[(at(3, 9, 0), None)],
        )
        # D6: supplement requested after its due date (3 Nov): overdue at the end; reused documents.
        self.dossier(
            "D-06",
            at(3, 8, 0),
            day(2026, 11, 3),
            "awaiting_supplement",
            reused=True,
            requests=[(at(4, 8, 0), None)],
        )
        # D7: online, in progress, due after the period: in time.
        self.dossier("D-07", at(3, 9, 0), day(2026, 11, 5), "in_progress", "online")
        # D8: asked twice for a supplement: counts as overdue although its due date is far.
        self.dossier(
            "D-08",
            at(4, 8, 0),
            day(2026, 11, 30),
            "awaiting_supplement",
            requests=[(at(4, 8, 30), at(4, 9, 0)), (at(4, 10, 0), None)],
        )
        # D9: online, rejected on the 3rd: resolved (processing ended), not late.
        self.dossier(
            "D-09", at(2, 11, 0), day(2026, 11, 5), "rejected", "online", closed=at(3, 11, 0)
        )
        # D10: open at the start and already past due (1 Nov); ready on the 4th: resolved late.
        self.dossier("D-10", at(30, 9, 0, 10), day(2026, 11, 1), "result_ready", ready=at(4, 9, 0))
        db.session.flush()
        self.rate(0, at(3, 11, 0), dossier=self.d3)
        db.session.add(
            Complaint(
                code="PA-TEST-0001",
                office_id=self.city.id,
                subject="Chờ lâu",
                text="Chờ lâu quá",
                received_at=at(3, 14, 0),
                due_date=day(2026, 11, 24),
            )
        )


# --- the tests ---------------------------------------------------------------------------------

import pytest  # noqa: E402

from onestop.models import office_subtree_ids  # noqa: E402
from reports import breakdowns, flows, kpi, rollup  # noqa: E402
from reports.measures import Scope  # noqa: E402
from reports.periods import full_months  # noqa: E402


@pytest.fixture
def network(app, make_office, make_user, fixed_clock):
    fixed_clock(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC))
    return Network(make_office, make_user)


def compute(net, with_children=False, period=PERIOD, **filters):
    ids = office_subtree_ids(net.city.id) if with_children else {net.city.id}
    return kpi.compute(net.city, Scope(frozenset(ids), **filters), period)


def test_ticket_kpis_of_the_city_alone(network):
    values = compute(network).values
    # Issued on 2-4 Nov: T1-T4, T6-T9 (T5 was issued on 1 Nov).
    assert values["tickets_issued"] == 8
    # First called in the period: T1, T2, T3, T4, T5 (after midnight), T8, T9; not T7 (5 Nov).
    assert values["tickets_called"] == 7
    assert values["no_shows"] == 1
    # Wait samples: T1 10, T2 30, T4 6+12=18, T5 25, T8 4+12=16; T3 no-show, T9 still waiting.
    assert values["avg_wait_min"] == 19.8  # 99 / 5
    assert (
        values["wait_over_target_rate"] == 0.4
    )  # T2, T5 (T3's exactly-20 minutes is no sample anyway)
    assert values["p50_wait_min"] == 18  # 10 16 [18] 25 30
    assert values["p90_wait_min"] == 30  # 4.5 of 5 needed -> the 5th
    # Finished: T1, T2, T4, T5, T8; service from the first call: 10 + 15 + 24 (T4 first called
    # 09:06, finished 09:30 after its transfer) + 5 + 10 (T8 first called in s2) = 64 min.
    assert values["tickets_finished"] == 5
    assert values["avg_service_min"] == 12.8
    result = compute(network)
    assert result.counts["wait_samples"] == 5 and result.counts["waits_over"] == 2


def test_ticket_kpis_with_children_add_the_ward_and_never_the_other_branch(network):
    values = compute(network, with_children=True).values
    assert values["tickets_issued"] == 10
    assert values["tickets_called"] == 9
    # Samples 10 30 18 25 16 + ward 2 44 = 145 / 7.
    assert values["avg_wait_min"] == round(145 / 7, 2)
    assert values["wait_over_target_rate"] == round(3 / 7, 4)
    assert values["p50_wait_min"] == 18  # 2 10 16 [18] 25 30 44
    assert values["p90_wait_min"] == 44  # 6.3 of 7 needed -> the 7th
    assert values["avg_service_min"] == 11.0  # (64 + 8 + 5) / 7


def test_dossier_kpis(network):
    result = compute(network)
    values, counts = result.values, result.counts
    assert counts["dossiers_open_at_start"] == 3  # D2, D3, D10 (D1 ended before)
    assert values["dossiers_received"] == 6  # D4 - D9
    assert values["dossiers_resolved"] == 4  # D3, D4, D9 (rejected), D10
    assert values["dossiers_late"] == 2  # D4, D10
    # Overdue and open at the end: D2 (past due), D6 (paused after due), D8 (two supplements);
    # not D5 (paused before its due date) nor D7 (due after the period).
    assert values["dossiers_overdue_open"] == 3
    assert values["late_rate"] == round(5 / 9, 4)
    assert values["online_rate"] == 0.5  # D4, D7, D9 of 6
    assert values["reuse_rate"] == round(2 / 6, 4)  # D4, D6


def test_rating_kpis(network):
    result = compute(network)
    values = result.values
    # Ratings given in the period at C: T1 (2), T2 (0), D3's dossier rating (0).
    assert values["ratings"] == 3
    assert values["satisfaction_rate"] == round(1 / 3, 4)
    assert values["rating_coverage"] == 0.4  # T1 and T2 of the 5 finished
    # 766: 1 - (5 late or overdue + 1 dossier rated 0 + 1 complaint) / 9 dossiers to handle.
    assert values["satisfaction_766"] == round(1 - 7 / 9, 4)
    assert compute(network, with_children=True).values["satisfaction_rate"] == round(2 / 4, 4)


def test_json_has_exactly_the_contract_keys_and_targets(network):
    body = compute(network).as_json()
    assert set(body) == set(kpi.JSON_KEYS) | {"targets"}
    assert body["targets"]["avg_wait_min"] == {"max": 20}
    assert body["targets"]["late_rate"] == {"max": 0.009}
    assert body["targets"]["online_rate"] == {"min": 0.5}


def test_filters_narrow_tickets_and_ratings(network):
    values = compute(network, counter_id=network.k2.id).values
    # At counter 2: T3 (no-show), T4 18, T5 25, T8 16.
    assert values["tickets_called"] == 4
    assert values["avg_wait_min"] == round(59 / 3, 2)
    assert values["dossiers_received"] is None  # dossiers have no counter
    values = compute(network, officer_id=network.o1.id).values
    assert values["ratings"] == 2 and values["avg_wait_min"] == 20.0  # T1 10, T2 30


def test_statuses_compare_with_targets(network):
    result = compute(network)
    assert result.statuses["avg_wait_min"] == "ok"  # 19.8 <= 20
    assert result.statuses["late_rate"] == "bad"
    assert result.statuses["online_rate"] == "ok"  # 50 % meets "at least 50 %"
    assert kpi.status("late_rate", 0.009, result.targets) == "warn"  # the plan says strictly below


def test_rollups_give_the_same_answers_as_the_tables(network):
    live = compute(network, with_children=True).as_json()
    live_hours = breakdowns.by_hour(Scope(frozenset({network.city.id})), PERIOD)
    # The period's days and, for the stock of open dossiers, every day since the first dossier
    # (D1, 20 Oct): 20 Oct .. 4 Nov, all closed since the clock says 20 Nov.
    assert rollup.ensure(PERIOD) == 16
    assert compute(network, with_children=True).as_json() == live
    assert breakdowns.by_hour(Scope(frozenset({network.city.id})), PERIOD) == live_hours


def test_month_rollups_give_the_same_answers(network, fixed_clock):
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    fixed_clock(dt.datetime(2026, 12, 10, 3, 0, tzinfo=dt.UTC))
    scope = Scope(frozenset(office_subtree_ids(network.city.id)))
    before = (
        compute(network, True, november).as_json(),
        breakdowns.by_dimension(scope, november, "service"),
        breakdowns.by_hour(scope, november),
    )
    assert full_months(november) == [dt.date(2026, 11, 1)]
    assert rollup.ensure(november) == 43  # 20 Oct .. 30 Nov, and the month of November
    after = (
        compute(network, True, november).as_json(),
        breakdowns.by_dimension(scope, november, "service"),
        breakdowns.by_hour(scope, november),
    )
    assert after == before
    # Dropping the rollups brings back the live answers, unchanged.
    rollup.invalidate(november.start, november.end)
    assert compute(network, True, november).as_json() == before[0]


def test_days_not_closed_are_never_rolled_up(network, fixed_clock):
    fixed_clock(dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.UTC))  # 5 Nov: the 4th is one day old
    assert rollup.ensure(PERIOD) == 15  # 20 Oct .. 3 Nov
    assert compute(network).values["tickets_issued"] == 8


def test_breakdowns_by_service_counter_officer_and_hour(network):
    scope = Scope(frozenset({network.city.id}))
    services = {
        row["label"]: row["values"] for row in breakdowns.by_dimension(scope, PERIOD, "service")
    }
    # The transferred T4 and T8 count in their last queue (B); T9 waits in B, T6/T7 never left A.
    assert services["B · Tư pháp – Hộ tịch"]["avg_wait_min"] == round((18 + 25 + 16) / 3, 2)
    assert services["A · Đất đai"]["avg_wait_min"] == 20.0
    officers = {
        row["label"]: row["values"] for row in breakdowns.by_dimension(scope, PERIOD, "officer")
    }
    assert officers["Cán bộ Một"]["satisfaction_rate"] == 0.5
    hours = {row["hour"]: row for row in breakdowns.by_hour(scope, PERIOD)}
    assert hours[8]["samples"] == 2 and hours[8]["p90_wait_min"] == 30  # T1, T2 came at 8
    assert hours[23]["avg_wait_min"] == 25.0  # T5 came at 23:50


def test_ranking_orders_units_by_score(network):
    rows = breakdowns.office_ranking(network.city, PERIOD)
    assert [row["office"].code for row in rows][:2] in (["C-W", "C"], ["C", "C-W"])
    assert all(row["rank"] for row in rows)
    ward = next(row for row in rows if row["office"].code == "C-W")
    assert ward["values"]["avg_wait_min"] == 23.0 and ward["targets"]["late_rate"]["max"] == 0.005


def test_longest_waits_and_overdue_lists(network):
    scope = Scope(frozenset({network.city.id}))
    waits = breakdowns.longest_waits(scope, PERIOD)
    assert [(w["display_number"], w["wait_min"]) for w in waits][:2] == [
        ("A002", 30.0),
        ("B001", 25.0),
    ]
    overdue = breakdowns.overdue_dossiers(scope, PERIOD)
    assert [d["code"] for d in overdue] == ["D-02", "D-06", "D-08"]


@pytest.mark.parametrize(
    "counts, expected",
    [
        ({5: 1, 7: 1}, (5, 7)),
        ({1: 9, 40: 1}, (1, 1)),
        ({3: 10}, (3, 3)),
    ],
)
def test_percentile_is_the_smallest_minute_with_enough_waits(counts, expected):
    histogram = {minute: [n, 0] for minute, n in counts.items()}
    assert (flows.percentile(histogram, 0.5), flows.percentile(histogram, 0.9)) == expected
    assert flows.percentile({}, 0.5) is None
