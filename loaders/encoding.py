"""Sheets typed in legacy Vietnamese fonts (TCVN3, VNI) or in decomposed Unicode, made NFC Unicode."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

from .legacy_fonts import _UNICODE_ONLY, Encoding, detect_encoding, encoding_from_font, is_uppercase_font, to_unicode
from .workbook import Grid

SAMPLE_ROWS = 5000  # rows whose text decides a sheet's encoding (and whether it needs NFC at all)
SAMPLE_TEXTS = 3000  # distinct strings looked at to decide a sheet's encoding
FONT_ROWS = 300  # rows whose font names are read from an .xlsx
_LATIN1 = re.compile("[\u00a0-\u00ff]")


def _fonts(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """Font name by (row, column), 0-based, of the text cells in a sheet's first rows (.xlsx only)."""
    from openpyxl import load_workbook

    out: dict[tuple[int, int], str] = {}
    try:
        wb = load_workbook(path, read_only=True)
        try:
            ws = wb[sheet]
            for row in ws.iter_rows(max_row=FONT_ROWS):
                for cell in row:
                    if isinstance(getattr(cell, "value", None), str) and cell.font is not None and cell.font.name:
                        out[(cell.row - 1, cell.column - 1)] = cell.font.name
        finally:
            wb.close()
    except Exception:  # fonts are a hint; without them the text itself decides
        return {}
    return out


def normalise_grids(grids: list[Grid], path: Path) -> dict[str, Encoding]:
    """Convert every text cell to NFC Unicode in place; the encoding found per sheet."""
    found: dict[str, Encoding] = {}
    for grid in grids:
        texts = list(dict.fromkeys(
            v for row in grid.rows[:SAMPLE_ROWS] for v in row if v.__class__ is str and not v.isascii()
        ))
        if not texts:
            continue
        sample = texts[:SAMPLE_TEXTS]
        encoding, fonts = Encoding.UNICODE, {}
        if not any(_UNICODE_ONLY.search(t) for t in sample) and any(_LATIN1.search(t) for t in sample):
            if path.suffix.lower() in (".xlsx", ".xlsm"):
                fonts = _fonts(path, grid.name)
            votes = Counter(e for e in map(encoding_from_font, fonts.values()) if e is not None)
            encoding = votes.most_common(1)[0][0] if votes else detect_encoding(sample)
        found[grid.name] = encoding
        if encoding is not Encoding.UNICODE or not all(unicodedata.is_normalized("NFC", t) for t in texts):
            _convert(grid, encoding, fonts)
    return found


def _convert(grid: Grid, encoding: Encoding, fonts: dict[tuple[int, int], str]) -> None:
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            if not isinstance(value, str) or value.isascii():
                continue
            if encoding is Encoding.UNICODE:
                row[c] = unicodedata.normalize("NFC", value)
            else:
                font = fonts.get((grid.first_row + r, grid.first_col + c))
                row[c] = to_unicode(value, encoding, is_uppercase_font(font))
