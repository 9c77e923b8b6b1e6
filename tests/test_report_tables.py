"""Tables on a sheet: how many are read, tables on their side, header words that are not column numbers."""

import openpyxl
import pytest

from loaders import inspect_file
from loaders.header import is_numbering_row
from loaders.report_reader import MAX_TABLES
from loaders.synonyms import classify
from loaders.transpose import MAX_INDICATORS, transposed
from loaders.workbook import Grid

DISTRICTS = ["Mường Tè", "Tam Đường", "Sìn Hồ", "Phong Thổ"]


def _save(tmp_path, rows, name="bc.xlsx"):  # type: ignore[no-untyped-def]
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def test_a_sheet_of_many_tables_is_read_up_to_the_bound_with_a_note(tmp_path):
    rows: list[list[object]] = [["BÁO CÁO GIẢI NGÂN NĂM 2017, tính đến ngày 31/10/2017"]]
    for k in range(MAX_TABLES + 20):
        rows += [["Đơn vị", "Kế hoạch vốn", "Giải ngân"], [DISTRICTS[k % 4], 100 + k, 50]]
    report = inspect_file(_save(tmp_path, rows))
    assert len(report.sheets[0]["tables"]) == MAX_TABLES
    (note,) = [i for i in report.issues if i.code == "too_many_tables"]
    assert note.cell == f"A{2 + 2 * MAX_TABLES}"  # the header of the first table not read


@pytest.mark.parametrize(("row", "numbering"), [
    (["(1)", "(2)", "3=4+5", "(4)", "(5)"], True),
    (["A", "B", "C=A+B", "1", "2"], True),
    (["KH", "GN", "KH", "GN", "KH", "GN"], False),  # abbreviated headers under districts, not column numbers
    (["TH", "KH", "GN"], False),
])
def test_column_numbering_rows_are_not_abbreviated_headers(row, numbering):
    assert is_numbering_row(row) is numbering


@pytest.mark.parametrize(("parts", "source"), [
    (["Kế hoạch vốn", "Ngân sách trung ương", "ĐTPT"], "central_investment"),  # the finest source named wins
    (["Kế hoạch vốn", "NSTW", "Sự nghiệp"], "central_recurrent"),
    (["KH vốn", "NSTW"], "central"),  # the central budget unsplit
    (["Giải ngân", "NSĐP"], "local"),
    (["Vốn lồng ghép"], "integrated"),
    (["Huy động"], "mobilised"),
])
def test_sources_are_read_at_the_finest_level_named(parts, source):
    assert classify(parts).source == source


def test_a_long_sheet_with_district_names_at_the_top_is_turned_only_within_bounds():
    rows: list[list[object]] = [["Chỉ tiêu", *DISTRICTS]] + [[f"dòng {i}", 1, 2, 3, 4] for i in range(50_000)]
    turned = transposed(Grid("S", rows), "12")
    assert turned is not None
    assert len(turned.rows) == 5 and max(len(r) for r in turned.rows) == MAX_INDICATORS
    assert turned.cell(1, 0) == "B1" and turned.cell(0, 2) == "A3"  # addresses are the sheet's own


def test_a_table_on_its_side_is_read_by_district_with_its_total_column_as_a_check(tmp_path):
    households, poor = [9000, 12000, 15000, 11000], [2700, 3000, 6000, 2200]
    rows = [["KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2018"], [],
            ["STT", "Chỉ tiêu", *DISTRICTS, "Tổng cộng"],
            [1, "Tổng số hộ", *households, sum(households)],
            [2, "Số hộ nghèo", *poor, sum(poor) + 5]]  # a total that does not add up
    report = inspect_file(_save(tmp_path, rows))
    got = {(r.district_code, r.measure): (r.value, r.cell) for r in report.records}
    assert got[("107", "households")] == (9000, "C4") and got[("109", "poor_households")] == (2200, "F5")
    assert len(got) == 8
    assert ("total_mismatch", "G5") in {(i.code, i.cell) for i in report.issues}
    assert report.sheets[0]["orientation"] == "columns" and report.sheets[0]["data_columns"] == ["C", "D", "E", "F"]


def test_da_thuc_hien_is_the_amount_disbursed(tmp_path):
    rows = [["BÁO CÁO GIẢI NGÂN NĂM 2019, tính đến ngày 31/10/2019"], ["Đơn vị", "Vốn giao", "Đã thực hiện"],
            ["Mường Tè", 1200, 400]]
    got = {r.measure: r.value for r in inspect_file(_save(tmp_path, rows)).records}
    assert got == {"plan": 1200, "disbursed": 400}
