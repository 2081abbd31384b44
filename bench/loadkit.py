"""What the load benchmarks share: the served app, gunicorn, wrk, the database checks, figures.

The benchmarks run as scripts (``python bench/queue_load.py``) and import this module by its
bare name; gunicorn imports it as ``bench.loadkit`` from the project's root.
"""

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The scripts live in bench/: the project's packages are imported from its root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "queue-load-bench"
PING = "/_bench/ping"


def served_app():
    """The gunicorn entry point: the production one (wsgi.py) plus one minimal endpoint (the
    ceiling, or floor: all the app's request hooks, no database).

    With BENCH_GC_FOLDER set, each worker writes there the length of each of its full
    garbage collections (ms, a line each), which stop the whole worker: gc_pauses() reads them.
    """
    from wsgi import app

    app.add_url_rule(PING, "bench_ping", lambda: "ok")
    if folder := os.environ.get("BENCH_GC_FOLDER"):
        _record_full_collections(Path(folder) / f"{os.getpid()}.gc")
    return app


def bare_flask_app():
    """A Flask app with the floor's endpoint alone: no hook, no session, no database. Under
    the same gunicorn, what the framework and the server cost a request before the app's code."""
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule(PING, "bench_ping", lambda: "ok")
    return app


def _record_full_collections(path: Path) -> None:
    import gc

    started = []

    def record(phase, info):
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif info["generation"] == 2 and started:
            with path.open("a") as lines:
                lines.write(f"{(time.perf_counter() - started[0]) * 1000:.1f}\n")

    gc.callbacks.append(record)


def gc_pauses(folder: Path) -> list[float]:
    """The full garbage collections' lengths (ms) that the workers recorded in ``folder``."""
    return [float(line) for path in folder.glob("*.gc") for line in path.read_text().split()]


def bench_app(url: str):
    """The app on ``url`` for preparing and checking the database (not the one served)."""
    from onestop import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})


def dispose(app) -> None:
    from onestop.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- preparing and checking the database ---------------------------------------------------------


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def check(url: str, after_ticket: int) -> dict:
    """Count in the database what must never happen to the tickets after ``after_ticket``."""
    from sqlalchemy import func, select

    from onestop.extensions import db
    from queues.models import Ticket, TicketEvent

    app = bench_app(url)
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
    dispose(app)
    return result


def vacuum(url: str) -> None:
    """PostgreSQL: VACUUM ANALYZE the queue tables after bulk writes, so autovacuum, which
    thousands of changes wake, does not run at a random moment of a later measured phase."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE ticket, ticket_event, daily_counter")
    engine.dispose()


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    url: str,
    port: int,
    workers: int,
    threads: int,
    env: dict | None = None,
    entry: str = "bench.loadkit:served_app()",
) -> subprocess.Popen:
    """gunicorn (gthread) serving ``entry`` on 127.0.0.1:``port`` in a session of its own;
    ``env`` adds to the production-mode environment."""
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
        **(env or {}),
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
        entry,
    ]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    wait_until_up(port, server)
    return server


def wait_until_up(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", PING)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited while starting")
    stop_server(process)
    raise SystemExit(f"127.0.0.1:{port} did not answer within {seconds:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    # The session we started: gunicorn's master and its workers (or nginx and its workers).
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def session_cpu_seconds(session_id: int) -> float:
    """CPU time (user + system) used so far by the live processes of a session (Linux)."""
    ticks = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, session, ... utime (12th), stime (13th).
        if int(fields[3]) == session_id:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# --- wrk -----------------------------------------------------------------------------------------


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def probe_status(port, path, headers) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def wrk_load(port, path, seconds, clients, threads, headers=None, script=None) -> dict:
    """wrk on ``path`` for ``seconds`` over ``clients`` keep-alive connections; figures.

    ``script``: the text of a wrk Lua script (it may choose each request itself).
    """
    headers = headers or {}
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--latency"]
    command += ["--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        command.append(f"http://127.0.0.1:{port}{path}")
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return wrk_figures(output, [] if script else [probe_status(port, path, headers)])


def wrk_figures(output: str, statuses: list) -> dict:
    """The figures of wrk's printed report (``--latency``)."""
    latency = dict(re.findall(r"^\s+(50|99)(?:\.\d+)?%\s+(\S+)$", output, re.MULTILINE))
    if "99" not in latency:
        # Seen on a saturated machine: wrk counted the requests but printed no latencies.
        statuses.append("no latency printed")
    requests, elapsed = re.search(r"(\d+) requests in ([\d.]+\w+),", output).groups()
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if failed:
        statuses.append(f"non-2xx/3xx: {failed.group(1)}")
    if errors:
        statuses.append(f"socket errors: {errors.group(1)}")
    return {
        "requests": int(requests),
        "seconds": _milliseconds(elapsed) / 1000.0,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _milliseconds(latency["50"]) if "50" in latency else float("nan"),
        "p99_ms": _milliseconds(latency["99"]) if "99" in latency else float("nan"),
        "statuses": statuses,
    }


# --- figures -------------------------------------------------------------------------------------


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


def percentile(sorted_values: list, share: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(round(share * (len(sorted_values) - 1))))]


def figures(results, seconds) -> dict:
    """``results``: (seconds, status, data) per request."""
    latencies = sorted(r[0] for r in results) or [0.0]
    return {
        "requests": len(results),
        "seconds": seconds,
        "rps": len(results) / seconds if seconds else 0.0,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "statuses": sorted({r[1] for r in results}),
    }
