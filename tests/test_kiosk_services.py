"""The citizen services opened from the kiosk, in the kiosk's own frame: lookup, catalogue,
rating and complaint, each with the way home and nothing personal left behind."""

from tests.fixtures import HTMX

HOME_BUTTON = "data-kiosk-go-home>"


def test_the_kiosk_links_open_the_kiosk_screens_not_the_desktop_pages(client, world):
    html = client.get("/kiosk/VY").get_data(as_text=True)
    for path in ("lookup", "procedures", "rate", "complaint"):
        assert f'href="/kiosk/VY/{path}"' in html
    assert "kiosk=1" not in html


def test_every_service_screen_has_the_frame_the_way_home_and_the_idle_time(client, world, app):
    app.config["KIOSK_IDLE_SECONDS"] = 45
    for path in ("priority", "lookup", "procedures", "rate", "complaint"):
        html = client.get(f"/kiosk/VY/{path}").get_data(as_text=True)
        assert 'class="kiosk-header"' in html and 'data-idle-seconds="45"' in html, path
        assert HOME_BUTTON in html and 'href="/kiosk/VY"' in html, path
        assert "data-kiosk-failure" in html and "kiosk-language" in html, path
    assert HOME_BUTTON not in client.get("/kiosk/VY").get_data(as_text=True)


def test_a_dossier_found_from_the_kiosk_shows_its_status_without_personal_data(
    client, world, receive
):
    dossier = receive(applicant_name="Hoàng Thị Yến", phone="0977123456")
    found = client.post(
        "/kiosk/VY/lookup", data={"code": dossier.code.lower(), "phone_last4": "3456"}
    )
    text = found.get_data(as_text=True)
    assert found.status_code == 200 and found.headers["Cache-Control"] == "no-store"
    assert dossier.code in text and "Đăng ký thành lập hộ kinh doanh" in text
    assert "Thứ Tư, 02/12/2026" in text and HOME_BUTTON in text
    for secret in ("Hoàng", "Yến", "0977123456", "3456"):
        assert secret not in text


def test_a_wrong_lookup_on_the_kiosk_gives_the_same_answer_for_code_and_phone(
    client, world, receive
):
    dossier = receive(phone="0977123456")
    wrong_phone = client.post("/kiosk/VY/lookup", data={"code": dossier.code, "phone_last4": "0"})
    wrong_code = client.post("/kiosk/VY/lookup", data={"code": "X-1", "phone_last4": "3456"})
    assert wrong_phone.status_code == wrong_code.status_code == 404
    for response in (wrong_phone, wrong_code):
        text = response.get_data(as_text=True)
        assert "Không tìm thấy hồ sơ với mã và 4 số cuối điện thoại này." in text
        assert 'class="kiosk-header"' in text and HOME_BUTTON in text


def test_a_scanned_receipt_opens_the_dossier_in_the_kiosk_frame(client, world, receive):
    dossier = receive(applicant_name="Hoàng Thị Yến", phone="0977123456")
    screen = client.get("/kiosk/VY/lookup").get_data(as_text=True)
    assert 'name="scan"' in screen and "data-scan-input" in screen
    # The receipt's QR: the dossier's public address, printed from any host.
    scanned = client.post(
        "/kiosk/VY/lookup", data={"scan": f"https://old.example/d/{dossier.token}\r\n"}
    )
    text = scanned.get_data(as_text=True)
    assert scanned.status_code == 200 and scanned.headers["Cache-Control"] == "no-store"
    assert dossier.code in text and HOME_BUTTON in text and 'class="kiosk-header"' in text
    assert "Hoàng" not in text and "0977123456" not in text


def test_a_scanned_code_asks_for_the_phone_digits_and_a_bad_scan_says_what_to_scan(
    client, world, receive
):
    dossier = receive(phone="0977123456")
    asked = client.post("/kiosk/VY/lookup", data={"scan": dossier.code.lower()})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f'value="{dossier.code}"' in text
    assert 'name="phone_last4"' in text and 'name="scan"' not in text
    found = client.post("/kiosk/VY/lookup", data={"code": dossier.code, "phone_last4": "3456"})
    assert found.status_code == 200 and "Đăng ký thành lập hộ kinh doanh" in found.get_data(
        as_text=True
    )
    ticket_qr = client.post("/kiosk/VY/lookup", data={"scan": "https://x.example/t/abcdefgh123"})
    assert ticket_qr.status_code == 422
    assert "mã QR của phiếu số thứ tự" in ticket_qr.get_data(as_text=True)
    unknown = client.post("/kiosk/VY/lookup", data={"scan": "https://x.example/d/abcdefgh123"})
    assert unknown.status_code == 404 and HOME_BUTTON in unknown.get_data(as_text=True)


def test_the_kiosk_lookup_shares_the_web_lookup_rate_limit(app, client, world):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["DOSSIER_LOOKUP_RATE_LIMIT"] = "2 per minute"
    statuses = [
        client.post(path, data={"code": "X", "phone_last4": "1234"}).status_code
        for path in ("/lookup", "/kiosk/VY/lookup", "/kiosk/VY/lookup")
    ]
    assert statuses == [404, 404, 429]


def test_the_kiosk_catalogue_groups_by_where_to_submit(client, world):
    page = client.get("/kiosk/VY/procedures?q=dang+ky").get_data(as_text=True)
    here = page.index("Nộp tại đây: UBND thành phố Vĩnh Yên")
    wards = page.index("Nộp tại: UBND phường Liên Bảo, UBND phường Tích Sơn")
    assert here < page.index("Đăng ký thành lập hộ kinh doanh") < wards
    assert wards < page.index("Đăng ký khai sinh")
    fragment = client.get("/kiosk/VY-LB/procedures?q=khai+sinh", headers=HTMX)
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="catalogue-results"') and "<html" not in text
    assert "Nộp tại đây: UBND phường Liên Bảo" in text and "Tích Sơn" not in text
    nothing = client.get("/kiosk/VY/procedures?q=khong+co+thu+tuc+nay").get_data(as_text=True)
    assert "Không tìm thấy thủ tục phù hợp" in nothing


def test_the_kiosk_complaint_form_starts_empty_for_this_office(client, world):
    html = client.get("/kiosk/VY/complaint").get_data(as_text=True)
    assert '<option value="VY" selected' in html
    assert 'name="kiosk" value="1"' in html and 'name="contact" type="text" value=""' in html


def test_the_kiosk_rating_screen_asks_for_the_ticket_number_on_a_paired_kiosk(client, world, app):
    html = client.get("/kiosk/VY/rate").get_data(as_text=True)
    assert 'id="rating-panel"' in html and 'name="q"' not in html
    assert "chưa được đăng ký là ki-ốt của đơn vị" in html
    app.config["DEMO"] = True  # any browser is a kiosk in a demo
    html = client.get("/kiosk/VY/rate").get_data(as_text=True)
    assert 'id="rating-panel"' in html and 'name="q"' in html
    assert client.get("/kiosk/NOPE/rate").status_code == 404


def test_unknown_offices_have_no_kiosk_screens(client, world):
    for path in ("lookup", "procedures", "rate", "complaint"):
        assert client.get(f"/kiosk/NOPE/{path}").status_code == 404


def test_a_complaint_sent_from_the_kiosk_leads_back_to_the_kiosk_screens(client, world, app):
    app.config["DEMO"] = True
    sent = client.post(
        "/complaints/new",
        data={
            "kiosk": "1",
            "office": "VY",
            "topic": "other",
            "subject": "Chờ quá lâu",
            "text": "Tôi đã chờ hai tiếng.",
            "contact": "0912345678",
        },
        headers=HTMX,
    )
    text = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "Đã gửi phản ánh, kiến nghị" in text
    assert 'href="/kiosk/VY/complaint"' in text and "kiosk=1" not in text
    assert "0912345678" not in text
