"""CSV (UTF-8 with BOM, Vietnamese headers) and the PDF report, whose text has the KPI values."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from test_reports_kpi import Network

QUERY = "office=C&scope=alone&period=custom&from=2026-11-02&to=2026-11-04"


@pytest.fixture
def boss(app, client, login, make_office, make_user, fixed_clock):
    fixed_clock(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC))
    network = Network(make_office, make_user)
    user = make_user("c-boss", "supervisor", network.city)
    login(user)
    return user


def test_csv_of_a_table_has_a_bom_and_vietnamese(client, boss):
    response = client.get(f"/reports/export/services.csv?{QUERY}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith(
        "Đơn vị,Tên,Số phiếu,Đã gọi,Vắng mặt,Chờ TB (phút),Chờ quá chỉ tiêu (%)"
    )
    assert any(line.startswith("C,A · Đất đai,") and ",20.0," in line for line in lines[1:])


def test_csv_of_the_kpis(client, boss):
    text = client.get(f"/reports/export/kpi.csv?{QUERY}").data.decode("utf-8-sig")
    assert 'Thời gian chờ trung bình,"19,8 phút"' in text
    assert 'Tỉ lệ hồ sơ trễ hạn,"55,56%"' in text


def test_every_table_exports(client, boss):
    for table in (
        "offices",
        "services",
        "counters",
        "officers",
        "hours",
        "days",
        "waits",
        "overdue",
    ):
        response = client.get(f"/reports/export/{table}.csv?{QUERY}")
        assert response.status_code == 200, table
        assert len(response.data.decode("utf-8-sig").splitlines()) >= 2, table
    assert client.get(f"/reports/export/secrets.csv?{QUERY}").status_code == 404


def test_pdf_report_has_the_heading_and_the_kpi_values(client, boss):
    response = client.get(f"/reports/report.pdf?{QUERY}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "UBND THÀNH PHỐ THỬ",
        "BÁO CÁO",
        "từ ngày 02/11/2026 đến ngày 04/11/2026",
        "19,8 phút",
        "55,56%",
        "50,0%",
        "33,3%",
        "XẾP HẠNG CÁC ĐƠN VỊ",
        "D-02",
        "D-06",
        "D-08",
    ):
        assert expected in text, expected
    assert len(reader.pages) >= 2
