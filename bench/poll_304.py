"""What each screen's poll costs when nothing changed, against a static file's 304.

    python bench/poll_304.py                       # a fresh SQLite file in a temporary folder
    python bench/poll_304.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The PostgreSQL database named is WIPED. gunicorn (production mode, --workers x --threads on
127.0.0.1:--port) serves the demo data of bench/queue_load.py; wrk drives, for --seconds each:
  floor     a static file answered 304 (If-None-Match): the cheapest answer the app gives
  304 rows  each poll as its screen sends it, with the tag of the copy it shows (unchanged):
            board fragment, board JSON, floor view, counter console, counter tablet, phone
            page fragment, ticket JSON
  render    the same poll with a stale tag: what each poll cost before it could answer 304
Each poll's 304 is measured in --rounds rounds, each right after a floor run (a shared
machine's speed drifts), and given as the median of its shares of the floor; the render once,
after a floor run. Figures only: nothing is asserted.
"""

import argparse
import datetime as dt
import http.client
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queue_load import OFFICE, SECRET, prepare, start_server, stop_server, wrk_load  # noqa: E402

TAG = re.compile(r'"If-None-Match": "\\"([^"\\]+)\\""')


class Browser:
    """One client's cookies over plain HTTP: enough to log in and read a page's poll tag."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookies = port, dict(c.split("=", 1) for c in cookie.split("; ") if c)

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Cookie": self.cookie, **(headers or {})}
        body = urlencode(form) if form is not None else None
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, text

    def post_form(self, page: str, path: str, form: dict):
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.request("GET", page)[1])
        return self.request("POST", path, {**form, "csrf_token": token.group(1)})

    def log_in(self, username: str) -> "Browser":
        response, _ = self.post_form("/login", "/login", {"username": username, "password": "demo"})
        assert response.status in (302, 303), f"login of {username}: {response.status}"
        return self


def pair_tablet(url: str) -> tuple[int, str]:
    """A counter tablet paired to counter 1 of the office: (counter id, its cookie)."""
    from sqlalchemy import select

    from onestop import create_app
    from onestop.extensions import db
    from onestop.models import Office
    from queues import devices
    from queues.models import Counter

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})
    with app.app_context():
        counter = db.session.scalar(
            select(Counter).join(Office).where(Office.code == OFFICE, Counter.number == 1)
        )
        code = devices.create_pairing(counter.office, "counter_tablet", "Bench tablet", counter)[1]
        device, secret = devices.pair(code)
        cookie = f"{devices.COOKIE_NAME}={devices.cookie_value(device, secret)}"
        counter_id = counter.id
        db.session.remove()
        db.engine.dispose()
    return counter_id, cookie


def polls(port: int, setup: dict) -> list[tuple]:
    """(name, path, headers, client, shows minutes) of each poll: what its screen sends."""
    htmx = {"HX-Request": "true"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        f"/api/v1/offices/{OFFICE}/tickets",
        body=f'{{"service": "{setup["services"][0]}"}}',
        headers={"Content-Type": "application/json", "Cookie": setup["device_cookie"]},
    )
    ticket = connection.getresponse()
    token = re.search(r'"token":\s*"([^"]+)"', ticket.read().decode()).group(1)
    connection.close()

    officer = Browser(port).log_in("officer1")
    counter_id, tablet_cookie = setup["tablet"]
    officer.post_form("/counter", "/counter/sign-in", {"counter": str(counter_id)})
    supervisor = Browser(port).log_in("supervisor")
    tablet = Browser(port, tablet_cookie)
    phone = Browser(port)
    return [
        ("board fragment", f"/board/{OFFICE}/live", htmx, None, False),
        ("board JSON", f"/api/v1/offices/{OFFICE}/board", {}, None, False),
        ("floor view", f"/floor/{OFFICE}/live", htmx, supervisor, False),
        ("counter console", "/counter/live", htmx, officer, True),
        ("counter tablet", f"/rate/counter/{counter_id}/panel", htmx, tablet, True),
        ("phone page fragment", f"/t/{token}", htmx, phone, False),
        ("ticket JSON", f"/api/v1/tickets/{token}", {}, phone, False),
    ]


def current_tag(port: int, path: str, headers: dict, client) -> tuple[str, dict]:
    """The tag a screen holds after a fresh answer, and the headers its next poll sends."""
    client = client or Browser(port)
    response, _text = client.request("GET", path, headers=headers)
    tag = response.headers["ETag"]
    return tag, {**headers, "Cookie": client.cookie} if client.cookie else dict(headers)


def clear_of_minute_turn(seconds: int) -> None:
    """Wait until a run of ``seconds`` ends before the local minute turns (tags hold minutes)."""
    second = dt.datetime.now().second
    if second + seconds + 2 >= 60:
        time.sleep(61 - second)


def server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's master and its workers (Linux /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if master in (int(stat.parent.name), int(fields[1])):
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=4, help="each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="floor then 304, per poll")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(folder.name) / 'bench.db'}"
    setup = prepare(url, 2)
    setup["tablet"] = pair_tablet(url)
    port = args.port
    server = start_server(url, port, args.workers, args.threads)

    def run(path: str, headers: dict) -> tuple[float, float, list]:
        """(req/s, server CPU ms per request, statuses) of one wrk run."""
        before = server_cpu(server.pid)
        try:
            found = wrk_load(port, path, args.seconds, args.clients, args.wrk_threads, headers)
        except KeyError:  # no latency figures: every request timed out (over wrk's 2 s)
            return 0.0, float("inf"), ["timeouts"]
        cpu = server_cpu(server.pid) - before
        return found["rps"], 1000 * cpu / max(found["requests"], 1), found["statuses"]

    def shares(pairs) -> tuple[float, float]:
        """Median shares of the floor: by req/s, and by server CPU per request."""
        return (
            statistics.median(polled[0] / floor[0] for floor, polled in pairs),
            statistics.median(floor[1] / polled[1] for floor, polled in pairs),
        )

    rows = []
    try:
        response, _ = Browser(port).request("GET", "/static/css/app.css")
        floor_headers = {"If-None-Match": response.headers["ETag"]}
        for name, path, headers, client, minutes in polls(port, setup):
            for _ in range(50):  # warm-up: each worker's first answers import and compile lazily
                current_tag(port, path, headers, client)
            pairs = []
            for _ in range(args.rounds):
                floor = run("/static/css/app.css", floor_headers)
                if minutes:
                    clear_of_minute_turn(args.seconds)
                tag, sent = current_tag(port, path, headers, client)
                pairs.append((floor, run(path, {**sent, "If-None-Match": tag})))
            floor = run("/static/css/app.css", floor_headers)
            render = run(path, {**sent, "If-None-Match": '"0-0"'})
            rows.append((name, pairs, shares(pairs), render, shares([(floor, render)])))
    finally:
        stop_server(server)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"{database}; gunicorn {args.workers} workers x {args.threads} threads on 127.0.0.1:"
        f"{port}; wrk {args.clients} connections, {args.seconds} s a run; shares of the floor "
        "by req/s and by server CPU per request (steadier on a shared machine)"
    )
    print(
        f"{'poll':20} {'304 req/s':>9} {'÷ floor':>8} {'CPU':>6}  {'render req/s':>12} "
        f"{'÷ floor':>8} {'CPU':>6}  floor → 304 req/s in each round"
    )
    for name, pairs, (by_rate, by_cpu), render, (render_rate, render_cpu) in rows:
        rounds = ", ".join(f"{floor[0]:.0f} → {polled[0]:.0f}" for floor, polled in pairs)
        statuses = sorted({str(status) for _floor, polled in pairs for status in polled[2]})
        print(
            f"{name:20} {statistics.median(p[0] for _f, p in pairs):9.0f} {100 * by_rate:7.1f}% "
            f"{100 * by_cpu:5.1f}%  {render[0]:12.0f} {100 * render_rate:7.1f}% "
            f"{100 * render_cpu:5.1f}%  {rounds}  {statuses} {render[2]}"
        )


if __name__ == "__main__":
    main()
