"""What a kiosk's scanner typed: the receipt's QR (the dossier's address) or a dossier code.

A hand scanner types like a keyboard and ends with Enter, so the kiosk receives plain text.
The receipt (Mẫu 01) prints a QR of the dossier's public page ``…/d/<token>`` and the
dossier code in its "Số:" line; a citizen may also type the code by hand. The address is
accepted from any host (a receipt printed before the public address changed still works),
only its last two path segments count.
"""

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from flask_babel import gettext as _

from onestop.exceptions import ValidationError
from onestop.text import clean

# ``<agency or office code>-<yymmdd>-<number>`` as dossiers.intake builds it.
DOSSIER_CODE = re.compile(r"^[0-9A-Z][0-9A-Z.\-]{0,40}-\d{6}-\d{4,6}$")
# The token of a public page: secrets.token_urlsafe, so letters, digits, "-" and "_".
PAGE_PATH = re.compile(r"/([dt])/([A-Za-z0-9_-]{8,64})/?$")
SCAN_MAX = 300


@dataclass(frozen=True)
class Scan:
    """A recognised scan: the dossier page's ``token``, or a dossier ``code`` (upper case)."""

    kind: Literal["token", "code"]
    value: str


def parse_scan(text: str | None) -> Scan:
    """Recognise a scanned receipt QR (``/d/<token>`` on any host) or a dossier code.

    :raises ValidationError: on ``scan``, with a message saying what to scan or type instead;
        a ticket's QR (``/t/<token>``) is named as such, since it is the other paper people hold.
    """
    # Scanners may add spaces or a stray line end; a code has none inside.
    raw = clean(text)[:SCAN_MAX]
    if not raw:
        raise ValidationError(
            {"scan": _("Hãy quét mã QR trên Giấy tiếp nhận hồ sơ hoặc nhập mã hồ sơ.")}
        )
    if "/" in raw:
        page = PAGE_PATH.search(urlsplit(raw).path)
        if page and page.group(1) == "d":
            return Scan("token", page.group(2))
        if page:
            raise ValidationError(
                {
                    "scan": _(
                        "Đây là mã QR của phiếu số thứ tự, không phải của Giấy tiếp nhận hồ sơ. "
                        "Vui lòng quét mã QR trên Giấy tiếp nhận hồ sơ."
                    )
                }
            )
    code = re.sub(r"\s+", "", raw).upper()
    if DOSSIER_CODE.match(code):
        return Scan("code", code)
    raise ValidationError(
        {
            "scan": _(
                "Không đọc được mã này. Vui lòng quét mã QR trên Giấy tiếp nhận hồ sơ "
                "hoặc nhập mã hồ sơ, ví dụ 000.00.12.H62-261205-0001."
            )
        }
    )
