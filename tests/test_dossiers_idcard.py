"""The chip ID card's QR code as a counter scanner types it: read, checked, refused when wrong."""

import datetime as dt
import unicodedata

import pytest

from dossiers.idcard import parse_id_card_qr
from onestop.exceptions import ValidationError

TODAY = dt.date(2026, 11, 27)
GOOD = (
    "026190001234|135792468|Nguyễn Thị Thu Hà|07031990|Nữ|"
    "Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên|20042021"
)


def _refusal(text: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_id_card_qr(text, TODAY)
    return caught.value.errors["scan"]


def test_a_good_scan_gives_every_field():
    holder = parse_id_card_qr(GOOD + "\r\n", TODAY)  # the scanner's Enter may come along
    assert holder.id_number == "026190001234"
    assert holder.old_id_number == "135792468"
    assert holder.full_name == "Nguyễn Thị Thu Hà"
    assert holder.birth_date == dt.date(1990, 3, 7)
    assert holder.sex == "Nữ"
    assert holder.address == "Số 12 Ngô Quyền, Liên Bảo, Vĩnh Yên"
    assert holder.issue_date == dt.date(2021, 4, 20)


def test_an_empty_old_number_and_decomposed_diacritics_are_accepted():
    # Cards issued to people who never had a 9-digit card leave the second field empty; some
    # scanners send the letters and their accents as separate characters (NFD).
    decomposed = "001205000001||Lê Văn An|29022008|Nam|Xã Thanh Trù|01022024"
    holder = parse_id_card_qr(unicodedata.normalize("NFD", decomposed), TODAY)
    assert holder.old_id_number == "" and holder.full_name == "Lê Văn An"
    assert holder.birth_date == dt.date(2008, 2, 29)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "Chưa có dữ liệu quét"),
        ("   \n", "Chưa có dữ liệu quét"),
        ("https://example.vn/some-other-qr", "có 1"),
        ("026190001234|135792468|Nguyễn Thị Thu Hà|07031990|Nữ|Liên Bảo", "có 6"),
        (GOOD + "|extra", "có 8"),
        ("x" * 700, "quá dài"),
    ],
)
def test_wrong_field_count_or_not_a_card_is_refused(text, words):
    message = _refusal(text)
    assert words in message
    if words.startswith("có "):
        assert "7 trường" in message


@pytest.mark.parametrize(
    "id_number",
    ["02619000123", "0261900012345", "02619000123A", "", "026 190 001 234"],
)
def test_an_id_number_that_is_not_12_digits_is_refused(id_number):
    text = GOOD.replace("026190001234", id_number, 1)
    assert "12 chữ số" in _refusal(text)


@pytest.mark.parametrize(
    "field, bad, words",
    [
        (3, "31021990", "Ngày sinh"),  # 31 February
        (3, "1990-03-07", "Ngày sinh"),
        (3, "07031990x", "Ngày sinh"),
        (3, "01012027", "Ngày sinh"),  # after today
        (6, "31042021", "Ngày cấp"),  # 31 April
        (6, "", "Ngày cấp"),
        (6, "01011989", "Ngày cấp"),  # before the birth date
        (6, "28112026", "Ngày cấp"),  # tomorrow
    ],
)
def test_bad_dates_are_refused(field, bad, words):
    fields = GOOD.split("|")
    fields[field] = bad
    assert words in _refusal("|".join(fields))


@pytest.mark.parametrize("name", ["", "   ", "Nguyễn 123"])
def test_a_missing_or_garbled_name_is_refused(name):
    fields = GOOD.split("|")
    fields[2] = name
    assert "họ tên" in _refusal("|".join(fields))


def test_a_bad_old_number_is_refused():
    fields = GOOD.split("|")
    fields[1] = "12345"
    assert "CMND" in _refusal("|".join(fields))
