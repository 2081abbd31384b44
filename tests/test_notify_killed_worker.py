"""A worker process killed with SIGKILL mid-send: another one delivers the rest, nothing lost.

Runs bench/notify_killed_worker.py's scenario (real ``flask notify run`` processes) on
a file SQLite database and, with TEST_DATABASE_URL, on PostgreSQL (its schema is reset).
"""

import importlib.util
import os
from pathlib import Path

import pytest

from tests.conftest import BACKENDS

BENCH = Path(__file__).resolve().parent.parent / "bench" / "notify_killed_worker.py"


def _bench():
    spec = importlib.util.spec_from_file_location("notify_killed_worker", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_worker_loses_no_message_and_sends_none_under_two_ids(backend, tmp_path):
    url = (
        os.environ["TEST_DATABASE_URL"]
        if backend == "postgresql"
        else f"sqlite:///{tmp_path / 'notify.db'}"
    )
    figures = _bench().measure(url, count=30, delay=0.05, deadline=90)
    assert figures["sent"] == 30
    assert figures["lost"] == 0
    assert figures["under_two_ids"] == 0
    # Whatever the kill interrupted went out again, under the same id.
    assert figures["retried"] >= 1
    assert figures["repeated_same_id"] <= figures["retried"]
