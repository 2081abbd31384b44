"""The outbox worker against a local fake gateway that is slow, fails and times out."""

import datetime as dt
import json
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from notify import sender, texts
from notify.models import OutboxMessage
from notify.outbox import enqueue
from onestop import clock
from onestop.extensions import db
from tests.fixtures.gateway import FakeGateway

TIMEOUT = 0.5


@pytest.fixture
def gateway():
    made = []

    def make(answer=lambda payload, nth: 200, delay=0.0):
        made.append(FakeGateway(answer, delay, hang_seconds=TIMEOUT * 3))
        return made[-1]

    yield make
    for item in made:
        item.close()


def _settings(gateway, max_attempts=8):
    return sender.Settings(gateway_url=gateway.url, timeout=TIMEOUT, max_attempts=max_attempts)


def _queue(count: int) -> list[int]:
    messages = [
        enqueue(
            f"09123{index:05d}",
            "dossier_result_ready",
            {"code": f"H62-261127-{index:04d}", "office": "UBND thành phố Vĩnh Yên"},
            key=f"dossier:{index}:result_ready",
        )
        for index in range(1, count + 1)
    ]
    db.session.commit()
    return [m.id for m in messages]


def _messages() -> dict[int, OutboxMessage]:
    db.session.expire_all()
    return {m.id: m for m in db.session.scalars(select(OutboxMessage))}


def _no_message_under_two_ids(posts: list[dict]) -> None:
    ids_by_content = {}
    for post in posts:
        content = (post["to"], post["template"], json.dumps(post["params"], sort_keys=True))
        ids_by_content.setdefault(content, set()).add(post["id"])
    assert all(len(ids) == 1 for ids in ids_by_content.values())


def test_an_unreliable_gateway_gets_every_message_under_its_one_id(app, gateway, fixed_clock):
    def answer(payload, nth):
        if nth > 1:
            return 200
        return {0: 500, 1: "hang", 2: 200}[payload["id"] % 3]

    fake = gateway(answer, delay=0.02)
    ids = _queue(12)
    settings = _settings(fake)
    now = fixed_clock()
    for _round in range(5):
        while sender.send_due(settings, batch=4):
            pass
        now = fixed_clock(now + dt.timedelta(hours=1))

    messages = _messages()
    assert {m.status for m in messages.values()} == {"sent"}
    received = fake.ids()
    assert set(received) == set(ids)  # none lost
    # The first attempts that failed or timed out were posted again, under the same id.
    assert {i for i, n in received.items() if n == 2} == {i for i in ids if i % 3 in (0, 1)}
    assert max(received.values()) == 2
    _no_message_under_two_ids(fake.posts)
    assert {messages[i].attempts for i in ids if i % 3 == 2} == {1}
    first = fake.posts[0]
    assert set(first) == {"id", "to", "template", "params", "text"}
    assert first["text"] == texts.render(first["template"], first["params"])
    assert "H62-261127-" in first["text"]


def test_failed_attempts_back_off_then_the_message_fails(app, gateway, fixed_clock):
    fake = gateway(lambda payload, nth: 503)
    (message_id,) = _queue(1)
    settings = _settings(fake, max_attempts=4)
    now = fixed_clock()
    waits = []
    for attempt in range(1, 5):
        assert sender.send_due(settings) == Counter({"retry" if attempt < 4 else "failed": 1})
        message = _messages()[message_id]
        if attempt < 4:
            waits.append(message.next_attempt_at - now)
            # Not due a second before its time.
            fixed_clock(message.next_attempt_at - dt.timedelta(seconds=1))
            assert sender.send_due(settings) == Counter()
            now = fixed_clock(message.next_attempt_at)
    assert waits == [dt.timedelta(seconds=s) for s in (30, 60, 120)]
    assert (message.status, message.attempts, message.last_error) == ("failed", 4, "HTTP 503")
    assert len(fake.posts) == 4
    fixed_clock(now + dt.timedelta(days=1))
    assert sender.send_due(settings) == Counter()  # a failed message is left to the admin


def test_the_wait_between_attempts_doubles_up_to_an_hour():
    assert [sender.retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 50)] == [
        30,
        60,
        120,
        1920,
        3600,
        3600,
    ]


def test_a_refusal_is_final_but_too_many_requests_is_retried(app, gateway, fixed_clock):
    fake = gateway(lambda payload, nth: 400 if payload["id"] == first else 429)
    first, second = _queue(2)
    assert sender.send_due(_settings(fake)) == Counter({"failed": 1, "retry": 1})
    messages = _messages()
    assert (messages[first].status, messages[first].last_error) == ("failed", "HTTP 400")
    assert (messages[second].status, messages[second].attempts) == ("pending", 1)


def test_no_gateway_listening_is_a_retry(app, fixed_clock):
    _queue(1)
    settings = sender.Settings("http://127.0.0.1:9/messages", timeout=TIMEOUT, max_attempts=8)
    assert sender.send_due(settings) == Counter({"retry": 1})
    assert "ConnectionRefusedError" in next(iter(_messages().values())).last_error


def test_a_killed_workers_messages_are_sent_again_under_the_same_id(app, gateway, fixed_clock):
    fake = gateway()
    ids = _queue(3)
    settings = _settings(fake)
    lease = dt.timedelta(minutes=1)
    # A worker claims and dies before it posts (or before it records the answer).
    assert [m.id for m in sender.claim(10, lease, settings.max_attempts)] == ids
    assert sender.send_due(settings) == Counter()  # its claim still holds
    fixed_clock(clock.now() + lease)
    assert sender.send_due(settings) == Counter({"sent": 3})
    assert sorted(fake.ids()) == ids
    assert {(m.status, m.attempts) for m in _messages().values()} == {("sent", 2)}


def test_a_late_answer_to_an_old_claim_changes_nothing(app, gateway, fixed_clock):
    fake = gateway(lambda payload, nth: 500)
    (message_id,) = _queue(1)
    settings = _settings(fake)
    (stale,) = sender.claim(1, dt.timedelta(seconds=1), settings.max_attempts)
    fixed_clock(clock.now() + dt.timedelta(seconds=1))
    ok = gateway()
    assert sender.send_due(_settings(ok)) == Counter({"sent": 1})
    # The first worker wakes up with its failure: the message stays sent.
    assert sender.deliver(stale, settings) == "retry"
    message = _messages()[message_id]
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


def test_a_message_claimed_by_every_attempt_without_outcome_fails(app, fixed_clock):
    (message_id,) = _queue(1)
    for _attempt in range(3):
        sender.claim(1, dt.timedelta(seconds=1), max_attempts=3)
        fixed_clock(clock.now() + dt.timedelta(seconds=1))
    assert sender.claim(1, dt.timedelta(seconds=1), max_attempts=3) == []
    message = _messages()[message_id]
    assert (message.status, message.attempts) == ("failed", 3)


def test_the_admins_wording_is_sent(app, gateway, fixed_clock):
    fake = gateway()
    texts.save("dossier_result_ready", "Hồ sơ {code} đã xong, mời nhận tại {office}.")
    _queue(1)
    sender.send_due(_settings(fake))
    assert fake.posts[0]["text"] == (
        "Hồ sơ H62-261127-0001 đã xong, mời nhận tại UBND thành phố Vĩnh Yên."
    )
    assert fake.posts[0]["template"] == "dossier_result_ready"


def test_two_workers_never_post_one_message_at_the_same_time(app, gateway):
    fake = gateway(delay=0.01)
    ids = _queue(60)
    db.session.remove()
    settings = _settings(fake)
    errors = []

    def work():
        with app.app_context():
            try:
                while sender.send_due(settings, batch=3):
                    pass
            except BaseException as error:  # noqa: BLE001 — reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert fake.overlaps == []
    assert sorted(fake.ids()) == ids  # each exactly once: a live claim is never taken over
    assert {m.status for m in _messages().values()} == {"sent"}


def test_the_command_sends_what_is_due_and_exits(app, runner, gateway, fixed_clock):
    fake = gateway(lambda payload, nth: 500 if payload["id"] == 1 else 200)
    _queue(3)
    app.config["NOTIFY_GATEWAY_URL"] = fake.url
    result = runner.invoke(args=["notify", "run", "--once", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "Sent 2, to retry 1, failed 0." in result.output


def test_the_command_needs_the_gateway(app, runner):
    result = runner.invoke(args=["notify", "run", "--once"])
    assert result.exit_code != 0
    assert "NOTIFY_GATEWAY_URL" in result.output


def test_the_log_names_no_phone_number(app, gateway, fixed_clock, caplog):
    fake = gateway(lambda payload, nth: 500 if nth == 1 else 200)
    _queue(1)
    with caplog.at_level("INFO", logger="notify.sender"):
        sender.send_due(_settings(fake))
        fixed_clock(clock.now() + dt.timedelta(minutes=1))
        sender.send_due(_settings(fake))
    assert "message 1 (dossier_result_ready) sent, attempt 2" in caplog.text
    assert "0912300001" not in caplog.text
