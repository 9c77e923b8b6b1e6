"""Finding a report's header rows and flattening merged multi-row headers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .matching import match_district
from .reference import DEFAULT_PROVINCE
from .synonyms import Meaning, classify, is_header_word
from .text import fold
from .values import is_blank
from .workbook import Grid

SCAN_ROWS = 40
MAX_HEADER_ROWS = 4
# "(1)", "2", "3=4+5", "(3)=(4)+(5)", "A", "B", "C=A+B": the column-numbering row under a header
# (a letter numbers a column alone: 'KH', 'GN', 'TH' are headers, not numbers)
_NUMBERING = re.compile(r"^\(?(?:[0-9]{1,3}|[a-z])\)?(\s*[=+\-*/x]\s*\(?(?:[0-9]{1,3}|[a-z])\)?)*$")


@dataclass
class Header:
    """A table's header: its rows, the numbering row if any, and each column's parts and meaning."""

    first_row: int
    last_row: int  # last header row (the numbering row excluded)
    numbering_row: int | None
    parts: list[list[str]]  # per column, header texts top to bottom (merged cells filled)
    meanings: list[Meaning]
    districts: list[str | None]  # per column, a district named in its header (districts-as-columns layout)

    @property
    def data_start(self) -> int:
        return (self.numbering_row if self.numbering_row is not None else self.last_row) + 1

    @property
    def signature(self) -> str:
        """A short hash of the header texts: files with the same layout share it."""
        text = "|".join(fold(self.flat(c)) for c in range(len(self.parts)))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]

    def flat(self, c: int) -> str:
        """The column's header as one line: 'Kế hoạch vốn năm 2017 › Vốn ĐTPT'."""
        return " › ".join(self.parts[c]) if c < len(self.parts) else ""


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _merged_value(grid: Grid, r: int, c: int) -> object:
    """The value shown at (r, c): a merged range shows its top-left cell's value."""
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 <= r <= r1 and c0 <= c <= c1:
            row = grid.rows[r0] if r0 < len(grid.rows) else []
            return row[c0] if c0 < len(row) else None
    row = grid.rows[r]
    return row[c] if c < len(row) else None


def is_numbering_row(row: list[object]) -> bool:
    """True for a row like '(1) (2) 3=4+5 …' that numbers the columns."""
    cells = [fold(v) if isinstance(v, str) else (str(int(v)) if isinstance(v, (int, float)) and float(v).is_integer() else "?")
             for v in row if not is_blank(v)]
    if len(cells) < 3:
        return False
    hits = sum(1 for cell in cells if _NUMBERING.match(cell.replace(" ", "")))
    ints = [int(c) for c in cells if c.isdigit()]
    consecutive = len(ints) >= 3 and ints == list(range(ints[0], ints[0] + len(ints)))
    return hits == len(cells) and (consecutive or any(not c.isdigit() for c in cells))


def _row_score(grid: Grid, r: int) -> int:
    """How much a row looks like a header row: known header words in distinct cells."""
    score = 0
    for value in grid.rows[r]:
        if isinstance(value, str) and value.strip() and len(value) < 200:
            if is_header_word(value):
                score += 1
    return score


def is_header_row(grid: Grid, r: int) -> bool:
    """True for a row that reads like the first row of a table's header (two known header words)."""
    return _row_score(grid, r) >= 2


def find_header(grid: Grid, rows_given: tuple[int, int] | None = None,
                province_code: str = DEFAULT_PROVINCE, start: int = 0) -> Header | None:
    """The header band of the first table at or below row ``start`` of a grid, or None when there is none.

    ``rows_given`` (first, last; indexes into grid.rows) sets the band instead of guessing it;
    district names in the header are those of ``province_code``.
    """
    rows = grid.rows
    if rows_given is not None:
        first, last = rows_given
        if not 0 <= first <= last < len(rows):
            return None
        numbering = last + 1 if last + 1 < len(rows) and is_numbering_row(rows[last + 1]) else None
        return _build(grid, first, last, numbering, province_code)
    found = next((r for r in range(start, min(start + SCAN_ROWS, len(rows))) if is_header_row(grid, r)), None)
    if found is None:
        return None
    first = found
    # a row of district names above 'KH | GN | KH | GN …' belongs to the header (its words are no header words)
    while first > start and districts_named(rows[first - 1], province_code) >= 2:
        first -= 1
    # the band goes on while rows still hold header words or are filled by merged cells above
    last = first
    numbering = None
    for r in range(first + 1, min(first + MAX_HEADER_ROWS + 1, len(rows))):
        if is_numbering_row(rows[r]):
            numbering = r
            break
        if _looks_like_data(rows[r]) or _row_score(grid, r) == 0 and not _inside_merge(grid, r, first):
            break
        last = r
    return _build(grid, first, last, numbering, province_code)


def candidate_headers(grid: Grid, max_rows: int = 3, province_code: str = DEFAULT_PROVINCE) -> list[Header]:
    """Every band of one to max_rows rows near the top: where a saved profile's header may be."""
    out = []
    for first in range(min(SCAN_ROWS, len(grid.rows))):
        for height in range(1, max_rows + 1):
            if first + height <= len(grid.rows):
                header = find_header(grid, (first, first + height - 1), province_code)
                if header is not None:
                    out.append(header)
    return out


def _build(grid: Grid, first: int, last: int, numbering: int | None, province_code: str = DEFAULT_PROVINCE) -> Header:
    """Flatten the header rows first..last into one list of parts per column."""
    rows = grid.rows
    width = max((len(rows[r]) for r in range(first, last + 1)), default=0)
    width = max([width] + [len(rows[r]) for r in range(last + 1, min(last + 30, len(rows)))])
    parts: list[list[str]] = []
    for c in range(width):
        col: list[str] = []
        for r in range(first, last + 1):
            text = _text(_merged_value(grid, r, c))
            if not text and r < last and not grid.merged:
                text = _fill_left(grid, r, c, last)  # no merge information (CSV, some .xls): fill from the left
            if text and (not col or col[-1] != text):
                col.append(text)
        parts.append(col)
    meanings = [classify(p) for p in parts]
    return Header(first, last, numbering, parts, meanings, district_columns(parts, province_code))


def _fill_left(grid: Grid, r: int, c: int, last: int) -> str:
    """A blank upper header cell under a spanning title: take the nearest text on its left."""
    row = grid.rows[r]
    below = grid.rows[r + 1] if r + 1 <= last else []
    if c >= len(below) or is_blank(below[c]):
        return ""
    for k in range(min(c, len(row) - 1), -1, -1):
        if isinstance(row[k], str) and row[k].strip():
            below_k = grid.rows[r + 1][k] if k < len(grid.rows[r + 1]) else None
            return row[k].strip() if not is_blank(below_k) else ""
    return ""


def districts_named(row: list[object], province_code: str) -> int:
    """How many cells of a row name a district of the province exactly."""
    return sum(1 for v in row if isinstance(v, str) and v.strip() and match_district(v, province_code)[1] >= 100)


def _inside_merge(grid: Grid, r: int, first: int) -> bool:
    return any(r0 >= first and r0 < r <= r1 for (r0, _c0), (r1, _c1) in grid.merged)


def _looks_like_data(row: list[object]) -> bool:
    numbers = sum(1 for v in row if isinstance(v, (int, float)) and not isinstance(v, bool))
    return numbers >= 2


def district_columns(parts: list[list[str]], province_code: str = DEFAULT_PROVINCE) -> list[str | None]:
    """Per column, the district of ``province_code`` its header names (districts-as-columns layout), if any."""
    return [_district_in(p, province_code) for p in parts]


def _district_in(parts: list[str], province_code: str) -> str | None:
    for part in parts:
        code, score, _ = match_district(part, province_code)
        if code and score >= 100 and not classify([part]).known:
            return code
    return None
