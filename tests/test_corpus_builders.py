"""Sanity of the corpus builders, not of any reader: each case builds, opens and states a coherent expectation."""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from loaders.reference import districts, measures
from loaders.text import fold
from tests.corpus.__main__ import main
from tests.corpus.builders import (
    ALL_CASES,
    ERROR_CODES,
    MONEY_UNITS,
    WARNING_CODES,
    Case,
    CaseUnavailable,
    build_legacy_xls,
    case_name,
    to_tcvn3,
    to_vni,
)

README = Path(__file__).parent / "corpus" / "README.md"
UNUSABLE = {"unreadable_file", "password_protected", "no_table"}
CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")
# Vietnamese letters that neither TCVN3 nor VNI text can contain (â ê ô can: they are legacy codes too).
VIETNAMESE_UNICODE = re.compile("[\u1ea0-\u1ef9ăơưđĂƠƯĐ]")


def build(builder, out_dir: Path) -> Case:  # type: ignore[no-untyped-def]
    try:
        return builder(out_dir)
    except CaseUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@pytest.fixture(scope="module", params=ALL_CASES, ids=case_name)
def case(request: pytest.FixtureRequest, out_dir: Path) -> Case:
    return build(request.param, out_dir)


def unusable(case: Case) -> bool:
    return any(code in UNUSABLE for _, code, _, _ in case.expected_issues)


def unreadable(case: Case) -> bool:
    return any(code == "unreadable_file" for _, code, _, _ in case.expected_issues)


def sheet_values(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_cases_are_many_and_uniquely_named() -> None:
    names = [case_name(b) for b in ALL_CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 19


def test_case_is_written_under_its_name(case: Case, out_dir: Path) -> None:
    assert case.path.parent == out_dir and case.path.stem == case.name
    assert case.path.stat().st_size > 0
    assert case.description and "\n" not in case.description


def test_file_opens_as_it_should(case: Case) -> None:
    if unreadable(case):
        with pytest.raises(Exception):  # noqa: B017 - any failure to open is the point
            openpyxl.load_workbook(case.path)
        with pytest.raises(Exception):  # noqa: B017
            CalamineWorkbook.from_path(str(case.path))
    elif case.path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(case.path)
        assert wb.sheetnames == list(sheet_values(case.path))
    elif case.path.suffix == ".xls":
        with pytest.raises(Exception):  # noqa: B017 - openpyxl cannot read Excel 97-2003
            openpyxl.load_workbook(case.path)
        assert all(rows for rows in sheet_values(case.path).values())
    else:
        assert case.path.suffix == ".csv"
        assert case.path.read_bytes().decode("utf-8-sig").count("\n") > 8


def test_expected_totals_are_valid_keys(case: Case) -> None:
    if unusable(case):
        assert case.expected_totals == {}
        return
    assert case.expected_totals
    for (dataset, district, measure), value in case.expected_totals.items():
        assert district in districts()
        assert measures()[measure].dataset == dataset
        assert isinstance(value, float) and math.isfinite(value)


def test_expected_issues_use_the_vocabulary_and_point_at_something(case: Case) -> None:
    sheets = {} if unusable(case) or case.path.suffix == ".csv" else sheet_values(case.path)
    for severity, code, sheet, cell in case.expected_issues:
        assert severity in ("error", "warning")
        assert code in (ERROR_CODES if severity == "error" else WARNING_CODES), code
        if code in UNUSABLE:
            assert (sheet, cell) == (None, None)
            continue
        assert sheet in sheets
        if cell is None:
            continue
        assert CELL.match(cell), cell
        if case.path.suffix == ".xlsx":
            value = openpyxl.load_workbook(case.path)[sheet][cell].value
            assert value not in (None, ""), f"{sheet}!{cell} is empty"


def test_expected_meta_is_well_formed(case: Case) -> None:
    meta = case.expected_meta
    if unusable(case):
        assert meta == {}
        return
    assert set(meta) <= {"year", "as_of", "unit", "sheets"}
    assert isinstance(meta["year"], int)
    names = set(sheet_values(case.path)) if case.path.suffix != ".csv" else set()
    for part in [meta, *meta.get("sheets", {}).values()]:
        if "as_of" in part:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", part["as_of"])
        if "unit" in part:
            assert part["unit"] in MONEY_UNITS
    assert set(meta.get("sheets", {})) <= names


def test_legacy_encoders_give_the_known_forms() -> None:
    assert to_tcvn3("Huyện Mường Tè") == "HuyÖn M\xadêng TÌ"
    assert to_tcvn3("Tổng cộng") == "Tæng céng"
    assert to_tcvn3("Kế hoạch vốn") == "KÕ ho¹ch vèn"
    assert to_tcvn3("BÁO CÁO", caps=True) == "B¸O C¸O"
    with pytest.raises(ValueError):
        to_tcvn3("BÁO CÁO")  # a toned capital needs the capitals font
    assert to_vni("Huyện Mường Tè") == "Huyeän Möôøng Teø"
    assert to_vni("Tổng cộng") == "Toång coäng"
    assert to_vni("Kế hoạch vốn") == "Keá hoaïch voán"


def test_tcvn3_case_is_legacy_text_in_legacy_fonts(out_dir: Path) -> None:
    case = build(next(b for b in ALL_CASES if case_name(b) == "tcvn3_font"), out_dir)
    texts = []
    for row in openpyxl.load_workbook(case.path).active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.font.name in (".VnTime", ".VnTimeH"), cell.coordinate
                assert not VIETNAMESE_UNICODE.search(cell.value), cell.coordinate
                texts.append(cell.value)
    assert "HuyÖn M\xadêng TÌ" in texts


def test_vni_case_has_only_vni_text(out_dir: Path) -> None:
    case = build(next(b for b in ALL_CASES if case_name(b) == "vni_text_no_font"), out_dir)
    raw = case.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "Huyeän Möôøng Teø" in text and not VIETNAMESE_UNICODE.search(text)


def test_nfd_case_is_decomposed_semicolon_csv(out_dir: Path) -> None:
    case = build(next(b for b in ALL_CASES if case_name(b) == "nfd_and_csv_semicolon"), out_dir)
    raw = case.path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert not unicodedata.is_normalized("NFC", text)
    assert "Huyện Mường Tè" in unicodedata.normalize("NFC", text)
    assert text.splitlines()[0].count(";") == 9 and re.search(r";\d+,\d;", text)


@pytest.mark.parametrize("name, label, factor", [
    ("districts_by_source", "Tổng cộng", 1.0),
    ("total_row_on_top", "TOÀN TỈNH", 1e-6),
    ("three_header_rows", "Tổng cộng", 1.0),
    ("legacy_xls", "Tổng cộng", 1.0),
])
def test_file_total_row_agrees_with_expected_plan(name: str, label: str, factor: float, out_dir: Path) -> None:
    """Where a file's own totals are right, they equal the sum of the expected totals: builders wrote what they expect."""
    case = build(next(b for b in ALL_CASES if case_name(b) == name), out_dir)
    (rows,) = sheet_values(case.path).values()
    total_row = next(r for r in rows if fold(r[1]) == fold(label))
    expected = sum(v for (_, _, m), v in case.expected_totals.items() if m == "plan")
    assert float(total_row[2]) * factor == pytest.approx(expected)


def test_builds_are_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for builder in ALL_CASES:
        try:
            a, b = builder(first), builder(second)
        except CaseUnavailable:
            continue
        assert (a.expected_totals, a.expected_issues, a.expected_meta) == (
            b.expected_totals, b.expected_issues, b.expected_meta)
        if a.path.suffix == ".csv" or unreadable(a):
            assert a.path.read_bytes() == b.path.read_bytes(), a.name
        else:  # xlsx and xls hold the time they were written: compare what they contain
            assert sheet_values(a.path) == sheet_values(b.path), a.name


def test_main_writes_every_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [case_name(b) for b in ALL_CASES]
    for line in lines:
        name, path, _ = line.split("\t")
        assert path == "-" or Path(path).is_file()


def test_main_without_a_folder_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_readme_lists_every_case() -> None:
    readme = README.read_text(encoding="utf-8")
    assert [case_name(b) for b in ALL_CASES if f"| `{case_name(b)}` |" not in readme] == []


def test_legacy_xls_needs_xlwt_or_says_so(tmp_path: Path) -> None:
    try:
        import xlwt  # noqa: F401
    except ImportError:
        with pytest.raises(CaseUnavailable, match="xlwt"):
            build_legacy_xls(tmp_path)
    else:
        assert build_legacy_xls(tmp_path).path.suffix == ".xls"
