"""Reading the project's template: records with their cells, and issues at the right cells."""

import datetime as dt

import pytest

from loaders import Dataset, inspect_file
from loaders.template_spec import FUNDING, POVERTY, TARGETS
from tests.conftest import funding_row, poverty_row


def _issues(report):
    return [(i.severity.value, i.code, i.sheet, i.cell) for i in report.issues]


def test_funding_rows_become_plan_and_disbursed_records(make_workbook):
    path = make_workbook(funding=[funding_row(), funding_row(component="2.1", source="local", plan=500, disbursed=None)])
    report = inspect_file(path)
    assert report.ok, _issues(report)
    got = sorted((r.component, r.source, r.measure, r.value, r.sheet, r.cell) for r in report.records)
    assert got == [
        ("1.1", "central_investment", "disbursed", 400.0, FUNDING.name, "G4"),
        ("1.1", "central_investment", "plan", 1000.0, FUNDING.name, "F4"),
        ("2.1", "local", "plan", 500.0, FUNDING.name, "F5"),
    ]
    rec = report.records[0]
    assert rec.dataset is Dataset.FUNDING and rec.district_code == "107"
    assert rec.year == 2017 and rec.as_of == dt.date(2017, 10, 31)
    assert len(report.sha256) == 64


def test_poverty_and_targets(make_workbook):
    targets = [dict(district_code="108", year=2017, as_of=dt.date(2017, 12, 31), measure="target_poor_rate", value=35.5)]
    report = inspect_file(make_workbook(poverty=[poverty_row()], targets=targets))
    assert report.ok, _issues(report)
    by = {(r.dataset, r.measure): r for r in report.records}
    assert by[(Dataset.POVERTY, "poor_households")].value == 4000
    assert by[(Dataset.POVERTY, "households")].cell == "D4"
    t = by[(Dataset.TARGET, "target_poor_rate")]
    assert (t.district_code, t.value, t.sheet, t.cell) == ("108", 35.5, TARGETS.name, "E4")
    assert t.component is None and t.source is None


def _set(sheet, cell, value):
    def edit(wb):
        wb[sheet][cell] = value
    return edit


@pytest.mark.parametrize(
    "sheet, cell, value, code",
    [
        (FUNDING.name, "A4", "Huyện Hà Nội", "unknown_district"),
        (FUNDING.name, "B4", 2012, "year_out_of_range"),
        (FUNDING.name, "B4", "năm nay", "bad_year"),
        (FUNDING.name, "C4", "hôm qua", "bad_date"),
        (FUNDING.name, "C4", dt.date(2019, 5, 1), "date_outside_year"),
        (FUNDING.name, "D4", "9.9 – Không có", "unknown_component"),
        (FUNDING.name, "D4", "1 – Dự án 1: Chương trình 30a", "component_not_leaf"),
        (FUNDING.name, "E4", "Vốn vay nước ngoài", "unknown_source"),
        (FUNDING.name, "F4", "một nghìn", "bad_number"),
        (FUNDING.name, "F4", -5, "negative_value"),
        (FUNDING.name, "F4", None, "missing_value"),
    ],
)
def test_errors_name_the_cell(make_workbook, sheet, cell, value, code):
    report = inspect_file(make_workbook(funding=[funding_row()], edit=_set(sheet, cell, value)))
    assert not report.ok
    assert ("error", code, sheet, cell) in _issues(report)


def test_unknown_district_suggests_names(make_workbook):
    report = inspect_file(make_workbook(funding=[funding_row()], edit=_set(FUNDING.name, "A4", "Muong Tee Xyz")))
    issue = next(i for i in report.issues if i.code in ("unknown_district", "fuzzy_district"))
    assert "Mường Tè" in issue.message


def test_disbursed_above_plan_is_a_warning(make_workbook):
    report = inspect_file(make_workbook(funding=[funding_row(plan=100, disbursed=150)]))
    assert report.ok
    assert ("warning", "disbursed_above_plan", FUNDING.name, "G4") in _issues(report)


def test_duplicate_rows_are_an_error_naming_both_cells(make_workbook):
    report = inspect_file(make_workbook(funding=[funding_row(), funding_row(plan=999)]))
    dup = [i for i in report.issues if i.code == "duplicate_key"]
    assert dup and dup[0].cell == "F5" and "F4" in dup[0].message


def test_cumulative_disbursement_going_down_is_a_warning(make_workbook):
    rows = [funding_row(as_of=dt.date(2017, 9, 30), disbursed=500), funding_row(as_of=dt.date(2017, 10, 31), disbursed=400)]
    report = inspect_file(make_workbook(funding=rows))
    assert report.ok
    assert ("warning", "cumulative_decrease", FUNDING.name, "G5") in _issues(report)


def test_poor_households_above_total_is_an_error(make_workbook):
    report = inspect_file(make_workbook(poverty=[poverty_row(households=100, poor=90, near_poor=20)]))
    assert ("error", "poor_above_households", POVERTY.name, "E4") in _issues(report)


def test_text_numbers_with_vietnamese_separators(make_workbook):
    report = inspect_file(make_workbook(funding=[funding_row()], edit=_set(FUNDING.name, "F4", "1.234,5")))
    assert report.ok
    assert {r.measure: r.value for r in report.records}["plan"] == 1234.5


def test_year_end_close_in_next_january_belongs_to_the_budget_year(make_workbook):
    report = inspect_file(make_workbook(funding=[funding_row(as_of=dt.date(2018, 1, 31))]))
    assert report.ok and {r.year for r in report.records} == {2017}


def test_header_found_below_inserted_rows(make_workbook):
    report = inspect_file(make_workbook(funding=[funding_row()], edit=lambda wb: wb[FUNDING.name].insert_rows(1, 3)))
    assert report.ok and {r.cell for r in report.records} == {"F7", "G7"}


@pytest.mark.parametrize(
    "content, suffix, code",
    [
        (b"", ".xlsx", "empty_file"),
        (b"this is not a zip", ".xlsx", "unreadable_file"),
        (b"PK\x03\x04garbage", ".xlsx", "unreadable_file"),
        (b"%PDF-1.4", ".pdf", "unsupported_type"),
    ],
)
def test_unusable_files_give_one_clear_error(tmp_path, content, suffix, code):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    report = inspect_file(path)
    assert [(i.severity.value, i.code) for i in report.issues] == [("error", code)]
    assert report.records == []


def test_workbook_without_template_sheets(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "hello"
    wb.save(tmp_path / "x.xlsx")
    codes = [i.code for i in inspect_file(tmp_path / "x.xlsx").issues]
    assert codes == ["sheet_skipped", "no_table"]


def test_messages_in_english(make_workbook):
    path = make_workbook(funding=[funding_row()], edit=_set(FUNDING.name, "B4", 1999))
    issue = next(i for i in inspect_file(path, lang="en").issues if i.code == "year_out_of_range")
    assert "outside the programme period (2016–2020)" in issue.message
