"""The kiosk's scanner lookup: what a scan is read as, and the page's answers."""

import pytest

from dossiers.scan import Scan, parse_scan
from onestop.exceptions import ValidationError
from tests.fixtures import HTMX

TOKEN = "Qm3x_9Zk-Lw2Pr8TnV5yAb1C"


@pytest.mark.parametrize(
    "scanned",
    [
        f"https://motcua.vinhyen.gov.vn/d/{TOKEN}",
        f"http://127.0.0.1:5000/d/{TOKEN}/",
        f"  http://10.0.0.5/motcua/d/{TOKEN}?utm=print#top\r\n",
        f"/d/{TOKEN}",
    ],
)
def test_a_receipt_qr_from_any_host_gives_its_token(scanned):
    assert parse_scan(scanned) == Scan("token", TOKEN)


@pytest.mark.parametrize(
    ("scanned", "code"),
    [
        ("000.00.12.H62-261205-0001", "000.00.12.H62-261205-0001"),
        (" 000.12.02.h62-261205-0012 \n", "000.12.02.H62-261205-0012"),
        ("VY-LB-261205-0003", "VY-LB-261205-0003"),
    ],
)
def test_a_dossier_code_is_read_in_upper_case(scanned, code):
    assert parse_scan(scanned) == Scan("code", code)


@pytest.mark.parametrize(
    ("scanned", "words"),
    [
        ("", "Hãy quét mã QR"),
        (None, "Hãy quét mã QR"),
        (f"https://motcua.vinhyen.gov.vn/t/{TOKEN}", "phiếu số thứ tự"),
        ("https://example.com/procedures", "Không đọc được mã này"),
        ("A015", "Không đọc được mã này"),
        ("000.00.12.H62-2612-0001", "Không đọc được mã này"),
        ("' OR 1=1 --", "Không đọc được mã này"),
    ],
)
def test_anything_else_is_refused_with_what_to_scan(app, scanned, words):
    with pytest.raises(ValidationError) as refused:
        parse_scan(scanned)
    assert words in refused.value.errors["scan"]


def test_the_kiosk_lookup_page_starts_with_the_scan_box(client, world):
    kiosk = client.get("/lookup?office=VY&kiosk=1").get_data(as_text=True)
    assert 'id="scan-lookup"' in kiosk and "data-scan-input" in kiosk and "autofocus" in kiosk
    # Typing stays possible below it.
    assert 'name="phone_last4"' in kiosk
    assert 'id="scan-lookup"' not in client.get("/lookup").get_data(as_text=True)


def test_a_scanned_receipt_qr_opens_the_dossier(client, world, receive):
    dossier = receive()
    url = f"http://another-host.example/d/{dossier.token}"
    page = client.post("/lookup/scan", data={"scan": url})
    assert page.status_code == 303 and page.headers["Location"].endswith(f"/d/{dossier.token}")
    htmx = client.post("/lookup/scan", data={"scan": url}, headers=HTMX)
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"] == f"/d/{dossier.token}"
    unknown = client.post("/lookup/scan", data={"scan": url[:-3] + "zzz"}, headers=HTMX)
    assert unknown.status_code == 422 and "Không tìm thấy hồ sơ của mã QR này" in unknown.text


def test_a_scanned_code_asks_for_the_phone_digits_then_opens(client, world, receive):
    dossier = receive(phone="0977123456")
    asked = client.post("/lookup/scan", data={"scan": dossier.code.lower()}, headers=HTMX)
    assert asked.status_code == 200 and "<html" not in asked.text
    assert 'name="phone_last4"' in asked.text and f'value="{dossier.code}"' in asked.text
    # Nothing of the dossier is shown before the phone digits match.
    assert dossier.procedure.name not in asked.text
    opened = client.post(
        "/lookup/scan", data={"code": dossier.code, "phone_last4": "3456"}, headers=HTMX
    )
    assert opened.headers["HX-Redirect"] == f"/d/{dossier.token}"


def test_wrong_code_and_wrong_phone_give_the_same_answer(client, world, receive):
    dossier = receive(phone="0977123456")
    wrong_code = dossier.code[:-1] + ("9" if dossier.code[-1] != "9" else "8")
    asked = client.post("/lookup/scan", data={"scan": wrong_code}, headers=HTMX)
    assert asked.status_code == 200 and 'name="phone_last4"' in asked.text

    def error(code, digits):
        answer = client.post(
            "/lookup/scan", data={"code": code, "phone_last4": digits}, headers=HTMX
        )
        text = answer.text
        return answer.status_code, text[text.index('role="alert"') :].split("</p>")[0]

    assert error(wrong_code, "3456") == error(dossier.code, "0000") == error(dossier.code, "34a6")
    assert error(dossier.code, "0000")[0] == 422


def test_a_bad_scan_says_what_to_scan_without_javascript(client, world):
    page = client.post("/lookup/scan", data={"scan": "hello"})
    assert page.status_code == 422 and "<html" in page.text and "Không đọc được mã này" in page.text


def test_phone_guesses_through_the_scan_share_the_lookup_limit(app, client, world, receive):
    dossier = receive()
    app.config["RATELIMIT_ENABLED"] = True
    app.config["DOSSIER_LOOKUP_RATE_LIMIT"] = "3 per minute"
    statuses = [
        client.post("/lookup/scan", data={"code": dossier.code, "phone_last4": "0000"}).status_code
        for _ in range(3)
    ]
    statuses.append(client.post("/lookup", data={"code": "X", "phone_last4": "1"}).status_code)
    # A scanned QR needs no digits, so it is never held back by guesses from the same kiosk.
    qr = client.post("/lookup/scan", data={"scan": f"/d/{dossier.token}"}).status_code
    assert statuses == [422, 422, 422, 429] and qr == 303
