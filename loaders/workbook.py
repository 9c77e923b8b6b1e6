"""Opening spreadsheet files into plain grids of cell values, with Excel addresses."""

from __future__ import annotations

import csv
import io
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
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    return Grid(path.stem, rows)


def _read_spreadsheet(path: Path, lang: str) -> list[Grid]:
    try:
        workbook = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError as exc:
        raise UnreadableFile(t("issue.password_protected", lang), code="password_protected") from exc
    except Exception as exc:  # calamine raises many kinds for a broken file; all mean the same to a user
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=_short(exc))) from exc
    grids = []
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height > MAX_ROWS or sheet.width > MAX_COLUMNS:
                raise UnreadableFile(
                    t("issue.unreadable_file", lang, detail=f"sheet '{meta.name}' is {sheet.height}×{sheet.width} cells")
                )
            start = sheet.start or (0, 0)
            merged = [
                ((r0 - start[0], c0 - start[1]), (r1 - start[0], c1 - start[1]))
                for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            ]
            grids.append(Grid(meta.name, sheet.to_python(skip_empty_area=True), start[0], start[1], merged))
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(t("issue.unreadable_file", lang, detail=_short(exc))) from exc
    finally:
        workbook.close()
    return grids


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
