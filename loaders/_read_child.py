"""Run as a child process: check and read a spreadsheet with python-calamine, pickle its sheets to stdout.

Every spreadsheet is read here, under a memory limit it sets on itself before anything else: a malformed
file can make calamine allocate gigabytes or abort the process (a 100 KB .xlsx whose one shared string of
100 MB fills 1,000 cells), and here that only ends this child. The zip checks (_zip_check.py) run here too,
so the server never inflates an upload's parts. Imports nothing of the project but its sibling _zip_check,
to start fast.

Usage: ``python _read_child.py PATH LIMITS_JSON MEMORY_BYTES``; the answer is one pickled tuple:
``("ok", sheets, formulas)``, ``("password",)``, ``("error", detail)`` or ``("refused", key, params)``.
Each sheet is ``(name, rows, (first_row, first_col), merged, hidden_rows, hidden_cols, hidden)``: the rows and
columns hidden in Excel as indexes into rows (an .xlsx's only: calamine does not tell them), and whether the
sheet itself is hidden (every format calamine reads).
"""

import resource
import sys

if __name__ == "__main__":  # before any import that allocates: the limit covers all that follows
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))

import datetime as dt  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import zipfile  # noqa: E402
from typing import Any  # noqa: E402

import python_calamine as pc  # noqa: E402
from _zip_check import Limits, Refused, check_zip, hidden_in, unreadable  # noqa: E402

Sheet = tuple[str, list[list[Any]], tuple[int, int], list[Any], set[int], set[int], bool]


def main(path: str, limits: Limits) -> tuple[Any, ...]:
    """The answer for one file (see the module's docstring)."""
    gc.disable()  # hundreds of thousands of values, none in a cycle: the collector would only rescan them
    try:
        formulas, hidden_parts = check_zip(path, limits)
        return ("ok", _read(path, limits, hidden_parts), formulas)
    except Refused as exc:
        return ("refused", exc.key, exc.params)
    except pc.PasswordError:
        return ("password",)
    except MemoryError:
        return ("refused", "unreadable_file", {"detail": "the file needs more memory than any report could"})
    except BaseException as exc:  # noqa: BLE001 - any reader failure, Rust panics included
        return ("error", f"{type(exc).__name__}: {exc}"[:300])


def _read(path: str, limits: Limits, hidden_parts: dict[str, str]) -> list[Sheet]:
    """Every worksheet; hidden_parts: the .xlsx worksheet part of each sheet that may hide rows or columns."""
    workbook = pc.CalamineWorkbook.from_path(path)
    sheets: list[Sheet] = []
    seen: dict[Any, Any] = {}
    chars = 0
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                continue
            # hidden or "very hidden" (only a macro shows it); calamine tells this for .xls and .ods too
            hidden = str(meta.visible) != str(pc.SheetVisibleEnum.Visible)
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height * sheet.width > limits.max_cells:
                raise unreadable(f"sheet '{meta.name}' is {sheet.height}×{sheet.width} cells")
            start, merged = sheet.start or (0, 0), sheet.merged_cell_ranges or []
            extent = (range(start[0], start[0] + sheet.height), range(start[1], start[1] + sheet.width))
            rows = sheet.to_python(skip_empty_area=True)
            del sheet  # calamine's own grid: freed before the next sheet is read
            chars += _share_and_count(rows, seen)
            longest = max((len(v) for v in seen if v.__class__ is str), default=0)  # every text is in seen
            if longest > limits.max_cell_chars:
                raise Refused("cell_text_too_long", chars=longest, limit=limits.max_cell_chars)
            if chars > limits.max_text_chars:
                raise Refused("too_much_text", chars=chars, limit=limits.max_text_chars)
            hidden_rows, hidden_cols = _hidden(path, hidden_parts.get(meta.name), *extent)
            sheets.append((meta.name, rows, start, merged, hidden_rows, hidden_cols, hidden))
    finally:
        workbook.close()
    return sheets


def _hidden(path: str, part: str | None, rows: range, columns: range) -> tuple[set[int], set[int]]:
    """The hidden rows and columns of a sheet's grid, as indexes into it (relative to rows.start, columns.start).

    Only an .xlsx/.xlsm part that check_zip saw holding 'hidden=' is read again (most hide nothing, and cost
    nothing here). An .xls, .xlsb or .ods is read as if nothing were hidden: calamine does not tell which of
    their rows and columns are, and their hidden flags lie in binary records or in styles this child does not
    parse.
    """
    if part is None:
        return set(), set()
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(part)  # checked by check_zip: within the limits, the same bytes
    return hidden_in(xml, rows, columns)


def _share_and_count(rows: list[list[Any]], seen: dict[Any, Any]) -> int:
    """Characters of text in the rows; equal texts and dates become one object each (a column repeats a few
    names and dates thousands of times: the pickle then sends each once, and the server keeps each once).

    Only texts and dates are shared: they equal no value of another kind (1 == 1.0 == True would be merged).
    """
    chars, share = 0, seen.setdefault
    text, number, date, moment = str, float, dt.date, dt.datetime
    for row in rows:
        c = 0
        for value in row:
            kind = value.__class__
            if kind is number:  # most cells: nothing to do
                pass
            elif kind is text:
                chars += len(value)
                row[c] = share(value, value)
            elif kind is date or kind is moment:
                row[c] = share(value, value)
            c += 1
    return chars


if __name__ == "__main__":
    answer = main(sys.argv[1], Limits(**json.loads(sys.argv[2])))
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
