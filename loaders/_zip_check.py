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
from typing import Any, NamedTuple


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


def check_zip(path: str, limits: Limits) -> dict[str, set[str]]:
    """Refuse a zip-based spreadsheet that would exhaust memory in calamine; return, for an .xlsx, the cells
    holding a formula and no computed value, by sheet name. Other files are left to calamine to judge."""
    if not zipfile.is_zipfile(path):
        return {}  # .xls, an encrypted workbook (a compound file), or not a spreadsheet at all
    formulas: dict[str, set[str]] = {}  # worksheet part → cells holding a formula and no computed value
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
                del data
            return _by_sheet_name(zf, formulas) if formulas else {}
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


def short(exc: BaseException) -> str:
    """An exception in one line of at most 200 characters, naming its kind when the text alone says little."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if len(text) < 12:  # calamine says just "c" for a mismatched XML tag: name the kind of error too
        text = f"{type(exc).__name__}: {text}"
    return text[:200]
