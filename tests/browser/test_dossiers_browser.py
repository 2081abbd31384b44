"""Dossiers in a browser: intake from a ticket at the console, slips, the list, citizens' pages."""

import io
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

WARD, WARD_OFFICER = "VY-HH", "vy-hh-officer"  # a ward the other browser tests leave alone


def _officer(new_context, login_page, username="officer1", **options):
    page = new_context(**options).new_page()
    login_page(page, username)
    return page


def _create_dossier(page, live_server, **fields) -> dict:
    payload = {
        "procedure": "1.001612",
        "applicant_name": "Nguyễn Văn Thành",
        "phone": "0912345678",
        "channel": "direct",
        **fields,
    }
    response = page.request.post(f"{live_server}/api/v1/dossiers", data=payload)
    assert response.status == 201, response.text()
    return response.json()


def _pdf(page, url: str) -> bytes:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return response.body()


def test_intake_from_a_ticket_at_the_console(new_context, live_server, login_page, screenshot):
    page = _officer(new_context, login_page, WARD_OFFICER, viewport={"width": 1440, "height": 1000})
    response = page.request.post(
        f"{live_server}/api/v1/offices/{WARD}/tickets", data={"service": "ho-tich"}
    )
    assert response.status == 201, response.text()
    number = response.json()["number"]
    page.goto(f"{live_server}/counter")
    if page.locator("form.pick").count():
        page.locator("form.pick", has_text="Quầy 1").get_by_role("button").click()
    page.get_by_role("button", name=re.compile("Gọi số tiếp theo")).click()
    expect(page.locator(".console-current__number")).to_have_text(number)
    page.get_by_role("link", name="Tiếp nhận hồ sơ").click()

    expect(page.locator(".ticket-banner")).to_contain_text(number)
    page.select_option("select[name=procedure]", "1.004873")
    expect(page.locator("#procedure-info")).to_contain_text(
        "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"
    )
    expect(page.locator("#procedure-info .preview-due")).not_to_be_empty()
    page.fill("input[name=applicant_name]", "Phạm Thị Hồng Nhung")
    page.fill(
        "input[name=phone]", "0211 3862 123"
    )  # a landline: refused, the form comes back by htmx
    page.evaluate("window.__notReloaded = true")
    page.get_by_role("button", name="Tiếp nhận và cấp mã hồ sơ").click()
    expect(page.locator("label.field--error")).to_contain_text("10 số")
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator(".ticket-banner")).to_contain_text(number)
    page.fill("input[name=phone]", "0968 123 457")
    page.check("input[name=channel][value=direct]")
    page.check("input[name=documents_reused]")
    screenshot(page, "intake-form")
    page.get_by_role("button", name="Tiếp nhận và cấp mã hồ sơ").click()

    expect(page.locator(".dossier-title")).to_have_text(
        re.compile(r"^000\.12\.03\.H62-\d{6}-\d{4}$")
    )
    expect(page.locator(".flash--success")).to_contain_text("Đã tiếp nhận hồ sơ")
    expect(page.locator(".facts").first).to_contain_text(number)
    expect(page.locator(".facts").first).to_contain_text("Phạm Thị Hồng Nhung")
    screenshot(page, "dossier-detail")


def test_receipt_pdf_text_and_qr_and_the_slips_as_images(
    new_context, live_server, login_page, screenshot, pdf_image
):
    page = _officer(new_context, login_page, viewport={"width": 1440, "height": 1000})
    created = _create_dossier(page, live_server, applicant_name="Vũ Minh Khôi", phone="0903555111")
    receipt = _pdf(page, created["receipt_pdf_url"])
    text = " ".join(PdfReader(io.BytesIO(receipt)).pages[0].extract_text().split())
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        created["code"],
        "Vũ Minh Khôi",
        "0903555111",
        "Đăng ký thành lập hộ kinh doanh",
        "3 ngày làm việc",
        "100.000 đồng",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ):
        assert expected in text
    image = pdf_image(receipt, "dossiers-slip-receipt", dpi=110)
    if shutil.which("zbarimg"):
        decoded = subprocess.run(
            ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=True
        )
        assert decoded.stdout.strip() == f"{live_server}/d/{created['token']}"

    # The supplement request, then the apology, through the dossier's page (htmx).
    page.goto(f"{live_server}/dossiers/{created['code']}")
    page.locator(".supplement summary").click()
    papers = page.locator("#supplement-papers tbody tr")
    papers.filter(has_text="Bản sao hợp đồng thuê").locator("input[name=doc_originals]").fill("1")
    papers.filter(has_text="Bản sao hợp đồng thuê").locator("input[name=doc_photocopies]").fill("2")
    papers.nth(4).locator("input[name=doc_name]").fill("Bản sao CCCD của chủ hộ")
    papers.nth(4).locator("input[name=doc_certified_copies]").fill("1")
    page.fill("textarea[name=reason]", "Hợp đồng thuê địa điểm chưa có công chứng.")
    screenshot(page, "supplement-form")
    page.get_by_role("button", name="Lập phiếu yêu cầu bổ sung").click()
    expect(page.locator(".status-card .badge").first).to_have_text("Chờ bổ sung hồ sơ")
    expect(page.locator(".timeline")).to_contain_text("chưa có công chứng")
    page.get_by_role("button", name="Chuyển xử lý").click()
    expect(page.locator(".status-card .badge").first).to_have_text("Đang xử lý")
    page.locator(".apology summary").click()
    page.locator(".apology input[name=new_date]").fill("2099-01-05")
    page.fill(
        ".apology textarea[name=reason]", "Cần lấy ý kiến của Chi cục Thuế về địa điểm kinh doanh."
    )
    page.get_by_role("button", name="Lập phiếu xin lỗi, hẹn lại").click()
    expect(page.locator(".status-card")).to_contain_text("05/01/2099")
    screenshot(page, "dossier-panel")
    pdf_image(
        _pdf(page, f"{live_server}/dossiers/{created['code']}/supplement.pdf"),
        "dossiers-slip-supplement",
        dpi=110,
    )
    pdf_image(
        _pdf(page, f"{live_server}/dossiers/{created['code']}/apology.pdf"),
        "dossiers-slip-apology",
        dpi=110,
    )

    refused = _create_dossier(
        page, live_server, procedure="1.009994", applicant_name="Ngô Quang Huy"
    )
    page.request.post(
        f"{live_server}/api/v1/dossiers/{refused['code']}/status",
        data={
            "status": "rejected",
            "note": "Thửa đất thuộc khu vực đã có quy hoạch giải phóng mặt bằng.",
        },
    )
    rejection = _pdf(page, f"{live_server}/dossiers/{refused['code']}/rejection.pdf")
    assert "giải phóng mặt bằng" in PdfReader(io.BytesIO(rejection)).pages[0].extract_text()
    pdf_image(rejection, "dossiers-slip-rejection", dpi=110)


def test_the_officers_list(new_context, live_server, login_page, screenshot):
    page = _officer(new_context, login_page, viewport={"width": 1440, "height": 1000})
    page.goto(f"{live_server}/dossiers")
    rows = page.locator(".dossier-table tbody tr")
    expect(rows.first).to_be_visible()
    # Names and phones are masked: "Family I. I." and "09xx xxx 123".
    names = page.locator(".dossier-table .applicant__name").all_inner_texts()
    assert names and all(re.fullmatch(r"\S+( \S\.)+", name) for name in names)
    phones = page.locator(".dossier-table .applicant__phone").all_inner_texts()
    assert all(re.fullmatch(r"\d\dxx xxx \d{3}", phone) for phone in phones)
    screenshot(page, "list")
    page.evaluate("window.__notReloaded = true")
    page.select_option("select[name=due]", "overdue")
    page.select_option("select[name=status]", "")
    expect(page.locator(".dossier-table tbody tr.row--overdue").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"due=overdue"))
    overdue = page.locator(".dossier-table tbody tr")
    assert overdue.count() == page.locator(".dossier-table tbody tr.row--overdue").count()
    code = page.locator(".dossier-code").first.inner_text()
    page.fill("#dossier-q", code[-11:])
    expect(page.locator(".dossier-table tbody tr")).to_have_count(1)
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "list-overdue")


def test_a_citizen_looks_up_a_dossier_on_a_phone(new_context, live_server, login_page, screenshot):
    officer = _officer(new_context, login_page)
    created = _create_dossier(
        officer, live_server, applicant_name="Đinh Thị Mai Anh", phone="0355 246 810"
    )
    phone = new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"{live_server}/lookup")
    phone.fill("input[name=code]", created["code"])
    phone.fill("input[name=phone_last4]", "0000")
    phone.get_by_role("button", name="Tra cứu").click()
    expect(phone.locator(".flash--error")).to_contain_text("Không tìm thấy hồ sơ")
    wrong_phone = phone.locator(".flash--error").inner_text()
    phone.fill(
        "input[name=code]", created["code"][:-1] + ("1" if created["code"][-1] != "1" else "2")
    )
    phone.fill("input[name=phone_last4]", "6810")
    phone.get_by_role("button", name="Tra cứu").click()
    assert phone.locator(".flash--error").inner_text() == wrong_phone
    screenshot(phone, "lookup-not-found")
    phone.fill("input[name=code]", created["code"])
    phone.fill("input[name=phone_last4]", "6810")
    phone.get_by_role("button", name="Tra cứu").click()
    expect(phone).to_have_url(f"{live_server}/d/{created['token']}")
    expect(phone.locator(".status-big")).to_have_text("Đã tiếp nhận")
    body = phone.locator("body").inner_text()
    assert (
        created["code"] in body
        and "Đinh" not in body
        and "Mai Anh" not in body
        and "246" not in body
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "public-page")


@pytest.mark.parametrize(
    "viewport, name",
    [({"width": 1080, "height": 1920}, "kiosk"), ({"width": 390, "height": 844}, "phone")],
)
def test_the_procedure_catalogue_on_kiosk_and_phone(
    new_context, live_server, screenshot, viewport, name
):
    page = new_context(viewport=viewport, has_touch=True).new_page()
    page.goto(f"{live_server}/procedures")
    expect(page.locator(".procedure").first).to_be_visible()
    page.fill("#catalogue-q", "dang ky khai sinh")
    expect(page.locator(".procedure__name").first).to_have_text("Đăng ký khai sinh")
    page.locator(".procedure summary").first.click()
    expect(page.locator(".procedure[open] .checklist")).to_contain_text("Giấy chứng sinh")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, name)


def test_import_and_admin_pages(new_context, live_server, login_page, screenshot, tmp_path):
    page = _officer(new_context, login_page, viewport={"width": 1440, "height": 1000})
    page.goto(f"{live_server}/dossiers/import")
    upload = tmp_path / "cong-dvc.csv"
    upload.write_text(
        "MaHoSo,MaTTHC,ChuHoSo,SoDienThoai,KenhThucHien,NgayTiepNhan\n"
        "G22-B1,1.001612,Nguyễn Văn An,0912345678,2,20200101080000\n"
        "G22-B2,9.999999,Trần Văn Bình,0912345679,2,20200101080000\n",
        encoding="utf-8",
    )
    page.set_input_files("input[name=file]", str(upload))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    expect(page.locator("#import-result .flash--error")).to_contain_text("Không nhập hồ sơ nào")
    expect(page.locator("#import-result tbody tr")).to_have_count(2)
    screenshot(page, "import-errors")

    admin = _officer(new_context, login_page, "admin", viewport={"width": 1440, "height": 1000})
    admin.goto(f"{live_server}/admin/procedures")
    expect(admin.locator("#procedure-table tbody tr")).to_have_count(36)
    admin.fill("#admin-procedure-q", "giay phep")
    expect(admin.locator("#procedure-table tbody tr")).to_have_count(5)
    screenshot(admin, "admin-procedures")
    admin.goto(f"{live_server}/admin/holidays?office=VY-LB")
    expect(admin.locator("#holiday-panel")).to_contain_text("Hội nghị cán bộ, công chức phường")
    screenshot(admin, "admin-holidays")
