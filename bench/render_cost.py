"""CPU time of each poll's answer, rendered and unchanged (304), in the app's own process.

    python bench/render_cost.py                        # 20 offices on the bench database (WIPED)
    python bench/render_cost.py --requests 1000

Sets up offices as bench/province_load.py does (the PostgreSQL database named is wiped),
opens one client's page per office and kind (board, console, tablet, phone) with Flask's test
client, then sends each kind's poll --requests times, rotating over its clients: without a
tag (every answer rendered) and with the client's current tag (every answer a 304). Prints
the process's CPU time per answer: the app's own Python, without the HTTP server's share nor
PostgreSQL's. Figures only: nothing is asserted.
"""

import argparse
import time

from loadkit import SECRET
from province_load import (
    DEFAULT_URL,
    USER_AGENT,
    clients_of,
    poll_url_in,
    prepare,
    request_headers,
    take_answer,
)

KINDS = ("board", "console", "tablet", "phone")


def answer(client, test_client, tagged: bool):
    headers = request_headers(client)
    if not tagged:
        headers.pop("If-None-Match", None)
    response = test_client.get(client["url"], headers=headers)
    headers = {name.lower(): value for name, value in response.headers.items()}
    take_answer(client, response.status_code, headers, response.get_data(as_text=True))
    return response.status_code


def open_page(client, test_client) -> dict | None:
    """The client after loading its page and one poll; None if its page does not poll (a
    phone whose ticket is done)."""
    headers = {"User-Agent": USER_AGENT}
    if client["cookie"]:
        headers["Cookie"] = client["cookie"]
    body = test_client.get(client["page"], headers=headers).get_data(as_text=True)
    url = poll_url_in(client["kind"], body)
    if url is None:
        return None
    client = {**client, "url": url, "etags": {}}
    answer(client, test_client, tagged=True)
    return client


def cpu_per_answer(clients, test_client, requests: int, tagged: bool) -> float:
    """Milliseconds of CPU per answer, after a first round that is not counted."""
    expected = 304 if tagged else 200
    if tagged:
        for client in clients:  # a current copy (a console's lasts a minute)
            answer(client, test_client, tagged=True)
    for counted in (False, True):
        started = time.process_time()
        for n in range(requests):
            status = answer(clients[n % len(clients)], test_client, tagged)
            if status != expected:
                raise SystemExit(f"{clients[0]['kind']}: {status} where {expected} was due")
        if counted:
            return (time.process_time() - started) / requests * 1000
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL URL (WIPED)")
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--waiting", type=int, default=20, help="tickets issued per office")
    parser.add_argument("--requests", type=int, default=400, help="answers counted per row")
    args = parser.parse_args()

    from onestop import create_app

    setup = prepare(args.database_url, args.offices, args.waiting)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": SECRET})
    test_client = app.test_client(use_cookies=False)  # each client sends its own cookie
    by_kind = {kind: {} for kind in KINDS}  # kind -> office -> its first client that polls
    for client in clients_of(setup, args.offices):
        if client["office"] not in by_kind[client["kind"]]:
            opened = open_page(client, test_client)
            if opened is not None:
                by_kind[client["kind"]][client["office"]] = opened
    print(f"{args.offices} offices, {args.requests} answers a row, CPU ms per answer")
    print(f"{'poll':8} {'rendered':>9} {'304':>7}")
    for kind, opened in by_kind.items():
        clients = list(opened.values())
        rendered = cpu_per_answer(clients, test_client, args.requests, tagged=False)
        unchanged = cpu_per_answer(clients, test_client, args.requests, tagged=True)
        print(f"{kind:8} {rendered:9.2f} {unchanged:7.2f}")


if __name__ == "__main__":
    main()
