"""Hidden sheets, rows and columns are not read: a sheet's hidden rows hold what its author chose not to show
(old figures, working, a filtered-out district), so they are blanked, and a hidden sheet is left out."""

from __future__ import annotations

from typing import Any

from .i18n import t
from .records import Issue, Severity
from .workbook import Grid, column_letter

SHOWN_RUNS = 8  # runs of rows (or columns) named in a message; more are counted


def drop_hidden(grids: list[Grid], lang: str = "vi") -> list[Issue]:
    """Remove the hidden sheets from grids and blank (None) every cell of a hidden row or column, in place;
    cell addresses stay as they were. A WARNING per sheet whose hidden rows or columns held a value
    (``hidden_ignored``, naming them as Excel does: rows 12–20; column F), and per hidden sheet holding one
    (``hidden_sheet_ignored``). Empty hidden rows, columns and sheets are dropped without a word."""
    issues: list[Issue] = []
    kept: list[Grid] = []
    for grid in grids:
        if grid.hidden:
            if any(_has_value(row) for row in grid.rows):
                issues.append(Issue(Severity.WARNING, "hidden_sheet_ignored",
                                    t("issue.hidden_sheet_ignored", lang, sheet=grid.name), grid.name))
            continue
        kept.append(grid)
        if grid.hidden_rows or grid.hidden_cols:
            parts = _blank(grid, lang)
            if parts:
                issues.append(Issue(Severity.WARNING, "hidden_ignored",
                                    t("issue.hidden_ignored", lang, parts=parts), grid.name))
    grids[:] = kept
    return issues


def _is_value(value: Any) -> bool:
    return value is not None and (value.__class__ is not str or bool(value.strip()))


def _has_value(values: list[Any]) -> bool:
    return any(map(_is_value, values))


def _blank(grid: Grid, lang: str) -> str:
    """Blank the grid's hidden rows and columns; the message's '{parts}' naming those that held a value, or ''."""
    rows, height = grid.rows, len(grid.rows)
    width = max((len(row) for row in rows), default=0)
    hidden_rows = sorted(r for r in grid.hidden_rows if 0 <= r < height)
    hidden_cols = sorted(c for c in grid.hidden_cols if 0 <= c < width)
    # which of them held something: looked at before any is blanked (a cell in both counts for both)
    full_rows = {r for r in hidden_rows if _has_value(rows[r])}
    full_cols = {c for c in hidden_cols if any(c < len(row) and _is_value(row[c]) for row in rows)}
    for r in hidden_rows:
        rows[r] = [None] * len(rows[r])
    if hidden_cols:
        for row in rows:
            for c in hidden_cols:
                if c < len(row):
                    row[c] = None
    parts = []
    row_runs = [run for run in _runs(hidden_rows) if full_rows.intersection(run)]
    if row_runs:
        parts.append(_name_runs(row_runs, "rows", lang, lambda r: str(grid.first_row + r + 1)))
    col_runs = [run for run in _runs(hidden_cols) if full_cols.intersection(run)]
    if col_runs:
        parts.append(_name_runs(col_runs, "cols", lang, lambda c: column_letter(grid.first_col + c + 1)))
    return "; ".join(parts)


def _runs(indexes: list[int]) -> list[range]:
    """Sorted indexes as runs of consecutive ones: [3, 4, 5, 9] → [range(3, 6), range(9, 10)]."""
    runs: list[range] = []
    for i in indexes:
        if runs and runs[-1].stop == i:
            runs[-1] = range(runs[-1].start, i + 1)
        else:
            runs.append(range(i, i + 1))
    return runs


def _name_runs(runs: list[range], kind: str, lang: str, name: Any) -> str:
    """'hàng 12–20, 25' / 'rows 12–20, 25', 'cột F' / 'column F'; past SHOWN_RUNS runs, the count of all."""
    shown = ", ".join(name(run.start) if len(run) == 1 else f"{name(run.start)}–{name(run[-1])}"
                      for run in runs[:SHOWN_RUNS])
    count = sum(len(run) for run in runs)
    if len(runs) > SHOWN_RUNS:
        shown = t("issue.hidden_more", lang, shown=shown, count=count)
    return t(f"issue.hidden_{kind}_{'one' if count == 1 else 'many'}", lang, ranges=shown)
