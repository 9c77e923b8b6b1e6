"""Reports by commune: communes under their district rows, a district's own report by commune, and the
errors that name what is wrong (issue 14)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from loaders import FileReport, inspect_file
from loaders.reference import communes

TITLE = "BÁO CÁO KẾT QUẢ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM 2017"


def _sheet(ws: Any, top: list[str], rows: list[list[Any]]) -> None:
    """A report sheet: the lines above the title, the title block, the header and the rows."""
    for line in [*top, TITLE, "Tính đến ngày 31/10/2017", "Đơn vị tính: triệu đồng"]:
        ws.append([line])
    ws.append(["STT", "Đơn vị", "Kế hoạch vốn", "Giải ngân"])
    for row in rows:
        ws.append(row)


def _workbook(path: Path, top: list[str], rows: list[list[Any]], sheet: str = "Bieu 01") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    _sheet(ws, top, rows)
    wb.save(path)
    return path


def _by_unit(report: FileReport) -> dict[tuple[str, str, str], float]:
    return {(r.district_code, r.commune_code, r.measure): r.value for r in report.records}


def _code(name_vi: str, district: str) -> str:
    return next(c.code for c in communes().values() if c.name_vi == name_vi and c.district_code == district)


def _codes(report: FileReport) -> list[str]:
    return [i.code for i in report.issues if i.severity.value == "error"]


def test_communes_under_their_district_rows_are_stored_and_the_district_row_is_a_check(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], [
        [1, "Huyện Mường Tè", 1000, 800],
        [None, "Xã Mường Tè", 400, 300],  # named like its district: a commune all the same
        [None, "TT Mường Tè", 600, 500],
        [2, "Huyện Tam Đường", 500, 450],  # no communes below: the district's own figure
        [None, "Tổng cộng", 1500, 1250],
    ])
    report = inspect_file(path)
    assert _codes(report) == [] and "total_mismatch" not in {i.code for i in report.issues}
    xa, tt = _code("Xã Mường Tè", "107"), _code("Thị trấn Mường Tè", "107")
    assert _by_unit(report) == {
        ("107", xa, "plan"): 400.0, ("107", xa, "disbursed"): 300.0,
        ("107", tt, "plan"): 600.0, ("107", tt, "disbursed"): 500.0,
        ("106", "", "plan"): 500.0, ("106", "", "disbursed"): 450.0,
    }
    assert report.sheets[0]["group_rows"] == [6]  # Huyện Mường Tè: the sum of its communes, checked


def test_a_district_row_that_differs_from_its_communes_is_flagged_at_its_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], [
        [1, "Huyện Mường Tè", 1100, 800],
        [None, "Xã Mường Tè", 400, 300],
        [None, "TT Mường Tè", 600, 500],
    ])
    report = inspect_file(path)
    assert [(i.code, i.cell) for i in report.issues if i.code == "total_mismatch"] == [("total_mismatch", "C6")]


def test_a_districts_own_report_by_commune_takes_the_district_from_the_title(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "mt.xlsx", ["UBND HUYỆN MƯỜNG TÈ", "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"], [
        [1, "Bum Tở", 100, 90],  # its later spelling (an alias)
        [2, "Xã Bun Nưa", 200, 150],
        [3, "Thị trấn Mường Tè", 300, 200],
        [None, "Cộng", 600, 440],
    ])
    report = inspect_file(path)
    assert _codes(report) == []
    assert report.sheets[0]["district"] == "107" and report.sheets[0]["district_cell"] == "A1"
    assert {r.commune_code for r in report.records} == {_code("Xã Bun Tở", "107"), _code("Xã Bun Nưa", "107"),
                                                        _code("Thị trấn Mường Tè", "107")}
    assert {r.district_code for r in report.records} == {"107"}


def test_the_district_can_come_from_the_sheet_name(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], [[1, "Bản Bo", 100, 90]], sheet="Tam Đường")
    report = inspect_file(path)
    assert _codes(report) == [] and report.sheets[0]["district"] == "106"
    assert [(r.district_code, r.commune_code) for r in report.records][0] == ("106", _code("Xã Bản Bo", "106"))


def test_what_cannot_be_placed_is_an_error_naming_why(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "mt.xlsx", ["UBND HUYỆN MƯỜNG TÈ"], [
        [1, "Mường Tè", 100, 90],  # the township or the commune?
        [2, "Bản Bo", 200, 150],  # a commune of Tam Đường
        [3, "Xã Không Có", 10, 5],
        [4, "Nậm Không", 10, 5],  # no type word: in a district's own report, still a commune it does not have
    ])
    report = inspect_file(path)
    found = {i.code: i for i in report.issues if i.severity.value == "error"}  # the last of each code
    assert set(found) == {"commune_ambiguous", "commune_other_district", "unknown_commune"}
    assert "Tam Đường" in found["commune_other_district"].message
    assert "Thị trấn Mường Tè" in found["commune_ambiguous"].message and "Xã Mường Tè" in found["commune_ambiguous"].message
    assert [found[c].cell for c in ("commune_ambiguous", "commune_other_district")] == ["B6", "B7"]
    assert [i.cell for i in report.issues if i.code == "unknown_commune"] == ["B8", "B9"]
    assert report.records == [] or all(r.cell[0] in "CD" for r in report.records)


def test_a_commune_named_like_its_district_is_never_the_district(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], [[1, "TT Phong Thổ", 100, 90]])
    report = inspect_file(path)
    assert "commune_without_district" in _codes(report)
    assert not any(r.district_code == "109" and r.commune_code == "" for r in report.records)


def test_a_file_with_a_districts_own_figure_and_its_communes_is_refused(tmp_path: Path) -> None:
    """Two tables of one file, one by district and one by commune, for one date: they would count twice."""
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Huyen"
    second = wb.create_sheet("Xa")
    _sheet(first, ["UBND TỈNH LAI CHÂU"], [[1, "Huyện Mường Tè", 1000, 800]])
    _sheet(second, ["UBND HUYỆN MƯỜNG TÈ"], [[1, "Xã Mường Tè", 400, 300]])
    path = tmp_path / "hai_cap.xlsx"
    wb.save(path)
    report = inspect_file(path)
    mixed = [i for i in report.issues if i.code == "commune_levels_mixed"]
    assert [(i.sheet, i.cell) for i in mixed] == [("Huyen", "C6")]
    assert "Xa!C6" in mixed[0].message and not report.ok


def test_the_templates_commune_sheet_round_trips_and_names_wrong_communes(tmp_path: Path) -> None:
    import datetime as dt

    from loaders.template import build_province_workbook, save_workbook, write_template
    from loaders.template_spec import FUNDING_BY_COMMUNE, LISTS_SHEET

    blank = openpyxl.load_workbook(write_template(tmp_path / "mau.xlsx"))
    assert FUNDING_BY_COMMUNE.name in blank.sheetnames
    listed = [c.value for c in blank[LISTS_SHEET]["E"][1:] if c.value]
    assert len(listed) == 108 and "Xã Bản Bo (Tam Đường)" in listed  # every Lai Châu commune, with its district
    row = {"district_code": "107", "year": 2017, "as_of": dt.date(2017, 10, 31), "component": "2.1",
           "source": "central_investment", "plan": 500.0, "disbursed": 200.0}
    good = {**row, "commune_code": _code("Xã Bun Tở", "107")}
    wb = build_province_workbook("12", by_commune=[good, {**good, "commune_code": _code("Xã Bản Bo", "106")}])
    report = inspect_file(save_workbook(wb, tmp_path / "xa.xlsx"))
    assert [(r.commune_code, r.measure, r.value, r.cell) for r in report.records] == [
        (good["commune_code"], "plan", 500.0, "G4"), (good["commune_code"], "disbursed", 200.0, "H4")]
    wrong = [i for i in report.issues if i.code == "commune_other_district"]
    assert [(i.sheet, i.cell) for i in wrong] == [(FUNDING_BY_COMMUNE.name, "B5")] and "Tam Đường" in wrong[0].message


def test_a_province_report_on_a_sheet_named_after_the_province_reads_districts(tmp_path: Path) -> None:
    """'Lai Châu' names the province (and, bare, its city): a sheet so named is no district's own report."""
    path = _workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], [
        [1, "Mường Tè", 1000, 800], [2, "Tam Đường", 500, 450], [None, "Tổng cộng", 1500, 1250]], sheet="Lai Châu")
    report = inspect_file(path)
    assert _codes(report) == [] and report.sheets[0]["district"] is None
    assert {(r.district_code, r.commune_code) for r in report.records} == {("107", ""), ("106", "")}


def test_in_a_districts_own_report_another_districts_name_is_that_district(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "mt.xlsx", ["UBND HUYỆN MƯỜNG TÈ"], [[1, "Xã Bun Tở", 100, 90], [2, "Tam Đường", 50, 40]])
    report = inspect_file(path)
    assert "commune_other_district" not in {i.code for i in report.issues}
    assert {(r.district_code, r.commune_code) for r in report.records} == {("107", _code("Xã Bun Tở", "107")), ("106", "")}


def test_household_counts_by_commune_from_the_template(tmp_path: Path) -> None:
    import datetime as dt

    from loaders.template import build_province_workbook, save_workbook
    from loaders.template_spec import POVERTY_BY_COMMUNE

    row = {"district_code": "107", "commune_code": _code("Thị trấn Mường Tè", "107"), "year": 2017,
           "as_of": dt.date(2017, 12, 31), "households": 900, "poor_households": 120, "near_poor_households": 60}
    wb = build_province_workbook("12", by_commune=(), poverty_by_commune=[row])
    report = inspect_file(save_workbook(wb, tmp_path / "hn_xa.xlsx"))
    assert report.ok, [i.message for i in report.issues]
    assert {(r.sheet, r.district_code, r.commune_code, r.measure, r.value) for r in report.records} == {
        (POVERTY_BY_COMMUNE.name, "107", row["commune_code"], m, float(row[m]))
        for m in ("households", "poor_households", "near_poor_households")}
