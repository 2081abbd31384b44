"""Imports: online/postal dossiers (CSV, JSON) and the procedure catalogue (CSV); all or nothing."""

import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, select

from dossiers import catalogue
from dossiers.catalogue import ImportRefused, import_procedures_csv, search_procedures
from dossiers.intake import import_dossiers
from dossiers.models import Dossier, DossierCounter, Procedure
from onestop.extensions import db

HEADER = (
    "MaHoSo,MaTTHC,ChuHoSo,SoDienThoai,KenhThucHien,NgayTiepNhan,NgayHenTra,HoSoCoThanhPhanSoHoa\n"
)
GOOD_ROWS = (
    "G22-261126-0007,1.001612,Nguyễn Văn An,0912345678,2,20261126101500,,1\n"
    "G22-261125-0003,1.009994,Trần Thị Bình,+84 38 123 4567,3,2026-11-25 14:30,,0\n"
    "G22-261126-0009,1.001612,Lê Văn Cường,0701234567,2,2026-11-26T16:45,20261203,\n"
)


def _procedure(code: str) -> Procedure | None:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def _dossiers() -> int:
    return db.session.scalar(select(func.count(Dossier.id)))


def test_csv_import_creates_dossiers_in_order_of_receipt(world):
    created = import_dossiers(
        world.city, "cong-dvc.csv", (HEADER + GOOD_ROWS).encode(), world.officer
    )
    assert [d.external_code for d in created] == [
        "G22-261125-0003",
        "G22-261126-0007",
        "G22-261126-0009",
    ]
    first, second, third = created
    assert first.code == "000.00.12.H62-261125-0001" and first.channel == "postal"
    assert first.phone == "0381234567" and not first.documents_reused
    # Wed 25/11/2026 14:30, 15 working days:
    # 26, 27, 30/11, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16/12.
    assert first.due_date == dt.date(2026, 12, 16)
    assert (
        second.code == "000.00.12.H62-261126-0001"
        and second.channel == "online"
        and second.documents_reused
    )
    # Thu 26/11 10:15 + 3 working days: Fri 27, Mon 30, Tue 01/12.
    assert second.due_date == dt.date(2026, 12, 1)
    assert third.code.endswith("261126-0002") and third.due_date == dt.date(
        2026, 12, 3
    )  # the portal's date


def test_json_import(world):
    items = [
        {
            "MaHoSo": "G22-1",
            "MaTTHC": "1.001612",
            "ChuHoSo": "Phạm Thu Hà",
            "SoDienThoai": "0987654321",
            "KenhThucHien": 2,
            "NgayTiepNhan": "20261127080000",
            "HoSoCoThanhPhanSoHoa": 1,
        }
    ]
    created = import_dossiers(
        world.city, "export.json", json.dumps(items, ensure_ascii=False).encode(), world.officer
    )
    assert (
        len(created) == 1
        and created[0].documents_reused
        and created[0].applicant_name == "Phạm Thu Hà"
    )


def test_bad_rows_are_all_reported_and_nothing_is_stored(world):
    rows = GOOD_ROWS + (
        # row 5: unknown procedure
        "G22-x1,9.999999,Hoàng Văn Dũng,0912345678,2,20261126101500,,0\n"
        "G22-x2,1.001612,,0912345678,2,20261126101500,,0\n"  # row 6: no name
        "G22-x3,1.001612,Vũ Thị Em,02113456789,2,20261126101500,,0\n"  # row 7: landline
        "G22-x4,1.001612,Đỗ Văn Giang,0912345678,1,20261126101500,,0\n"  # row 8: direct channel
        "G22-x5,1.001612,Bùi Thị Hoa,0912345678,2,26/11/2026,,0\n"  # row 9: bad date
        # row 10: due 13/11, in the past
        "G22-x6,1.001612,Ngô Văn Khánh,0912345678,2,20261110080000,,0\n"
        # row 11: due before receipt
        "G22-x7,1.001612,Lý Thị Lan,0912345678,2,20261126080000,20261120,0\n"
        # row 12: repeated code
        "G22-261126-0007,1.001612,Dương Văn Minh,0912345678,2,20261126101500,,0\n"
    )
    with pytest.raises(ImportRefused) as refused:
        import_dossiers(world.city, "cong-dvc.csv", (HEADER + rows).encode(), world.officer)
    db.session.rollback()
    reported = dict(refused.value.rows)
    assert sorted(reported) == [5, 6, 7, 8, 9, 10, 11, 12]
    assert "MaTTHC" in reported[5] and "ChuHoSo" in reported[6] and "SoDienThoai" in reported[7]
    assert "KenhThucHien" in reported[8] and "NgayTiepNhan" in reported[9]
    assert (
        "13/11/2026" in reported[10] and "NgayHenTra" in reported[11] and "lặp lại" in reported[12]
    )
    assert _dossiers() == 0
    assert db.session.scalar(select(func.count()).select_from(DossierCounter)) == 0


def test_a_second_import_of_the_same_dossier_is_refused(world):
    import_dossiers(world.city, "a.csv", (HEADER + GOOD_ROWS).encode(), world.officer)
    with pytest.raises(ImportRefused) as refused:
        import_dossiers(world.city, "a.csv", (HEADER + GOOD_ROWS).encode(), world.officer)
    db.session.rollback()
    assert [number for number, _ in refused.value.rows] == [2, 3, 4]
    assert "đã được nhập" in refused.value.rows[0][1]
    assert _dossiers() == 3


@pytest.mark.parametrize(
    "filename, data, fragment",
    [
        ("big.csv", HEADER.encode() + b"x" * (catalogue.MAX_IMPORT_BYTES + 1), "quá lớn"),
        ("big.json", b"[" + b" " * (catalogue.MAX_IMPORT_BYTES + 1) + b"]", "quá lớn"),
        (
            "many.csv",
            (
                HEADER
                + "G,1.001612,An,0912345678,2,20261126101500,,0\n" * (catalogue.MAX_IMPORT_ROWS + 1)
            ).encode(),
            "Quá nhiều dòng",
        ),
        (
            "latin1.csv",
            (HEADER + "G,1.001612,Lê Bá,0912345678,2,20261126101500,,0\n").encode("latin-1"),
            "UTF-8",
        ),
        ("cols.csv", b"MaHoSo,ChuHoSo\nG,An\n", "Thiếu cột"),
        ("empty.csv", HEADER.encode(), "không có dòng"),
        ("bad.json", b"{not json", "JSON"),
        ("object.json", b'{"MaHoSo": "G"}', "danh sách"),
    ],
)
def test_unreadable_or_oversized_files_are_refused(world, filename, data, fragment):
    with pytest.raises(ImportRefused) as refused:
        import_dossiers(world.city, filename, data, world.officer)
    db.session.rollback()
    assert fragment in refused.value.rows[0][1]
    assert _dossiers() == 0


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.replace("\n", "\r\n").encode("utf-8-sig"),  # Excel, Windows
        lambda text: text.replace("\n", "\r").encode(),  # old Mac line ends
        lambda text: text.encode("utf-16"),  # Excel's "Unicode text"
    ],
)
def test_windows_line_ends_utf16_and_a_bom_are_read(world, encode):
    created = import_dossiers(world.city, "portal.csv", encode(HEADER + GOOD_ROWS), world.officer)
    assert sorted(d.applicant_name for d in created) == [
        "Lê Văn Cường",
        "Nguyễn Văn An",
        "Trần Thị Bình",
    ]


@pytest.mark.parametrize(
    "filename, data, row, fragment",
    [
        # A bare CR in the header ends the line there: the columns after it are missing.
        (
            "cr.csv",
            HEADER.replace("ChuHoSo", "Chu\rHoSo").encode() + GOOD_ROWS.encode(),
            1,
            "Thiếu cột",
        ),
        ("nul.csv", (HEADER + GOOD_ROWS.replace("Trần", "Tr\x00ần")).encode(), 3, "ChuHoSo"),
        ("esc.csv", (HEADER + GOOD_ROWS.replace("Lê", "L\x1bê")).encode(), 4, "ChuHoSo"),
        (
            "cp1258.csv",
            HEADER.encode()
            + GOOD_ROWS.split("\n")[0].encode()
            + b"\nG2,1.001612,L\xea,0912345678,2,20261126101500,,0\n",
            3,
            "UTF-8",
        ),
        ("surrogate.json", b'[{"MaHoSo": "G", "ChuHoSo": "A\\ud800"}]', 1, "ChuHoSo"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, 0, "JSON"),
    ],
)
def test_a_file_the_database_cannot_store_names_the_bad_row(world, filename, data, row, fragment):
    with pytest.raises(ImportRefused) as refused:
        import_dossiers(world.city, filename, data, world.officer)
    db.session.rollback()
    assert refused.value.rows[0][0] == row
    assert fragment in refused.value.rows[0][1]
    assert _dossiers() == 0


def test_the_import_page_shows_the_bad_row(client, login, world):
    login(world.officer)
    data = (HEADER + GOOD_ROWS.replace("Trần", "Tr\x00ần")).encode()
    response = client.post(
        "/dossiers/import", data={"office": "VY", "file": (io.BytesIO(data), "nul.csv")}
    )
    assert response.status_code == 422
    assert "ChuHoSo" in response.get_data(as_text=True)
    assert _dossiers() == 0


# --- the procedure catalogue ---------------------------------------------------------------------

CATALOGUE_HEADER = "code,name,field,processing_days,fee,online_level,offices,required_documents\n"


def test_catalogue_csv_import_creates_and_updates(world):
    data = CATALOGUE_HEADER + (
        "1.004873,Cấp Giấy xác nhận tình trạng hôn nhân,Hộ tịch,3,0,full,commune,"
        '"Tờ khai\nGiấy tờ tùy thân"\n'
        "1.001612,Đăng ký thành lập hộ kinh doanh,Kinh doanh,3,100.000,toàn trình,VY,"
        "Giấy đề nghị | Bản sao CCCD\n"
    )
    created, updated = import_procedures_csv(data.encode())
    assert (created, updated) == (1, 1)
    marriage = _procedure("1.004873")
    assert {o.code for o in marriage.offices} == {"VY-LB", "VY-TS"}
    assert marriage.document_list == ["Tờ khai", "Giấy tờ tùy thân"]
    business = _procedure("1.001612")
    assert (
        business.field == "Kinh doanh"
        and business.online_level == "full"
        and business.fee == 100000
    )
    assert business.document_list == ["Giấy đề nghị", "Bản sao CCCD"]
    assert search_procedures("xac nhan tinh trang hon nhan") == [marriage]


def test_catalogue_csv_with_bad_rows_stores_nothing(world):
    before = db.session.scalar(select(func.count(Procedure.id)))
    data = CATALOGUE_HEADER + (
        "1.004873,Cấp Giấy xác nhận tình trạng hôn nhân,Hộ tịch,3,0,full,commune,Tờ khai\n"
        "1.000001,,Hộ tịch,3,0,full,VY,\n"  # row 3: no name
        "1.000002,Thủ tục,Hộ tịch,ba,0,full,VY,\n"  # row 4: days not a number
        "1.000003,Thủ tục,Hộ tịch,3,0,level4,VY-XX,\n"  # row 5: bad level and office
        "1.004873,Trùng mã,Hộ tịch,3,0,full,VY,\n"  # row 6: repeated code
    )
    with pytest.raises(ImportRefused) as refused:
        import_procedures_csv(data.encode())
    db.session.rollback()
    reported = dict(refused.value.rows)
    assert sorted(reported) == [3, 4, 5, 6]
    assert "VY-XX" in reported[5]
    assert db.session.scalar(select(func.count(Procedure.id))) == before
    assert _procedure("1.004873") is None


@pytest.mark.parametrize(
    "data, row",
    [
        (CATALOGUE_HEADER.replace("field", "fi\reld") + "1.0,Tên,Hộ tịch,3,0,full,VY,\n", 1),
        (CATALOGUE_HEADER + "1.0,Tên,Hộ tịch,3,0,full,VY,\n1.1,T\x00,Hộ tịch,3,0,full,VY,\n", 3),
    ],
)
def test_catalogue_csv_with_a_cr_or_nul_names_the_row(world, data, row):
    with pytest.raises(ImportRefused) as refused:
        import_procedures_csv(data.encode())
    db.session.rollback()
    assert refused.value.rows[0][0] == row
    assert _procedure("1.0") is None


def test_catalogue_export_reimports_unchanged(world):
    exported = catalogue.catalogue_csv(search_procedures(include_inactive=True))
    created, updated = import_procedures_csv(exported.encode())
    assert (created, updated) == (0, 4)
    assert catalogue.catalogue_csv(search_procedures(include_inactive=True)) == exported


@pytest.mark.parametrize(
    "query, expected",
    [
        ("dang ky khai sinh", ["1.001193"]),
        ("ĐĂNG KÝ KHAI SINH", ["1.001193"]),
        ("Khai Sinh", ["1.001193"]),
        ("ho kinh doanh", ["1.001612"]),
        ("chứng thực", ["2.000815"]),
        ("1.0099", ["1.009994"]),
        ("xay dung nha", ["1.009994"]),
        ("100%_", []),
    ],
)
def test_search_ignores_diacritics_and_case(world, query, expected):
    assert [p.code for p in search_procedures(query)] == expected


def test_search_by_office(world):
    assert {p.code for p in search_procedures(office=world.lb)} == {"1.001193", "2.000815"}
