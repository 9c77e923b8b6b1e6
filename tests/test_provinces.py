"""Reading other provinces' files: the title block's province, the analyst's choice, names matched within it."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from loaders import inspect_file
from loaders.options import ReaderOptions
from loaders.template_spec import FUNDING
from tests.conftest import funding_row

DIEN_BIEN_ROWS = [("Thành phố Điện Biên Phủ", "094"), ("Thị xã Mường Lay", "095"), ("Mường Nhé", "096"),
                  ("Huyện Điện Biên Đông", "101"), ("H. Mường Ảng", "102")]


def report_workbook(path: Path, rows: list[tuple[str, float, float]], title: str | None = None,
                    total: str | None = None) -> Path:
    """A small hand-made funding report: optional issuing body in A1, then year, date, unit, header, rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "BC"
    ws.append([title])
    ws.append(["BÁO CÁO KẾT QUẢ GIẢI NGÂN VỐN CHƯƠNG TRÌNH 30A NĂM 2017"])
    ws.append(["(Tính đến ngày 31/10/2017)"])
    ws.append(["Đơn vị tính: triệu đồng"])
    ws.append(["STT", "Đơn vị", "Kế hoạch vốn năm 2017", "Giải ngân đến 31/10/2017"])
    for i, (name, plan, paid) in enumerate(rows, start=1):
        ws.append([i, name, plan, paid])
    if total:
        ws.append(["", total, sum(r[1] for r in rows), sum(r[2] for r in rows)])
    wb.save(path)
    return path


def codes(report) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {r.district_code: r.value for r in report.records if r.measure == "plan"}


def test_a_report_titled_ubnd_tinh_dien_bien_gives_dien_bien_codes(tmp_path: Path) -> None:
    rows = [(name, 100.0 * i, 40.0 * i) for i, (name, _) in enumerate(DIEN_BIEN_ROWS, start=1)]
    path = report_workbook(tmp_path / "db.xlsx", rows, title="UBND TỈNH ĐIỆN BIÊN", total="Tỉnh Điện Biên")
    report = inspect_file(path)
    assert report.ok and not report.warnings, report.issues
    assert codes(report) == {code: 100.0 * i for i, (_, code) in enumerate(DIEN_BIEN_ROWS, start=1)}
    layout = report.sheets[0]
    assert (layout["province"], layout["province_cell"]) == ("11", "A1")
    assert layout["total_rows"] == [6 + len(rows)]  # "Tỉnh Điện Biên": the province's own row is a total


@pytest.mark.parametrize(
    "title, province, code",
    [(None, "12", "111"), ("UBND TỈNH LAI CHÂU", "12", "111"),
     ("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI TỈNH BÌNH DƯƠNG", "74", "723")],
)
def test_tan_uyen_is_the_one_of_the_files_province(tmp_path: Path, title: str | None, province: str, code: str) -> None:
    report = inspect_file(report_workbook(tmp_path / "t.xlsx", [("Tân Uyên", 500.0, 100.0)], title=title))
    assert report.ok, report.issues
    assert codes(report) == {code: 500.0} and report.sheets[0]["province"] == province


def test_a_district_of_another_province_in_a_lai_chau_file_is_an_error_naming_that_province(tmp_path: Path) -> None:
    path = report_workbook(tmp_path / "lc.xlsx", [("Huyện Mường Tè", 500.0, 100.0), ("Huyện Điện Biên Đông", 300.0, 50.0)],
                           title="UBND TỈNH LAI CHÂU")
    report = inspect_file(path)
    assert [(i.code, i.cell) for i in report.errors] == [("unknown_district", "B7")]
    assert "Huyện Điện Biên Đông (Tỉnh Điện Biên)" in report.errors[0].message
    assert codes(report) == {"107": 500.0}


def test_the_analysts_choice_wins_over_the_title_and_the_mismatch_is_said(tmp_path: Path) -> None:
    rows = [(name, 100.0, 40.0) for name, _ in DIEN_BIEN_ROWS]
    path = report_workbook(tmp_path / "db.xlsx", rows, title="UBND TỈNH ĐIỆN BIÊN")
    report = inspect_file(path, province_code="12")
    assert {i.code for i in report.errors} == {"unknown_district"}
    warning = next(i for i in report.warnings if i.code == "province_mismatch")
    assert warning.cell == "A1" and "Tỉnh Điện Biên" in warning.message and "Tỉnh Lai Châu" in warning.message
    english = inspect_file(path, province_code="12", lang="en")
    assert "Dien Bien Province" in next(i.message for i in english.warnings if i.code == "province_mismatch")


@pytest.mark.parametrize("how", ["file", "sheet"])
def test_a_file_without_a_title_is_read_in_the_chosen_province(tmp_path: Path, how: str) -> None:
    rows = [(name, 100.0, 40.0) for name, _ in DIEN_BIEN_ROWS]
    path = report_workbook(tmp_path / "db.xlsx", rows)
    assert not inspect_file(path).ok  # Lai Châu by default: none of these names is one of its districts
    if how == "file":
        report = inspect_file(path, province_code="11")
    else:
        report = inspect_file(path, options={"BC": ReaderOptions(province_code="11")})
    assert report.ok and not report.warnings, report.issues
    assert set(codes(report)) == {code for _, code in DIEN_BIEN_ROWS}
    assert (report.sheets[0]["province"], report.sheets[0]["province_cell"]) == ("11", None)


def test_the_template_matches_names_in_the_chosen_province_and_codes_anywhere(make_workbook) -> None:  # type: ignore[no-untyped-def]
    def district(value: str):  # type: ignore[no-untyped-def]
        return lambda wb: wb[FUNDING.name].__setitem__("A4", value)

    named = make_workbook(funding=[funding_row()], edit=district("Huyện Mường Ảng"))
    assert [i.code for i in inspect_file(named).errors] == ["unknown_district"]
    report = inspect_file(named, province_code="11")
    assert report.ok, report.issues
    assert {r.district_code for r in report.records} == {"102"}
    coded = make_workbook(funding=[funding_row()], edit=district("102"))
    assert {r.district_code for r in inspect_file(coded).records} == {"102"}


def test_reader_options_keep_the_province_in_json() -> None:
    options = ReaderOptions(header_rows=(5, 5), province_code="11")
    assert ReaderOptions.from_json(options.to_json()) == options
    old = ReaderOptions.from_json('{"columns": {}, "header_rows": [3, 4]}')  # saved before provinces were chosen
    assert old == ReaderOptions(header_rows=(3, 4)) and old.province_code is None
