"""Tables laid on their side: indicators as rows, districts as columns ('Toàn tỉnh' on the right).

The reader reads units as rows. A sheet whose table names the districts across one row is turned
a quarter turn into a ``TransposedGrid``: its rows are the sheet's columns, and every address it
gives is the cell's own address in the sheet, so issues and provenance still point at the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from .header import SCAN_ROWS, districts_named
from .workbook import Grid

MIN_DISTRICTS = 3  # district names across one row before a table is taken to lie on its side
# rows (indicators) a table on its side has at most: its turned rows are as long as this, so a sheet of a
# million rows with district names at the top is not turned into a few columns a million cells wide
MAX_INDICATORS = 300


@dataclass
class TransposedGrid(Grid):
    """A sheet's table turned so that its columns are rows; ``cell`` gives the sheet's own addresses."""

    # (address, value) of the lines above the table in the sheet: its title block
    title_cells: list[tuple[str, Any]] = field(default_factory=list)
    sheet_first_row: int = 0  # 0-based Excel row of the sheet's row that became column 0 here

    def cell(self, r: int, c: int) -> str:
        """Excel address in the sheet of rows[r][c] (row r here is a column there)."""
        return f"{get_column_letter(self.first_col + r + 1)}{self.sheet_first_row + c + 1}"


def districts_row(grid: Grid, province_code: str) -> int | None:
    """The first row near the top that names at least MIN_DISTRICTS districts of the province, if any."""
    for r in range(min(SCAN_ROWS, len(grid.rows))):
        if districts_named(grid.rows[r], province_code) >= MIN_DISTRICTS:
            return r
    return None


def transposed(grid: Grid, province_code: str) -> TransposedGrid | None:
    """The sheet's table turned a quarter, from its row of district names down; None when no row names districts."""
    top = districts_row(grid, province_code)
    if top is None:
        return None
    # the turned table starts at the district row: a group heading above it ("Chia theo huyện") would
    # otherwise become the first district's label
    start = top
    body = [list(grid.rows[top])] + grid.rows[top + 1:top + MAX_INDICATORS]
    for (r0, c0), (r1, _c1) in grid.merged:  # 'Toàn tỉnh' merged down into the district row from above
        if r0 < top <= r1 and c0 < len(body[0]) and not (isinstance(body[0][c0], str) and body[0][c0].strip()):
            body[0][c0] = grid.rows[r0][c0] if c0 < len(grid.rows[r0]) else None
    width = max((len(row) for row in body), default=0)
    rows = [[row[c] if c < len(row) else None for row in body] for c in range(width)]
    merged = [((c0, r0 - start), (c1, min(r1 - start, len(body) - 1))) for (r0, c0), (r1, c1) in grid.merged
              if start <= r0 < start + len(body)]
    title = [(grid.cell(r, c), v) for r in range(start) for c, v in enumerate(grid.rows[r])
             if v is not None and not (isinstance(v, str) and not v.strip())]
    return TransposedGrid(grid.name, rows, first_row=0, first_col=grid.first_col, merged=merged,
                          title_cells=title, sheet_first_row=grid.first_row + start)
