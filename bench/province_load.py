"""Province load: one system for every office of a province, at the peak hour; figures printed.

    python bench/province_load.py                      # 150 offices, one app host
    python bench/province_load.py --hosts 2            # two app hosts behind nginx
    python bench/province_load.py --quick              # shorter runs, fewer offices

The PostgreSQL database named (--database-url) is WIPED (schema public dropped and recreated).
Each office gets 4 services, 5 counters each with a signed-in officer and a paired rating
tablet, a paired kiosk and --waiting tickets (some called). Per office at the peak hour:

    1 display board polling every 2 s       5 counter consoles every 3 s
    5 counter tablets every 2 s             15 citizens' phones every 5 s
    90 tickets issued, 90 calls and 90 finishes an hour

Every client sends what its browser sends: the URL of the polling element's hx-get (re-read
from each answer, as htmx's outerHTML swap does), the htmx headers, its cookies, and
If-None-Match with the ETag of the previous answer of that URL (a browser's cache does so;
the board's script does it itself). A phone whose ticket is done keeps polling (its page
would stop: here the hour's rate stays the peak's). The writes go through the JSON API: the
kiosk's ticket (a paired kiosk's cookie), call-next and finish (an officer's API token).

Phase 1, saturation: wrk drives each poll kind alone (its requests rotating over every
client of that kind) and the floor (a minimal endpoint of the same app); then the writes.
Offices one server carries = 1 / sum over kinds of (per-office rate / throughput). After
each floor run, wrk drives a bare Flask app's floor (no hook, no database) under the same
gunicorn: the requests that N offices send at the peak are set against it, the share of
the machine that serving them takes before any of the app's own work.

Each client polls the wrk runs' URLs with a current tag: the clients of a kind get a fresh
copy just before its run (a console's copy lasts a minute from its rendering).

Phase 2, paced: the whole mix, each request due at its time whatever the server's speed. A
polling element sends as htmx does: one request at a time, a poll falling due while one is
in flight waits for its answer, and of those only the last is kept; the writes are sent at
their due times whatever is in flight. A latency runs from the due time, and a request
unanswered after --timeout is an error (its connection is reset). The clients join during
--ramp-seconds before each run, each at a random moment (their first polls render: their
tags are old), which is not counted. First a step search for the number of offices served
with p99 < 200 ms (--step-seconds each), then N offices for --seconds, each with the p99 of
every 10 s of it (a backlog left by the clients' joining shrinks; an overload stays or
grows); before each run the server is given time to work off what an overloaded run left
queued. The
client is one asyncio process on the same two cores as the server: its CPU time is printed
beside the server's, with how late the client itself sent (its own lag), which says when it,
not the server, was the limit.

--hosts 2: two gunicorn servers on their own ports sharing PostgreSQL and Redis, behind
nginx (generated config, in a temporary folder). Both phases run through nginx; then the
database is checked (duplicate numbers, tickets called twice) and each office's board is
read from each host directly: the same version and content on both.
"""

import argparse
import asyncio
import heapq
import html
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from loadkit import (
    PING,
    bench_app,
    check,
    cpu_times,
    dispose,
    figures,
    gc_pauses,
    percentile,
    reset_postgres,
    session_cpu_seconds,
    start_server,
    steal_share,
    stop_server,
    vacuum,
    wait_until_up,
    wrk_load,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
REDIS_URL = "redis://127.0.0.1:6379/3"
FIRST_PORT = 8300
# A Flask app with the floor's endpoint alone, under the same gunicorn (bench.loadkit).
BARE = "bare Flask floor"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) province-load"

# Clients per office and their poll interval (seconds), as in the templates' hx-trigger.
CLIENTS = {"board": (1, 2.0), "console": (5, 3.0), "tablet": (5, 2.0), "phone": (15, 5.0)}
# The polling element of each page: its hx-get is the next poll's URL.
ELEMENT = {
    "board": "board-live",
    "console": "console-queue",
    "tablet": "rating-panel",
    "phone": "ticket-status",
}
WRITES_PER_HOUR = 90  # each of: ticket issued, call, finish
WRITES = ("issue", "call", "finish")
COUNTERS = [
    (1, "Quầy 1", ["ho-tich", "chung-thuc"]),
    (2, "Quầy 2", ["ho-tich", "chung-thuc"]),
    (3, "Quầy 3", ["lao-dong", "chung-thuc"]),
    (4, "Quầy 4", ["dat-dai", "lao-dong"]),
    (5, "Quầy 5", ["ho-tich", "chung-thuc", "lao-dong", "dat-dai"]),
]
P99_TARGET_MS = 200.0
IDLE_SECONDS = 1.5


def per_office_rate(kind: str) -> float:
    """Requests per second that one office sends of a poll kind or a write."""
    if kind in CLIENTS:
        count, interval = CLIENTS[kind]
        return count / interval
    return WRITES_PER_HOUR / 3600


# --- preparing the database ----------------------------------------------------------------------


def office_code(index: int) -> str:
    return f"P{index + 1:03d}"


def prepare(url: str, offices: int, waiting: int) -> dict:
    """N offices with their queues, officers at the counters, paired devices, tickets; what
    the clients hold (cookies, tokens, ticket tokens)."""
    from flask import session
    from sqlalchemy import func, select
    from werkzeug.security import generate_password_hash

    from onestop.accounts import create_token, save_office
    from onestop.auth import start_session
    from onestop.extensions import db
    from onestop.models import User
    from queues import configure, devices, tickets
    from queues.demo import WARD_SERVICES, add_queues
    from queues.models import Counter, Ticket

    reset_postgres(url)
    app = bench_app(url)
    setup = {"offices": []}
    with app.app_context():
        db.create_all()
        save_office({"code": "TINH", "name": "UBND tỉnh (thử tải)", "level": "province"})
        # One scrypt hash for every officer: they sign in through forged session cookies.
        password_hash = generate_password_hash("province-load")
        serializer = app.session_interface.get_signing_serializer(app)
        for index in range(offices):
            code = office_code(index)
            office = save_office(
                {
                    "code": code,
                    "name": f"UBND xã thử tải số {index + 1}",
                    "level": "commune",
                    "parent": "TINH",
                    "late_rate_target_percent": "0.50",
                }
            )
            services = add_queues(office, WARD_SERVICES, COUNTERS)
            officers = [
                User(
                    username=f"{code.lower()}-officer{n}",
                    full_name=f"Cán bộ quầy {n}",
                    role="officer",
                    office=office,
                    password_hash=password_hash,
                )
                for n in range(1, len(COUNTERS) + 1)
            ]
            db.session.add_all(officers)
            db.session.commit()
            counters = list(
                db.session.scalars(
                    select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
                )
            )
            kiosk, kiosk_secret = devices.pair(devices.create_pairing(office, "kiosk", "Ki-ốt")[1])
            desks = []
            for counter, officer in zip(counters, officers, strict=True):
                configure.sign_in(counter, officer)
                name = f"Bảng quầy {counter.number}"
                once = devices.create_pairing(office, "counter_tablet", name, counter)[1]
                tablet, secret = devices.pair(once)
                with app.test_request_context(headers={"User-Agent": USER_AGENT}):
                    start_session(officer)
                    cookie = serializer.dumps(dict(session))
                desks.append(
                    {
                        "counter": counter.id,
                        "token": create_token(officer, "province load"),
                        "session": f"{app.config['SESSION_COOKIE_NAME']}={cookie}",
                        "tablet": f"{devices.COOKIE_NAME}={devices.cookie_value(tablet, secret)}",
                    }
                )
            codes = list(services)
            issued = [
                tickets.issue(office, codes[n % len(codes)]).ticket.token for n in range(waiting)
            ]
            # Every counter serves someone; two have finished a citizen the tablet asks about.
            for desk, counter, officer in zip(desks, counters, officers, strict=True):
                desk["called"] = tickets.call_next(counter, officer).id
            for desk, counter, officer in list(zip(desks, counters, officers, strict=True))[:2]:
                desk["called"] = tickets.call_next(counter, officer).id
            setup["offices"].append(
                {
                    "code": code,
                    "kiosk": f"{devices.COOKIE_NAME}={devices.cookie_value(kiosk, kiosk_secret)}",
                    "services": codes,
                    "desks": desks,
                    "phones": issued[-CLIENTS["phone"][0] :],
                }
            )
        setup["last_ticket"] = db.session.scalar(select(func.max(Ticket.id))) or 0
    dispose(app)
    return setup


# --- what each client sends ----------------------------------------------------------------------


def htmx_headers(element: str, page: str) -> dict:
    return {
        "HX-Request": "true",
        "HX-Trigger": element,
        "HX-Target": element,
        "HX-Current-URL": page,
        "Accept": "*/*",
        "User-Agent": USER_AGENT,
    }


def clients_of(setup: dict, offices: int) -> list[dict]:
    """One record per polling client of the first ``offices`` offices: its kind, page, cookie."""
    found = []
    for index, office in enumerate(setup["offices"][:offices]):
        found.append(("board", f"/board/{office['code']}", None, index))
        for desk in office["desks"]:
            found.append(("console", "/counter", desk["session"], index))
            found.append(("tablet", f"/rate/counter/{desk['counter']}", desk["tablet"], index))
        found += [("phone", f"/t/{token}", None, index) for token in office["phones"]]
    return [
        {"kind": kind, "page": page, "cookie": cookie, "office": index}
        for kind, page, cookie, index in found
    ]


def poll_url_in(kind: str, body: str) -> str | None:
    """The next poll's URL in a page or an answer, as htmx reads it (None: not in it)."""
    if kind == "console":
        # /counter/live, with hx-include of the current panel's "shown" mark.
        shown = re.search(r'<input type="hidden" name="shown" value="([^"]*)"', body)
        if shown is None:
            return None
        return "/counter/live?" + urllib.parse.urlencode({"shown": html.unescape(shown.group(1))})
    found = re.search(rf'<[^>]*\bid="{ELEMENT[kind]}"[^>]*?\bhx-get="([^"]*)"', body)
    return html.unescape(found.group(1)) if found else None


def request_headers(client: dict) -> dict:
    headers = htmx_headers(ELEMENT[client["kind"]], client["page"])
    if client["cookie"]:
        headers["Cookie"] = client["cookie"]
    etag = client["etags"].get(client["url"])
    if etag:
        headers["If-None-Match"] = etag
    return headers


def take_answer(client: dict, status: int, headers: dict, body: str) -> None:
    """What the browser keeps of an answer: the ETag of the URL, a renewed cookie, and the
    polling element's new URL after a swap."""
    etag = headers.get("etag")
    if etag and "no-store" not in headers.get("cache-control", ""):
        client["etags"][client["url"]] = etag
    cookie = headers.get("set-cookie")
    if cookie and client["cookie"]:
        name = client["cookie"].split("=", 1)[0]
        if cookie.startswith(name + "="):
            client["cookie"] = cookie.split(";", 1)[0]
    if status == 200 and body:
        client["url"] = poll_url_in(client["kind"], body) or client["url"]


def open_page(port: int, client: dict) -> dict:
    """Load the client's page, then poll once: the state a browser is in after a while."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html"}
    if client["cookie"]:
        headers["Cookie"] = client["cookie"]
    connection.request("GET", client["page"], headers=headers)
    response = connection.getresponse()
    body = response.read().decode()
    if response.status != 200:
        raise SystemExit(f"{client['page']} answered {response.status}")
    client = {**client, "url": poll_url_in(client["kind"], body), "etags": {}}
    if client["url"] is None:
        raise SystemExit(f"{client['page']}: no polling element #{ELEMENT[client['kind']]}")
    # The board's script starts with the page's ETag (data-etag), before any poll.
    page_etag = re.search(r'data-etag="([^"]*)"', body)
    if client["kind"] == "board" and page_etag:
        client["etags"][client["url"]] = html.unescape(page_etag.group(1))
    # Of the page, only a renewed cookie: its ETag is the page's (it varies on HX-Request),
    # which a browser does not send with the fragment's poll.
    page_headers = {k.lower(): v for k, v in response.getheaders() if k.lower() != "etag"}
    take_answer(client, response.status, page_headers, "")
    poll_once(connection, client)
    connection.close()
    return client


def poll_once(connection, client: dict) -> None:
    """One poll of the client's page, its answer taken as the browser takes it."""
    connection.request("GET", client["url"], headers=request_headers(client))
    response = connection.getresponse()
    answer = response.read().decode()
    take_answer(client, response.status, {k.lower(): v for k, v in response.getheaders()}, answer)


def open_pages(port: int, clients: list[dict]) -> list[dict]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda client: open_page(port, client), clients))


def catch_up(port: int, clients: list[dict]) -> None:
    """Each client polls once for a fresh copy: its tags are the current ones, as those of a
    page that has been polling all along, and a console's copy, which lasts a minute from its
    rendering, outlasts the wrk run that follows."""
    import http.client

    def poll(client):
        client["etags"].pop(client["url"], None)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        poll_once(connection, client)
        connection.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(poll, clients))


# --- phase 1: saturation -------------------------------------------------------------------------


# wrk sends each connection's requests back to back; each takes the next request of the list,
# from a different start per thread. The requests are formatted in init(), once wrk knows the
# Host header.
WRK_ROTATION = """
local requests = {}
local specs = {%s}
function init(args)
  for i, spec in ipairs(specs) do
    requests[i] = wrk.format(spec[1], spec[2], spec[3], spec[4])
  end
end
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("index", threads * 7919)
end
function request()
  index = index %% #requests + 1
  return requests[index]
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # ASCII only here: a JSON string is a Lua string


def wrk_rotation(specs: list[tuple[str, str, dict, str | None]]) -> str:
    """A wrk script sending the given (method, path, headers, body) requests in turn."""
    items = []
    for method, path, headers, body in specs:
        fields = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        items.append(
            f"{{{lua_string(method)}, {lua_string(path)}, {{{fields}}}, "
            f"{lua_string(body) if body else 'nil'}}}"
        )
    return WRK_ROTATION % ",\n".join(items)


def statuses_of(port: int, specs: list) -> list[int]:
    """The statuses the first requests of a rotation get (what wrk was answered)."""
    import http.client

    seen = set()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for method, path, headers, body in specs[:20]:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        seen.add(response.status)
    connection.close()
    return sorted(seen)


def poll_specs(clients: list[dict], kind: str) -> list:
    return [
        ("GET", client["url"], request_headers(client), None)
        for client in clients
        if client["kind"] == kind
    ]


def write_specs(setup: dict, kind: str, called: list) -> list:
    if kind == "issue":
        return [
            (
                "POST",
                f"/api/v1/offices/{office['code']}/tickets",
                {"Content-Type": "application/json", "Cookie": office["kiosk"]},
                json.dumps({"service": service}),
            )
            for office in setup["offices"]
            for service in office["services"]
        ]
    if kind == "call":
        return [
            (
                "POST",
                f"/api/v1/counters/{desk['counter']}/call-next",
                {"Authorization": f"Bearer {desk['token']}", "Content-Type": "application/json"},
                "{}",
            )
            for office in setup["offices"]
            for desk in office["desks"]
        ]
    return [
        (
            "POST",
            f"/api/v1/tickets/{ticket_id}/finish",
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            "{}",
        )
        for ticket_id, token in called
    ]


def called_tickets(url: str) -> list[tuple[int, str]]:
    """Tickets called and not finished, with a token of their counter's officer (to finish)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, counter_id FROM ticket WHERE status = 'called' ORDER BY id")
        ).all()
    engine.dispose()
    return rows


def floor_runs(port: int, bare_port: int, args) -> list:
    """The floor and a bare Flask app's floor, one after the other: rows (name, figures)."""
    return [
        (name, wrk_load(on, PING, args.wrk_seconds, args.wrk_connections, 2))
        for name, on in (("floor", port), (BARE, bare_port))
    ]


def phase_one(port: int, bare_port: int, clients: list[dict], setup: dict, url: str, args) -> list:
    """wrk on the floors, each poll kind and each write; rows (name, figures)."""
    rows = floor_runs(port, bare_port, args)
    for kind in ("console", "tablet", "phone", "board"):
        catch_up(port, [client for client in clients if client["kind"] == kind])
        specs = poll_specs(clients, kind)
        row = wrk_load(
            port, "/", args.wrk_seconds, args.wrk_connections, 2, script=wrk_rotation(specs)
        )
        row["statuses"] = statuses_of(port, specs) + row["statuses"]
        rows.append((kind, row))
    rows += floor_runs(port, bare_port, args)
    # Writes, each alone, in short runs: tickets first (they fill the queues), then calls (a
    # call finishes the counter's ticket before it), by wrk; a ticket is finished only once,
    # so the finishes of the tickets called are sent once each, by 8 threads.
    seconds = max(2, args.wrk_seconds // 2)
    for kind in ("issue", "call"):
        script = wrk_rotation(write_specs(setup, kind, []))
        rows.append((kind, wrk_load(port, "/", seconds, 16, 2, script=script)))
    tokens = {desk["counter"]: desk["token"] for o in setup["offices"] for desk in o["desks"]}
    time.sleep(2.0)  # calls still queued when wrk stopped are answered
    called = [(ticket, tokens[counter]) for ticket, counter in called_tickets(url)]
    rows.append(("finish", send_once(port, write_specs(setup, "finish", called), 8)))
    vacuum(url)
    return rows


def send_once(port: int, specs: list, threads: int) -> dict:
    """Each request once, from ``threads`` keep-alive connections; figures."""
    import http.client

    def worker(mine):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        rows = []
        for method, path, headers, body in mine:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            rows.append((time.perf_counter() - started, response.status, answer[:200]))
        connection.close()
        return rows

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = pool.map(worker, [specs[n::threads] for n in range(threads)])
        results = [row for rows in done for row in rows]
    row = figures(results, time.perf_counter() - started)
    refused = [data for _, status, data in results if status >= 400]
    if refused:
        row["statuses"].append(f"first refusal: {refused[0].decode()}")
    return row


def offices_carried(rows: list) -> tuple[float, dict]:
    throughput = {name: row["rps"] for name, row in rows if name not in ("floor", BARE)}
    load = sum(per_office_rate(kind) / rps for kind, rps in throughput.items() if rps)
    return (1 / load if load else 0.0), throughput


# --- phase 2: paced, open loop -------------------------------------------------------------------


class Connections:
    """Keep-alive connections to one address, at most ``limit`` open; a request waits for
    one (its latency runs from its due time all the same)."""

    def __init__(self, port: int, limit: int):
        self.port, self.idle, self.free = port, [], asyncio.Semaphore(limit)
        self.loop = asyncio.get_running_loop()

    async def exchange(self, method: str, path: str, headers: dict, body: bytes | None):
        async with self.free:
            for attempt in (1, 2):
                # gunicorn closes a connection idle for 2 s: older ones are not reused.
                while self.idle and self.idle[-1][2] < self.loop.time() - IDLE_SECONDS:
                    self.idle.pop()[1].close()
                reused = bool(self.idle)
                reader, writer = (
                    self.idle.pop()[:2]
                    if reused
                    else await asyncio.open_connection("127.0.0.1", self.port)
                )
                try:
                    answer = await self._send(reader, writer, method, path, headers, body)
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    if reused and attempt == 1:
                        continue  # the server closed an idle connection: a new one
                    raise
                except BaseException:
                    # Timed out (cancelled): reset the connection, so that the server drops
                    # the request instead of answering nobody later.
                    writer.transport.abort()
                    raise
                status, answer_headers, _content = answer
                if answer_headers.get("connection", "").lower() == "close":
                    writer.close()
                else:
                    self.idle.append((reader, writer, self.loop.time()))
                return answer
        raise ConnectionError("unreachable")

    async def _send(self, reader, writer, method, path, headers, body):
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        answer_headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                answer_headers[name.strip().lower()] = value.strip()
        length = int(answer_headers.get("content-length", 0))
        content = await reader.readexactly(length) if length else b""
        return status, answer_headers, content

    def close(self):
        for _reader, writer, _used in self.idle:
            writer.close()


async def _paced_run(port, clients, setup, offices, seconds, limit, timeout, ramp):
    """The full mix of ``offices`` offices for ``seconds``; (kind, latency s, status, due s
    into the run) rows, the client's own lag (s) per request.

    The clients join during the ``ramp`` seconds before, each at a random moment, as the
    screens of a province are switched on over the morning; what they send then is not
    counted. Their first polls render (their tags are old), the later ones see 304s."""
    connections = Connections(port, limit)
    loop = asyncio.get_running_loop()
    start = loop.time() + 1.0 + ramp
    end = start + seconds
    results, lags, tasks, failures = [], [], set(), {}
    # (due, sequence, kind, client or write) in a heap: one timer loop sends everything.
    schedule, sequence = [], 0
    randomness = random.Random(7)

    def plan(due, kind, what):
        nonlocal sequence
        sequence += 1
        heapq.heappush(schedule, (due, sequence, kind, what))

    for client in clients:
        client["busy"] = False
        client.pop("queued", None)
        plan(start - randomness.uniform(0, ramp), client["kind"], client)
    # Each office's writers: tickets, calls and finishes, each kind at its own random phase,
    # on the office's counters in turn; a finish ends the ticket its counter last called.
    interval = 3600 / WRITES_PER_HOUR
    for office in setup["offices"][:offices]:
        for kind in WRITES:
            due = start + randomness.uniform(0, interval)
            plan(due, kind, {"office": office, "turn": randomness.randrange(5)})

    async def send(due, kind, what, request):
        counted = due >= start
        if counted:
            lags.append(loop.time() - due)
        method, path, headers, body = request
        try:
            status, answer_headers, content = await asyncio.wait_for(
                connections.exchange(method, path, headers, body), timeout
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
            if counted:
                failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
                results.append((kind, loop.time() - due, 0, due - start))
            return
        if kind in CLIENTS:
            if status == 204 and "hx-redirect" in answer_headers:
                status = 401  # a console signed out: the poll would leave the page
            take_answer(what, status, answer_headers, content.decode())
        elif kind == "call" and status == 200:
            what["called"] = json.loads(content)["ticket"]["id"]
        if counted:
            results.append((kind, loop.time() - due, status, due - start))

    async def poll(due, kind, client):
        """A polling element's requests, as htmx sends them: one at a time; a trigger that
        fires while one is in flight waits for it, and only the last such trigger is kept."""
        client["busy"] = True
        while due is not None and due < end:
            request = ("GET", client["url"], request_headers(client), None)
            await send(due, kind, client, request)
            due = client.pop("queued", None)
        client["busy"] = False

    def write_request(kind, what):
        """The write's request and the desk it concerns (None when there is nothing to do)."""
        office = what["office"]
        desk = office["desks"][what["turn"] % len(office["desks"])]
        what["turn"] += 1
        if kind == "issue":
            service = office["services"][what["turn"] % len(office["services"])]
            body = json.dumps({"service": service}).encode()
            headers = {"Content-Type": "application/json", "Cookie": office["kiosk"]}
            return desk, ("POST", f"/api/v1/offices/{office['code']}/tickets", headers, body)
        headers = {"Authorization": f"Bearer {desk['token']}", "Content-Type": "application/json"}
        if kind == "call":
            return desk, ("POST", f"/api/v1/counters/{desk['counter']}/call-next", headers, b"{}")
        ticket = desk.pop("called", None)
        if ticket is None:
            return None, None  # the call before it found nobody waiting
        return desk, ("POST", f"/api/v1/tickets/{ticket}/finish", headers, b"{}")

    while schedule:
        due, _sequence, kind, what = heapq.heappop(schedule)
        if due >= end:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind in CLIENTS:
            plan(due + CLIENTS[kind][1], kind, what)
            if what.get("busy"):
                what["queued"] = due
                continue
            task = asyncio.create_task(poll(due, kind, what))
        else:
            target, request = write_request(kind, what)
            plan(due + interval, kind, what)
            if request is None:
                continue
            task = asyncio.create_task(send(due, kind, target, request))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 1)
    unfinished = sum(1 for task in tasks if not task.done())
    for task in tasks:
        task.cancel()
    connections.close()
    return results, lags, unfinished, failures


def _paced_process(arguments, queue):
    port, clients, setup, levels, seconds, limit, timeout, ramp = arguments
    reports = []
    for offices in levels:
        mine = [c for c in clients if c["office"] < offices]
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.monotonic()
        results, lags, unfinished, failures = asyncio.run(
            _paced_run(port, mine, setup, offices, seconds, limit, timeout, ramp)
        )
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
            cpu_before.ru_utime + cpu_before.ru_stime
        )
        reports.append(
            {
                "offices": offices,
                "results": results,
                "lag_p99_ms": percentile(sorted(lags), 0.99) * 1000,
                "unfinished": unfinished,
                "failures": failures,
                "client_cpu": cpu,
                "wall": time.monotonic() - wall,
            }
        )
    queue.put((reports, clients))


def paced(port, clients, setup, levels, seconds, limit, timeout, ramp, url):
    """Run the paced mix at each number of offices in ``levels``, in a process of its own
    (the client's CPU time is its own); return the reports and the clients' state after."""
    # The ticket each counter serves now (earlier runs moved them): what a finish ends.
    serving = dict((counter, ticket) for ticket, counter in called_tickets(url))
    for office in setup["offices"]:
        for desk in office["desks"]:
            desk["called"] = serving.get(desk["counter"])
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(
        target=_paced_process,
        args=((port, clients, setup, levels, seconds, limit, timeout, ramp), queue),
    )
    process.start()
    reports, clients = queue.get()
    process.join()
    return reports, clients


def wait_for_quiet(port: int, limit: float = 120.0) -> float:
    """Seconds until the floor answers within 50 ms three times in a row (the server has
    worked off what an overloaded run left queued), at most ``limit``."""
    import http.client

    started = time.monotonic()
    quick = 0
    while quick < 3 and time.monotonic() - started < limit:
        sent = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=limit)
            connection.request("GET", PING)
            connection.getresponse().read()
            connection.close()
        except OSError:
            quick = 0
            time.sleep(0.5)
            continue
        quick = quick + 1 if time.monotonic() - sent < 0.05 else 0
        time.sleep(0.2)
    return time.monotonic() - started


def summary(report: dict, seconds: float) -> dict:
    """p50 / p99 (ms) and errors per kind and overall, from one paced run's rows."""
    by_kind: dict[str, list] = {}
    for kind, latency, status, _due in report["results"]:
        by_kind.setdefault(kind, []).append((latency, status))
    by_kind["all"] = [row for kind in list(by_kind) for row in by_kind[kind]]
    lines = {}
    for kind, rows in by_kind.items():
        latencies = sorted(latency for latency, _ in rows)
        errors = sum(1 for _, status in rows if status == 0 or status >= 400)
        lines[kind] = {
            "requests": len(rows),
            "rps": len(rows) / seconds,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "errors": errors,
            "unchanged": sum(1 for _, status in rows if status == 304) / len(rows),
            "statuses": sorted({status for _, status in rows}),
        }
    return lines


# --- several hosts -------------------------------------------------------------------------------


NGINX_CONF = """
# Generated by bench/province_load.py: the load balancer in front of the app hosts.
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream onestop {{
{servers}
        keepalive 64;
        keepalive_timeout 1s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://onestop;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
        }}
    }}
}}
"""


def start_nginx(folder: Path, port: int, hosts: list[int]) -> subprocess.Popen:
    servers = "\n".join(f"        server 127.0.0.1:{host};" for host in hosts)
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONF.format(folder=folder, servers=servers, port=port))
    command = [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(config), "-p", str(folder)]
    command += ["-e", str(folder / "error.log")]
    process = subprocess.Popen(command, start_new_session=True)
    wait_until_up(port, process)
    return process


def boards_agree(hosts: list[int], codes: list[str]) -> dict:
    """Each office's board read from each host directly: versions, JSON and fragment equal?
    Counts of offices differing, and their codes ("offices")."""
    import http.client

    def read(port, path):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        connection.request("GET", path, headers={"User-Agent": USER_AGENT})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.getheader("ETag"), body

    def timeless(body):
        # What depends on the instant of rendering: a call's age, the hero's seconds left,
        # the highlight of a call under 20 s old.
        return re.sub(rb'data-(age|hero-left)="[^"]*"| tile--fresh', b"", body)

    differ = {"version": 0, "json": 0, "fragment_etag": 0, "fragment": 0, "offices": []}
    for code in codes:
        answers = [read(port, f"/api/v1/offices/{code}/board") for port in hosts]
        fragments = [read(port, f"/board/{code}/live") for port in hosts]
        mismatched = {
            "version": len({json.loads(body)["version"] for _, body in answers}) > 1,
            "json": len({body for _, body in answers}) > 1,
            "fragment_etag": len({etag for etag, _ in fragments}) > 1,
            "fragment": len({timeless(body) for _, body in fragments}) > 1,
        }
        for key, flag in mismatched.items():
            differ[key] += flag
        if any(mismatched.values()):
            differ["offices"].append(code)
    return differ


# --- report --------------------------------------------------------------------------------------


def floor_of(rows: list, floor: str = "floor") -> float:
    """A floor: the mean of its runs before and after the polls (a shared machine drifts)."""
    floors = [row["rps"] for name, row in rows if name == floor]
    return sum(floors) / len(floors)


def print_saturation(rows: list) -> None:
    floor = floor_of(rows)
    print(
        f"{'wrk, each alone':22} {'req/s':>8} {'% floor':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses"
    )
    for name, row in rows:
        # A scripted wrk run (the writes) names only the answers outside 2xx/3xx.
        statuses = row["statuses"] or ["2xx/3xx"]
        print(
            f"{name:22} {row['rps']:8.0f} {100 * row['rps'] / floor:7.1f}% "
            f"{row['p50_ms']:8.1f} {row['p99_ms']:8.1f}  {statuses}"
        )


SLICE_SECONDS = 10.0


def p99_by_slice(report: dict) -> list[float]:
    """p99 (ms) of the requests due in each SLICE_SECONDS of the run: a backlog left by the
    clients joining shows as a tail that shrinks, an overload as one that stays or grows."""
    slices: dict[int, list[float]] = {}
    for _kind, latency, _status, due in report["results"]:
        slices.setdefault(int(due // SLICE_SECONDS), []).append(latency)
    return [percentile(sorted(slices[n]), 0.99) * 1000 for n in sorted(slices)]


def print_paced(report: dict, seconds: float, server_cpu: float) -> dict:
    lines = summary(report, seconds)

    def share(cpu_seconds):
        return f"{100 * cpu_seconds / report['wall'] / os.cpu_count():.0f} %"

    print(
        f"paced, {report['offices']} offices, {seconds:.0f} s: client CPU "
        f"{report['client_cpu']:.1f} s ({share(report['client_cpu'])} of the machine), "
        f"server CPU {server_cpu:.1f} s ({share(server_cpu)}), client's own send lag p99 "
        f"{report['lag_p99_ms']:.1f} ms, unanswered at the end: {report['unfinished']}"
        + (f", failed: {report['failures']}" if report["failures"] else "")
    )
    slices = " ".join(f"{p99:.0f}" for p99 in p99_by_slice(report))
    print(f"  p99 ms of each {SLICE_SECONDS:.0f} s, in order: {slices}")
    print(
        f"  {'kind':8} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>9} {'errors':>7}"
        f" {'304':>5}  statuses"
    )
    for kind in [*CLIENTS, *WRITES, "all"]:
        if kind in lines:
            line = lines[kind]
            print(
                f"  {kind:8} {line['requests']:8d} {line['rps']:8.1f} {line['p50_ms']:8.1f} "
                f"{line['p99_ms']:9.1f} {line['errors']:7d} {line['unchanged']:5.0%}  "
                f"{line['statuses']}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL URL (WIPED)")
    parser.add_argument("--offices", type=int, default=150, help="offices set up and paced")
    parser.add_argument("--waiting", type=int, default=20, help="tickets issued per office")
    parser.add_argument("--hosts", type=int, choices=(1, 2), default=1)
    parser.add_argument("--seconds", type=float, default=60.0, help="the paced run at N offices")
    parser.add_argument("--step-seconds", type=float, default=20.0, help="each step of the search")
    parser.add_argument("--steps", type=int, default=4, help="paced levels of the search")
    parser.add_argument(
        "--ramp-seconds", type=float, default=30.0, help="clients joining before each paced run"
    )
    parser.add_argument("--wrk-seconds", type=int, default=8, help="each wrk run of phase 1")
    parser.add_argument("--wrk-connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--connections", type=int, default=256, help="paced client's limit")
    parser.add_argument("--timeout", type=float, default=10.0, help="paced request timeout (s)")
    parser.add_argument("--first-port", type=int, default=FIRST_PORT)
    parser.add_argument(
        "--quick", action="store_true", help="40 offices, 20 s paced, 10 s steps, 4 s wrk runs"
    )
    args = parser.parse_args()
    quick = {
        "offices": 40,
        "seconds": 20.0,
        "step_seconds": 10.0,
        "wrk_seconds": 4,
        "steps": 3,
        "ramp_seconds": 10.0,
    }
    for name, value in quick.items() if args.quick else ():
        if getattr(args, name) == parser.get_default(name):
            setattr(args, name, value)
    if shutil.which("wrk") is None:
        parser.error("phase 1 needs wrk on the PATH (apt-get install wrk)")
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL: a province runs on PostgreSQL")

    began = time.monotonic()
    url = args.database_url
    setup = prepare(url, args.offices, args.waiting)
    print(
        f"province load: {args.offices} offices set up on PostgreSQL in "
        f"{time.monotonic() - began:.0f} s; {args.hosts} app host(s), gunicorn {args.workers} "
        f"workers x {args.threads} threads each; {os.cpu_count()} CPUs shared by everything; "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )
    folder = Path(tempfile.mkdtemp(prefix="province-load-"))
    ports = [args.first_port + n for n in range(args.hosts)]
    front = args.first_port + 10 if args.hosts > 1 else ports[0]
    env = {
        "BENCH_GC_FOLDER": str(folder),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "ONESTOP_PUBLIC_URL": f"http://127.0.0.1:{front}",
        "ONESTOP_TRUSTED_PROXIES": "1" if args.hosts > 1 else "0",
    }
    processes = []
    run_from = cpu_times()
    try:
        for port in ports:
            processes.append(start_server(url, port, args.workers, args.threads, env))
        if args.hosts > 1:
            processes.append(start_nginx(folder, front, ports))
            print(f"nginx on 127.0.0.1:{front} in front of " + ", ".join(map(str, ports)))

        # Started before the pages open, so that its workers are up before phase 1.
        bare_port = args.first_port + 20
        bare_server = start_server(
            url, bare_port, args.workers, args.threads, entry="bench.loadkit:bare_flask_app()"
        )
        try:
            opened = time.monotonic()
            clients = open_pages(front, clients_of(setup, args.offices))
            print(f"{len(clients)} clients opened their pages in {time.monotonic() - opened:.0f} s")
            rows = phase_one(front, bare_port, clients, setup, url, args)
        finally:
            stop_server(bare_server)
        bare = floor_of(rows, BARE)
        print_saturation(rows)
        carried, throughput = offices_carried(rows)

        def server_cpu():
            return sum(session_cpu_seconds(p.pid) for p in processes)

        def paced_level(offices, seconds):
            nonlocal clients
            quiet = wait_for_quiet(front)
            if quiet > 1:
                print(f"(the server answered its backlog for {quiet:.0f} s before this run)")
            cpu_before = server_cpu()
            reports, clients = paced(
                front,
                clients,
                setup,
                [offices],
                seconds,
                args.connections,
                args.timeout,
                args.ramp_seconds,
                url,
            )
            lines = print_paced(reports[0], seconds, server_cpu() - cpu_before)
            return lines["all"]["p99_ms"] < P99_TARGET_MS

        # Step search below N, on a server not yet overloaded: start at phase 1's estimate,
        # go up or down, then halve the bracket. The full N offices come last.
        good, bad = 0, args.offices
        level = max(1, min(args.offices - 1, round(carried)))
        for _step in range(args.steps):
            if paced_level(level, args.step_seconds):
                good = level
            else:
                bad = level
            if bad - good <= max(1, good // 10):
                break
            level = (good + bad) // 2
        if paced_level(args.offices, args.seconds):
            good = args.offices
        if args.hosts > 1:
            time.sleep(1.0)  # the last writes' notifications reach every host
            codes = [office["code"] for office in setup["offices"]]
            differ = boards_agree(ports, codes)
            # Offices differing are read again later: a lag, or a host left behind?
            time.sleep(5.0)
            again = boards_agree(ports, differ["offices"])
    finally:
        for process in reversed(processes):
            stop_server(process)
    found = check(url, 0)
    print(
        f"database: {found['tickets']} tickets, duplicate numbers (per service and day): "
        f"{found['duplicate_numbers']}, gaps: {found['gaps']}, tickets called twice: "
        f"{found['double_calls']}, still waiting: {found['never_called']}"
    )
    if args.hosts > 1:
        for when, found in (("1 s after the run", differ), ("5 s later", again)):
            print(
                f"boards read from each host {when}, offices differing of "
                f"{len(setup['offices'])}: version {found['version']}, JSON {found['json']}, "
                f"fragment ETag {found['fragment_etag']}, fragment (its times of rendering "
                f"left out) {found['fragment']}"
            )
    pauses = gc_pauses(folder)
    if pauses:
        # A full collection stops its worker and every request in it: the paced tail.
        print(
            f"full garbage collections in the app's workers: {len(pauses)}, "
            f"mean {statistics.mean(pauses):.0f} ms, longest {max(pauses):.0f} ms"
        )
    print(
        f"CPU time taken by the host (steal): {steal_share(run_from, cpu_times())}; "
        f"run time {time.monotonic() - began:.0f} s"
    )
    floor = floor_of(rows)
    label = "PostgreSQL" + (f", {args.hosts} hosts + nginx" if args.hosts > 1 else "")
    print(f"\n| poll | {label} |\n|---|---|")
    print(f"| floor | {floor:,.0f}/s |")
    bare_label = "floor of a bare Flask app (no hook, no database), the same gunicorn"
    print(f"| {bare_label} | {bare:,.0f}/s |")
    # What the peak's requests cost the machine before any of the app's own work.
    asked = args.offices * sum(map(per_office_rate, [*CLIENTS, *WRITES]))
    print(
        f"| requests a second that {args.offices} offices send at the peak, of the bare "
        f"Flask floor | {asked:,.0f}/s, {asked / bare:.0%} |"
    )
    names = {
        "board": "board, unchanged (304)",
        "console": "console poll",
        "tablet": "tablet poll",
        "phone": "phone poll",
        "issue": "ticket issued",
        "call": "call next",
        "finish": "finish",
    }
    for kind, name in names.items():
        print(f"| {name} | {100 * throughput[kind] / floor:.1f} % |")
    print(f"| offices one server carries (1 / Σ rate ÷ throughput) | {carried:.0f} |")
    searched = f"{good}" if good else f"< {bad}"
    print(f"| offices at p99 < {P99_TARGET_MS:.0f} ms (paced, measured) | {searched} |")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
