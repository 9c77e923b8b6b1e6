"""The pieces of the hand-made report reader: title block, header words, units, row labels."""

import datetime as dt

import pytest

from loaders.header import is_numbering_row
from loaders.report_reader import match_component
from loaders.synonyms import classify, unit_in
from loaders.title_block import as_of_in, read_title_block, year_in
from loaders.values import parse_column


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(Tính đến ngày 31/10/2017)", dt.date(2017, 10, 31)),
        ("Tính đến ngày 30/9/2017", dt.date(2017, 9, 30)),
        ("tính đến 31 tháng 10 năm 2017", dt.date(2017, 10, 31)),
        ("Giải ngân đến 31-12-2018", dt.date(2018, 12, 31)),
        ("Lai Châu, ngày 05 tháng 11 năm 2017", None),
        ("Đơn vị tính: triệu đồng", None),
    ],
)
def test_as_of_in(text, expected):
    assert as_of_in(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("BÁO CÁO … NĂM 2017", 2017), ("Kế hoạch vốn năm 2019", 2019), ("giai đoạn 2016-2020", None),
     ("Lai Châu, ngày 05 tháng 11 năm 2017", None)],
)
def test_year_in(text, expected):
    assert year_in(text) == expected


@pytest.mark.parametrize(
    "text, unit, factor",
    [("Đơn vị tính: triệu đồng", "trieu_dong", 1.0), ("ĐVT: đồng", "dong", 1e-6), ("Đơn vị tính: nghìn đồng", "nghin_dong", 1e-3),
     ("Đơn vị tính: 1.000 đồng", "nghin_dong", 1e-3), ("ĐVT: tỷ đồng", "ty_dong", 1000.0)],
)
def test_units(text, unit, factor):
    assert unit_in(text) == (unit, factor)


def test_title_block_names_its_cells():
    block = read_title_block([("A3", "BÁO CÁO GIẢI NGÂN VỐN NĂM 2017"), ("A4", "(Tính đến ngày 31/10/2017)"),
                              ("H5", "Đơn vị tính: đồng")])
    assert (block.year, block.year_cell, block.as_of_cell, block.unit, block.unit_cell) == (2017, "A3", "A4", "dong", "H5")
    assert block.dataset_hint == "funding"


@pytest.mark.parametrize(
    "parts, measure, source, kind",
    [
        (["Kế hoạch vốn năm 2017", "Tổng số"], "plan", None, "total"),
        (["Kế hoạch vốn năm 2017", "Vốn ĐTPT"], "plan", "central_investment", "value"),
        (["Giải ngân đến 31/10/2017", "Vốn sự nghiệp"], "disbursed", "central_recurrent", "value"),
        (["KH vốn", "Ngân sách địa phương"], "plan", "local", "value"),
        (["Giải ngân", "Vốn lồng ghép"], "disbursed", "integrated", "value"),
        (["Tỷ lệ giải ngân (%)"], "disbursed", None, "rate"),
        (["Tổng số hộ"], "households", None, "value"),
        (["Hộ nghèo", "Số hộ"], "poor_households", None, "value"),
        (["Hộ cận nghèo", "Tỷ lệ (%)"], "near_poor_households", None, "rate"),
        (["Số hộ thoát nghèo"], "escaped_poverty", None, "value"),
        (["HỘ TÁI NGHÈO"], "fallen_back", None, "value"),
    ],
)
def test_header_synonyms(parts, measure, source, kind):
    m = classify(parts)
    got_kind = "rate" if m.is_rate else "total" if m.is_total else "value"
    assert (m.measure, m.source, got_kind) == (measure, source, kind)


@pytest.mark.parametrize("parts, role", [(["STT"], "stt"), (["Tên đơn vị"], "label"), (["Ghi chú"], "ignore"), (["Năm"], "year")])
def test_header_roles(parts, role):
    assert classify(parts).role == role


@pytest.mark.parametrize(
    "row, expected",
    [(["(1)", "(2)", "(3)=(4)+(5)", "(4)", "(5)"], True), ([1, 2, 3, 4, 5], True), (["A", "B", "1", "2"], True),
     ([1, "Huyện Mường Tè", 200, 300], False), ([2017, 2018], False)],
)
def test_numbering_row(row, expected):
    assert is_numbering_row(row) is expected


@pytest.mark.parametrize(
    "label, project, code",
    [("Dự án 1: Chương trình 30a", None, "1"), ("Tiểu dự án 1: Hỗ trợ đầu tư cơ sở hạ tầng các huyện nghèo", "1", "1.1"),
     ("2. Tiểu dự án 3: Nâng cao năng lực", "2", "2.3"), ("III. Dự án 3: Hỗ trợ phát triển sản xuất", "2", "3"),
     ("Chương trình 135", None, "2"), ("Dự án 4: Truyền thông và giảm nghèo về thông tin", None, "4"),
     ("Xây nhà văn hóa", None, None)],
)
def test_match_component(label, project, code):
    assert match_component(label, project) == code


def test_ambiguous_text_numbers_decided_by_the_column():
    assert parse_column(["1.234", "2.345,6"])[0] == (1234.0, None)
    assert parse_column(["1.234", "2,345.6"])[0] == (1.234, None)
    assert parse_column(["1.234", 7.0])[0] == (1234.0, "ambiguous_number")


def test_a_target_column_is_read_as_a_target_not_as_the_rate(tmp_path):
    from openpyxl import Workbook

    from loaders import inspect_file

    wb = Workbook()
    ws = wb.active
    ws.append(["KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2017"])
    ws.append(["Đơn vị", "Tổng số hộ", "Số hộ nghèo", "Tỷ lệ hộ nghèo (%)", "Chỉ tiêu tỷ lệ hộ nghèo (%)"])
    ws.append(["Huyện Mường Tè", 10000, 4000, 40.0, 38.5])
    wb.save(tmp_path / "t.xlsx")
    report = inspect_file(tmp_path / "t.xlsx")
    assert report.ok and not report.warnings, report.issues
    got = {(r.dataset.value, r.measure): r.value for r in report.records}
    assert got == {("poverty", "households"): 10000, ("poverty", "poor_households"): 4000,
                   ("target", "target_poor_rate"): 38.5}


@pytest.mark.parametrize(
    "cells, province, cell",
    [
        ([("A1", "UBND TỈNH ĐIỆN BIÊN"), ("A3", "BÁO CÁO NĂM 2017")], "11", "A1"),
        ([("A1", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"), ("A2", "TỈNH LAI CHÂU")], "12", "A2"),
        ([("F1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), ("A2", "BAN CHỈ ĐẠO CÁC CTMTQG TỈNH BÌNH DƯƠNG")], "74", "A2"),
        ([("A1", "BÁO CÁO GIẢI NGÂN NĂM 2017"), ("H30", "Điện Biên, ngày 05 tháng 11 năm 2017")], None, None),
        ([("A1", "THÀNH PHỐ LAI CHÂU")], None, None),  # a district's report: no province named
    ],
)
def test_title_block_names_the_province_and_its_cell(cells, province, cell):
    block = read_title_block(cells)
    assert (block.province, block.province_cell) == (province, cell)
