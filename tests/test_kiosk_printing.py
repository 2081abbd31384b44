"""The 80 mm printed ticket: Vietnamese text, the QR of the phone page, the PDF endpoint."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from kiosk.printing import ticket_pdf
from queues import tickets
from tests.test_kiosk_screens import build_hall

ISSUED = dt.datetime(2026, 11, 27, 1, 15, tzinfo=dt.UTC)  # 08:15 in Vĩnh Yên
URL = "http://onestop.test/t/abcdefghijklmnopqrstuv"


@pytest.fixture
def hall(app, make_office, make_user, fixed_clock):
    return build_hall(make_office, make_user, fixed_clock)


def build(**overrides) -> bytes:
    values = {
        "office_name": "UBND thành phố Vĩnh Yên",
        "number": "A015",
        "service_name": "Tư pháp – Hộ tịch",
        "issued_at": ISSUED,
        "people_ahead": 7,
        "eta_minutes": 25,
        "status_url": URL,
    }
    return ticket_pdf(**{**values, **overrides})


def text_of(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def decode_qr(pdf: bytes, tmp_path) -> str:
    """Render the PDF at a thermal head's 203 dpi and read its QR code back."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip(
            "pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to read the QR code"
        )
    (tmp_path / "ticket.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "203", "-singlefile", "ticket.pdf", "ticket"],
        cwd=tmp_path,
        check=True,
    )
    found = subprocess.run(
        ["zbarimg", "-q", "--raw", "ticket.png"], cwd=tmp_path, capture_output=True, text=True
    )
    return found.stdout.strip()


def test_the_ticket_has_every_line_with_correct_diacritics(app):
    text = text_of(build())
    for line in (
        "UBND THÀNH PHỐ VĨNH YÊN",
        "BỘ PHẬN MỘT CỬA",
        "PHIẾU SỐ THỨ TỰ",
        "A015",
        "Tư pháp – Hộ tịch",
        "27/11/2026 08:15",
        "Số người chờ trước ông/bà: 7",
        "khoảng 25 phút",
        "Quét mã QR để theo dõi lượt gọi",
    ):
        assert line in text


def test_the_page_is_80_mm_wide_and_holds_one_ticket(app):
    reader = PdfReader(io.BytesIO(build()))
    assert len(reader.pages) == 1
    assert float(reader.pages[0].mediabox.width) == pytest.approx(80 * mm, abs=0.1)


def test_priority_and_a_long_service_name_are_printed_in_full(app):
    long_name = "Đất đai – Tài nguyên và Môi trường, Xây dựng, Giao thông vận tải"
    pdf = build(
        priority_label="Người có công với cách mạng", service_name=long_name, people_ahead=0
    )
    text = " ".join(text_of(pdf).split())
    assert "ƯU TIÊN · Người có công với cách mạng" in text
    assert long_name in text  # on two lines, not cut
    assert (
        "Ông/bà là người tiếp theo" in text
        and "Vui lòng chú ý bảng gọi số" in text
        and "0 phút" not in text
    )
    # A taller page for the extra lines: the roll is cut after the content.
    assert (
        PdfReader(io.BytesIO(pdf)).pages[0].mediabox.height
        > PdfReader(io.BytesIO(build())).pages[0].mediabox.height
    )


def test_the_qr_code_reads_back_as_the_phone_page(app, tmp_path):
    assert decode_qr(build(), tmp_path) == URL


def test_the_pdf_endpoint_prints_a_real_ticket_whose_qr_opens_its_phone_page(
    client, hall, tmp_path
):
    tickets.issue(hall.office, "ho-tich")
    ticket = tickets.issue(hall.office, "ho-tich", priority_reason="elderly").ticket
    response = client.get(f"/tickets/{ticket.token}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "phieu-A002.pdf" in response.headers["Content-Disposition"]
    text = text_of(response.data)
    assert "A002" in text and "Tư pháp – Hộ tịch" in text and "ƯU TIÊN · Người cao tuổi" in text
    assert "Ông/bà là người tiếp theo" in text  # the priority ticket goes before A001
    assert decode_qr(response.data, tmp_path) == f"http://onestop.test/t/{ticket.token}"


def test_an_unknown_ticket_has_no_pdf(client, hall):
    assert client.get("/tickets/nothing-here.pdf").status_code == 404
