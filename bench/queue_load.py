"""Queue load benchmark: gunicorn on 127.0.0.1, bounded load, figures printed; no timing asserts.

    python bench/queue_load.py                       # a fresh SQLite file in a temporary folder
    python bench/queue_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test_queues
    python bench/queue_load.py --wrk                 # ceiling, issuance and 304 polls by wrk

The PostgreSQL database named is WIPED (schema public dropped and recreated).
Phases, each bounded by a count and by --deadline seconds:
  (d) ceiling: a minimal endpoint of the same app (all its request hooks, no database)
  (a) N tickets from C concurrent kiosk clients (a paired kiosk device, production mode),
      each client sending its next request as soon as it has the answer (saturation)
  (e) paced: the same C clients (C - K kiosks issuing, K counters calling next), each
      sending at a steady pace for a total of --paced-rate requests/s, latency counted
      from when each request was due: what a busy hall sees, below saturation
  (b) K counters calling next concurrently until the queue is empty
  (c) board polls: the TV's fragment with a matching ETag (304) and without (full render),
      and the JSON board with a matching ETag
The ceiling is measured again before each 304 phase (a shared machine's speed drifts), and
each ratio is to the ceiling measured just before its phase. On PostgreSQL the queue tables
are vacuumed after the bulk phases. Then the database is checked: duplicate numbers, gaps,
tickets called twice, tickets never called (all must be 0). The server runs in production
mode with the kiosk's rate limit raised, so the limiter's cost is still measured. Last line:
the share of CPU time the host took from this virtual machine (steal), over the run and
during the paced phase, which shows as bursts of latency no code here causes.

The Python client costs far more CPU per request than the server's cheapest endpoints, and it
shares the machine's cores with the server: with --wrk, wrk (keep-alive, C connections,
--wrk-seconds each; ticket bodies from a Lua script) drives the ceiling, the ticket issuance
and the 304 polls; the database check then finds any
duplicate. Call-next, the paced phase and the full renders stay on the Python client.
"""

import argparse
import gc
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "queue-load-bench"
OFFICE = "VY"


def served_app():
    """The gunicorn entry point: the production one (wsgi.py) plus one minimal endpoint (the
    ceiling, phase d)."""
    from wsgi import app

    app.add_url_rule("/_bench/ping", "bench_ping", lambda: "ok")
    return app


# --- preparing the database ----------------------------------------------------------------------


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(url: str, counters: int) -> dict:
    """Schema, demo data, K counters serving every service, an API token and a paired kiosk."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from onestop import create_app
    from onestop.accounts import create_token
    from onestop.demo import run_seeders
    from onestop.extensions import db
    from onestop.models import Office, User
    from queues import devices
    from queues.models import Counter, Service, Ticket

    if url.startswith("postgresql"):
        _reset_postgres(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})
    with app.app_context():
        db.create_all()
        run_seeders(app)
        office = db.session.scalar(select(Office).where(Office.code == OFFICE))
        services = list(
            db.session.scalars(
                select(Service).where(Service.office_id == office.id).order_by(Service.ordering)
            )
        )
        existing = {
            c.number: c
            for c in db.session.scalars(select(Counter).where(Counter.office_id == office.id))
        }
        for number in range(1, counters + 1):
            counter = existing.get(number) or Counter(
                office=office, number=number, name=f"Quầy {number}"
            )
            counter.services, counter.is_open, counter.active = services, True, True
            db.session.add(counter)
        for number, counter in existing.items():
            counter.active = number <= counters
        officer = db.session.scalar(select(User).where(User.username == "officer1"))
        db.session.commit()
        token = create_token(officer, "queue load bench")
        device, secret = devices.pair(devices.create_pairing(office, "kiosk", "Bench kiosk")[1])
        counter_ids = list(
            db.session.scalars(
                select(Counter.id).where(Counter.office_id == office.id, Counter.active.is_(True))
            )
        )
        # The demo history (other packages' seeders) holds older tickets: checks look past them.
        last_ticket = db.session.scalar(select(func.max(Ticket.id))) or 0
        setup = {
            "services": [s.code for s in services],
            "token": token,
            "counters": counter_ids,
            "last_ticket": last_ticket,
            "device_cookie": f"{devices.COOKIE_NAME}={devices.cookie_value(device, secret)}",
        }
        db.session.remove()
        db.engine.dispose()
    return setup


def check(url: str, after_ticket: int) -> dict:
    """Count, in the database, what must never happen to the tickets of this run."""
    from sqlalchemy import func, select

    from onestop import create_app
    from onestop.extensions import db
    from queues.models import Ticket, TicketEvent

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})
    with app.app_context():
        mine = Ticket.id > after_ticket
        duplicates = db.session.execute(
            select(func.count()).select_from(
                select(Ticket.issued_service_id, Ticket.day, Ticket.number)
                .where(mine)
                .group_by(Ticket.issued_service_id, Ticket.day, Ticket.number)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
        per_service = db.session.execute(
            select(Ticket.issued_service_id, func.count(), func.max(Ticket.number))
            .where(mine)
            .group_by(Ticket.issued_service_id)
        ).all()
        calls = (
            select(TicketEvent.ticket_id, func.count().label("n"))
            .where(TicketEvent.kind == "called", TicketEvent.ticket_id > after_ticket)
            .group_by(TicketEvent.ticket_id)
            .subquery()
        )
        double_calls = db.session.scalar(
            select(func.count()).select_from(calls).where(calls.c.n > 1)
        )
        never_called = db.session.scalar(
            select(func.count()).select_from(Ticket).where(mine, Ticket.called_at.is_(None))
        )
        result = {
            "tickets": sum(count for _, count, _ in per_service),
            "duplicate_numbers": duplicates,
            "gaps": sum(top - count for _, count, top in per_service),
            "double_calls": double_calls,
            "never_called": never_called,
        }
        db.session.remove()
        db.engine.dispose()
    return result


# --- the server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "ONESTOP_DEMO": "0",
        "ONESTOP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FLASK_KIOSK_TICKET_RATE_LIMIT": "1000000 per minute",
        # As in production: the workers share one count (memory:// is refused with several).
        "RATELIMIT_STORAGE_URI": os.environ.get(
            "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15"
        ),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        "bench.queue_load:served_app()",
    ]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/_bench/ping")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit("gunicorn exited while starting")
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(
        server.pid, signal.SIGTERM
    )  # the session we started: gunicorn's master and its workers
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


# --- the load generator --------------------------------------------------------------------------


def _client_thread(port, method, path, headers, bodies, count, offset, deadline, keep, out):
    """One keep-alive connection sending ``count`` requests back to back; records each result."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for i in range(count):
        if time.monotonic() > deadline:
            break
        body = bodies[(offset + i) % len(bodies)] if bodies else None
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            data, status = b"", 0
        out.append((time.perf_counter() - started, status, data if keep else None))
    connection.close()


def _client_process(args):
    port, method, path, headers, bodies, counts, offsets, deadline, keep = args
    results: list = []
    threads = [
        threading.Thread(
            target=_client_thread,
            args=(port, method, path, headers, bodies, n, o, deadline, keep, results),
        )
        for n, o in zip(counts, offsets, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def load(
    port, method, path, total, clients, processes, deadline, headers=None, bodies=None, keep=False
):
    """``total`` requests from ``clients`` connections spread over ``processes`` processes."""
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    offsets = [sum(per_client[:i]) for i in range(clients)]
    jobs = []
    for p in range(processes):
        mine = list(range(p, clients, processes))
        jobs.append(
            (
                port,
                method,
                path,
                headers or {},
                bodies or [],
                [per_client[i] for i in mine],
                [offsets[i] for i in mine],
                deadline,
                keep,
            )
        )
    started = time.perf_counter()
    with multiprocessing.Pool(processes) as pool:
        results = [row for rows in pool.map(_client_process, jobs) for row in rows]
    return results, time.perf_counter() - started


@contextmanager
def _no_collection_pauses():
    """For client threads in this process, which holds the whole app (it prepared the
    database): a full garbage collection here stalled every client at once, and counted
    as the server's latency."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def call_next_until_empty(port, counters, token, deadline):
    """K counters, one thread each, pressing call-next until the queue answers 204."""
    results, called = [], []
    lock = threading.Lock()

    def counter_loop(counter_id):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        headers = {"Authorization": f"Bearer {token}", "Content-Length": "0"}
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("POST", f"/api/v1/counters/{counter_id}/call-next", headers=headers)
            response = connection.getresponse()
            data = response.read()
            with lock:
                results.append((time.perf_counter() - started, response.status, None))
                if response.status == 200:
                    called.append(json.loads(data)["ticket"]["id"])
            if response.status != 200:
                break
        connection.close()

    threads = [threading.Thread(target=counter_loop, args=(c,)) for c in counters]
    started = time.perf_counter()
    with _no_collection_pauses():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results, time.perf_counter() - started, called


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _probe_status(port, path, headers) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


# wrk sends each connection's requests back to back; this script makes them POSTs whose
# bodies rotate over the given list (one per service), from a different start per thread.
WRK_POST_SCRIPT = """
local bodies = {%s}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function request()
  index = index %% #bodies + 1
  return wrk.format("POST", nil, nil, bodies[index])
end
"""


def wrk_load(port, path, seconds, clients, threads, headers=None, bodies=None) -> dict:
    """``path`` by wrk for ``seconds`` over ``clients`` keep-alive connections; figures.

    GET, or with ``bodies`` POST, each request taking the next body of the list.
    """
    headers = headers or {}
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if bodies:
            script.write(WRK_POST_SCRIPT % ", ".join(json.dumps(body) for body in bodies))
            script.flush()
            command += ["-s", script.name]
        command.append(f"http://127.0.0.1:{port}{path}")
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests, elapsed = re.search(r"(\d+) requests in ([\d.]+\w+),", output).groups()
    latency = dict(re.findall(r"^\s+(50|99)(?:\.\d+)?%\s+(\S+)$", output, re.MULTILINE))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    statuses: list = [] if bodies else [_probe_status(port, path, headers)]
    if failed:
        statuses.append(f"non-2xx/3xx: {failed.group(1)}")
    if errors:
        statuses.append(f"socket errors: {errors.group(1)}")
    return {
        "requests": int(requests),
        "seconds": _milliseconds(elapsed) / 1000.0,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _milliseconds(latency["50"]),
        "p99_ms": _milliseconds(latency["99"]),
        "statuses": statuses,
    }


# --- report --------------------------------------------------------------------------------------


def cpu_times() -> tuple[int, int]:
    """(stolen, total) CPU time of this machine so far in clock ticks, from /proc/stat (Linux).

    Steal is time the host gave this virtual machine's CPUs to others: stalls no code here
    causes, which show as bursts of latency."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0, 0
    ticks = [int(value) for value in first[1:9]]
    return ticks[7], sum(ticks)


def steal_share(before: tuple[int, int], after: tuple[int, int]) -> str:
    total = after[1] - before[1]
    return f"{100 * (after[0] - before[0]) / total:.1f} %" if total else "unknown"


def figures(results, seconds) -> dict:
    latencies = sorted(r[0] for r in results) or [0.0]
    p99_index = min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))
    return {
        "requests": len(results),
        "seconds": seconds,
        "rps": len(results) / seconds if seconds else 0.0,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[p99_index] * 1000,
        "statuses": sorted({r[1] for r in results}),
    }


def print_table(rows: list[tuple[str, dict, dict | None]]) -> None:
    """One line per phase; each ratio is to the ceiling measured just before that phase."""
    print(
        f"{'phase':52} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'÷ ceiling':>10}  statuses"
    )
    for name, row, ceiling in rows:
        ratio = f"{row['rps'] / ceiling['rps']:10.1%}" if ceiling else f"{'—':>10}"
        print(
            f"{name:52} {row['requests']:8d} {row['rps']:8.0f} {row['p50_ms']:8.1f} "
            f"{row['p99_ms']:8.1f} {ratio}  {row['statuses']}"
        )


def paced(port, seconds, rate, kiosks, ticket_headers, bodies, counters, token):
    """Open loop: ``kiosks`` clients issuing tickets and one client per counter calling next.

    Each client sends one request every (clients / rate) seconds, whatever the server's
    speed, and a latency runs from the time the request was due: a late server shows
    in the figures instead of slowing the clients down.
    """
    ticket_path = f"/api/v1/offices/{OFFICE}/tickets"
    clients = [("POST", ticket_path, ticket_headers, i) for i in range(kiosks)]
    call_headers = {"Authorization": f"Bearer {token}", "Content-Length": "0"}
    clients += [("POST", f"/api/v1/counters/{c}/call-next", call_headers, None) for c in counters]
    interval = len(clients) / rate
    start = time.monotonic() + 0.5
    results: dict[str, list] = {"issue": [], "call": []}

    def client(index, method, path, headers, body_index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        due = start + interval * index / len(clients)
        sent = 0
        while due < start + seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            body = bodies[(body_index + sent) % len(bodies)] if body_index is not None else None
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            results["issue" if body_index is not None else "call"].append(
                (time.monotonic() - due, response.status, None)
            )
            sent += 1
            due += interval
        connection.close()

    threads = [threading.Thread(target=client, args=(i, *spec)) for i, spec in enumerate(clients)]
    with _no_collection_pauses():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return {kind: figures(rows, seconds) for kind, rows in results.items()}


def vacuum(url: str) -> None:
    """PostgreSQL: VACUUM ANALYZE the queue tables after the bulk phases, so autovacuum,
    which these thousands of changes wake, does not run at a random moment of a later
    measured phase."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE ticket, ticket_event, daily_counter")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL URL (WIPED); default: a fresh SQLite file"
    )
    parser.add_argument("--tickets", type=int, default=2000, help="N tickets to issue")
    parser.add_argument("--clients", type=int, default=50, help="C concurrent clients")
    parser.add_argument("--counters", type=int, default=8, help="K counters calling next")
    parser.add_argument("--polls", type=int, default=5000, help="board polls per variant")
    parser.add_argument("--ceiling-requests", type=int, default=5000)
    parser.add_argument("--port", type=int, help="port of the server; default: a free one")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds allowed per phase")
    parser.add_argument(
        "--wrk", action="store_true", help="measure the ceiling and the 304 polls with wrk"
    )
    parser.add_argument("--wrk-seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--paced-rate", type=float, default=100.0, help="requests/s of the paced phase (e)"
    )
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    args = parser.parse_args()
    if args.wrk and shutil.which("wrk") is None:
        parser.error("--wrk needs wrk on the PATH (apt-get install wrk)")

    folder = tempfile.TemporaryDirectory(prefix="queue-load-")
    url = args.database_url or f"sqlite:///{Path(folder.name) / 'bench.db'}"
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    setup = prepare(url, args.counters)
    port = args.port or _free_port()
    server = start_server(url, port, args.workers, args.threads)
    run_from = cpu_times()
    print(
        f"queue load on {database}: gunicorn {args.workers} workers x {args.threads} threads "
        f"on 127.0.0.1:{port}; {args.clients} clients in {args.client_processes} client processes; "
        f"{os.cpu_count()} CPUs shared; load average before: {os.getloadavg()[0]:.1f}"
        + (f"; ceiling and 304 polls by wrk, {args.wrk_seconds} s each" if args.wrk else "")
    )
    rows = []
    try:

        def deadline():
            return time.monotonic() + args.deadline

        n, c, p = args.tickets, args.clients, args.client_processes

        def poll(path, count, headers=None):
            if args.wrk:
                return wrk_load(port, path, args.wrk_seconds, c, args.wrk_threads, headers)
            return figures(*load(port, "GET", path, count, c, p, deadline(), headers))

        # Warm-up, not measured: each worker's first requests import and compile lazily.
        for path in ("/_bench/ping", f"/board/{OFFICE}/live", f"/api/v1/offices/{OFFICE}/board"):
            load(port, "GET", path, 400, 8, 1, deadline())

        def ceiling_now():
            # Measured again before each phase: on a shared machine the ceiling drifts.
            return poll("/_bench/ping", args.ceiling_requests)

        wrk_label = " (wrk)" if args.wrk else ""
        ceiling = ceiling_now()
        rows.append(("(d) ceiling: minimal endpoint" + wrk_label, ceiling, ceiling))

        bodies = [json.dumps({"service": code}) for code in setup["services"]]
        ticket_headers = {"Content-Type": "application/json", "Cookie": setup["device_cookie"]}
        ticket_path = f"/api/v1/offices/{OFFICE}/tickets"
        ticket_phase = f"(a) issue tickets ({len(setup['services'])} services){wrk_label}"
        response_duplicates = None
        if args.wrk:
            issued = wrk_load(
                port, ticket_path, args.wrk_seconds, c, args.wrk_threads, ticket_headers, bodies
            )
            rows.append((ticket_phase, issued, ceiling))
        else:
            results, seconds = load(
                port, "POST", ticket_path, n, c, p, deadline(), ticket_headers, bodies, keep=True
            )
            rows.append((ticket_phase, figures(results, seconds), ceiling))
            numbers = [
                (b["service"], b["number"])
                for _, status, data in results
                if status == 201
                for b in [json.loads(data)]
            ]
            response_duplicates = len(numbers) - len(set(numbers))

        kiosks = c - len(setup["counters"])
        paced_from = cpu_times()
        steady = paced(
            port,
            args.paced_seconds,
            args.paced_rate,
            kiosks,
            ticket_headers,
            bodies,
            setup["counters"],
            setup["token"],
        )
        paced_steal = steal_share(paced_from, cpu_times())
        share = args.paced_rate / c
        rows.append(
            (f"(e) paced: issue, {kiosks} kiosks at {kiosks * share:.0f}/s", steady["issue"], None)
        )
        rows.append(
            (
                f"(e) paced: call next, {len(setup['counters'])} counters at "
                f"{len(setup['counters']) * share:.0f}/s",
                steady["call"],
                None,
            )
        )

        results, seconds, called = call_next_until_empty(
            port, setup["counters"], setup["token"], deadline()
        )
        rows.append(
            (
                f"(b) call next, {len(setup['counters'])} counters until empty",
                figures(results, seconds),
                ceiling,
            )
        )
        response_double_calls = len(called) - len(set(called))
        vacuum(url)

        live = f"/board/{OFFICE}/live"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        connection.request("GET", live)
        response = connection.getresponse()
        response.read()
        etag = response.getheader("ETag")
        connection.request("GET", f"/api/v1/offices/{OFFICE}/board")
        response = connection.getresponse()
        response.read()
        json_etag = response.getheader("ETag")
        connection.close()
        for name, path, headers in [
            ("(c) board fragment poll, ETag matches (304)", live, {"If-None-Match": etag}),
            (
                "(c) board JSON poll, ETag matches (304)",
                f"/api/v1/offices/{OFFICE}/board",
                {"If-None-Match": json_etag},
            ),
        ]:
            ceiling = ceiling_now()
            rows.append(("(d) ceiling again" + wrk_label, ceiling, ceiling))
            rows.append((name + wrk_label, poll(path, args.polls, headers), ceiling))
        # The full render is the Python client's phase, whatever the flag: its count stays
        # bounded.
        results, seconds = load(port, "GET", live, args.polls, c, p, deadline())
        rows.append(("(c) board fragment poll, no ETag (200)", figures(results, seconds), None))
    finally:
        stop_server(server)
    run_to = cpu_times()
    print_table(rows)
    found = check(url, setup["last_ticket"])
    print(
        f"tickets issued: {found['tickets']}"
        + ("" if args.wrk else f" of {n}")
        + f"; called: {len(called)}; duplicate numbers: {found['duplicate_numbers']}"
        + ("" if response_duplicates is None else f" (in responses: {response_duplicates})")
        + "; "
        f"gaps: {found['gaps']}; double calls: {found['double_calls']} "
        f"(in responses: {response_double_calls}); "
        f"never called: {found['never_called']}"
    )
    print(
        f"CPU time taken by the host (steal): {steal_share(run_from, run_to)} over the run, "
        f"{paced_steal} during the paced phase"
    )
    folder.cleanup()


if __name__ == "__main__":
    main()
