"""An annotated copy of an analyst's file: issue cells filled and commented, and a summary sheet of every issue.

The copy is built on request, in a child process limited in memory and time (``annotated_copy``): openpyxl
takes about 500 bytes and 35 µs a cell, so a 6-million-cell upload took 3 GB and 215 s in the server.
Its formulas are written back as text (``_neutralise``): the copy computes and fetches nothing when opened.
"""

from __future__ import annotations

import datetime as dt
import math
import pickle
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ._zip_check import cells_in
from .errors import LoaderError, UnreadableFile
from .i18n import catalogue, t, thousands
from .records import FileReport, Issue, Severity
from .reference import ROOT
from .text import FORMULA_PREFIXES
from .workbook import Grid, read_grids

MAX_ANNOTATED_CELLS = 5_000  # beyond this, issues are only listed on the summary sheet
# Cells of the analyst's file a copy may hold (400,000 took 29 s and 300 MB on a busy 2-core machine). A larger
# file gets a message instead (its issues are all listed on the page); the child's limits stop what slips past.
MAX_COPIED_CELLS = 500_000
COPY_MEMORY_BYTES = 3 << 29  # 1.5 GiB of address space for the child that builds the copy
COPY_SECONDS = 120
MAX_COMMENT_CHARS = 4_000
OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
# Errors that mean the file itself could not be opened: only the summary can be written.
UNOPENABLE = frozenset({"unreadable_file", "password_protected", "empty_file", "unsupported_type"})
FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
}
BAD_TITLE_CHARS = re.compile(r"[\\/*?:\[\]]")
CELL_ADDRESS = re.compile(r"^\$?[A-Za-z]{1,3}\$?[1-9][0-9]{0,6}$")
SUMMARY_WIDTHS = (10, 24, 90, 22, 8, 30)



def _labels(lang: str) -> dict[str, Any]:
    """The copy's own words in its language, from the catalogue (section [annotate])."""
    def a(key: str) -> str:
        return t(f"annotate.{key}", lang)

    return {"author": a("author"), "sheet": a("sheet"), "error": a("error"), "warning": a("warning"),
            "header": tuple(a(k) for k in ("severity", "kind", "message", "sheet_column", "cell", "reference")),
            "more": a("more"), "none": a("none"), "lang": lang}


def issue_title(code: str, lang: str = "vi") -> str:
    """The short name of a kind of issue in lang ('Tổng không khớp' for total_mismatch); the code if it has none."""
    return catalogue(lang).get(f"issue_title.{code}") or catalogue("vi").get(f"issue_title.{code}") or code


def annotated_copy(path: Path, report: FileReport, lang: str = "vi") -> bytes:
    """annotate() in a child process limited in memory and time; LoaderError when the copy cannot be made."""
    def failed(detail: str) -> LoaderError:
        return LoaderError(t("issue.annotation_failed", lang, detail=detail), code="annotation_failed")

    command = [sys.executable, "-c", _CHILD, str(Path(path).resolve()), lang, str(COPY_MEMORY_BYTES)]
    try:
        proc = subprocess.run(command, input=pickle.dumps(list(report.issues)), capture_output=True, cwd=ROOT,
                              timeout=COPY_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise failed(t("issue.annotation_slow", lang, seconds=COPY_SECONDS)) from exc
    try:
        answer = pickle.loads(proc.stdout) if proc.returncode == 0 else None  # our own child's output
    except Exception:  # noqa: BLE001 - a child that printed something else has failed too
        answer = None
    if answer is None:
        raise failed(t("issue.annotation_memory", lang))
    if answer[0] == "refused":
        raise LoaderError(answer[2], code=answer[1])
    return bytes(answer[1])


# python -c _CHILD PATH LANG MEMORY_BYTES, the issues pickled on stdin: the memory limit is set before any import
_CHILD = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]),) * 2); "
          "from loaders.annotate import _child; _child()")


def _child() -> None:  # pragma: no cover - runs in the child
    """Build one copy; the answer, pickled to stdout: ("ok", bytes) or ("refused", code, text)."""
    path, lang = Path(sys.argv[1]), sys.argv[2]
    issues = pickle.loads(sys.stdin.buffer.read())  # from the parent, our own
    try:
        answer: tuple[object, ...] = ("ok", annotate(path, FileReport(str(path), issues=issues), lang))
    except LoaderError as exc:
        answer = ("refused", exc.code, str(exc))
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


def annotate(path: Path, report: FileReport, lang: str = "vi") -> bytes:
    """The analyst's file as .xlsx bytes: issue cells filled and commented, all issues listed on a first sheet.

    In this process: the server calls annotated_copy. LoaderError when the file has more than MAX_COPIED_CELLS.
    """
    labels = _labels(lang)
    wb, sheets = _open(Path(path), report, lang)
    unmarked = _mark(sheets, report.issues, labels)
    _write_summary(wb, report.issues, labels, unmarked)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _open(path: Path, report: FileReport, lang: str) -> tuple[Workbook, dict[str, Worksheet]]:
    """The workbook to annotate, and its worksheets by the sheet name the report uses."""
    if not any(i.severity is Severity.ERROR and i.code in UNOPENABLE for i in report.issues):
        if path.suffix.lower() in OPENPYXL_SUFFIXES:
            try:
                _bound(cells_in(str(path)), lang)
                wb = load_workbook(path, keep_vba=False, data_only=False)
                _neutralise(wb)
                return wb, {ws.title: ws for ws in wb.worksheets}
            except LoaderError:
                raise
            except Exception:  # openpyxl rejects some files calamine reads; rebuild from values
                pass
        try:
            grids = read_grids(path, lang)
        except (UnreadableFile, OSError):
            pass
        else:
            _bound(sum(len(row) for grid in grids for row in grid.rows), lang)
            return _rebuild(grids)
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    return wb, {}


def _bound(cells: int, lang: str) -> None:
    """Refuse to copy a file of more than MAX_COPIED_CELLS cells, saying why and what to do instead."""
    if cells > MAX_COPIED_CELLS:
        raise LoaderError(t("issue.annotation_too_large", lang, cells=thousands(cells, lang),
                            limit=thousands(MAX_COPIED_CELLS, lang)),
                          code="annotation_too_large")


def _neutralise(wb: Workbook) -> None:
    """The file's formulas as text, and nothing that reaches outside it: opening the copy computes nothing."""
    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):  # the cells written in the file (iter_rows would fill the gaps)
            value = cell.value
            if cell.data_type == "f" or (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)):
                _put(cell, value if isinstance(value, str) else getattr(value, "text", None) or "")
        ws.defined_names.clear()
    wb.defined_names.clear()  # a name may hold a formula (=WEBSERVICE(…)); print areas and titles are kept apart
    wb._external_links = []  # links to other workbooks, which Excel offers to update on opening


def _rebuild(grids: Iterable[Grid]) -> tuple[Workbook, dict[str, Worksheet]]:
    """An .xlsx holding each grid's values and merges at their original Excel addresses."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    sheets = {}
    for grid in grids:
        # a csv file name may be longer than Excel allows or hold characters it forbids
        ws = wb.create_sheet(BAD_TITLE_CHARS.sub("_", grid.name)[:31] or "Sheet")
        sheets[grid.name] = ws
        for r, row in enumerate(grid.rows, start=grid.first_row + 1):
            for c, value in enumerate(row, start=grid.first_col + 1):
                if value is not None and value != "":
                    _put(ws.cell(r, c), value)
        for (r0, c0), (r1, c1) in grid.merged:  # after the values: merging makes the other cells read-only
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=grid.first_row + r0 + 1, start_column=grid.first_col + c0 + 1,
                               end_row=grid.first_row + r1 + 1, end_column=grid.first_col + c1 + 1)
    return wb, sheets


def _mark(sheets: dict[str, Worksheet], issues: list[Issue], labels: dict[str, Any]) -> int:
    """Fill and comment each issue's cell in its sheet; return how many cells were left unmarked."""
    by_cell: dict[tuple[str, int, int], list[Issue]] = defaultdict(list)
    merges: dict[str, dict[int, list[tuple[int, int, int, int]]]] = {}
    for issue in issues:
        sheet = issue.sheet
        if not sheet or sheet not in sheets:
            continue  # no sheet, or one the workbook does not have: summary only
        if sheet not in merges:
            merges[sheet] = _merge_index(sheets[sheet])
        row, col = _anchor(issue.cell, merges[sheet])
        by_cell[(sheet, row, col)].append(issue)
    for n, ((sheet, row, col), found) in enumerate(by_cell.items()):
        if n == MAX_ANNOTATED_CELLS:
            return len(by_cell) - n
        _annotate_cell(sheets[sheet].cell(row, col), found, labels)
    return 0


def _merge_index(ws: Worksheet) -> dict[int, list[tuple[int, int, int, int]]]:
    """A sheet's merged ranges by each row they cover, so finding a cell's range is quick."""
    index: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for rng in ws.merged_cells.ranges:
        bounds = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
        for row in range(rng.min_row, rng.max_row + 1):
            index[row].append(bounds)
    return index


def _anchor(cell: str | None, merges: dict[int, list[tuple[int, int, int, int]]]) -> tuple[int, int]:
    """(row, column) to annotate: the cell, the top-left of its merged range, or A1 when there is none."""
    if not cell or not CELL_ADDRESS.match(cell):
        return 1, 1
    row, col = coordinate_to_tuple(cell.replace("$", "").upper())
    for r0, c0, r1, c1 in merges.get(row, ()):
        if c0 <= col <= c1 and r0 <= row <= r1:
            return r0, c0
    return row, col


def _annotate_cell(cell: Cell, issues: list[Issue], labels: dict[str, Any]) -> None:
    """One fill and one comment for all issues of a cell, errors first; an earlier comment is kept below."""
    ordered = sorted(issues, key=lambda i: i.severity is not Severity.ERROR)
    lines = list(dict.fromkeys(_clean(f"{labels[i.severity.value]}: {i.message}") for i in ordered))
    text = "\n".join(lines)
    if cell.comment is not None and cell.comment.text:
        text += "\n\n" + cell.comment.text
    text = text[:MAX_COMMENT_CHARS]
    # about 50 characters a line in a 320-point-wide box, 15 points a line
    height = min(600, 20 + 15 * sum(max(1, math.ceil(len(line) / 50)) for line in text.splitlines()))
    cell.comment = Comment(text, labels["author"], height=height, width=320)
    cell.fill = FILLS[ordered[0].severity]


def _write_summary(wb: Workbook, issues: list[Issue], labels: dict[str, Any], unmarked: int) -> None:
    """Add the first sheet listing every issue, errors first, with a plain 'Sheet'!D12 reference."""
    ws = wb.create_sheet(labels["sheet"], 0)
    bold = Font(bold=True)
    for col, (header, width) in enumerate(zip(labels["header"], SUMMARY_WIDTHS), start=1):
        _put(ws.cell(1, col), header).font = bold
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    for row, issue in enumerate(sorted(issues, key=lambda i: i.severity is not Severity.ERROR), start=2):
        values = (labels[issue.severity.value], issue_title(issue.code, labels["lang"]), issue.message, issue.sheet or "", issue.cell or "",
                  _reference(issue))
        for col, value in enumerate(values, start=1):
            _put(ws.cell(row, col), value)
    if not issues:
        _put(ws.cell(2, 1), labels["none"])
    if unmarked:
        _put(ws.cell(ws.max_row + 2, 1), labels["more"].format(n=thousands(unmarked, labels["lang"]), limit=thousands(MAX_ANNOTATED_CELLS, labels["lang"]))).font = bold
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False  # several selected tabs would open the file with sheets grouped
    wb.active = 0
    ws.sheet_view.tabSelected = True


def _reference(issue: Issue) -> str:
    """Where a person finds the issue, as Excel writes it: 'Biểu 01'!D12, or '' for the whole file."""
    if not issue.sheet:
        return ""
    quoted = "'" + issue.sheet.replace("'", "''") + "'"
    return f"{quoted}!{issue.cell}" if issue.cell else quoted


def _put(cell: Cell, value: Any) -> Cell:
    """Write a value as data, never as a formula: text stays text, and text starting with a formula prefix
    (= + - @ tab CR) gets a quote prefix."""
    if isinstance(value, str):
        cell.value = _clean(value)
        cell.data_type = "s"  # openpyxl would otherwise turn '=…' into a formula and '#N/A' into an error
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif isinstance(value, bool | int | float | dt.date | dt.time | dt.timedelta):
        cell.value = value
    else:
        cell.value = _clean(str(value))
    return cell


def _clean(text: str) -> str:
    """Text without the control characters that an .xlsx cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)
