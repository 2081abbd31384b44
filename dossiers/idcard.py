"""The QR code on the back of a chip ID card (căn cước), as a counter scanner types it.

The scanner acts as a keyboard: it types the code's text into the focused field and
presses Enter. The text is seven fields separated by ``|``::

    ID number|old ID number|full name|birth date ddmmyyyy|sex|address|issue date ddmmyyyy

for example ``001099012345|123456789|Nguyễn Văn An|01021990|Nam|Số 1 Ngô Quyền, Vĩnh Yên|15082021``.
The old ID number (9-digit chứng minh nhân dân) may be empty and is not kept: the old
cards stopped being valid at the end of 2024, so a dossier records the 12-digit number.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from onestop.exceptions import ValidationError

ID_NUMBER = re.compile(r"^\d{12}$")
OLD_ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")
FIELD_COUNT = 7
MAX_SCAN = 600


@dataclass(frozen=True)
class CardHolder:
    id_number: str
    old_id_number: str
    full_name: str
    birth_date: dt.date
    sex: str
    address: str
    issue_date: dt.date


def _date(text: str) -> dt.date | None:
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return dt.datetime.strptime(text, "%d%m%Y").date()
    except ValueError:
        return None


def _refuse(message: str) -> ValidationError:
    return ValidationError({"scan": message})


def parse_id_card_qr(text: str, today: dt.date) -> CardHolder:
    """Read a chip ID card's QR text; refuse anything that is not a well-formed card.

    :param today: the local date; a birth or issue date after it is refused.
    :raises ValidationError: under ``scan``, with a message saying what is wrong.
    """
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise _refuse(_("Chưa có dữ liệu quét. Đưa mã QR trên thẻ căn cước vào máy quét."))
    if len(text) > MAX_SCAN:
        raise _refuse(_("Dữ liệu quét quá dài: đây không phải mã QR của thẻ căn cước."))
    fields = [field.strip() for field in text.split("|")]
    if len(fields) != FIELD_COUNT:
        raise _refuse(
            _(
                "Mã QR của thẻ căn cước có %(expected)d trường ngăn bởi “|”, dữ liệu quét có "
                "%(found)d. Hãy quét lại.",
                expected=FIELD_COUNT,
                found=len(fields),
            )
        )
    id_number, old_id, name, born, sex, address, issued = fields
    if not ID_NUMBER.match(id_number):
        raise _refuse(_("Số định danh cá nhân trên thẻ phải gồm 12 chữ số."))
    if old_id and not OLD_ID_NUMBER.match(old_id):
        raise _refuse(_("Số CMND cũ trên thẻ phải gồm 9 hoặc 12 chữ số."))
    name = " ".join(name.split())
    if not name or any(ch.isdigit() or ord(ch) < 32 for ch in name):
        raise _refuse(_("Mã QR không có họ tên hợp lệ."))
    birth_date = _date(born)
    if birth_date is None or birth_date > today:
        raise _refuse(_("Ngày sinh trên thẻ không hợp lệ (cần ddmmyyyy)."))
    issue_date = _date(issued)
    if issue_date is None or issue_date > today or issue_date < birth_date:
        raise _refuse(_("Ngày cấp thẻ không hợp lệ (cần ddmmyyyy, sau ngày sinh)."))
    return CardHolder(
        id_number=id_number,
        old_id_number=old_id,
        full_name=name,
        birth_date=birth_date,
        sex=sex,
        address=" ".join(address.split()),
        issue_date=issue_date,
    )
