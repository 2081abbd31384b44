"""The board's spoken call: made on the server by espeak-ng, measured, cached, served."""

import array
import math
import os
import subprocess
import sys
import wave

import pytest

from onestop.extensions import db
from queues import speech
from queues.demo import add_queues

needs_espeak = pytest.mark.skipif(
    not speech.available() and not os.environ.get("CI"),
    reason="espeak-ng is not installed here (CI installs it: .ci/run)",
)


@pytest.fixture
def office(app, make_office):
    office = make_office()
    add_queues(office, [("dat-dai", "A", "Đất đai", 10)], [(3, "Quầy 3", ["dat-dai"])])
    db.session.commit()
    return office


def measure(path) -> dict:
    """Duration (s), RMS and peak (0..1) of a 16-bit mono WAV, without audioop."""
    with wave.open(str(path)) as wav:
        assert (wav.getsampwidth(), wav.getnchannels()) == (2, 1)
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    samples = array.array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    full = 32768
    return {
        "seconds": len(samples) / rate,
        "rms": math.sqrt(sum(s * s for s in samples) / max(len(samples), 1)) / full,
        "peak": max((abs(s) for s in samples), default=0) / full,
    }


def test_a_call_is_said_digit_by_digit_with_the_counter_in_words():
    phrase = speech.parse_key("A015-3")
    assert phrase.text == "Mời số a không một năm, đến quầy số ba."
    assert speech.parse_key("K120-21").text == "Mời số ca một hai không, đến quầy số hai mươi mốt."
    assert speech.parse_key("AB1001-120").text == (
        "Mời số a bê một không không một, đến quầy số một trăm hai mươi."
    )
    assert [speech.number_words(n) for n in (5, 10, 15, 24, 35, 40, 99, 105, 215, 300)] == [
        "năm",
        "mười",
        "mười lăm",
        "hai mươi tư",
        "ba mươi lăm",
        "bốn mươi",
        "chín mươi chín",
        "một trăm linh năm",
        "hai trăm mười lăm",
        "ba trăm",
    ]


@pytest.mark.parametrize(
    "key", ["a015-3", "A015-0", "A015-1000", "A15-3", "ABC015-3", "A015", "../x-1", "A015-3x"]
)
def test_only_a_call_has_a_phrase(client, office, key):
    # The URL is public: nothing but a ticket number and a counter is ever spoken or stored.
    assert client.get(f"/board/VY/speech/{key}.wav").status_code == 404


def test_an_unknown_office_has_no_speech(client, office):
    assert client.get("/board/XX/speech/A015-3.wav").status_code == 404


@needs_espeak
def test_the_spoken_call_is_a_real_sentence_and_is_made_once(client, office, app, monkeypatch):
    response = client.get("/board/VY/speech/A015-3.wav")
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert "max-age=86400" in response.headers["Cache-Control"] and response.headers["ETag"]
    folder = app.instance_path + "/speech"
    (made,) = os.listdir(folder)
    sound = measure(os.path.join(folder, made))
    # "Mời số a không một năm, đến quầy số ba." is about 4 s at 140 words a minute.
    assert 2.0 < sound["seconds"] < 7.0, sound
    assert sound["rms"] > 0.02 and sound["peak"] > 0.2, sound  # heard, not silence or a click
    assert response.get_data() == open(os.path.join(folder, made), "rb").read()

    # The second time it comes from the cache: the engine is not run again.
    def no_engine(*args, **kwargs):
        raise AssertionError("espeak-ng ran for a cached phrase")

    monkeypatch.setattr(subprocess, "run", no_engine)
    again = client.get("/board/VY/speech/A015-3.wav")
    assert again.status_code == 200 and again.get_data() == response.get_data()
    revalidated = client.get(
        "/board/VY/speech/A015-3.wav", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert revalidated.status_code == 304


def test_a_slow_or_missing_engine_gives_503_and_leaves_no_file(client, office, app, monkeypatch):
    def too_slow(command, **kwargs):
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(speech, "available", lambda: True)
    monkeypatch.setattr(subprocess, "run", too_slow)
    response = client.get("/board/VY/speech/A015-3.wav")
    assert response.status_code == 503
    assert os.listdir(app.instance_path + "/speech") == []  # no half-written file

    monkeypatch.setattr(speech, "available", lambda: False)
    assert client.get("/board/VY/speech/A016-3.wav").status_code == 503


def test_the_cache_keeps_to_its_size_dropping_the_least_recently_used(tmp_path):
    for age, name in enumerate(["old", "middle", "new"]):
        path = tmp_path / f"{name}.wav"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + age, 1000 + age))
    os.utime(tmp_path / "old.wav")  # just served: now the most recent
    speech.trim(tmp_path, 250, keep=tmp_path / "new.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.wav", "old.wav"]
