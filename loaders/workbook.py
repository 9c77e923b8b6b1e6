"""Opening spreadsheet files into plain grids of cell values, with Excel addresses."""

from __future__ import annotations

import csv
import gc
import io
import json
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from ._zip_check import Limits, short
from .errors import UnreadableFile
from .i18n import t, thousands

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUFFIXES = SPREADSHEET_SUFFIXES + (".csv",)
# A sheet wider or longer than this is not a district report; stop before memory goes.
MAX_ROWS = 2_000_000
MAX_COLUMNS = 500
# calamine makes a dense grid from a sheet's first to its last used cell (32 bytes a cell) and
# aborts the whole process when that cannot be allocated (A1 and XFD1048576: 550 GB). A sheet
# spanning more cells than this is refused, for .xlsx before calamine sees it (_zip_check.py).
MAX_CELLS = 6_000_000
# What the parts of a zip-based spreadsheet may inflate to, together: a zip bomb stops here.
MAX_UNZIPPED_BYTES = 200 << 20
# Excel's own limit on one cell's text. calamine copies a shared string into every cell that refers to it, so a
# longer one (only a crafted file has it) is refused before calamine reads the file.
MAX_CELL_CHARS = 32_767
# Text in all the cells of a workbook: 7 times the 6.8 million characters of the 108,000-row benchmark workbook
# (3.5 MB; the largest upload, 20 MB, holds about 40 million). More is refused before it reaches the server.
MAX_TEXT_CHARS = 50_000_000
# Characters in one line of a CSV; a longer line is not a table (and would be parsed whole).
MAX_LINE_CHARS = 1_000_000
# Spreadsheets are read in a child process (loaders/_read_child.py) with this much address space: ample for any
# real report (the benchmark workbook takes about 250 MB there), and a file that needs more only ends the child.
CHILD_MEMORY_BYTES = 1 << 30
CHILD_SECONDS = 120


_letter = lru_cache(maxsize=1024)(get_column_letter)


@dataclass
class Grid:
    """A sheet's values as rows, and where the first of them sits in Excel."""

    name: str
    rows: list[list[Any]]
    first_row: int = 0  # 0-based Excel row of rows[0]
    first_col: int = 0  # 0-based Excel column of rows[r][0]
    # merged ranges as ((row0, col0), (row1, col1)), inclusive, relative to rows[0][0]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # addresses ('G4') of cells with a formula but no value computed when the file was saved
    formulas_without_value: set[str] = field(default_factory=set)

    def cell(self, r: int, c: int) -> str:
        """Excel address ('D12') of rows[r][c]."""
        return f"{_letter(self.first_col + c + 1)}{self.first_row + r + 1}"


def read_grids(path: Path, lang: str = "vi") -> list[Grid]:
    """Every sheet of a file as a Grid; UnreadableFile when it cannot be opened."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile(t("issue.unsupported_type", lang, suffix=suffix or "?"), code="unsupported_type")
    try:
        if path.stat().st_size == 0:
            raise UnreadableFile(t("issue.empty_file", lang), code="empty_file")
    except OSError as exc:
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=exc.strerror or exc)) from exc
    if suffix == ".csv":
        return [_read_csv(path, lang)]
    return _read_spreadsheet(path, lang)


def _read_csv(path: Path, lang: str) -> Grid:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(t("issue.unreadable_file", lang, detail="not UTF-8 text")) from exc
    # csv parses a whole line at once: a 50 MB line of short fields would be millions of strings
    longest = _longest_line(text)
    if longest > MAX_LINE_CHARS:
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=f"a line of {longest:,} characters"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows: list[list[Any]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            cells += len(row)
            if len(row) > MAX_COLUMNS or len(rows) >= MAX_ROWS or cells > MAX_CELLS:
                raise UnreadableFile(t("issue.unreadable_file", lang, detail=f"more than {MAX_COLUMNS} columns, "
                                       f"{MAX_ROWS:,} rows or {MAX_CELLS:,} cells"))
            rows.append(row)
    except csv.Error as exc:  # a field over csv.field_size_limit(), a stray quote …
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=short(exc))) from exc
    return Grid(path.stem, rows)


def _longest_line(text: str) -> int:
    """Characters in the longest line (lines end at \\n, or at \\r in a file without \\n)."""
    end_of_line = "\n" if "\n" in text else "\r"
    longest = start = 0
    while (end := text.find(end_of_line, start)) >= 0:
        longest, start = max(longest, end - start), end + 1
    return max(longest, len(text) - start)


def limits() -> Limits:
    """The bounds a spreadsheet is read within (this module's constants, read when called)."""
    return Limits(MAX_CELLS, MAX_UNZIPPED_BYTES, MAX_CELL_CHARS, MAX_TEXT_CHARS)


def _read_spreadsheet(path: Path, lang: str) -> list[Grid]:
    """Check and read a spreadsheet in a memory- and time-limited child; a crash there is an unreadable file here."""
    def refuse(key: str = "unreadable_file", **params: Any) -> UnreadableFile:
        if "chars" in params:
            params = {**params, "chars": thousands(params["chars"], lang), "limit": thousands(params["limit"], lang)}
        return UnreadableFile(t(f"issue.{key}", lang, **params))

    script = Path(__file__).with_name("_read_child.py")
    command = [sys.executable, str(script), str(path), json.dumps(limits()._asdict()), str(CHILD_MEMORY_BYTES)]
    try:
        proc = subprocess.run(command, capture_output=True, timeout=CHILD_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise refuse(detail=f"reading took more than {CHILD_SECONDS} s") from exc
    answer: tuple[Any, ...] = ("crashed",)
    if proc.returncode == 0:
        collecting = gc.isenabled()
        gc.disable()  # hundreds of thousands of lists and values, none in a cycle: the collector would only rescan them
        try:
            answer = pickle.loads(proc.stdout)  # our own child's output
        except Exception:  # noqa: BLE001 - a child that printed something else has failed too
            pass
        finally:
            if collecting:
                gc.enable()
    if answer[0] == "crashed":
        raise refuse(detail="the file needs more memory than any report could, or is damaged")
    if answer[0] == "password":
        raise UnreadableFile(t("issue.password_protected", lang), code="password_protected")
    if answer[0] == "error":
        raise refuse(detail=answer[1])
    if answer[0] == "refused":
        raise refuse(answer[1], **answer[2])
    _, sheets, formulas = answer
    grids = []
    for name, rows, (r, c), merged in sheets:
        if len(rows) > MAX_ROWS or max((len(x) for x in rows), default=0) > MAX_COLUMNS:
            raise refuse(detail=f"sheet '{name}' is {len(rows)}×{max(len(x) for x in rows)} cells")
        grids.append(Grid(name, rows, r, c, [((r0 - r, c0 - c), (r1 - r, c1 - c)) for (r0, c0), (r1, c1) in merged],
                          formulas.get(name, set())))
    return grids
