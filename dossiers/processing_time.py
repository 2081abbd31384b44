"""A procedure's legal processing time as people write it: a number and a unit.

Procedure texts write "15 ngày làm việc" (working days), "15 ngày" (calendar days: without
"làm việc" the law counts every day, and only "ngày làm việc" excludes days off, domain.md 1.5),
"04 giờ làm việc" (working hours) or "trong ngày" (same day). The catalogue's CSV import and
the admin form both read them through ``parse_processing_time``.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _

from dossiers.workdays import (
    CALENDAR_DAYS,
    MINUTES_PER_WORKING_DAY,
    UNITS,
    WORKING_DAYS,
    WORKING_HOURS,
)
from onestop.text import clean, fold

MAX_DAYS = 365
MAX_HOURS = MAX_DAYS * MINUTES_PER_WORKING_DAY // 60
DECIMAL_PLACES = 2

# Folded unit words (diacritics and case ignored) and the unit codes of the export.
_UNIT_WORDS = {
    "ngay lam viec": WORKING_DAYS,
    "ngay": CALENDAR_DAYS,
    "ngay theo lich": CALENDAR_DAYS,
    "gio lam viec": WORKING_HOURS,
    **{unit: unit for unit in UNITS},
}
_SAME_DAY_WORDS = {"trong ngay", "trong ngay lam viec"}
_NUMBER_AND_UNIT = re.compile(r"^(?P<number>\d+(?:[.,]\d+)?)(?P<unit>.*)$")


def _tidy(amount: Decimal) -> Decimal:
    """Drop trailing zeros without turning 10 into 1E+1."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.normalize()


@dataclass(frozen=True)
class ProcessingTime:
    """A processing time: ``value`` in ``unit`` (0 working days is a same-day procedure)."""

    value: Decimal
    unit: str = WORKING_DAYS

    @classmethod
    def of(cls, value, unit: str | None) -> "ProcessingTime":
        """From stored columns (a float or Decimal and a unit code)."""
        amount = Decimal(str(value or 0)).quantize(Decimal(1).scaleb(-DECIMAL_PLACES))
        return cls(_tidy(amount), unit or WORKING_DAYS)

    @property
    def number(self) -> int | float:
        """The value as a JSON number: an int when whole."""
        whole = self.value == self.value.to_integral_value()
        return int(self.value) if whole else float(self.value)

    @property
    def days(self) -> int | float:
        """The time in days: working hours as a share of the 8-hour working day."""
        if self.unit != WORKING_HOURS:
            return self.number
        days = self.value * 60 / MINUTES_PER_WORKING_DAY
        return int(days) if days == days.to_integral_value() else float(days)

    @property
    def same_day(self) -> bool:
        return self.unit == WORKING_DAYS and self.value == 0

    def text(self) -> str:
        """The time as procedure texts write it, in Vietnamese ("0,5 ngày làm việc");
        the CSV export writes this and the import reads it back.
        """
        if self.same_day:
            return "0"
        number = format(self.value, "f").replace(".", ",")
        return (
            f"{number} "
            + {
                WORKING_DAYS: "ngày làm việc",
                CALENDAR_DAYS: "ngày",
                WORKING_HOURS: "giờ làm việc",
            }[self.unit]
        )

    def label(self) -> str:
        """The time for pages, in the user's language ("15 ngày", "Trong ngày")."""
        if self.same_day:
            return _("Trong ngày")
        number = format_decimal(self.value)
        if self.unit == CALENDAR_DAYS:
            return _("%(n)s ngày", n=number)
        if self.unit == WORKING_HOURS:
            return _("%(n)s giờ làm việc", n=number)
        return _("%(n)s ngày làm việc", n=number)


def unit_label(unit: str) -> str:
    """A unit's name for the admin form's select."""
    return {
        WORKING_DAYS: _("ngày làm việc"),
        CALENDAR_DAYS: _("ngày (theo lịch)"),
        WORKING_HOURS: _("giờ làm việc"),
    }.get(unit, unit)


class ProcessingTimeError(ValueError):
    """A processing time that cannot be read; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _unreadable(text: str) -> ProcessingTimeError:
    return ProcessingTimeError(
        _(
            "Không đọc được thời hạn “%(text)s”: ghi một số và đơn vị “ngày làm việc”, "
            "“ngày” (tính cả ngày nghỉ) hoặc “giờ làm việc”, ví dụ 15 ngày làm việc, "
            "0,5 ngày làm việc, 4 giờ làm việc; 0 là giải quyết trong ngày.",
            text=text,
        )
    )


def parse_processing_time(value, unit: str | None = None) -> ProcessingTime:
    """Read a processing time typed in a form or a CSV cell.

    Accepts "15" (working days), "0" or "trong ngày" (same day), "0,5" or "0.5",
    "15 ngày làm việc", "15 ngày" (calendar days), "4 giờ làm việc", ignoring case,
    diacritics and spaces.

    :param unit: the unit chosen beside the number (the admin form's select); a unit written
        in ``value`` must then agree with it. None: the unit written, else working days.
    :raises ProcessingTimeError: unreadable, negative, too precise, too long, or zero in a
        unit other than working days.
    """
    text = clean(value)
    if unit is not None and unit not in UNITS:
        raise ProcessingTimeError(_("Chọn đơn vị của thời hạn."))
    folded = " ".join(fold(text).split())
    if folded in _SAME_DAY_WORDS:
        folded = "0"
    if folded.startswith("-"):
        raise ProcessingTimeError(_("Thời hạn không được là số âm."))
    match = _NUMBER_AND_UNIT.match(folded)
    if not folded or match is None:
        raise _unreadable(text)
    written = match["unit"].strip().rstrip(".").strip()
    if written and written not in _UNIT_WORDS:
        raise _unreadable(text)
    written_unit = _UNIT_WORDS.get(written)
    if unit is not None and written_unit is not None and written_unit != unit:
        raise ProcessingTimeError(_("Đơn vị ghi trong ô thời hạn khác với đơn vị đã chọn."))
    chosen = written_unit or unit or WORKING_DAYS
    try:
        amount = Decimal(match["number"].replace(",", "."))
    except InvalidOperation:
        raise _unreadable(text) from None
    if amount != amount.quantize(Decimal(1).scaleb(-DECIMAL_PLACES), rounding="ROUND_DOWN"):
        raise ProcessingTimeError(_("Thời hạn có tối đa hai chữ số sau dấu phẩy."))
    amount = _tidy(amount)
    if chosen == CALENDAR_DAYS and amount != amount.to_integral_value():
        raise ProcessingTimeError(_("Thời hạn tính theo ngày (cả ngày nghỉ) phải là số nguyên."))
    if amount == 0 and chosen != WORKING_DAYS:
        raise ProcessingTimeError(
            _("Thời hạn phải lớn hơn 0; thủ tục giải quyết trong ngày ghi 0 ngày làm việc.")
        )
    limit = MAX_HOURS if chosen == WORKING_HOURS else MAX_DAYS
    if amount > limit:
        raise ProcessingTimeError(
            _(
                "Thời hạn quá dài: tối đa %(days)d ngày hoặc %(hours)d giờ làm việc.",
                days=MAX_DAYS,
                hours=MAX_HOURS,
            )
        )
    return ProcessingTime(amount, chosen)
