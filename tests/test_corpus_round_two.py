"""Round two of the corpus (issue 12): dates, source hierarchy, non-additive columns, several tables, hidden parts
and CSV encodings. The reader tests say what loaders.inspect_file must make of each file (spec12); the builder
tests check the corpus itself and pass whatever the reader does."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from loaders import FileReport, inspect_file
from loaders.reference import districts, measures
from tests.corpus.__main__ import main
from tests.corpus.builders import ALL_CASES, ERROR_CODES, MONEY_UNITS, WARNING_CODES, case_name
from tests.corpus.round_two import (
    NEW_ERROR_CODES,
    NEW_WARNING_CODES,
    ROUND_TWO_CASES,
    SOURCE_CODES,
    CaseTwo,
    Values,
    totals_of,
)

README = Path(__file__).parent / "corpus" / "README.md"
IDS = [case_name(b) for b in ROUND_TWO_CASES]
BUILDERS = dict(zip(IDS, ROUND_TWO_CASES))
CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")
ERRORS = ERROR_CODES | NEW_ERROR_CODES
WARNINGS = WARNING_CODES | NEW_WARNING_CODES


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CaseTwo]:
    out = tmp_path_factory.mktemp("round_two")
    return {name: build(out) for name, build in BUILDERS.items()}


_REPORTS: dict[Path, FileReport] = {}


def report_of(case: CaseTwo) -> FileReport:
    """The reader's report on a case's file, read once per test session."""
    if case.path not in _REPORTS:
        _REPORTS[case.path] = inspect_file(case.path)
    return _REPORTS[case.path]


def nonzero(values: dict[Any, float]) -> dict[Any, float]:
    """Blank cells and dashes may be no record or a record of 0: neither changes a sum."""
    return {k: round(v, 6) for k, v in values.items() if abs(v) > 1e-9}


def issue_lines(report: FileReport) -> list[str]:
    return sorted(f"{i.severity.value} {i.code} {i.sheet}!{i.cell}: {i.message}" for i in report.issues)


# --- what the reader must make of each file (fail until spec12 is implemented) ---------------------

@pytest.mark.parametrize("name", IDS)
def test_values_by_date_and_source(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    report = report_of(case)
    got: dict[tuple[Any, ...], float] = defaultdict(float)
    for rec in report.records:
        got[(rec.dataset.value, rec.district_code, rec.year, rec.as_of.isoformat(), rec.source, rec.measure)] += rec.value
    got, want = nonzero(got), nonzero(case.expected_values)
    assert {"missing": sorted(set(want) - set(got), key=str)[:8], "unexpected": sorted(set(got) - set(want), key=str)[:8]} \
        == {"missing": [], "unexpected": []}, case.description
    assert got == pytest.approx(want, abs=1e-6), case.description


@pytest.mark.parametrize("name", IDS)
def test_totals(name: str, built: dict[str, CaseTwo]) -> None:
    """The older corpus's view: (dataset, district, measure) sums, whatever the dates and sources."""
    case = built[name]
    got: dict[tuple[str, str, str], float] = defaultdict(float)
    for rec in report_of(case).records:
        got[(rec.dataset.value, rec.district_code, rec.measure)] += rec.value
    assert nonzero(got) == pytest.approx(nonzero(case.expected_totals), abs=1e-6), case.description


@pytest.mark.parametrize("name", IDS)
def test_expected_issues_are_reported(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    report = report_of(case)
    got = {(i.severity.value, i.code, i.sheet, i.cell) for i in report.issues}
    missing = [e for e in case.expected_issues if e not in got]
    assert missing == [], issue_lines(report)


@pytest.mark.parametrize("name", IDS)
def test_forbidden_codes_are_absent(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    report = report_of(case)
    found = [line for line in issue_lines(report) if line.split(" ")[1] in case.forbidden_codes]
    assert found == [], case.description


@pytest.mark.parametrize("name", IDS)
def test_meta_and_tables(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    report = report_of(case)
    meta = dict(case.expected_meta)
    per_sheet = meta.pop("sheets", {})
    read = {layout["sheet"]: layout for layout in report.sheets if layout["kind"] != "skipped"}
    assert set(per_sheet) <= set(read), sorted(read)
    for sheet, layout in read.items():
        want = {**meta, **per_sheet.get(sheet, {})}
        if want:
            assert {k: layout.get(k) for k in want} == want, sheet
    for sheet, kinds in case.expected_tables.items():
        tables = read[sheet].get("tables") or []
        assert [t["kind"] for t in tables] == kinds, sheet


# --- the corpus itself (pass now) ------------------------------------------------------------------

def test_cases_are_many_and_uniquely_named() -> None:
    assert len(IDS) >= 22 and len(IDS) == len(set(IDS))
    assert not set(IDS) & {case_name(b) for b in ALL_CASES}


def workbook_snapshot(path: Path) -> object:
    """What a file holds: bytes of a CSV; of a workbook its cells, formats, merges and hidden parts."""
    if path.suffix == ".csv":
        return path.read_bytes()
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        cells = [(c.coordinate, c.value, c.number_format) for row in ws.iter_rows() for c in row if c.value is not None]
        out.append((ws.title, ws.sheet_state, cells, sorted(str(r) for r in ws.merged_cells.ranges),
                    sorted(r for r, d in ws.row_dimensions.items() if d.hidden),
                    sorted(c for c, d in ws.column_dimensions.items() if d.hidden)))
    return out


def test_builds_are_deterministic(tmp_path: Path) -> None:
    for name, build in BUILDERS.items():
        a, b = build(tmp_path / "a"), build(tmp_path / "b")
        assert (a.expected_values, a.expected_totals, a.expected_issues, a.forbidden_codes, a.expected_meta,
                a.expected_tables) == (b.expected_values, b.expected_totals, b.expected_issues, b.forbidden_codes,
                                       b.expected_meta, b.expected_tables), name
        assert workbook_snapshot(a.path) == workbook_snapshot(b.path), name


@pytest.mark.parametrize("name", IDS)
def test_case_is_written_under_its_name(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    assert case.name == name and case.path.stem == name and case.path.stat().st_size > 0
    assert case.path.suffix in (".xlsx", ".csv")
    assert case.description and "\n" not in case.description
    assert not re.search(r"20[0-3][0-9]", name), "a year in the file name would be read as context"


def check_values(values: Values) -> None:
    assert values
    for (dataset, district, year, as_of, source, measure), value in values.items():
        assert district in districts()
        assert measures()[measure].dataset == dataset
        assert isinstance(year, int) and 2015 <= year <= 2020
        day = dt.date.fromisoformat(as_of)
        assert day.year == year
        assert source is None or source in SOURCE_CODES
        if dataset == "poverty":
            assert source is None
        assert isinstance(value, float) and math.isfinite(value) and value >= 0


@pytest.mark.parametrize("name", IDS)
def test_expected_values_are_valid_keys(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    check_values(case.expected_values)
    assert case.expected_totals == totals_of(case.expected_values)


def sheet_names(path: Path) -> list[str]:
    return [] if path.suffix == ".csv" else openpyxl.load_workbook(path).sheetnames


@pytest.mark.parametrize("name", IDS)
def test_expected_issues_use_the_vocabulary_and_point_at_something(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    names = sheet_names(case.path)
    wb = openpyxl.load_workbook(case.path) if names else None
    for severity, code, sheet, cell in case.expected_issues:
        assert code in (ERRORS if severity == "error" else WARNINGS), (severity, code)
        if wb is None:
            assert (sheet, cell) == (None, None)
            continue
        assert sheet in names
        if cell is not None:
            assert CELL.match(cell), cell
            assert wb[sheet][cell].value not in (None, ""), f"{sheet}!{cell} is empty"


@pytest.mark.parametrize("name", IDS)
def test_forbidden_codes_are_well_formed(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    assert "as_of_assumed" in case.forbidden_codes
    assert not case.forbidden_codes & {code for _, code, _, _ in case.expected_issues}
    assert all(re.fullmatch(r"[a-z_]+", c) for c in case.forbidden_codes)


@pytest.mark.parametrize("name", IDS)
def test_expected_meta_is_well_formed(name: str, built: dict[str, CaseTwo]) -> None:
    case = built[name]
    meta = case.expected_meta
    assert set(meta) <= {"year", "as_of", "unit", "sheets"}
    names = set(sheet_names(case.path))
    assert set(meta.get("sheets", {})) <= names and set(case.expected_tables) <= names
    for part in [meta, *meta.get("sheets", {}).values()]:
        assert set(part) - {"sheets"} <= {"year", "as_of", "unit"}
        if "year" in part:
            assert isinstance(part["year"], int)
        if "as_of" in part:
            assert dt.date.fromisoformat(part["as_of"]).year == part.get("year", meta.get("year"))
        if "unit" in part:
            assert part["unit"] in MONEY_UNITS
    assert meta.get("year") or meta.get("sheets")


def cells(path: Path, sheet: str | None = None) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.mark.parametrize("name, phrase", [
    ("as_of_end_of_month", "Tính đến hết tháng 10/2017"), ("as_of_quarter", "hết Quý III/2019"),
    ("as_of_six_months", "6 THÁNG ĐẦU NĂM 2018"), ("as_of_nine_months", "9 tháng năm 2018"),
    ("as_of_estimate", "Ước thực hiện cả năm 2018"), ("combined_quarter_abbreviations", "hết Quý III năm 2017"),
    ("combined_month_adjusted_rates", "BÁO CÁO THÁNG 10/2017"),
])
def test_as_of_phrase_is_the_only_date(name: str, phrase: str, built: dict[str, CaseTwo]) -> None:
    """The phrase is written, and no day/month/year date elsewhere could give the as-of date instead."""
    texts = [v for v in cells(built[name].path).values() if isinstance(v, str)]
    assert any(phrase in t for t in texts)
    dated = [t for t in texts if re.search(r"\d{1,2}/\d{1,2}/\d{4}", t)]
    assert dated == []


def test_date_cells_are_real_dates(built: dict[str, CaseTwo]) -> None:
    labelled = openpyxl.load_workbook(built["date_cell_labelled"].path).active
    assert labelled["C5"].value == "Tính đến ngày:"
    assert labelled["D5"].value == dt.datetime(2017, 10, 31) and labelled["D5"].number_format == "dd/mm/yyyy"
    bare = openpyxl.load_workbook(built["date_cell_bare"].path).active
    (_, _, _, cell), = built["date_cell_bare"].expected_issues
    assert bare[cell].value == dt.datetime(2017, 11, 30) and bare[cell].is_date
    assert not any(isinstance(v, str) and "đến" in v for v in cells(built["date_cell_bare"].path).values())


def test_hidden_parts_are_hidden(built: dict[str, CaseTwo]) -> None:
    ws = openpyxl.load_workbook(built["hidden_rows_and_column"].path).active
    hidden_rows = sorted(r for r, d in ws.row_dimensions.items() if d.hidden)
    assert hidden_rows == list(range(7, 20))
    assert [c for c, d in ws.column_dimensions.items() if d.hidden] == ["E"]
    assert ws["E21"].value == "Vốn ĐTPT" == ws["D21"].value  # the hidden copy looks like the real column
    wb = openpyxl.load_workbook(built["hidden_sheet"].path)
    assert [ws.sheet_state for ws in wb.worksheets] == ["hidden", "visible"]
    ws = openpyxl.load_workbook(built["combined_two_tables_hidden_sheet_year"].path).active
    assert sorted(r for r, d in ws.row_dimensions.items() if d.hidden)


def test_csv_encodings(built: dict[str, CaseTwo]) -> None:
    raw = built["csv_windows_1258"].path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1258")
    assert "Huyện Mường Tè" not in text and "Huyện Mường Tè" in unicodedata.normalize("NFC", text)
    raw = built["csv_utf16"].path.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    text = raw[2:].decode("utf-16-le")
    assert "Huyện Mường Tè" in text and "\t" in text and "," not in text.splitlines()[8]


@pytest.mark.parametrize("name, label, column, measure, scale", [
    ("as_of_end_of_month", "Tổng cộng", "C", "plan", 1.0),
    ("as_of_six_months", "Tổng cộng", "C", "plan", 1.0),
    ("date_cell_bare", "Tổng cộng", "C", "plan", 1.0),
    ("year_in_sheet_name_funding", "Tổng cộng", "F", "disbursed", 1.0),
    ("abbreviations_nstw_nsdp", "Tổng cộng", "C", "plan", 1.0),
    ("nstw_parent_and_children", "Tổng cộng", "C", "plan", 1.0),
    ("hidden_rows_and_column", "Tổng cộng", "C", "plan", 1.0),
    ("plan_adjusted", "Tổng cộng", "E", "plan", 1.0),
    ("combined_quarter_abbreviations", "Tổng cộng", "C", "plan", MONEY_UNITS["nghin_dong"]),
])
def test_file_total_row_agrees_with_expected(name: str, label: str, column: str, measure: str, scale: float,
                                             built: dict[str, CaseTwo]) -> None:
    """The file's own (visible, last) total row equals the expected values: the builders wrote what they expect."""
    case = built[name]
    ws = openpyxl.load_workbook(case.path).active
    row = max(c.row for c in ws["B"] if c.value == label)
    expected = sum(v for k, v in case.expected_values.items() if k[5] == measure)
    assert float(ws[f"{column}{row}"].value) * scale == pytest.approx(expected)


def test_main_writes_the_round_two_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--round-two", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == IDS
    assert all(Path(line.split("\t")[1]).is_file() for line in lines)


def test_readme_lists_every_round_two_case() -> None:
    readme = README.read_text(encoding="utf-8")
    assert [n for n in IDS if f"| `{n}` |" not in readme] == []
