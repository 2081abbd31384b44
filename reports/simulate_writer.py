"""Rows of the simulation collected, given ids and written in bulk, one transaction per flush."""

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from dossiers.models import Dossier, DossierCounter, DossierEvent, SupplementRequest
from feedback.models import Complaint, ComplaintEvent, Rating
from onestop.extensions import db
from queues.models import DailyCounter, Ticket, TicketEvent
from queues.store import writing
from reports import bulk, rollup
from reports import simulate_dossiers as sd
from reports.simulate_queue import ServiceSpec

# In the order they are written (foreign keys point backwards).
TABLES = {
    "ticket": Ticket,
    "ticket_event": TicketEvent,
    "dossier": Dossier,
    "dossier_event": DossierEvent,
    "supplement_request": SupplementRequest,
    "rating": Rating,
    "complaint": Complaint,
    "complaint_event": ComplaintEvent,
}


@dataclass
class Summary:
    offices: int
    days: int
    tickets: int = 0
    dossiers: int = 0
    ratings: int = 0
    complaints: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"Simulated {self.days} days at {self.offices} offices: {self.tickets:,} tickets, "
            f"{self.dossiers:,} dossiers, {self.ratings:,} ratings, {self.complaints:,} complaints "
            f"in {self.seconds:.1f} s."
        )


class Writer:
    """Collects rows, hands out ids, and writes them in bulk, one transaction per flush."""

    def __init__(self, summary: Summary, start: dt.date, end: dt.date):
        self.summary = summary
        self.ids = {name: bulk.IdSource(model.__table__) for name, model in TABLES.items()}
        # Public tokens must differ from any earlier run's, whatever the seed of the history.
        self.tokens = random.Random(secrets.randbits(64))
        self.rows = {name: [] for name in TABLES}
        # The last numbers already given on the simulated days: new ones continue after them.
        self.ticket_numbers: dict[tuple[int, dt.date], int] = {
            (row.service_id, row.day): row.last_number
            for row in db.session.execute(
                select(DailyCounter).where(DailyCounter.day.between(start, end))
            ).scalars()
        }
        self.dossier_numbers: dict[tuple[int, dt.date], int] = {
            (row.office_id, row.day): row.last_number
            for row in db.session.execute(
                select(DossierCounter).where(DossierCounter.day.between(start, end))
            ).scalars()
        }
        self.stored_ticket_numbers = set(self.ticket_numbers)
        self.stored_dossier_numbers = set(self.dossier_numbers)

    def first_numbers(self, services: list[ServiceSpec], day: dt.date) -> dict[int, int]:
        return {s.id: self.ticket_numbers.get((s.id, day), 0) + 1 for s in services}

    def next_dossier_number(self, office_id: int, day: dt.date) -> int:
        key = (office_id, day)
        self.dossier_numbers[key] = self.dossier_numbers.get(key, 0) + 1
        return self.dossier_numbers[key]

    def add_sim(self, rows: sd.Rows) -> None:
        for name in (
            "dossier",
            "dossier_event",
            "supplement_request",
            "rating",
            "complaint",
            "complaint_event",
        ):
            self.rows[name].extend(getattr(rows, name))

    def flush(self) -> None:
        counts = {name: len(rows) for name, rows in self.rows.items()}
        with writing():
            for name, model in TABLES.items():
                bulk.insert_rows(model.__table__, self.rows[name])
            db.session.commit()
        self.summary.tickets += counts["ticket"]
        self.summary.dossiers += counts["dossier"]
        self.summary.ratings += counts["rating"]
        self.summary.complaints += counts["complaint"]
        self.rows = {name: [] for name in TABLES}

    def finish(self, start: dt.date, end: dt.date) -> None:
        """Write the daily counters, move PostgreSQL's sequences, and drop the days' old rollups."""
        with writing():
            for model, numbers, stored, keys in (
                (
                    DailyCounter,
                    self.ticket_numbers,
                    self.stored_ticket_numbers,
                    ("service_id", "day"),
                ),
                (
                    DossierCounter,
                    self.dossier_numbers,
                    self.stored_dossier_numbers,
                    ("office_id", "day"),
                ),
            ):
                table = model.__table__
                for key in set(numbers) & stored:
                    db.session.execute(
                        table.update()
                        .where(table.c[keys[0]] == key[0], table.c[keys[1]] == key[1])
                        .values(last_number=numbers[key])
                    )
                bulk.insert_rows(
                    table,
                    [
                        {keys[0]: k[0], keys[1]: k[1], "last_number": numbers[k]}
                        for k in set(numbers) - stored
                    ],
                )
            bulk.reset_sequences(model.__table__ for model in TABLES.values())
            rollup.invalidate(start, end)
            db.session.commit()


def ticket_rows(writer: Writer, office_id: int, day: dt.date, tickets) -> list[tuple[int, object]]:
    with_ids = []
    for ticket in tickets:
        ticket_id = writer.ids["ticket"].take()
        with_ids.append((ticket_id, ticket))
        key = (ticket.issued_service_id, day)
        writer.ticket_numbers[key] = max(writer.ticket_numbers.get(key, 0), ticket.number)
        writer.rows["ticket"].append(
            {
                "id": ticket_id,
                "office_id": office_id,
                "service_id": ticket.service_id,
                "issued_service_id": ticket.issued_service_id,
                "day": day,
                "number": ticket.number,
                "priority": ticket.priority_reason is not None,
                "priority_reason": ticket.priority_reason,
                "status": ticket.status,
                "issued_at": ticket.issued_at,
                "queued_at": ticket.queued_at,
                "called_at": ticket.called_at,
                "last_called_at": ticket.last_called_at,
                "started_at": ticket.started_at,
                "finished_at": ticket.finished_at,
                "counter_id": ticket.counter_id,
                "officer_id": ticket.officer_id,
                "recall_count": ticket.recall_count,
                "waited_before_min": ticket.waited_before_min,
                "token": f"{writer.tokens.getrandbits(128):032x}",
                "request_id": None,
            }
        )
        for kind, at, counter_id, officer_id, service_id, note in ticket.events:
            writer.rows["ticket_event"].append(
                {
                    "id": writer.ids["ticket_event"].take(),
                    "ticket_id": ticket_id,
                    "office_id": office_id,
                    "kind": kind,
                    "at": at,
                    "counter_id": counter_id,
                    "officer_id": officer_id,
                    "service_id": service_id,
                    "note": note,
                }
            )
    return with_ids
