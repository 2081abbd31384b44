"""Text input hygiene: every stored string is stripped and NFC-normalised."""

import unicodedata


def clean(value) -> str:
    """Strip and NFC-normalise a form or JSON value; None becomes ''."""
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def fold(value: str) -> str:
    """Lower-case and strip Vietnamese diacritics, for search ("Đăng ký" -> "dang ky")."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()
