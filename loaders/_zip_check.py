"""Checks of a zip-based spreadsheet before calamine reads it, and the cells holding a formula without a value.

Refused here: a zip bomb, a sheet spanning more cells than calamine's dense grid can hold, a shared string
longer than Excel lets a cell hold (calamine copies a shared string into every cell that refers to it: one
100 MB string referred to by 1,000 cells is 100 GB). Runs in the reader's child process
(loaders/_read_child.py imports it as a top-level module), so it imports nothing of the project.
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")


class Limits(NamedTuple):  # not a dataclass: importing dataclasses would add a fifth to the child's start
    """What one workbook may hold; set in loaders/workbook.py, passed to the child as JSON."""

    max_cells: int  # cells of one sheet's grid, first to last used cell
    max_unzipped_bytes: int  # all parts of a zip-based file, inflated
    max_cell_chars: int  # characters of one cell's text (Excel's own limit)
    max_text_chars: int  # characters of text in all the cells of a workbook


class Refused(Exception):
    """A file refused before or while it is read: ``key`` names its message in the catalogue (issue.<key>)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key, params)
        self.key, self.params = key, params


def unreadable(detail: str) -> Refused:
    """The catalogue's 'cannot be opened: {detail}'."""
    return Refused("unreadable_file", detail=detail)


class Checked(NamedTuple):
    """What check_zip found in a file it let through, by sheet name (empty for a file that is not an .xlsx)."""

    formulas: dict[str, set[str]]  # cells holding a formula and no computed value
    hidden_parts: dict[str, str]  # the worksheet part of each sheet whose XML may hide rows or columns


def check_zip(path: str, limits: Limits) -> Checked:
    """Refuse a zip-based spreadsheet that would exhaust memory in calamine; return, for an .xlsx, the cells
    holding a formula and no computed value, and the parts that may hide rows or columns (see hidden_in), by
    sheet name. Other files are left to calamine to judge."""
    if not zipfile.is_zipfile(path):
        return Checked({}, {})  # .xls, an encrypted workbook (a compound file), or not a spreadsheet at all
    formulas: dict[str, set[str]] = {}  # worksheet part → cells holding a formula and no computed value
    hiding: dict[str, str] = {}  # worksheet part → itself, for the parts holding the bytes 'hidden='
    xlsx = path.lower().endswith((".xlsx", ".xlsm"))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > limits.max_unzipped_bytes:
                raise unreadable(f"its parts inflate to {total / 2**20:,.0f} MB (a zip bomb?)")
            if xlsx and not any(i.filename.lower().endswith("workbook.xml") for i in infos):
                raise unreadable("xl/workbook.xml is missing")
            for info in infos:
                # read every part: zipfile stops at the declared size and checks the CRC, so the
                # sizes summed above are true (calamine's zip reader would inflate past a lie)
                data = zf.read(info)
                if xlsx and info.filename.lower().endswith(".xml"):
                    cells = _xlsx_cells(data, limits.max_cells)
                    if cells > limits.max_cells:
                        raise unreadable(f"{info.filename} spans {cells:,} cells; delete stray cells far from the table")
                    # shared strings (<si>): a search for the tag only where its bytes are (not in a sheet's XML)
                    if (len(data) > limits.max_cell_chars and (b"<si" in data or b":si" in data)
                            and _SI_START.search(data)):
                        chars = _overlong_string(data, limits.max_cell_chars)
                        if chars:
                            raise Refused("cell_text_too_long", chars=chars, limit=limits.max_cell_chars)
                    if b"<f>" in data or b"<f " in data or b"<f/" in data:  # not <formula1> of a validation
                        formulas[info.filename] = {m.decode() for m in _FORMULA_NO_VALUE.findall(data)}
                    if _HIDDEN in data:  # a search of the bytes (30 ms for 43 MB); the part is read again if so
                        hiding[info.filename] = info.filename
                del data
            return Checked(_by_sheet_name(zf, formulas) if formulas else {},
                           _by_sheet_name(zf, hiding) if hiding else {})
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            zlib.error) as exc:
        raise unreadable(short(exc)) from exc


# --- shared strings ------------------------------------------------------------------------------------------------

_SI_START = re.compile(rb"<(?:\w+:)?si[\s>/]")
_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)<")


def _overlong_string(xml: bytes, limit: int) -> int:
    """Characters of the first shared string (<si>) longer than limit, or 0.

    Each character takes a byte at least, so a string longer than limit spans more than limit bytes and
    holds a whole window of limit // 2 bytes without the start of another <si>: only such a window (a
    search that stops at the first <si> of each of them, 13,000 for 200 MB) is looked at closer.
    """
    step = max(limit // 2, 1)
    window = 0
    while window < len(xml):
        if _SI_START.search(xml, window, window + step + 8):  # + 8: a tag across the window's end
            window += step
            continue
        start = max(xml.rfind(b"<si", 0, window), xml.rfind(b":si", 0, window), 0)
        following = _SI_START.search(xml, window + step)
        end = following.start() if following else len(xml)
        chars = sum(len(html.unescape(text.decode("utf-8", "replace"))) for text in _TEXT.findall(xml, start, end))
        if chars > limit:
            return chars
        window = end
    return 0


# --- cells of a sheet ----------------------------------------------------------------------------------------------

# A row or cell reference far from A1: a column after Z, or a row from 200,000. Without one, a sheet
# spans at most 26 × 200,000 = 5.2 million cells (< MAX_CELLS) and needs no closer look.
_FAR_REF = re.compile(rb' r="(?:[A-Za-z]{2}|[A-Za-z]?(?:[2-9][0-9]{5}|[0-9]{7}))')
_COLUMN_REF = re.compile(rb' r="([A-Za-z]{1,3})[0-9]{1,7}"')
_ROW_REF = re.compile(rb' r="[A-Za-z]{0,3}([0-9]{1,7})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[ >/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[ >/]")
_STRING_TAG = re.compile(rb"<(?:\w+:)?si[ >/]")
# markup that can hide a cell from the counts of "<c " and ' r="': no attributes, or a prefix
_ODD_TAGS = (re.compile(rb"<(?:c|row)[>/]"), re.compile(rb":(?:c|row)[ >/]"))
_SPACES = bytes.maketrans(b"\t\r\n'", b'   "')
_EQUALS = re.compile(rb" *= *")
_SLICE = 1 << 20  # bytes of a part searched at once for references


def _xlsx_cells(xml: bytes, max_cells: int) -> int:
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
        return cells if cells > max_cells or not _FAR_REF.search(xml) else max(cells, _span(xml))
    # prefixed tags (<x:c>), r = "…", or rows and cells without r (placed one after another): count them all
    xml = _EQUALS.sub(b"=", xml)
    cells, rows = _count(_CELL_TAG, xml), _count(_ROW_TAG, xml)
    if cells == 0 or cells > max_cells:
        return max(cells, _count(_STRING_TAG, xml))
    if cells + rows <= xml.count(b' r="'):  # each has its r="…" after all (prefixed tags)
        return max(cells, _span(xml))
    width = max(len(_CELL_TAG.findall(part)) for part in _ROW_TAG.split(xml))
    return max(cells, _span(xml, rows, width))


def _slices(xml: bytes) -> list[tuple[int, int]]:
    """(start, end) of about _SLICE bytes each, cut before a '<' so that no tag is split."""
    out, start = [], 0
    while start < len(xml):
        end = xml.find(b"<", start + _SLICE)
        end = len(xml) if end < 0 else end
        out.append((start, end))
        start = end
    return out


def _count(pattern: re.Pattern[bytes], xml: bytes) -> int:
    """Matches of a tag pattern, a slice at a time (a list of millions of matches would outweigh the part)."""
    return sum(len(pattern.findall(xml, start, end)) for start, end in _slices(xml))


def _span(xml: bytes, rows_without_r: int = 0, cells_in_a_row: int = 0) -> int:
    """Rows × columns from the first to the last reference of a part (all its refs read)."""
    letters: set[bytes] = set()
    numbers: set[bytes] = set()
    for start, end in _slices(xml):  # distinct values only: millions of refs hold a few thousand
        letters.update(_COLUMN_REF.findall(xml, start, end))
        numbers.update(_ROW_REF.findall(xml, start, end))
    row_numbers = [int(r) for r in numbers] or [1]
    columns = [_column_index(letter.upper()) for letter in letters] or [1]
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


def cells_in(path: str) -> int:
    """Cells written in the worksheets of an .xlsx (what openpyxl would make objects of); 0 for other files."""
    if not zipfile.is_zipfile(path):
        return 0
    cells = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename.lower()
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(info)
                odd = b":c" in xml or any(xml.find(ch, 100) != -1 for ch in (b"\t", b"\n", b"\r"))
                if odd:  # prefixed tags, or attributes set off by tabs or new lines
                    cells += _count(_CELL_TAG, xml.translate(_SPACES))
                else:
                    cells += xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/")
    return cells


# --- formulas without a value --------------------------------------------------------------------------------------

# A cell holding only a formula: no cached value (openpyxl and some exporters write these), so a
# reader sees it empty. Excel recomputes on opening; a reader cannot.
_FORMULA_NO_VALUE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"[^>]*\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*>')
_ATTR = re.compile(rb'\b(Id|Target)="([^"]*)"')


def _by_sheet_name(zf: zipfile.ZipFile, by_part: dict[str, T]) -> dict[str, T]:
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


# --- hidden rows and columns ---------------------------------------------------------------------------------------

# calamine reads hidden rows and columns like the others and does not say which they are: an .xlsx says it in the
# attributes of a worksheet's <row r="12" hidden="1"> and <col min="6" max="8" hidden="1">. Only the parts whose
# bytes hold 'hidden=' (check_zip) are looked at, and then not parsed as XML: each 'hidden=' is found by a search,
# and only the row or column tag holding it is read (time grows with the part's bytes, memory with the grid).
_HIDDEN = b"hidden="
_ROW_OR_COL = re.compile(rb"<(?:\w+:)?(row|col)[\s/>]")
_ROW_START = re.compile(rb"<(?:\w+:)?row[\s/>]")
_TAG_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_TRUE = (b"1", b"true")
EXCEL_COLUMNS = 16_384
# Excel's <col> elements do not overlap, so a sheet holds at most one a column; more (a crafted file) are not read.
_MAX_COL_TAGS = EXCEL_COLUMNS
_MAX_TAG = 4096  # bytes of a row or column tag read at most (Excel's take under 200)


def _tag_attrs(xml: bytes, start: int) -> dict[bytes, bytes]:
    """The attributes of the tag starting at xml[start] ('<'), by name (prefix kept: 'x14ac:dyDescent')."""
    end = xml.find(b">", start, start + _MAX_TAG)
    end = min(len(xml), start + _MAX_TAG) if end < 0 else end
    return {m[1]: m[2] or m[3] for m in _TAG_ATTR.finditer(xml, start, end)}


def _number(value: bytes | None) -> int | None:
    value = (value or b"").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


def hidden_in(xml: bytes, rows: range, columns: range) -> tuple[set[int], set[int]]:
    """The hidden rows and columns of a worksheet part that fall within rows and columns (0-based Excel indexes,
    e.g. those of calamine's grid), as indexes relative to rows.start and columns.start.

    Not seen: rows hidden as the sheet's default (<sheetFormatPr zeroHeight="1">, which Excel writes when all
    the rows below a table are hidden: they are empty).
    """
    hidden_rows: set[int] = set()
    # hidden columns as flags: a crafted file's 16,384 <col>s each spanning every column are then 16,384 slice
    # assignments, not 268 million set insertions
    flags = bytearray(len(columns))
    col_tags = 0
    rows_without_r = False
    after = 0  # where the previous 'hidden=' ended: each tag is read once, each byte searched once
    at = xml.find(_HIDDEN)
    while at >= 0:
        start = xml.rfind(b"<", after, at)
        after = at + len(_HIDDEN)
        # in a tag (no '>' between its '<' and 'hidden='), and the tag is a row or a column
        tag = _ROW_OR_COL.match(xml, start) if start >= 0 and xml.find(b">", start, at) < 0 else None
        if tag is not None:
            attrs = _tag_attrs(xml, start)
            if attrs.get(b"hidden", b"").strip() in _TRUE:
                if tag[1] == b"row":
                    r = _number(attrs.get(b"r"))
                    if r is None:
                        rows_without_r = True  # placed after the row before it: counted below
                    elif r - 1 in rows:
                        hidden_rows.add(r - 1 - rows.start)
                elif col_tags < _MAX_COL_TAGS:
                    col_tags += 1
                    first, last = _number(attrs.get(b"min")), _number(attrs.get(b"max"))
                    if first is not None and last is not None:
                        a = max(first - 1, columns.start) - columns.start
                        b = min(last, min(columns.stop, EXCEL_COLUMNS)) - columns.start
                        if b > a:
                            flags[a:b] = b"\x01" * (b - a)
        at = xml.find(_HIDDEN, after)
    if rows_without_r:
        hidden_rows = _hidden_rows_counted(xml, rows)
    hidden_cols, c = set(), flags.find(1)
    while c >= 0:
        hidden_cols.add(c)
        c = flags.find(1, c + 1)
    return hidden_rows, hidden_cols


def _hidden_rows_counted(xml: bytes, rows: range) -> set[int]:
    """hidden_in's rows of a part where some rows have no r="…" (each then follows the row before it)."""
    hidden: set[int] = set()
    index = -1
    for start, end in _slices(xml):
        for tag in _ROW_START.finditer(xml, start, end):
            attrs = _tag_attrs(xml, tag.start())
            r = _number(attrs.get(b"r"))
            index = index + 1 if r is None else r - 1
            if index in rows and attrs.get(b"hidden", b"").strip() in _TRUE:
                hidden.add(index - rows.start)
    return hidden


def short(exc: BaseException) -> str:
    """An exception in one line of at most 200 characters, naming its kind when the text alone says little."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if len(text) < 12:  # calamine says just "c" for a mismatched XML tag: name the kind of error too
        text = f"{type(exc).__name__}: {text}"
    return text[:200]
