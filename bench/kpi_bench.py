"""Benchmark of the reports: KPI object, dashboard page, charts and PDF on 10k, 100k and 1M tickets.

Builds each database with ``simulate.history`` (the demo network of 10 offices for the two
small sizes; a province of 9 district-level offices and 126 communes for 1M), then times,
over a quarter and a year ending today:

* the KPI object (``reports.kpi.compute``), the API's body;
* the dashboard page (GET /reports, HTML only — the charts are separate image requests);
* the five charts (GET /reports/charts/<name>.svg, together);
* the PDF report (GET /reports/report.pdf).

It prints figures, never a verdict. Usage::

    python bench/kpi_bench.py                        # SQLite and PostgreSQL, all three sizes
    python bench/kpi_bench.py --sizes 10k,100k --backends sqlite
    python bench/kpi_bench.py --reuse                # keep the databases built by an earlier run

SQLite files go to /tmp/kpi_bench; PostgreSQL uses the database ``test_reports`` (its
public schema is dropped and rebuilt for each size unless --reuse).
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from dossiers.models import Procedure, procedure_office  # noqa: E402
from onestop import clock, create_app  # noqa: E402
from onestop.extensions import db  # noqa: E402
from onestop.models import Office, office_subtree_ids  # noqa: E402
from queues.demo import (
    CITY_COUNTERS,
    CITY_SERVICES,
    WARD_COUNTERS_THREE,
    WARD_COUNTERS_TWO,
    WARD_SERVICES,
    add_queues,  # noqa: E402
)  # noqa: E402
from queues.models import Ticket  # noqa: E402
from reports import kpi, rollup  # noqa: E402
from reports.measures import Scope  # noqa: E402
from reports.periods import Period  # noqa: E402
from reports.portable import report_transaction  # noqa: E402
from simulate.history import simulate  # noqa: E402

PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_reports"
)
SQLITE_DIR = Path("/tmp/kpi_bench")
# size: (network, days, scale) — chosen to land near the named number of tickets.
SIZES = {"10k": ("demo", 18, 1.0), "100k": ("demo", 365, 0.5), "1M": ("province", 365, 0.5)}


def _app(url: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def _reset(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-writer.lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _province() -> Office:
    """Put the demo city under a province office; add 8 more districts with 14 communes each."""
    province = Office(
        code="VP",
        name="UBND tỉnh Vĩnh Phúc",
        level="province",
        agency_code="000.00.00.H62",
        late_rate_target=Decimal("0.0090"),
    )
    db.session.add(province)
    db.session.flush()
    city = db.session.scalar(select(Office).where(Office.code == "VY"))
    city.parent = province
    ward_procedures = list(
        db.session.scalars(
            select(Procedure.id)
            .join(procedure_office)
            .where(
                procedure_office.c.office_id
                == db.session.scalar(select(Office.id).where(Office.code == "VY-LB"))
            )
        )
    )
    city_procedures = list(
        db.session.scalars(
            select(Procedure.id)
            .join(procedure_office)
            .where(procedure_office.c.office_id == city.id)
        )
    )
    for d in range(1, 9):
        district = Office(
            code=f"D{d}",
            name=f"UBND huyện Số {d}",
            level="district",
            parent=province,
            agency_code=f"000.{d:02d}.00.H62",
            late_rate_target=Decimal("0.0090"),
        )
        db.session.add(district)
        db.session.flush()
        add_queues(district, CITY_SERVICES, CITY_COUNTERS)
        _link(district.id, city_procedures)
        for c in range(1, 15):
            commune = Office(
                code=f"D{d}-X{c:02d}",
                name=f"UBND xã Số {c} huyện {d}",
                level="commune",
                parent=district,
                agency_code=f"000.{d:02d}.{c:02d}.H62",
                late_rate_target=Decimal("0.0050"),
            )
            db.session.add(commune)
            db.session.flush()
            add_queues(
                commune, WARD_SERVICES[:3], WARD_COUNTERS_THREE if c % 2 else WARD_COUNTERS_TWO
            )
            _link(commune.id, ward_procedures)
    db.session.commit()
    return province


def _link(office_id: int, procedure_ids: list[int]) -> None:
    db.session.execute(
        procedure_office.insert(),
        [{"procedure_id": p, "office_id": office_id} for p in procedure_ids],
    )


def build(url: str, size: str) -> tuple[str, float, int]:
    """Create and fill the database of ``size``; returns (root office code, seconds, tickets)."""
    network, days, scale = SIZES[size]
    _reset(url)
    app = _app(url)
    with app.app_context():
        db.create_all()
        for name, seeder in app.extensions["onestop.seeders"]:
            if name != "simulate":
                seeder()
        root = _province().code if network == "province" else "VY"
        started = time.perf_counter()
        summary = simulate(days, seed=2026, scale=scale)
        seconds = time.perf_counter() - started
        print(f"  {summary.line()}", flush=True)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return root, seconds, summary.tickets


def _timed(call, repeat: int = 3) -> float:
    call()  # warm-up: statement compilation, caches, first page-in
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(url: str, root: str) -> dict[str, float]:
    app = _app(url)
    today = clock.today()
    periods = {
        "quarter": Period(today - dt.timedelta(days=89), today),
        "year": Period(today - dt.timedelta(days=364), today),
    }
    figures = {}
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == root))
        scope = Scope(frozenset(office_subtree_ids(office.id)))
        figures["tickets"] = db.session.scalar(select(func.count(Ticket.id)))
        for name, period in periods.items():
            rollup.ensure(period)
            # As the API does it: the read transaction set for reports, then the KPI object.
            figures[f"kpi {name}"] = _timed(
                lambda p=period: (report_transaction(), kpi.compute(office, scope, p))
            )
            db.session.rollback()
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "demo"})
    for name, period in periods.items():
        query = f"office={root}&period=custom&from={period.start}&to={period.end}"
        figures[f"page {name}"] = _timed(lambda q=query: _ok(client.get(f"/reports?{q}")))
    query = f"office={root}&period=custom&from={periods['year'].start}&to={periods['year'].end}"
    charts = ("wait-by-hour", "daily-wait", "satisfaction", "late-by-office", "online-reuse")
    figures["charts year"] = _timed(
        lambda: [_ok(client.get(f"/reports/charts/{c}.svg?{query}")) for c in charts], 1
    )
    figures["pdf year"] = _timed(lambda: _ok(client.get(f"/reports/report.pdf?{query}")), 1)
    return figures


def _ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--reuse", action="store_true", help="measure databases left by an earlier run"
    )
    args = parser.parse_args()
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    rows = []
    for backend in args.backends.split(","):
        for size in args.sizes.split(","):
            url = f"sqlite:///{SQLITE_DIR}/bench-{size}.db" if backend == "sqlite" else PG_URL
            print(
                f"{backend} {size}: building…" if not args.reuse else f"{backend} {size}: reusing",
                flush=True,
            )
            if args.reuse:
                root, built, tickets = (
                    ("VP" if SIZES[size][0] == "province" else "VY"),
                    float("nan"),
                    0,
                )
            else:
                root, built, tickets = build(url, size)
            figures = measure(url, root)
            rows.append((backend, size, figures["tickets"], built, figures))
            print(f"  {figures}", flush=True)
    print()
    header = (
        "backend",
        "size",
        "tickets",
        "build s",
        "KPI quarter s",
        "KPI year s",
        "page quarter s",
        "page year s",
        "5 charts year s",
        "PDF year s",
    )
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for backend, size, tickets, built, f in rows:
        print(
            " | ".join(
                [
                    backend,
                    size,
                    f"{tickets:,}",
                    f"{built:.0f}",
                    *(
                        f"{f[k]:.3f}"
                        for k in (
                            "kpi quarter",
                            "kpi year",
                            "page quarter",
                            "page year",
                            "charts year",
                            "pdf year",
                        )
                    ),
                ]
            )
        )


if __name__ == "__main__":
    main()
