"""The English catalogue covers every user-facing string, and its compiled file is current."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES"


def _messages_of(folder: str) -> set[str]:
    method_map = [("**.html", "jinja2")] if folder == "templates" else [("**.py", "python")]
    return {
        message if isinstance(message, str) else message[0]
        for _filename, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=method_map,
            keywords={"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)},
        )
    }


def _source_messages() -> set[str]:
    folders = (
        "onestop",
        "notify",
        "queues",
        "appointments",
        "kiosk",
        "dossiers",
        "feedback",
        "reports",
        "templates",
    )
    return set().union(*(_messages_of(folder) for folder in folders))


def test_the_templates_messages_are_checked_too():
    # The login page's button: a pattern that missed the templates would find nothing there.
    assert "Đăng nhập" in _messages_of("templates")


def test_every_message_has_an_english_translation():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="en")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id and m.string
    }
    missing = sorted(_source_messages() - translated)
    assert missing == [], "run: pybabel extract/update for translations/en and translate these"


def _entries(messages) -> dict:
    # Plural entries come back as tuples from .po files and as lists from .mo files.
    def key(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {key(m.id): key(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def test_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        source = _entries(read_po(handle, locale="en"))
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = _entries(read_mo(handle))
    assert compiled == source, "run: pybabel compile -d translations"
