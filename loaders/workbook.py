"""Opening spreadsheet files into plain grids of cell values, with Excel addresses."""

from __future__ import annotations

import csv
import html
import io
import pickle
import re
import resource
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import python_calamine as pc
from openpyxl.utils import get_column_letter

from .errors import UnreadableFile
from .i18n import t

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUFFIXES = SPREADSHEET_SUFFIXES + (".csv",)
# A sheet wider or longer than this is not a district report; stop before memory goes.
MAX_ROWS = 2_000_000
MAX_COLUMNS = 500
# calamine makes a dense grid from a sheet's first to its last used cell (32 bytes a cell) and
# aborts the whole process when that cannot be allocated (A1 and XFD1048576: 550 GB). A sheet
# spanning more cells than this is refused, for .xlsx before calamine sees it (_check_zip).
MAX_CELLS = 6_000_000
# What the parts of a zip-based spreadsheet may inflate to, together: a zip bomb stops here.
MAX_UNZIPPED_BYTES = 200 << 20
# Characters in one line of a CSV; a longer line is not a table (and would be parsed whole).
MAX_LINE_CHARS = 1_000_000


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
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=_short(exc))) from exc
    return Grid(path.stem, rows)


def _longest_line(text: str) -> int:
    """Characters in the longest line (lines end at \\n, or at \\r in a file without \\n)."""
    end_of_line = "\n" if "\n" in text else "\r"
    longest = start = 0
    while (end := text.find(end_of_line, start)) >= 0:
        longest, start = max(longest, end - start), end + 1
    return max(longest, len(text) - start)


# Formats read in a child process under a memory limit (see loaders/_read_child.py).
SANDBOXED_SUFFIXES = (".xls", ".xlsb", ".ods")
CHILD_MEMORY_BYTES = 1 << 30  # address space of that child: ample for any real report (they need ~20 MB)
CHILD_SECONDS = 120


def _read_spreadsheet(path: Path, lang: str) -> list[Grid]:
    formulas = _check_zip(path, lang)
    if path.suffix.lower() in SANDBOXED_SUFFIXES:
        return _read_in_child(path, lang)
    try:
        workbook = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError as exc:
        raise UnreadableFile(t("issue.password_protected", lang), code="password_protected") from exc
    except BaseException as exc:  # calamine raises many kinds for a broken file; all mean the same to a user
        if not _is_reader_failure(exc):
            raise
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=_short(exc))) from exc
    grids = []
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height > MAX_ROWS or sheet.width > MAX_COLUMNS or sheet.height * sheet.width > MAX_CELLS:
                raise UnreadableFile(
                    t("issue.unreadable_file", lang, detail=f"sheet '{meta.name}' is {sheet.height}×{sheet.width} cells")
                )
            start = sheet.start or (0, 0)
            merged = [
                ((r0 - start[0], c0 - start[1]), (r1 - start[0], c1 - start[1]))
                for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            ]
            grids.append(Grid(meta.name, sheet.to_python(skip_empty_area=True), start[0], start[1], merged,
                              formulas.get(meta.name, set())))
    except UnreadableFile:
        raise
    except BaseException as exc:
        if not _is_reader_failure(exc):
            raise
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=_short(exc))) from exc
    finally:
        workbook.close()
    return grids


def _limit_memory() -> None:  # pragma: no cover - runs in the child, between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))


def _read_in_child(path: Path, lang: str) -> list[Grid]:
    """Read a file with calamine in a memory-limited child; a crash there is an unreadable file here."""
    def refuse(detail: str) -> UnreadableFile:
        return UnreadableFile(t("issue.unreadable_file", lang, detail=detail))

    script = Path(__file__).with_name("_read_child.py")
    try:
        proc = subprocess.run([sys.executable, str(script), str(path), str(MAX_CELLS)], capture_output=True,
                              timeout=CHILD_SECONDS, preexec_fn=_limit_memory, check=False)
    except subprocess.TimeoutExpired as exc:
        raise refuse(f"reading took more than {CHILD_SECONDS} s") from exc
    if proc.returncode != 0:
        raise refuse("the file needs more memory than any report could, or is damaged")
    answer = pickle.loads(proc.stdout)  # our own child's output
    if answer[0] == "password":
        raise UnreadableFile(t("issue.password_protected", lang), code="password_protected")
    if answer[0] == "error":
        raise refuse(answer[1])
    if answer[0] == "too_big":
        raise refuse(f"sheet '{answer[1]}' is {answer[2]}×{answer[3]} cells")
    grids = []
    for name, rows, (r, c), merged in answer[1]:
        if len(rows) > MAX_ROWS or max((len(x) for x in rows), default=0) > MAX_COLUMNS:
            raise refuse(f"sheet '{name}' is too large")
        grids.append(Grid(name, rows, r, c, [((r0 - r, c0 - c), (r1 - r, c1 - c)) for (r0, c0), (r1, c1) in merged]))
    return grids


def _is_reader_failure(exc: BaseException) -> bool:
    """An error of the reader: any Exception, or a Rust panic (pyo3's PanicException is a BaseException)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


# A row or cell reference far from A1: a column after Z, or a row from 200,000. Without one, a sheet
# spans at most 26 × 200,000 = 5.2 million cells (< MAX_CELLS) and needs no closer look.
_FAR_REF = re.compile(rb' r="(?:[A-Za-z]{2}|[A-Za-z]?(?:[2-9][0-9]{5}|[0-9]{7}))')
_REF = re.compile(rb' r="([A-Za-z]{0,3})([0-9]{1,7})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[ >/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[ >/]")
_STRING_TAG = re.compile(rb"<(?:\w+:)?si[ >/]")
# markup that can hide a cell from the counts of "<c " and ' r="': no attributes, or a prefix
_ODD_TAGS = (re.compile(rb"<(?:c|row)[>/]"), re.compile(rb":(?:c|row)[ >/]"))
_SPACES = bytes.maketrans(b"\t\r\n'", b'   "')
_EQUALS = re.compile(rb" *= *")


def _check_zip(path: Path, lang: str) -> dict[str, set[str]]:
    """Refuse a zip-based spreadsheet that would exhaust memory in calamine: a zip bomb, or (.xlsx)
    a sheet spanning more than MAX_CELLS cells. Other files are left to calamine to judge."""
    if not zipfile.is_zipfile(path):
        return {}  # .xls, an encrypted workbook (a compound file), or not a spreadsheet at all
    formulas: dict[str, set[str]] = {}  # worksheet part → cells holding a formula and no computed value

    def refuse(detail: str) -> UnreadableFile:
        return UnreadableFile(t("issue.unreadable_file", lang, detail=detail))

    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNZIPPED_BYTES:
                raise refuse(f"its parts inflate to {total / 2**20:,.0f} MB (a zip bomb?)")
            if xlsx and not any(i.filename.lower().endswith("workbook.xml") for i in infos):
                raise refuse("xl/workbook.xml is missing")
            for info in infos:
                # read every part: zipfile stops at the declared size and checks the CRC, so the
                # sizes summed above are true (calamine's zip reader would inflate past a lie)
                data = zf.read(info)
                if xlsx and info.filename.lower().endswith(".xml"):
                    cells = _xlsx_cells(data)
                    if cells > MAX_CELLS:
                        raise refuse(f"{info.filename} spans {cells:,} cells; delete stray cells far from the table")
                    if b"<f" in data:
                        formulas[info.filename] = {m.decode() for m in _FORMULA_NO_VALUE.findall(data)}
            return _by_sheet_name(zf, formulas) if formulas else {}
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            zlib.error) as exc:
        raise refuse(_short(exc)) from exc


# A cell holding only a formula: no cached value (openpyxl and some exporters write these), so a
# reader sees it empty. Excel recomputes on opening; a reader cannot.
_FORMULA_NO_VALUE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"[^>]*\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*>')
_ATTR = re.compile(rb'\b(Id|Target)="([^"]*)"')


def _by_sheet_name(zf: zipfile.ZipFile, by_part: dict[str, set[str]]) -> dict[str, set[str]]:
    """Re-key worksheet parts by the sheet names the workbook gives them."""
    try:
        sheets = _SHEET.findall(zf.read("xl/workbook.xml"))
        rels = {}
        for element in _REL.findall(zf.read("xl/_rels/workbook.xml.rels")):
            attrs = dict(_ATTR.findall(element))
            rels[attrs.get(b"Id", b"")] = attrs.get(b"Target", b"")
    except KeyError:
        return {}
    out = {}
    for name, rid in sheets:
        target = rels.get(rid, b"").decode().lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        if part in by_part:
            out[html.unescape(name.decode())] = by_part[part]
    return out


def _xlsx_cells(xml: bytes) -> int:
    """How many cells calamine's grid of an .xlsx part would hold, or more (0 for a part without cells).

    Shared strings count as cells: each is a string calamine keeps.
    """
    # attributes may be set off by tabs or new lines, and quoted with ': one form (the usual file has
    # none of these past its XML declaration, and a search is cheaper than a copy)
    if any(xml.find(ch, 100) != -1 for ch in (b"\t", b"\n", b"\r", b"'")):
        xml = xml.translate(_SPACES)
    cells, rows = xml.count(b"<c "), xml.count(b"<row ")
    if cells + rows == xml.count(b' r="') and not any(tag.search(xml) for tag in _ODD_TAGS):
        # the usual markup, every row and cell with its r="…": look closer only at a far reference
        if cells == 0:
            return xml.count(b"<si>") + xml.count(b"<si ")
        return cells if cells > MAX_CELLS or not _FAR_REF.search(xml) else max(cells, _span(xml))
    # prefixed tags (<x:c>), r = "…", or rows and cells without r (placed one after another): count them all
    xml = _EQUALS.sub(b"=", xml)
    cells, rows = len(_CELL_TAG.findall(xml)), len(_ROW_TAG.findall(xml))
    if cells == 0 or cells > MAX_CELLS:
        return max(cells, len(_STRING_TAG.findall(xml)))
    if cells + rows <= xml.count(b' r="'):  # each has its r="…" after all (prefixed tags)
        return max(cells, _span(xml))
    width = max(len(_CELL_TAG.findall(part)) for part in _ROW_TAG.split(xml))
    return max(cells, _span(xml, rows, width))


def _span(xml: bytes, rows_without_r: int = 0, cells_in_a_row: int = 0) -> int:
    """Rows × columns from the first to the last reference of a part (all its refs read)."""
    refs = _REF.findall(xml)
    row_numbers = [int(r) for _, r in refs] or [1]
    columns = [_column_index(letters.upper()) for letters, _ in refs if letters] or [1]
    height = max(row_numbers) - min(row_numbers) + 1
    width = max(columns) - min(columns) + 1
    if rows_without_r or cells_in_a_row:  # positions counted from A1, one after another
        height, width = max(row_numbers) + rows_without_r, max(columns) + cells_in_a_row
    return height * width


def _column_index(letters: bytes) -> int:
    """1-based index of a column's letters (b'XFD' → 16384)."""
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if len(text) < 12:  # calamine says just "c" for a mismatched XML tag: name the kind of error too
        text = f"{type(exc).__name__}: {text}"
    return text[:200]
