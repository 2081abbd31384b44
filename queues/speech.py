"""The board's spoken call, made on the server: "Mời số A015 đến quầy số 3" as a WAV file.

Why espeak-ng: the TV's browser often has no Vietnamese voice (Chromium on Linux has none),
so speech made in the browser is silent there. espeak-ng is offline (no cloud service, no
per-call fee, nothing leaves the office), packaged by Debian (``apt-get install espeak-ng``,
security updates with the OS), small and fast (a phrase in about 0.1 s), and ships a
Vietnamese voice (``-v vi``, Northern). Considered: Piper and Coqui voices sound more
natural but are not in Debian and need a model download and more CPU; MBROLA has no
Vietnamese voice; Festival has none packaged; a cloud TTS would put the hall's calls on a
third party's network. The voice is robotic but clear, which is what a hall needs.

Each phrase is rendered once and kept in a folder of the instance: the write is atomic
(a temporary file, then a rename), and the folder is bounded in bytes, the files least
recently used going first.
"""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from onestop.exceptions import DomainError, NotFound

ESPEAK = "espeak-ng"
VOICE = "vi"
WORDS_PER_MINUTE = 140  # a little slower than espeak's 175: a hall is noisy and echoes
# Part of each file's name: a change of voice, speed or wording never serves an old file.
RENDERING = f"{ESPEAK} -v {VOICE} -s {WORDS_PER_MINUTE} v1"

# A phrase key names a call: the ticket's number (one or two letters, three digits or more) and
# the counter's (1-999), e.g. "A015-3".
KEY = re.compile(r"^(?P<letters>[A-Z]{1,2})(?P<digits>\d{3,5})-(?P<counter>[1-9]\d{0,2})$")

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# Letters as Vietnamese say them: espeak reads a lone "B" or "K" unreliably.
LETTERS = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "E": "e",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e lờ",
    "M": "em mờ",
    "N": "en nờ",
    "O": "o",
    "P": "pê",
    "Q": "quy",
    "R": "e rờ",
    "S": "ét xì",
    "T": "tê",
    "U": "u",
    "V": "vê",
    "W": "vê kép",
    "X": "ích xì",
    "Y": "i dài",
    "Z": "dét",
}


class SpeechUnavailable(DomainError):
    """The speech engine is missing or failed: the board chimes without words."""

    status = 503
    code = "speech_unavailable"


@dataclass(frozen=True)
class Phrase:
    key: str
    letters: str
    digits: str
    counter: int

    @property
    def text(self) -> str:
        """What is said: the number digit by digit, the counter as a Vietnamese number."""
        spoken_number = " ".join(
            [*(LETTERS[letter] for letter in self.letters), *(DIGITS[int(d)] for d in self.digits)]
        )
        return f"Mời số {spoken_number}, đến quầy số {number_words(self.counter)}."


def phrase_key(number: str, counter: int) -> str:
    return f"{number}-{counter}"


def parse_key(key: str) -> Phrase:
    """The call a phrase key names; NotFound for anything else (the URL is public)."""
    match = KEY.match(key)
    if match is None:
        raise NotFound(_("Không có câu gọi số này."))
    return Phrase(key, match["letters"], match["digits"], int(match["counter"]))


def number_words(n: int) -> str:
    """1..999 in Vietnamese words: 3 -> "ba", 15 -> "mười lăm", 21 -> "hai mươi mốt",
    105 -> "một trăm linh năm"."""
    if not 0 < n < 1000:
        raise ValueError(n)
    hundreds, rest = divmod(n, 100)
    if hundreds:
        head = f"{DIGITS[hundreds]} trăm"
        if rest == 0:
            return head
        return f"{head} {'linh ' + DIGITS[rest] if rest < 10 else number_words(rest)}"
    tens, units = divmod(n, 10)
    if tens == 0:
        return DIGITS[units]
    head = "mười" if tens == 1 else f"{DIGITS[tens]} mươi"
    if units == 0:
        return head
    if units == 5:
        tail = "lăm"
    elif units == 1 and tens > 1:
        tail = "mốt"
    elif units == 4 and tens > 1:
        tail = "tư"
    else:
        tail = DIGITS[units]
    return f"{head} {tail}"


def available() -> bool:
    return shutil.which(ESPEAK) is not None


def file_name(phrase: Phrase) -> str:
    digest = hashlib.sha256(f"{RENDERING}\n{phrase.text}".encode()).hexdigest()[:24]
    return f"{digest}.wav"


def speech_file(phrase: Phrase, folder: Path, max_bytes: int, timeout: float) -> Path:
    """The phrase's WAV file in ``folder``, rendered on first use (within ``timeout`` seconds)."""
    target = folder / file_name(phrase)
    if target.exists():
        os.utime(target)  # recently used: kept when the folder is trimmed
        return target
    if not available():
        raise SpeechUnavailable(_("Máy chủ chưa cài espeak-ng: bảng chỉ báo chuông, không đọc."))
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(handle)
    try:
        result = subprocess.run(
            [ESPEAK, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", temporary, phrase.text],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0 or os.path.getsize(temporary) <= 44:  # 44: a bare WAV header
            raise SpeechUnavailable(_("Không tạo được câu đọc số."))
        # A rename is atomic: another board asking at the same time reads a whole file or none.
        os.replace(temporary, target)
    except subprocess.TimeoutExpired as error:
        raise SpeechUnavailable(_("Không tạo được câu đọc số.")) from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    trim(folder, max_bytes, keep=target)
    return target


def trim(folder: Path, max_bytes: int, keep: Path) -> None:
    """Delete the least recently used files until the folder holds at most ``max_bytes``."""
    files = []
    for path in folder.glob("*.wav"):
        try:
            stat = path.stat()
        except FileNotFoundError:  # trimmed meanwhile by another worker
            continue
        files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _mtime, size, _path in files)
    for _mtime, size, path in sorted(files):
        if total <= max_bytes:
            break
        if path == keep:
            continue
        path.unlink(missing_ok=True)
        total -= size
