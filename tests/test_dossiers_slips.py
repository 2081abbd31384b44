"""The four slips as PDFs: their text, their escaping, and the receipt's QR code."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from dossiers.documents import DocumentCount
from dossiers.slips import (
    SlipData,
    apology_pdf,
    place_name,
    receipt_pdf,
    rejection_pdf,
    supplement_pdf,
)
from tests.fixtures.pdf import decode_qr

URL = "http://127.0.0.1:5000/d/Xy3_abcDEFghiJKLmnopQRst"
DATA = SlipData(
    code="000.12.02.H62-261127-0004",
    number=4,
    office_name="UBND phường Liên Bảo",
    procedure_name="Đăng ký khai sinh",
    procedure_code="1.001193",
    processing_days=0,
    fee=0,
    documents=("Tờ khai đăng ký khai sinh", "Giấy chứng sinh (bản chính)"),
    applicant_name="Đặng Thị Ánh <Hồng> & Co",
    phone="0912345678",
    channel="postal",
    received_at=dt.datetime(2026, 11, 27, 7, 45, tzinfo=dt.UTC),
    due_date=dt.date(2026, 11, 30),
    officer_name="Lê Thu Hà",
    public_url=URL,
    lookup_url="http://127.0.0.1:5000/lookup",
    supplement_items=("Bản sao CCCD", "Giấy xác nhận cư trú"),
    supplement_at=dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC),
    supplement_count=1,
    rejection_reason="Người yêu cầu không có quyền đăng ký",
    rejected_by="Lê Thu Hà",
    rejected_at=dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC),
    apology_date=dt.date(2026, 12, 4),
    apology_reason="Chờ xác minh",
    apology_at=dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC),
)


def _words(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert abs(float(reader.pages[0].mediabox.width) - 595.28) < 1  # A4
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_receipt_has_the_fields_of_form_01():
    text = _words(receipt_pdf(DATA))
    for expected in (
        "UBND PHƯỜNG LIÊN BẢO",
        "BỘ PHẬN MỘT CỬA",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 000.12.02.H62-261127-0004",
        "Liên Bảo, ngày 27 tháng 11 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Đặng Thị Ánh <Hồng> & Co",
        "Số điện thoại: 0912345678",
        "Đăng ký khai sinh",
        "Giấy chứng sinh (bản chính)",
        "Số lượng hồ sơ: 01 (bộ)",
        "trong ngày làm việc",
        "14 giờ 45 phút, ngày 27 tháng 11 năm 2026",
        "ngày 30 tháng 11 năm 2026",
        "bưu chính công ích",
        "Phí, lệ phí: Không thu",
        "Quyển số: 2026, Số thứ tự: 0004",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lê Thu Hà",
        URL,
    ):
        assert expected in text, expected


def test_supplement_rejection_and_apology_slips():
    supplement = _words(supplement_pdf(DATA))
    assert (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in supplement
        and "Số: 000.12.02.H62-261127-0004/HDHS" in supplement
    )
    assert (
        "Bản sao CCCD" in supplement
        and "Giấy xác nhận cư trú" in supplement
        and "NGƯỜI HƯỚNG DẪN" in supplement
    )
    assert "tạm dừng từ 15 giờ 00 phút" in supplement
    rejection = _words(rejection_pdf(DATA))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in rejection
    assert "Người yêu cầu không có quyền đăng ký" in rejection and "/TC" in rejection
    apology = _words(apology_pdf(DATA))
    assert (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology
        and "Số: 000.12.02.H62-261127-0004/PXL" in apology
    )
    assert (
        "Kính gửi: Ông/Bà Đặng Thị Ánh <Hồng> & Co" in apology and "Lý do: Chờ xác minh" in apology
    )
    assert (
        "ngày 04 tháng 12 năm 2026" in apology and "Liên Bảo, ngày 30 tháng 11 năm 2026" in apology
    )


def test_a_long_document_list_flows_onto_a_second_page():
    many = SlipData(**{**DATA.__dict__, "documents": tuple(f"Giấy tờ số {i}" for i in range(40))})
    reader = PdfReader(io.BytesIO(receipt_pdf(many)))
    assert len(reader.pages) == 2
    assert "Giấy tờ số 39" in reader.pages[1].extract_text()


@pytest.mark.parametrize(
    "name, place",
    [
        ("UBND phường Liên Bảo", "Liên Bảo"),
        ("UBND thành phố Vĩnh Yên", "Vĩnh Yên"),
        ("UBND xã Thanh Trù", "Thanh Trù"),
        ("Sở Tư pháp", "Sở Tư pháp"),
    ],
)
def test_place_name(name, place):
    assert place_name(name) == place


def test_receipt_qr_decodes_to_the_public_page(tmp_path):
    assert decode_qr(receipt_pdf(DATA), tmp_path, dpi=150) == URL


FILLED = SlipData(
    **{
        **DATA.__dict__,
        "address": "Số 5 <Lê Lợi> & ngõ 3, Liên Bảo",
        "email": "anh@example.vn",
        "received_documents": (
            DocumentCount("Tờ khai đăng ký khai sinh", 1, 0, 0),
            DocumentCount("Giấy chứng sinh", 1, 0, 1),
        ),
        "supplement_documents": (DocumentCount("Văn bản ủy quyền", 0, 1, 2),),
        "supplement_reason": "Người đi đăng ký không phải cha, mẹ của trẻ.",
        "rules_url": "http://127.0.0.1:5000/procedures?office=VY-LB&q=1.001193",
        "legal_bases": {
            "01": "Mẫu số 01 ban hành kèm theo Thông tư số 01/2018/TT-VPCP",
            "02": "Mẫu số 02 ban hành kèm theo Thông tư số 01/2018/TT-VPCP",
            "04": "Mẫu số 04 ban hành kèm theo Thông tư số 01/2018/TT-VPCP",
        },
    }
)


def test_receipt_prints_the_papers_counted_and_the_persons_details():
    text = _words(receipt_pdf(FILLED))
    for expected in (
        "(Mẫu số 01 ban hành kèm theo Thông tư số 01/2018/TT-VPCP)",
        "Địa chỉ: Số 5 <Lê Lợi> & ngõ 3, Liên Bảo",
        "Email: anh@example.vn",
        "STT Tên giấy tờ Bản chính Bản sao có chứng thực Bản photo",
        "1 Tờ khai đăng ký khai sinh 1 0 0",
        "2 Giấy chứng sinh 1 0 1",
    ):
        assert expected in text, expected
    # The components not handed in are not listed as received.
    assert "Giấy chứng sinh (bản chính)" not in text


def test_without_counted_papers_the_receipt_lists_the_components_with_blank_counts():
    text = _words(receipt_pdf(DATA))
    assert "1 Tờ khai đăng ký khai sinh 2 Giấy chứng sinh (bản chính)" in text
    assert "Địa chỉ: ....." in text  # left for the citizen to write


def test_supplement_request_prints_the_papers_counts_reason_and_rules():
    text = _words(supplement_pdf(FILLED))
    for expected in (
        "(Mẫu số 02 ban hành kèm theo Thông tư số 01/2018/TT-VPCP)",
        "Địa chỉ: Số 5 <Lê Lợi> & ngõ 3, Liên Bảo",
        "Email: anh@example.vn",
        "STT Thành phần hồ sơ Bản chính Bản sao có chứng thực Bản photo",
        "1 Văn bản ủy quyền 0 1 2",
        "Lý do: Người đi đăng ký không phải cha, mẹ của trẻ.",
        "http://127.0.0.1:5000/procedures?office=VY-LB&q=1.001193",
        "liên hệ cán bộ Lê Thu Hà",
    ):
        assert expected in text, expected
    assert "Bản sao CCCD" not in text  # the counted papers replace the older one-per-line note


def test_apology_prints_the_address_and_a_form_without_an_edition_prints_no_basis():
    apology = _words(apology_pdf(FILLED))
    assert "Địa chỉ: Số 5 <Lê Lợi> & ngõ 3, Liên Bảo" in apology
    assert "(Mẫu số 04 ban hành kèm theo Thông tư số 01/2018/TT-VPCP)" in apology
    assert "Thông tư" not in _words(rejection_pdf(FILLED))  # no "03" edition given
