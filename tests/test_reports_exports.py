"""Exports for Excel in Vietnamese (CSV with ";" and decimal commas, typed .xlsx) and the PDF.

The values are those of the KPI network (tests/fixtures/network.py) for office C alone, 2-4 Nov
2026.
"""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import kpi
from reports.exports import Sheet, sheet_csv, sheet_xlsx
from reports.measures import Scope
from reports.tables import TABLES
from tests.fixtures.network import PERIOD

QUERY = "office=C&scope=alone&period=custom&from=2026-11-02&to=2026-11-04"
TABLE_KINDS = ("count", "rank", "minutes", "score", "rate", "date", "datetime")


@pytest.fixture
def boss(network, login, make_user):
    login(make_user("c-boss", "supervisor", network.city))
    return network


def _kpis(network):
    return kpi.compute(network.city, Scope(frozenset({network.city.id})), PERIOD)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    assert b"\r\n" in data
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _number(cell: str) -> float:
    """A CSV number as Excel in vi-VN reads it: decimal comma, no grouping, no unit."""
    assert "." not in cell and "%" not in cell and " " not in cell, cell
    return float(cell.replace(",", "."))


def _xlsx(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".xlsx" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data)).active


def test_csv_of_a_table_has_numbers_excel_in_vietnamese_reads(client, boss):
    response = client.get(f"/reports/export/services.csv?{QUERY}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.data)
    assert rows[0][:8] == [
        "Đơn vị",
        "Tên",
        "Số phiếu",
        "Đã gọi",
        "Vắng mặt",
        "Chờ TB (phút)",
        "Chờ quá chỉ tiêu (%)",
        "Phục vụ TB (phút)",
    ]
    by_name = {row[1]: row for row in rows[1:]}
    land = by_name["A · Đất đai"]
    # A (tickets count in their last queue): T1, T2, T6, T7 issued; T1 and T2 called in the
    # period, waits 10 and 30 min (one over 20), served 10 and 15 min from the first call.
    assert [_number(c) for c in land[2:8]] == [4.0, 2.0, 0.0, 20.0, 50.0, 12.5]
    # B: waits 18, 25, 16 -> 19.67 min; one of three (T5, 25 min) over 20 -> 33.33 %.
    justice = by_name["B · Tư pháp – Hộ tịch"]
    assert justice[5] == "19,67" and justice[6] == "33,33"


def test_csv_of_the_kpis_has_values_and_targets_as_numbers(client, boss):
    rows = _csv_rows(client.get(f"/reports/export/kpi.csv?{QUERY}").data)
    assert rows[0] == [
        "Chỉ tiêu",
        "Giá trị",
        "Đơn vị tính",
        "Điều kiện đạt",
        "Mục tiêu",
        "Đánh giá",
        "Số liệu tính",
    ]
    by_label = {row[0]: row for row in rows[1:]}
    assert by_label["Thời gian chờ trung bình"][1:6] == ["19,8", "phút", "≤", "20", "Đạt"]
    assert by_label["Thời gian phục vụ trung bình"][1:3] == ["12,8", "phút"]
    values = _kpis(boss).values
    late = by_label["Tỉ lệ hồ sơ trễ hạn"]
    assert _number(late[1]) == round(values["late_rate"] * 100, 2)
    assert late[2:5] == ["%", "<", "0,9"]
    assert _number(by_label["Tỉ lệ hồ sơ trực tuyến"][4]) == 50


def test_xlsx_of_the_kpis_has_numeric_cells_equal_to_the_kpis(client, boss):
    sheet = _xlsx(client, f"/reports/export/kpi.xlsx?{QUERY}")
    kpis = _kpis(boss)
    assert sheet.title == "Chỉ tiêu"
    assert [c.value for c in sheet[1]][:3] == ["Chỉ tiêu", "Giá trị", "Đơn vị tính"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 25  # the longest label fits
    by_label = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    expected = {
        "Thời gian chờ trung bình": ("avg_wait_min", "0.0"),
        "Trung vị thời gian chờ": ("p50_wait_min", "0"),
        "Thời gian chờ p90": ("p90_wait_min", "0"),
        "Thời gian phục vụ trung bình": ("avg_service_min", "0.0"),
        "Tỉ lệ hồ sơ trễ hạn": ("late_rate", "0.00%"),
        "Tỉ lệ hồ sơ trực tuyến": ("online_rate", "0.0%"),
        "Tỉ lệ tái sử dụng giấy tờ": ("reuse_rate", "0.0%"),
        "Tỉ lệ hài lòng": ("satisfaction_rate", "0.0%"),
    }
    for label, (key, number_format) in expected.items():
        cell = by_label[label][1]
        assert cell.data_type == "n" and cell.value == kpis.values[key], label
        assert cell.number_format == number_format, label
    assert (by_label["Thời gian chờ trung bình"][1].value, kpis.values["avg_wait_min"]) == (
        19.8,
        19.8,
    )
    late_target = by_label["Tỉ lệ hồ sơ trễ hạn"][4]
    assert late_target.data_type == "n" and late_target.value == 0.009
    assert late_target.number_format == "0.00%"


def test_xlsx_of_each_table_has_typed_cells(client, boss):
    services = _xlsx(client, f"/reports/export/services.xlsx?{QUERY}")
    assert services.title == "Dịch vụ"
    land = next(row for row in services.iter_rows(min_row=2) if row[1].value == "A · Đất đai")
    assert [c.value for c in land[2:8]] == [4, 2, 0, 20.0, 0.5, 12.5]
    assert all(c.data_type == "n" for c in land[2:8])
    assert (land[5].number_format, land[6].number_format) == ("0.0", "0.0%")
    overdue = _xlsx(client, f"/reports/export/overdue.xlsx?{QUERY}")
    header = [c.value for c in overdue[1]]
    due = overdue.cell(row=2, column=header.index("Hạn giải quyết") + 1)
    assert isinstance(due.value, dt.datetime) and due.number_format == "dd/mm/yyyy"
    waits = _xlsx(client, f"/reports/export/waits.xlsx?{QUERY}")
    header = [c.value for c in waits[1]]
    first = {h: c for h, c in zip(header, next(waits.iter_rows(min_row=2)), strict=True)}
    # A002, the longest wait: issued 08:00 and first called 08:30 on 2 Nov, local time.
    assert first["Số"].value == "A002"
    assert first["Lấy số"].value == dt.datetime(2026, 11, 2, 8, 0)
    assert first["Gọi lần đầu"].value == dt.datetime(2026, 11, 2, 8, 30)
    assert first["Chờ (phút)"].value == 30.0
    for table in TABLES:
        sheet = _xlsx(client, f"/reports/export/{table}.xlsx?{QUERY}")
        assert sheet.max_row >= 2 and sheet.freeze_panes == "A2", table
    assert client.get(f"/reports/export/secrets.xlsx?{QUERY}").status_code == 404


def test_every_table_exports_as_csv(client, boss):
    for table in TABLES:
        response = client.get(f"/reports/export/{table}.csv?{QUERY}")
        assert response.status_code == 200, table
        rows = _csv_rows(response.data)
        assert len(rows) >= 2 and len({len(row) for row in rows}) == 1, table
    assert client.get(f"/reports/export/secrets.csv?{QUERY}").status_code == 404


def test_the_dashboard_links_each_csv_to_its_xlsx(client, boss):
    page = client.get(f"/reports?{QUERY}&tab=services").get_data(as_text=True)
    for table in ("kpi", "services"):
        assert f"/reports/export/{table}.csv?" in page
        assert f"/reports/export/{table}.xlsx?" in page


def test_text_never_becomes_a_formula_and_sheet_names_are_valid():
    sheet = Sheet(
        name="Bảng: tháng 11/2026 [nháp] có tên rất dài quá giới hạn",
        headers=["Ghi chú", "Số"],
        rows=[[('=HYPERLINK("x")', "text"), (1.5, "minutes")], [("-1", "text"), (None, "count")]],
    )
    rows = _csv_rows(sheet_csv(sheet))
    assert rows[1:] == [['\'=HYPERLINK("x")', "1,5"], ["'-1", ""]]
    worksheet = load_workbook(io.BytesIO(sheet_xlsx(sheet))).active
    assert worksheet.title == "Bảng- tháng 11-2026 -nháp- có t"
    assert worksheet["A2"].data_type == "s" and worksheet["A2"].value == '=HYPERLINK("x")'
    assert worksheet["B2"].value == 1.5 and worksheet["B3"].value is None


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
