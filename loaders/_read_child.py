"""Run as a child process: read a spreadsheet with python-calamine and pickle its sheets to stdout.

Used for the formats no check can vet before calamine reads them (.xls, .xlsb, .ods): a
malformed file can make calamine allocate gigabytes or abort the process, so it happens here,
under a memory limit, where that only ends this child. Imports nothing of the project on purpose.
"""

import pickle
import sys

import python_calamine as pc


def main(path: str, max_cells: int) -> object:
    try:
        workbook = pc.CalamineWorkbook.from_path(path)
    except pc.PasswordError:
        return ("password",)
    except BaseException as exc:  # noqa: BLE001 - any reader failure, Rust panics included
        return ("error", f"{type(exc).__name__}: {exc}"[:300])
    sheets = []
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height * sheet.width > max_cells:
                return ("too_big", meta.name, sheet.height, sheet.width)
            start = sheet.start or (0, 0)
            sheets.append((meta.name, sheet.to_python(skip_empty_area=True), start, sheet.merged_cell_ranges or []))
    except BaseException as exc:  # noqa: BLE001 - as above
        return ("error", f"{type(exc).__name__}: {exc}"[:300])
    return ("ok", sheets)


if __name__ == "__main__":
    sys.stdout.buffer.write(pickle.dumps(main(sys.argv[1], int(sys.argv[2]))))
