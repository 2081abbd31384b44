"""A notify worker killed with SIGKILL while it posts: does every message still arrive, once per id?

    python bench/notify_killed_worker.py                      # a fresh SQLite file
    python bench/notify_killed_worker.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test_notify

The PostgreSQL database named is WIPED (schema public dropped and recreated).
N messages are queued; a slow gateway on 127.0.0.1 records every post. A first
``flask --app wsgi notify run`` is killed (kill -9) in the middle of a post; two more
workers are then started and run until the outbox is empty. Printed: messages sent,
retried (more than one attempt), posts repeated under the same id, messages posted under
more than one id, and lost (never posted, or not marked sent). The last two must be 0.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.gateway import FakeGateway  # noqa: E402


def _prepare(database_url: str, count: int) -> None:
    """An empty schema with ``count`` queued messages."""
    from sqlalchemy import text

    from notify.outbox import enqueue
    from onestop import create_app
    from onestop.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        db.create_all()
        for index in range(count):
            enqueue(
                f"09{index:08d}",
                "dossier_result_ready",
                {"code": f"000.00.12.H62-261205-{index:04d}", "office": "UBND phường Liên Bảo"},
                key=f"bench:{index}",
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _outbox(database_url: str) -> list[tuple[int, str, int]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status, attempts FROM outbox_message"))
        result = [tuple(row) for row in rows]
    engine.dispose()
    return result


def _worker(database_url: str, gateway_url: str, timeout: int, batch: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "NOTIFY_GATEWAY_URL": gateway_url,
        "NOTIFY_TIMEOUT_SECONDS": str(timeout),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "notify", "run"]
    command += ["--batch", str(batch), "--interval", "0.2"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def measure(
    database_url: str,
    count: int = 60,
    delay: float = 0.1,
    timeout: int = 1,
    batch: int = 5,
    deadline: float = 120,
) -> dict:
    """Run the scenario; return the figures (see the module's docstring)."""
    _prepare(database_url, count)
    gateway = FakeGateway(delay=delay)
    workers = []
    started = time.monotonic()
    try:
        first = _worker(database_url, gateway.url, timeout, batch)
        workers.append(first)
        # Kill it once a third has been posted, while it waits for the gateway's answer.
        while not (len(gateway.posts) >= count // 3 and gateway.waiting()):
            if time.monotonic() - started > deadline:
                raise RuntimeError("the first worker posted too little before the deadline")
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait()
        posted_at_kill = len(gateway.posts)
        workers += [_worker(database_url, gateway.url, timeout, batch) for _ in range(2)]
        while any(status != "sent" for _id, status, _n in _outbox(database_url)):
            if time.monotonic() - started > deadline:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(10)
        gateway.close()

    outbox = _outbox(database_url)
    posts_per_id = Counter(post["id"] for post in gateway.posts)
    ids_per_content: dict[tuple, set] = {}
    for post in gateway.posts:
        content = (post["to"], json.dumps(post["params"], sort_keys=True))
        ids_per_content.setdefault(content, set()).add(post["id"])
    return {
        "queued": count,
        "posted_before_kill": posted_at_kill,
        "sent": sum(status == "sent" for _id, status, _n in outbox),
        "retried": sum(attempts > 1 for _id, _status, attempts in outbox),
        "repeated_same_id": sum(n - 1 for n in posts_per_id.values()),
        "under_two_ids": sum(len(ids) > 1 for ids in ids_per_content.values()),
        "lost": sum(
            status != "sent" or posts_per_id[message_id] == 0 for message_id, status, _n in outbox
        ),
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--delay", type=float, default=0.1, help="the gateway's answer time (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'notify.db'}"
        figures = measure(url, args.messages, args.delay)
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"{backend}: {figures['queued']} queued, worker killed after "
        f"{figures['posted_before_kill']} posts; sent {figures['sent']}, "
        f"retried {figures['retried']}, repeated with the same id "
        f"{figures['repeated_same_id']}, under two ids {figures['under_two_ids']}, "
        f"lost {figures['lost']} ({figures['seconds']} s)"
    )


if __name__ == "__main__":
    main()
