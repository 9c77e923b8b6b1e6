"""Hidden rows, columns and sheets (issue 12): found in the reading child, blanked or left out, and named."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from loaders import inspect_file
from loaders._zip_check import hidden_in
from loaders.hidden import drop_hidden
from loaders.i18n import t
from loaders.template import build_workbook
from loaders.template_spec import LISTS_SHEET
from loaders.workbook import Grid, read_grids


def _report_workbook(path: Path) -> Path:
    """'Báo cáo' from C3: values in C5:J29; rows 12–20 and column F hidden with values, row 25 and column L
    hidden but empty; a hidden and a very hidden sheet with values, and an empty hidden sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Báo cáo"
    ws["C3"] = "Báo cáo giải ngân"
    for r in range(5, 30):
        for c in range(3, 11):  # C … J
            if r != 25:
                ws.cell(r, c, r * 100 + c)
    for r in range(12, 21):
        ws.row_dimensions[r].hidden = True
    ws.row_dimensions[25].hidden = True  # empty: not worth a word
    ws.row_dimensions[40].hidden = True  # below the table: outside the grid
    ws.column_dimensions["F"].hidden = True
    ws.column_dimensions["L"].hidden = True  # right of the table, empty
    hidden = wb.create_sheet("Số liệu cũ")
    hidden["A1"], hidden["B2"] = "Huyện Sìn Hồ", 1000
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("Macro")
    very["A1"] = 5
    very.sheet_state = "veryHidden"
    wb.create_sheet("Trống").sheet_state = "hidden"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def hidden_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _report_workbook(tmp_path_factory.mktemp("hidden") / "hidden.xlsx")


def _value(grid: Grid, address: str) -> object:
    """The value at an Excel address of a grid (None outside it)."""
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            if grid.cell(r, c) == address:
                return value
    return None


def test_the_child_tells_hidden_rows_columns_and_sheets(hidden_xlsx: Path) -> None:
    grids = {g.name: g for g in read_grids(hidden_xlsx)}
    sheet = grids["Báo cáo"]
    assert (sheet.first_row, sheet.first_col) == (2, 2)  # C3
    assert sorted(sheet.hidden_rows) == [*range(9, 18), 22]  # Excel rows 12–20 and 25, relative to row 3
    assert [sheet.cell(r, 0) for r in (9, 17, 22)] == ["C12", "C20", "C25"]
    assert sheet.hidden_cols == {3}  # F; L lies outside the grid (C … J)
    assert sheet.cell(0, 3) == "F3" and not sheet.hidden
    assert [g.hidden for g in grids.values()] == [False, True, True, True]
    assert _value(sheet, "F12") == 1206  # read_grids only tells: drop_hidden blanks


def test_drop_hidden_blanks_and_leaves_out_keeping_addresses(hidden_xlsx: Path) -> None:
    grids = read_grids(hidden_xlsx)
    issues = drop_hidden(grids, "en")
    assert [g.name for g in grids] == ["Báo cáo"]
    sheet = grids[0]
    for address in ("C12", "J20", "F5", "F29", "F12"):
        assert _value(sheet, address) is None, address
    # everything else where it was
    assert (_value(sheet, "C11"), _value(sheet, "C21"), _value(sheet, "E5"), _value(sheet, "G29")) == (1103, 2103, 505, 2907)
    assert _value(sheet, "C3") == "Báo cáo giải ngân"
    assert len(sheet.rows) == 27 and all(len(row) == 8 for row in sheet.rows)
    got = [(i.severity.value, i.code, i.sheet, i.cell) for i in issues]
    assert got == [("warning", "hidden_ignored", "Báo cáo", None),
                   ("warning", "hidden_sheet_ignored", "Số liệu cũ", None),
                   ("warning", "hidden_sheet_ignored", "Macro", None)]  # the empty hidden sheet: no word
    assert issues[0].message == t("issue.hidden_ignored", "en", parts="rows 12–20; column F")
    assert "rows 12–20; column F" in issues[0].message and "25" not in issues[0].message
    assert "'Số liệu cũ'" in issues[1].message


def test_messages_in_vietnamese(hidden_xlsx: Path) -> None:
    issues = drop_hidden(read_grids(hidden_xlsx), "vi")
    assert "hàng 12–20; cột F" in issues[0].message
    assert issues[1].message == t("issue.hidden_sheet_ignored", "vi", sheet="Số liệu cũ")


def test_inspect_file_reports_them(hidden_xlsx: Path) -> None:
    report = inspect_file(hidden_xlsx, lang="en")
    codes = [(i.code, i.sheet, i.cell) for i in report.issues]
    assert ("hidden_ignored", "Báo cáo", None) in codes
    assert ("hidden_sheet_ignored", "Số liệu cũ", None) in codes
    assert not any("Sìn Hồ" in str(v) for r in report.records for v in r)


def test_no_hidden_parts_no_issue(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in range(1, 6):
        ws.append([f"Huyện {r}", r, r * 2.5])
    ws.row_dimensions[3].height = 30  # row attributes other than hidden
    ws.column_dimensions["B"].width = 20
    wb.save(tmp_path / "plain.xlsx")
    grids = read_grids(tmp_path / "plain.xlsx")
    assert grids[0].hidden_rows == set() and grids[0].hidden_cols == set() and not grids[0].hidden
    rows = [list(row) for row in grids[0].rows]
    assert drop_hidden(grids, "vi") == [] and grids[0].rows == rows


def test_empty_hidden_rows_and_columns_say_nothing() -> None:
    grid = Grid("S", [["a", "b", ""], ["", " ", None], [1, 2, ""]], hidden_rows={1}, hidden_cols={2})
    assert drop_hidden([grid]) == []
    assert grid.rows == [["a", "b", None], [None, None, None], [1, 2, None]]


def test_a_run_is_named_whole_when_one_of_its_rows_holds_a_value() -> None:
    rows: list[list[object]] = [[None, None] for _ in range(40)]
    rows[12][0] = 7  # Excel row 13, inside the hidden run 11–15; run 31–32 is empty
    grid = Grid("S", rows, hidden_rows={10, 11, 12, 13, 14, 30, 31}, hidden_cols={1})
    (issue,) = drop_hidden([grid], "en")
    assert "row 11–15;" not in issue.message and "rows 11–15." in issue.message  # column B was empty


def test_many_runs_are_counted() -> None:
    rows: list[list[object]] = [[1] for _ in range(100)]
    grid = Grid("S", rows, hidden_rows=set(range(0, 100, 2)))  # 50 single rows
    (issue,) = drop_hidden([grid], "en")
    assert "rows 1, 3, 5, 7, 9, 11, 13, 15, … (50 in all)" in issue.message
    (single,) = drop_hidden([Grid("S", [[1], [2]], first_col=5, hidden_cols={0})], "en")
    assert "column F." in single.message


def test_xls_tells_hidden_sheets_but_not_rows(tmp_path: Path) -> None:
    """calamine gives an .xls sheet's visibility; its hidden rows and columns it does not (read as visible)."""
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    shown, hidden = wb.add_sheet("Biểu 01"), wb.add_sheet("Cũ")
    shown.write(0, 0, "Huyện Sìn Hồ")
    shown.row(0).hidden = True
    hidden.write(0, 0, 5)
    hidden.visibility = 1
    wb.save(str(tmp_path / "old.xls"))
    grids = read_grids(tmp_path / "old.xls")
    assert [(g.name, g.hidden, g.hidden_rows) for g in grids] == [("Biểu 01", False, set()), ("Cũ", True, set())]
    assert [i.code for i in drop_hidden(grids)] == ["hidden_sheet_ignored"] and grids[0].rows == [["Huyện Sìn Hồ"]]


def test_template_lists_sheet_is_no_news(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    build_workbook().save(path)
    assert any(g.hidden and g.name == LISTS_SHEET for g in read_grids(path))
    report = inspect_file(path)
    assert not [i for i in report.issues if i.code.startswith("hidden")]


# --- the XML scan --------------------------------------------------------------------------------------------------

ALL = range(0, 1_048_576)
COLS = range(0, 16_384)


def _sheet(cols: bytes, rows: bytes) -> bytes:
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + cols + b"<sheetData>" + rows + b"</sheetData></worksheet>")


def test_hidden_in_reads_rows_and_columns() -> None:
    xml = _sheet(b'<cols><col min="2" max="4" hidden="1"/><col min="6" max="6" hidden="0"/>'
                 b"<col min='8' max='8' hidden='true' width='3'/></cols>",
                 b'<row r="2" hidden="1"><c r="A2"><v>1</v></c></row><row r="3" hidden="false"/>'
                 b'<row r="4" spans="1:3"><c r="A4" t="inlineStr"><is><t>hidden="1"</t></is></c></row>'
                 b'<row r="9" ht="0" customHeight="1" hidden="true"/>')
    assert hidden_in(xml, ALL, COLS) == ({1, 8}, {1, 2, 3, 7})
    # relative to a grid from B2, and only within it
    assert hidden_in(xml, range(1, 5), range(1, 3)) == ({0}, {0, 1})


def test_hidden_in_without_hidden_bytes_or_with_odd_markup() -> None:
    assert hidden_in(_sheet(b"", b'<row r="1"><c r="A1"><v>1</v></c></row>'), ALL, COLS) == (set(), set())
    # prefixed tags; rows without r (each after the one before)
    xml = (b'<x:worksheet xmlns:x="s"><x:sheetData><x:row><x:c><x:v>1</x:v></x:c></x:row>'
           b'<x:row hidden="1"><x:c><x:v>2</x:v></x:c></x:row><x:row r="7"/><x:row\nhidden = "1"/></x:sheetData>'
           b"</x:worksheet>")
    assert hidden_in(xml, ALL, COLS) == ({1, 7}, set())


def test_hidden_in_is_bounded_on_crafted_parts() -> None:
    cols = b"<cols>" + b'<col min="1" max="16384" hidden="1"/>' * 50_000 + b"</cols>"
    text = b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b'hidden="1" ' * 500_000 + b"</t></is></c></row>"
    rows = b"".join(b'<row r="%d" hidden="1"/>' % r for r in range(1, 200_001))
    t0 = time.perf_counter()
    got_rows, got_cols = hidden_in(_sheet(cols, text + rows), range(0, 100), range(0, 500))
    assert time.perf_counter() - t0 < 10
    assert got_rows == set(range(100)) and got_cols == set(range(500))
