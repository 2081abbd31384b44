"""Vietnamese mobile numbers, as citizens type them and as they are stored."""

import re

from onestop.text import clean

MOBILE = re.compile(r"^0[35789]\d{8}$")


def normalise_phone(raw: str) -> str | None:
    """Return a Vietnamese mobile number as ``0xxxxxxxxx``, or None if it is not one.

    Accepts spaces, dots, dashes and brackets, and the ``+84`` / ``84`` forms.
    """
    digits = re.sub(r"[\s.\-()]", "", clean(raw))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if MOBILE.match(digits) else None


def mask_phone(phone: str | None) -> str:
    """Keep the first two and last three digits: "0912345678" -> "09xx xxx 678"."""
    return f"{phone[:2]}xx xxx {phone[-3:]}" if phone and len(phone) >= 6 else "xxx"
