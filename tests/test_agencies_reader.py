"""A province's report with its own agencies ("A. CẤP TỈNH") above its districts ("B. CẤP HUYỆN"): agency rows
are the province's own level, never unknown districts; headings with numbers are checks (issue 14)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loaders import FileReport, inspect_file
from loaders.agencies import match_agency, part_heading
from loaders.reference import (
    agencies,
    all_districts,
    district_name,
    districts,
    is_province_level,
    province_level_code,
    province_of,
)
from tests.test_communes_reader import _workbook

LAI_CHAU = province_level_code("12")


def _by_unit(report: FileReport) -> dict[tuple[str, str, str], float]:
    return {(r.district_code, r.commune_code, r.measure): r.value for r in report.records}


def _errors(report: FileReport) -> list[tuple[str, str | None]]:
    return [(i.code, i.cell) for i in report.issues if i.severity.value == "error"]


ROWS: list[list[Any]] = [
    ["A", "CẤP TỈNH", 700, 400],
    [1, "Sở Nông nghiệp và PTNT tỉnh Lai Châu", 500, 300],
    [2, "Ban Dân tộc tỉnh", 200, 100],
    ["B", "CẤP HUYỆN", 1500, 1250],
    [1, "Huyện Mường Tè", 1000, 800],
    [2, "Huyện Tam Đường", 500, 450],
    [None, "Tổng cộng", 2200, 1650],
]


def test_agencies_above_the_districts_are_the_provinces_own_level(tmp_path: Path) -> None:
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], ROWS))
    assert _errors(report) == [] and "total_mismatch" not in {i.code for i in report.issues}
    assert _by_unit(report) == {
        (LAI_CHAU, "SNNPTNT", "plan"): 500.0, (LAI_CHAU, "SNNPTNT", "disbursed"): 300.0,
        (LAI_CHAU, "BDT", "plan"): 200.0, (LAI_CHAU, "BDT", "disbursed"): 100.0,
        ("107", "", "plan"): 1000.0, ("107", "", "disbursed"): 800.0,
        ("106", "", "plan"): 500.0, ("106", "", "disbursed"): 450.0,
    }
    sheet = report.sheets[0]
    assert sheet["group_rows"] == [6, 9]  # the two headings: each the sum of its part, checked
    # every agency value keeps its own cell
    cells = {(r.commune_code, r.measure): r.cell for r in report.records if r.district_code == LAI_CHAU}
    assert cells == {("SNNPTNT", "plan"): "C7", ("SNNPTNT", "disbursed"): "D7", ("BDT", "plan"): "C8",
                     ("BDT", "disbursed"): "D8"}


def test_a_heading_that_differs_from_its_agencies_is_flagged_at_its_cell(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][2] = 750  # the agencies' plans sum to 700
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], rows))
    assert [(i.code, i.cell) for i in report.issues if i.code == "total_mismatch"] == [("total_mismatch", "C6")]


def test_headings_without_numbers_still_open_and_close_the_province_part(tmp_path: Path) -> None:
    rows = [["A", "Cấp tỉnh", None, None], [1, "Sở Y tế", 50, 40], ["B", "Cấp huyện", None, None],
            [1, "Mường Tè", 100, 80]]
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], rows))
    assert _errors(report) == []
    assert _by_unit(report) == {(LAI_CHAU, "SYT", "plan"): 50.0, (LAI_CHAU, "SYT", "disbursed"): 40.0,
                                ("107", "", "plan"): 100.0, ("107", "", "disbursed"): 80.0}


def test_an_agency_not_in_the_list_is_an_error_at_its_cell_never_a_district_or_a_guess(tmp_path: Path) -> None:
    rows = [["A", "CẤP TỈNH", None, None], [1, "Trường Cao đẳng Cộng đồng", 80, 60], [2, "Sở Y tế", 50, 40],
            ["B", "CẤP HUYỆN", None, None], [1, "Huyện Mường Tè", 100, 80]]
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], rows))
    assert _errors(report) == [("unknown_agency", "B7")]
    message = next(i.message for i in report.issues if i.code == "unknown_agency")
    assert "Trường Cao đẳng Cộng đồng" in message and "agencies.csv" in message
    assert not any(r.cell.endswith("7") for r in report.records)


def test_a_misspelt_agency_is_read_with_a_warning_naming_what_it_was_taken_for(tmp_path: Path) -> None:
    rows = [["A", "CẤP TỈNH", None, None], [1, "Sở Tài chánh", 80, 60]]
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], rows))
    warning = next(i for i in report.issues if i.code == "fuzzy_agency")
    assert warning.cell == "B7" and "Sở Tài chính" in warning.message
    assert _by_unit(report)[(LAI_CHAU, "STC", "plan")] == 80.0


def test_without_the_heading_an_agency_row_is_still_an_unknown_district(tmp_path: Path) -> None:
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"],
                                    [[1, "Sở Y tế", 50, 40], [2, "Huyện Mường Tè", 100, 80]]))
    assert _errors(report) == [("unknown_district", "B6")]


def test_an_agency_named_like_a_district_is_never_taken_for_it(tmp_path: Path) -> None:
    """'Ban Dân tộc tỉnh Lai Châu' resembles TP Lai Châu (90%), but names an agency exactly: an error, not a guess."""
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"],
                                    [[1, "Ban Dân tộc tỉnh Lai Châu", 50, 40], [2, "Huyện Mường Tè", 100, 80]]))
    assert _errors(report) == [("unknown_district", "B6")]
    assert not any(r.district_code == "105" for r in report.records)


@pytest.mark.parametrize(("label", "part"), [
    ("A. CẤP TỈNH", "province"), ("I - Khối tỉnh", "province"), ("Các sở, ban, ngành tỉnh", "province"),
    ("I. KHỐI CÁC SỞ, NGÀNH TỈNH", "province"),
    ("B. CẤP HUYỆN", "district"), ("II. Khối huyện", "district"), ("Các huyện, thành phố", "district"),
    ("Huyện Sìn Hồ", None), ("Tổng cộng", None), ("Tỉnh Lai Châu", None), ("Sở Y tế", None),
])
def test_part_headings(label: str, part: str | None) -> None:
    assert part_heading(label) == part


@pytest.mark.parametrize(("label", "code"), [
    ("Sở NN&PTNT", "SNNPTNT"), ("Sở Nông nghiệp và PTNT tỉnh Lai Châu", "SNNPTNT"), ("1. Sở Tài chính", "STC"),
    ("Tỉnh đoàn Lai Châu", "TDTN"), ("Ban QLDA", "BQLDA"),
    ("Ban QLDA các công trình giao thông", None),  # one board of several: not the generic 'Ban QLDA'
    ("=HYPERLINK(\"x\")", None), ("", None),
])
def test_agency_names(label: str, code: str | None) -> None:
    assert match_agency(label).code == code


def test_the_province_level_is_an_org_unit_beside_the_districts() -> None:
    assert LAI_CHAU == "T12" and is_province_level(LAI_CHAU) and not is_province_level("107")
    assert LAI_CHAU in all_districts() and LAI_CHAU not in districts("12") and province_of(LAI_CHAU) == "12"
    assert district_name(LAI_CHAU) == "Cấp tỉnh Lai Châu" and district_name(LAI_CHAU, lang="en") == "Province level"
    assert all(len(code) <= 8 and code.isascii() for code in agencies())  # they fit facts.commune_code


def test_a_whole_province_report_agencies_districts_and_communes_with_every_check(tmp_path: Path) -> None:
    """The consolidated layout: agencies, then districts with and without their communes, each level checked."""
    from tests.test_communes_reader import _code

    xa, tt = _code("Xã Mường Tè", "107"), _code("Thị trấn Mường Tè", "107")
    rows: list[list[Any]] = [
        ["A", "CẤP TỈNH", 700, 400],
        [1, "Sở NN&PTNT", 500, 300],
        [2, "Ban Dân tộc", 200, 100],
        ["B", "CẤP HUYỆN", 1500, 1250],
        [1, "Huyện Mường Tè", 1000, 800],
        [None, "Xã Mường Tè", 400, 300],
        [None, "TT Mường Tè", 600, 500],
        [2, "Huyện Tam Đường", 500, 450],
        [None, "Tổng cộng", 2200, 1650],
    ]
    report = inspect_file(_workbook(tmp_path / "tinh.xlsx", ["UBND TỈNH LAI CHÂU"], rows))
    assert _errors(report) == [] and "total_mismatch" not in {i.code for i in report.issues}
    plan = {(d, c): v for (d, c, m), v in _by_unit(report).items() if m == "plan"}
    assert plan == {(LAI_CHAU, "SNNPTNT"): 500.0, (LAI_CHAU, "BDT"): 200.0, ("107", xa): 400.0, ("107", tt): 600.0,
                    ("106", ""): 500.0}
    assert sum(plan.values()) == 2200.0  # what the file's total says: nothing lost, nothing counted twice
    assert report.sheets[0]["group_rows"] == [6, 9, 10]  # A, B, and Mường Tè over its communes
