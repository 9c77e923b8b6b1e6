"""Upload page helpers: uploads kept in the session, inspection, what was understood, column mapping, preview, profiles.

Page side only (imports Streamlit); the reading, checking and storing are the core's
(loaders.inspect_file, loaders.annotate, store.history, store.profiles).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from figures import fmt
from loaders import FileReport, LoaderError, Record, import_reports, inspect_file
from loaders.annotate import UNOPENABLE, annotated_copy
from loaders.encoding import normalise_grids
from loaders.header import find_header
from loaders.matching import match_district
from loaders.options import KINDS, PERIODS, ColumnChoice, ReaderOptions
from loaders.reference import (
    DEFAULT_PROVINCE,
    FUNDING_MEASURES,
    all_districts,
    components,
    districts,
    measures,
    provinces,
    sources,
)
from loaders.report_checks import TOTAL_TOLERANCE
from loaders.text import escape_markdown as md
from loaders.workbook import Grid, read_grids
from pages import _auth_ui as auth
from pages import _ui as ui
from store import history, profiles

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_UNITS = ("dong", "nghin_dong", "trieu_dong", "ty_dong")
VALUE_KINDS = ("value", "total", "rate")
MEASURED_KINDS = (*VALUE_KINDS, "of_which")  # a measure, source and district are chosen for these
PLAN_STAGES = ("before", "adjustment")  # the plan before its adjustment, and the change: a source and district
# what makes a sheet's year and as-of date need the analyst's word (loaders.report_reader._year_and_date)
CONFIRM_CODES = ("as_of_unknown", "context_conflict", "year_from_file_name", "as_of_date_cell", "no_year")
CONTEXTS = "upload.contexts"  # session: file_id → {sheet: (year, ISO as-of date)} confirmed by the analyst
CONTEXT_ROUNDS = "upload.context_rounds"  # session: (file_id, sheet) → how many times a confirmation was undone
DIFFERENCE_STYLE = "background-color: #fde2e1; color: #8a1c14; font-weight: 600"  # a total that does not add up
NONE = ""  # the mapping table's "(không có)" source or district
FIRST_YEAR, LAST_YEAR = 2000, 2039  # what the year and date boxes accept (the reader's own range is checked by it)
MAX_CHANGED_ROWS = 500  # the changed-values table on screen; the whole set is still imported
MAX_REPORTS = 32  # inspected reports kept in the session (each mapping tried adds one)
IMPORT_FLASH = "upload.flash.import"  # what a button callback left for the next run to show
PROFILES_FLASH = "upload.flash.profiles"


@dataclass(frozen=True)
class Upload:
    """An uploaded file's bytes, kept in the session by the uploader's file_id."""

    file_id: str
    name: str
    data: bytes


def remember(files: Sequence[Any]) -> list[Upload]:
    """The uploader's files as Uploads kept in st.session_state; files no longer uploaded are forgotten."""
    kept: dict[str, Upload] = st.session_state.setdefault("upload.files", {})
    for f in files:
        if f.file_id not in kept:
            kept[f.file_id] = Upload(f.file_id, f.name, f.getvalue())
    ids = {f.file_id for f in files}
    for fid in [fid for fid in kept if fid not in ids]:
        del kept[fid]
    for cache in ("upload.reports", "upload.grids", "upload.annotated", CONTEXTS, CONTEXT_ROUNDS):
        table = st.session_state.setdefault(cache, {})
        for key in [k for k in table if (k[0] if isinstance(k, tuple) else k) not in ids]:
            del table[key]
    return [kept[f.file_id] for f in files]


@contextmanager
def temp_path(upload: Upload) -> Iterator[Path]:
    """The upload written to a temporary file under its own name (the readers go by suffix and stem)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(upload.name).name or "upload")
        path.write_bytes(upload.data)
        yield path


# --- reading ------------------------------------------------------------------------------------------------------

def province_select(lang: str) -> str:
    """The province of the uploaded files (default Lai Châu): their district names are matched among its districts."""
    codes = list(provinces())
    code = ui.pick(ui.tr("upload.province"), codes, "upload_province", index=codes.index(DEFAULT_PROVINCE),
                   labels={c: p.label(lang) for c, p in provinces().items()})
    st.caption(ui.tr("upload.province_help"))
    return str(code)


def profile_lookup(engine: Engine) -> dict[str, tuple[str, ReaderOptions]]:
    """Saved mappings by header signature, read once per run: signature → (name, options)."""
    applying = profiles.list_profiles(engine, user=auth.actor())  # the user's own first, else the shared ones
    return {p["signature"]: (p["name"], ReaderOptions.from_json(p["options"])) for p in applying}


def inspect(upload: Upload, lang: str, options: dict[str, ReaderOptions],
            lookup: dict[str, tuple[str, ReaderOptions]], province: str = DEFAULT_PROVINCE) -> FileReport:
    """inspect_file on the upload, remembered for the same options, saved mappings, province and language."""
    key = (upload.file_id, lang, province, tuple(sorted((s, o.to_json()) for s, o in options.items())),
           tuple(sorted((s, n, o.to_json()) for s, (n, o) in lookup.items())))
    cache: dict[tuple, FileReport] = st.session_state.setdefault("upload.reports", {})
    if key not in cache:
        with temp_path(upload) as path, st.spinner(ui.tr("upload.checking")):
            cache[key] = inspect_file(path, lang=lang, name=upload.name, options=options or None,
                                      profile_lookup=lookup.get, province_code=province)
        while len(cache) > MAX_REPORTS:
            del cache[next(iter(cache))]
    return cache[key]


def unusable(report: FileReport) -> bool:
    """True for a file that could not be opened at all (empty, wrong type, password, corrupt)."""
    return any(i.code in UNOPENABLE for i in report.errors)


def annotated_download(upload: Upload, report: FileReport, lang: str) -> None:
    """'Build a copy with the problems marked', then its download button (or why it cannot be built).

    Built only on request, in a child process limited in memory and time (loaders.annotate.annotated_copy),
    and remembered per report: a large upload no longer costs every visitor its openpyxl minutes.
    """
    cache: dict[tuple, bytes | LoaderError] = st.session_state.setdefault("upload.annotated", {})
    key = (upload.file_id, lang, report.sha256, tuple(report.issues))
    slot = st.empty()
    if key not in cache:
        if not slot.button(ui.tr("upload.annotate"), key=f"upload_annotate.{upload.file_id}", icon=":material/rule:"):
            return
        with temp_path(upload) as path, st.spinner(ui.tr("upload.annotating")):
            try:
                cache[key] = annotated_copy(path, report, lang)
            except LoaderError as exc:  # too large, too slow, out of memory: shown by the one renderer
                cache[key] = exc.with_traceback(None)
    built = cache[key]
    if isinstance(built, LoaderError):
        with slot.container():
            ui.show_problems(built)
        return
    name = f"{Path(upload.name).stem}_danh_dau.xlsx"
    if auth.signed_in() is not None:  # the district's figures: to this user's browser only, never at /media/…
        with slot.container():
            auth.private_download(ui.tr("upload.annotated"), f"annotated.{upload.file_id}", lambda: built, name, XLSX)
        return
    slot.download_button(ui.tr("upload.annotated"), data=built, file_name=name, mime=XLSX, on_click="ignore",
                         icon=":material/download:", key=f"upload_annotated.{upload.file_id}")


def grids(upload: Upload, lang: str) -> list[Grid]:
    """The upload's sheets as grids (legacy fonts converted), for the mapping editor."""
    cache: dict[str, list[Grid]] = st.session_state.setdefault("upload.grids", {})
    if upload.file_id not in cache:
        with temp_path(upload) as path:
            found = read_grids(path, lang)
            normalise_grids(found, path)
        cache[upload.file_id] = found
    return cache[upload.file_id]


# --- what was understood -------------------------------------------------------------------------------------------

def row_ranges(rows: Sequence[int]) -> str:
    """Excel row numbers as ranges: [9, 10, 11, 13] → '9–11, 13'."""
    spans: list[list[int]] = []
    for r in sorted(set(rows)):
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _at(text: str, cell: str | None) -> str:
    return f"{text} {ui.tr('upload.at_cell', cell=cell)}" if cell else text


def origin(sheet: dict[str, Any], what: str) -> str:
    """Where a sheet's year or as-of date (what) came from: 'ô A4', 'lấy từ tên trang', 'do bạn xác nhận' …; '' when unknown."""
    found, cell = sheet.get(f"{what}_from"), sheet.get(f"{what}_cell")
    if found in ("title", "header", "first_sheet") and cell:
        where = ui.tr("upload.cell", cell=cell)
        return where if found == "title" else f"{where}, {ui.tr(f'upload.from_{found}')}"
    return ui.tr(f"upload.from_{found}") if found else (ui.tr("upload.cell", cell=cell) if cell else "")


def _from(text: str, sheet: dict[str, Any], what: str) -> str:
    where = origin(sheet, what)
    return f"{text} ({where})" if where else text


def understanding(sheet: dict[str, Any], lang: str) -> str:
    """One line on what was read from a sheet: province, year, date, unit, header, data and total rows, each with its cell."""
    parts = []
    if sheet.get("province") in provinces():
        province = provinces()[sheet["province"]].label(lang, short=False)
        parts.append(_at(ui.tr("upload.province_of", province=province), sheet.get("province_cell")))
    if sheet.get("year"):
        parts.append(_from(ui.tr("upload.year", year=sheet["year"]), sheet, "year"))
    if sheet.get("as_of"):
        date = fmt.date(dt.date.fromisoformat(sheet["as_of"]), lang)
        parts.append(_from(ui.tr("upload.as_of", date=date), sheet, "as_of"))
    if any(c.get("measure") in FUNDING_MEASURES for c in sheet.get("columns", [])):
        unit = sheet.get("unit")
        if unit not in MONEY_UNITS:
            parts.append(ui.tr("upload.unit_missing"))
        else:
            key = "upload.unit" if unit == "trieu_dong" else "upload.unit_converted"
            parts.append(_at(ui.tr(key, unit=ui.tr(f"upload.unit_{unit}")), sheet.get("unit_cell")))
    if sheet.get("encoding") not in (None, "unicode"):
        parts.append(ui.tr("upload.encoding", encoding=str(sheet["encoding"]).upper()))
    for key in ("header_rows", "data_rows", "total_rows", "group_rows"):
        if sheet.get(key):
            parts.append(ui.tr(f"upload.{key}", rows=row_ranges(sheet[key])))
    return " · ".join(parts)


def meaning(column: dict[str, Any], lang: str) -> str:
    """'Giải ngân lũy kế – NSTW – ĐTPT', or 'Tổng số (kiểm tra) – Kế hoạch vốn năm' for a check column."""
    m = measures().get(column.get("measure") or "")
    parts = [m.label(lang) if m else (column.get("measure") or "")]
    if column.get("source") in sources():
        parts.append(sources()[column["source"]].label(lang))
    if column.get("district") in all_districts():
        parts.append(ui.district_label(column["district"]))
    if column.get("kind") not in (None, "value"):  # a check, a part, a plan superseded, a column read twice
        parts.insert(0, ui.tr(f"upload.kind_{column['kind']}"))
    return " – ".join(p for p in parts if p)


def column_table(sheet: dict[str, Any], lang: str) -> pd.DataFrame:
    """Cột | Tiêu đề | Được hiểu là, for the columns that carry values or checks."""
    return pd.DataFrame(
        [(c["column"], c["header"], meaning(c, lang)) for c in sheet.get("columns", [])],
        columns=[ui.tr("upload.col_column"), ui.tr("upload.col_header"), ui.tr("upload.col_meaning")],
    )


def show_understanding(report: FileReport, lang: str, upload: Upload | None = None) -> None:
    """What was read from each sheet, in plain words, with a table of the columns; given the upload,
    each sheet's year and as-of date can be confirmed or corrected (context_box)."""
    st.markdown(ui.tr("upload.understood"))
    if not report.sheets:
        st.markdown(ui.tr("upload.template_file", records=fmt.number(len(report.records), lang)))
        return
    for sheet in report.sheets:
        if sheet["kind"] == "skipped":
            st.markdown(ui.tr("upload.sheet_skipped", sheet=md(sheet["sheet"])))
            continue
        st.markdown(f"**{ui.tr('upload.sheet', sheet=md(sheet['sheet']))}**: {understanding(sheet, lang)}")
        if sheet.get("profile"):
            st.info(ui.tr("upload.profile_applied", name=md(sheet["profile"])), icon=":material/bookmark:")
        if upload is not None:
            context_box(upload, report, sheet, lang)
        if sheet.get("columns"):
            st.dataframe(column_table(sheet, lang), hide_index=True, width="stretch")


# --- a sheet's year and as-of date, confirmed or corrected by hand -------------------------------------------------

def contexts(upload: Upload) -> dict[str, tuple[int | None, str | None]]:
    """The year and ISO as-of date the analyst confirmed, by sheet, for this upload."""
    return st.session_state.setdefault(CONTEXTS, {}).get(upload.file_id, {})


def with_context(upload: Upload, options: dict[str, ReaderOptions]) -> dict[str, ReaderOptions]:
    """The column choices (by sheet) with each sheet's confirmed year and as-of date put in."""
    out = dict(options)
    for sheet, (year, as_of) in contexts(upload).items():
        out[sheet] = replace(out.get(sheet) or ReaderOptions(), year=year, as_of=as_of)
    return out


def _confirm_context(file_id: str, sheet: str, year_key: str, date_key: str) -> None:
    year, as_of = st.session_state.get(year_key), st.session_state.get(date_key)
    st.session_state.setdefault(CONTEXTS, {}).setdefault(file_id, {})[sheet] = (
        int(year) if year is not None else None, as_of.isoformat() if as_of is not None else None)
    if as_of is None and year is not None:  # a year alone: the reader proposes its last day, shown to confirm next
        st.session_state[date_key] = dt.date(int(year), 12, 31)


def _forget_context(file_id: str, sheet: str) -> None:
    st.session_state.get(CONTEXTS, {}).get(file_id, {}).pop(sheet, None)
    # new boxes, which start from what the file says (a box's own value would outlive its state in the browser)
    rounds = st.session_state.setdefault(CONTEXT_ROUNDS, {})
    rounds[(file_id, sheet)] = rounds.get((file_id, sheet), 0) + 1


def context_box(upload: Upload, report: FileReport, sheet: dict[str, Any], lang: str) -> None:
    """The sheet's year and as-of date, each with where it was read, editable and confirmed with one button.

    Open and marked when the reader needs the analyst's word (CONFIRM_CODES) or the analyst already gave it;
    behind a toggle otherwise. Confirming re-reads the sheet with ReaderOptions(year, as_of) (see with_context).
    """
    name, fid = sheet["sheet"], upload.file_id
    flagged = list(dict.fromkeys(i.code for i in report.issues if i.sheet == name and i.code in CONFIRM_CODES))
    confirmed = contexts(upload).get(name)
    key = f"{fid}.{name}"
    if not flagged and confirmed is None and not st.toggle(
            ui.tr("upload.context_toggle"), key=f"upload_context_on.{key}"):
        return
    boxes = f"{key}.{st.session_state.get(CONTEXT_ROUNDS, {}).get((fid, name), 0)}"
    year_key, date_key = f"upload_year.{boxes}", f"upload_as_of.{boxes}"
    with st.container(border=True, key=f"upload_context.{key}"):
        if flagged:
            reasons = "; ".join(ui.tr(f"upload.confirm_{code}") for code in flagged)
            st.warning(ui.tr("upload.context_needed", reasons=reasons), icon=":material/event_busy:")
        left, right, button = st.columns([1, 1, 1], vertical_alignment="bottom")
        # what was read, until the box holds a value of its own (one set by _confirm_context included)
        read_year = sheet.get("year") if FIRST_YEAR <= (sheet.get("year") or 0) <= LAST_YEAR else None
        read_date = dt.date.fromisoformat(sheet["as_of"]) if sheet.get("as_of") else None
        read_year = None if year_key in st.session_state else read_year
        read_date = None if date_key in st.session_state else read_date
        year = left.number_input(ui.tr("upload.context_year"), FIRST_YEAR, LAST_YEAR, read_year, step=1,
                                 key=year_key, placeholder=ui.tr("upload.context_year_missing"))
        as_of = right.date_input(ui.tr("upload.context_as_of"),
                                 read_date if read_date and FIRST_YEAR <= read_date.year <= LAST_YEAR else None,
                                 dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31), key=date_key, format="DD/MM/YYYY")
        left.caption(ui.tr("upload.context_from", origin=origin(sheet, "year") or ui.tr("upload.from_none")))
        right.caption(ui.tr("upload.context_from", origin=origin(sheet, "as_of") or ui.tr("upload.from_none")))
        mismatch = year is not None and as_of is not None and as_of.year not in (year, year + 1)
        done = confirmed == (year, as_of.isoformat() if as_of is not None else None)
        button.button(ui.tr("upload.context_confirm"), key=f"upload_context_confirm.{key}",
                      type="secondary" if done else "primary",
                      icon=":material/event_available:", disabled=mismatch or (year is None and as_of is None),
                      on_click=_confirm_context, args=(fid, name, year_key, date_key))
        if mismatch:
            st.error(ui.tr("upload.context_mismatch", year=year, date=fmt.date(as_of, lang)))
        if confirmed is not None:
            year_set, as_of_set = confirmed
            shown = ui.tr("upload.context_confirmed", year=year_set if year_set is not None else fmt.MISSING,
                          date=fmt.date(as_of_set, lang) if as_of_set else fmt.MISSING)
            note, undo = st.columns([3, 1], vertical_alignment="center")
            note.success(shown, icon=":material/check:")
            undo.button(ui.tr("upload.context_forget"), key=f"upload_context_forget.{key}", icon=":material/undo:",
                        on_click=_forget_context, args=(fid, name))
        else:
            st.caption(ui.tr("upload.context_note"))


# --- what will be stored, per sheet and district, and the file's own totals -------------------------------------------

def district_values(records: Sequence[Record]) -> pd.DataFrame:
    """Per district and as-of date, the sum of each measure's records: district_code, as_of, then one column
    per measure present (in the measures table's order); projects and sources are added up."""
    sums: dict[tuple[str, dt.date], dict[str, float]] = {}
    for r in records:
        row = sums.setdefault((r.district_code, r.as_of), {})
        row[r.measure] = row.get(r.measure, 0.0) + r.value
    present = {m for row in sums.values() for m in row}
    order = [m for m in measures() if m in present] + sorted(present - set(measures()))
    known = {code: i for i, code in enumerate(all_districts())}  # the reference order (GSO codes), as elsewhere
    keys = sorted(sums, key=lambda k: (known.get(k[0], len(known)), k[0], k[1]))
    rows = [[d, when, *(sums[(d, when)].get(m) for m in order)] for d, when in keys]
    return pd.DataFrame(rows, columns=["district_code", "as_of", *order])


def _digits(measure: str | None) -> int:
    m = measures().get(measure or "")
    return ui.UNIT_DIGITS.get(m.unit, 2) if m else 2


def _measure_heading(measure: str, lang: str) -> str:
    """'Kế hoạch vốn năm (triệu đồng)'."""
    m = measures().get(measure)
    return f"{m.label(lang)} ({ui.tr(f'data.unit_{m.unit}')})" if m else measure


def values_table(records: Sequence[Record], lang: str) -> pd.DataFrame:
    """District × measure as shown: names, the date column only where the records have several dates."""
    frame = district_values(records)
    table = pd.DataFrame({ui.tr("common.district"): frame["district_code"].map(ui.district_label)})
    if frame["as_of"].nunique() > 1:  # "đầu năm" and "cuối năm", or one date per row
        table[ui.tr("data.col_as_of")] = [fmt.date(d, lang) for d in frame["as_of"]]
    for measure in frame.columns[2:]:
        table[_measure_heading(measure, lang)] = [fmt.number(v, lang, _digits(measure)) for v in frame[measure]]
    return table


def totals_table(totals: Sequence[dict[str, Any]], lang: str) -> pd.DataFrame:
    """The file's own totals beside the sum of the rows read, and the difference (sum − file)."""
    return pd.DataFrame({
        ui.tr("common.cell"): [t["cell"] for t in totals],
        ui.tr("upload.col_header"): [t["header"] for t in totals],
        ui.tr("upload.col_meaning"): [meaning(t, lang) for t in totals],
        ui.tr("upload.col_file_total"): [fmt.number(t["file_total"], lang, _digits(t["measure"])) for t in totals],
        ui.tr("upload.col_sum_of_rows"): [fmt.number(t["sum_of_rows"], lang, _digits(t["measure"])) for t in totals],
        ui.tr("upload.col_difference"): [fmt.number(t["sum_of_rows"] - t["file_total"], lang, _digits(t["measure"]))
                                         for t in totals],
    })


def _differs(total: dict[str, Any]) -> bool:
    """The sum of the rows is not the file's own total (beyond TOTAL_TOLERANCE: reports round)."""
    return abs(total["sum_of_rows"] - total["file_total"]) > TOTAL_TOLERANCE


def _marked(table: pd.DataFrame, flags: list[bool], column: str) -> Any:
    """The table with column's cell marked in red on the flagged rows (a pandas Styler, which st.dataframe shows)."""
    def colour(cells: pd.Series) -> list[str]:
        return [DIFFERENCE_STYLE if flag else "" for flag in flags]
    return table.style.apply(colour, subset=[column])


def show_values(report: FileReport, lang: str) -> None:
    """Per sheet, the values that will be stored per district, and the file's totals beside the sum of its rows."""
    layouts = {s["sheet"]: s for s in report.sheets}
    by_sheet: dict[str, list[Record]] = {}
    for r in report.records:
        by_sheet.setdefault(r.sheet, []).append(r)
    names = list(dict.fromkeys([*by_sheet, *(s["sheet"] for s in report.sheets if s.get("totals"))]))
    if not names:
        return
    st.markdown(f"**{ui.tr('upload.values_title')}**")
    st.caption(ui.tr("upload.values_note"))
    for name in names:
        st.markdown(f"*{ui.tr('upload.values_sheet', sheet=md(name))}*")
        if name in by_sheet:
            st.dataframe(values_table(by_sheet[name], lang), hide_index=True, width="stretch")
        totals = layouts.get(name, {}).get("totals") or []
        if not totals:
            continue
        flags = [_differs(t) for t in totals]
        st.caption(ui.tr("upload.totals_title"))
        st.dataframe(_marked(totals_table(totals, lang), flags, ui.tr("upload.col_difference")), hide_index=True,
                     width="stretch")
        if any(flags):
            st.caption(ui.tr("upload.totals_differ", n=sum(flags)))


# --- mapping by hand -----------------------------------------------------------------------------------------------

def _guess_header_rows(grid: Grid) -> tuple[int, int]:
    """Where to start when nothing was detected: the first row with two texts (Excel numbers)."""
    for r, row in enumerate(grid.rows):
        if sum(1 for v in row if isinstance(v, str) and v.strip()) >= 2:
            n = grid.first_row + r + 1
            return n, n
    return grid.first_row + 1, grid.first_row + 1


@dataclass(frozen=True)
class MapColumn:
    """A column of the chosen header rows, as the mapping editor shows it."""

    text: str  # the header as one line: 'Mường Tè › KH'
    choice: ColumnChoice  # what the reader makes of it by itself
    district: str | None  # the district its header names (a table whose columns are grouped by district)
    role: str  # the header without the district's name ('KH'): the same in every district's group


def _kind_of(meaning: Any) -> str:
    """The editor's kind for a header's meaning (loaders.synonyms.Meaning) that names a measure."""
    if meaning.is_rate or meaning.is_total:
        return "rate" if meaning.is_rate else "total"
    if meaning.subgroup:
        return "of_which"
    return str(meaning.stage) if meaning.stage in PLAN_STAGES else "value"


def _default_choices(grid: Grid, first: int, last: int, layout: dict[str, Any] | None,
                     province: str = DEFAULT_PROVINCE) -> dict[str, MapColumn]:
    """letter → the column's header and the choice the reader makes by itself, for the chosen header rows."""
    header = find_header(grid, (first - 1 - grid.first_row, last - 1 - grid.first_row), province)
    if header is None:
        return {}
    read = {c["column"]: c for c in layout["columns"] if c.get("table", 0) == 0} if layout else {}
    out = {}
    for c, parts in enumerate(header.parts):
        if not parts:
            continue
        letter = grid.cell(0, c).rstrip("0123456789")
        m = header.meanings[c]
        if letter in read:
            col = read[letter]
            # a second column for one key is a value the reader left out (same_key_columns): shown as a value
            kind = "value" if col["kind"] == "duplicate" else col["kind"]
            choice = ColumnChoice(kind, col["measure"] or None, col["source"], col["district"], col.get("period"))
        elif m.role in KINDS:
            choice = ColumnChoice(m.role)
        elif m.measure:
            choice = ColumnChoice(_kind_of(m), m.measure, m.source, header.districts[c],
                                  "start" if m.period == "start" else None)
        else:
            choice = ColumnChoice("ignore")
        district = header.districts[c]
        role = " › ".join(p for p in parts if not district or match_district(p, province)[:2] != (district, 100))
        out[letter] = MapColumn(header.flat(c), choice, district, role)
    return out


def _select(label: str, options: list[Any], value: Any, key: str, names: dict[Any, str]) -> Any:
    """A label-less selectbox in the mapping table, starting at the reader's own choice; kept across a language switch."""
    return ui.pick(label, options, key, labels=names, index=options.index(value) if value in options else 0,
                   label_visibility="collapsed")


def group_fill(columns: dict[str, MapColumn], chosen: dict[str, ColumnChoice]) -> tuple[str | None, dict[str, ColumnChoice]]:
    """The first district group's roles applied to every other group: (that district, letter → new choice).

    A column's group is the district chosen for it, else the one its header names; a column of another
    group takes the choice of the first group's column with the same header text (its role: 'KH', 'GN'),
    with its own group's district. Only the columns whose choice would change are given.
    """
    groups: dict[str, list[str]] = {}
    for letter, col in columns.items():
        district = chosen[letter].district if chosen[letter].kind in (*MEASURED_KINDS, *PLAN_STAGES) else None
        if district or col.district:
            groups.setdefault(district or col.district or "", []).append(letter)
    if len(groups) < 2:
        return None, {}
    first, *others = groups
    roles = {columns[letter].role: chosen[letter] for letter in groups[first]
             if chosen[letter].kind in (*MEASURED_KINDS, *PLAN_STAGES)}
    fill = {}
    for district in others:
        for letter in groups[district]:
            model = roles.get(columns[letter].role)
            if model is not None and replace(model, district=district) != chosen[letter]:
                fill[letter] = replace(model, district=district)
    return first, fill


def _fill_groups(keys: dict[str, str], fill: dict[str, ColumnChoice]) -> None:
    """Button callback: put the choices in the mapping table's boxes (keys: letter → its boxes' key prefix)."""
    for letter, choice in fill.items():
        for field in ("kind", "measure", "source", "district"):
            ui.set_pick(f"{keys[letter]}.{field}", getattr(choice, field) or NONE)
        ui.set_pick(f"{keys[letter]}.period", choice.period or "end")


def _table_end(layout: dict[str, Any] | None, bottom: int) -> int:
    """The Excel row where the sheet's first table ends as read (its last data, total or group row)."""
    tables = (layout or {}).get("tables") or []
    if not tables or not tables[0].get("data_rows"):
        return bottom
    first = tables[0]["data_rows"]
    following = tables[1]["header_rows"][0] if len(tables) > 1 and tables[1].get("header_rows") else bottom + 1
    checks = [r for r in (layout or {}).get("total_rows", []) + (layout or {}).get("group_rows", [])
              if first[0] <= r < following]
    return max(first + checks)


def mapping_editor(upload: Upload, base: FileReport, lang: str,
                   province: str = DEFAULT_PROVINCE) -> tuple[str | None, dict[str, ReaderOptions]]:
    """Header rows, the table's last row and a meaning per column chosen by hand: (sheet, its options), only what
    differs from detection. A table grouped by district ('Mường Tè: KH | GN, Sìn Hồ: KH | GN …') is filled in one
    step from its first group (group_fill).

    The district a column can be given is one of ``province``'s (the province chosen for the files).
    """
    fid = upload.file_id
    if not base.sheets:  # read as the input template: its columns are fixed, nothing to map
        return None, {}
    if not st.toggle(ui.tr("upload.mapping_toggle"), key=f"upload_map_on.{fid}"):
        return None, {}
    try:
        sheets = grids(upload, lang)
    except Exception as exc:  # noqa: BLE001 - the file was readable a moment ago; say why not now
        ui.show_problems(exc)
        return None, {}
    names = [g.name for g in sheets]
    name = names[0] if len(names) == 1 else st.selectbox(ui.tr("upload.mapping_sheet"), names, key=f"upload_map_sheet.{fid}")
    grid = sheets[names.index(name)]
    layout = next((s for s in base.sheets if s["sheet"] == name and s["kind"] == "report" and s["header_rows"]), None)
    detected = (layout["header_rows"][0], layout["header_rows"][-1]) if layout else None
    top, bottom = grid.first_row + 1, grid.first_row + max(len(grid.rows), 1)
    default = detected or _guess_header_rows(grid)
    left, middle, right, _ = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
    first = int(left.number_input(ui.tr("upload.header_first"), top, bottom, default[0], step=1, key=f"upload_map_first.{fid}.{name}"))
    last = max(first, int(middle.number_input(ui.tr("upload.header_last"), top, bottom, default[1], step=1,
                                              key=f"upload_map_last.{fid}.{name}")))
    table_end = _table_end(layout, bottom)  # not moved with the header rows: an untouched box stays no choice
    last_row = int(right.number_input(ui.tr("upload.last_row"), top, bottom, table_end, step=1,
                                      key=f"upload_map_end.{fid}.{name}", help=ui.tr("upload.last_row_help")))
    columns = _default_choices(grid, first, last, layout if (first, last) == detected else None, province)
    if not columns:
        st.warning(ui.tr("upload.no_header"))
        return name, {}
    kind_names = {k: ui.tr(f"upload.kind_{k}") for k in KINDS}
    measure_names = {code: m.label(lang) for code, m in measures().items()}
    # "" for none: a box set to None from a callback would show no choice at all (see _fill_groups)
    source_names = {NONE: ui.tr("upload.none"), **{c: s.label(lang) for c, s in sources().items()}}
    district_names = {NONE: ui.tr("upload.none"), **{c: ui.district_label(c) for c in districts(province)}}
    period_names = {p: ui.tr(f"upload.period_{p}") for p in reversed(PERIODS)}  # the end (the usual) first
    base_key = f"upload_map.{fid}.{name}.{first}-{last}"
    keys = {letter: f"{base_key}.{letter}" for letter in columns}
    # a column for the period only where counts are (or were made) read: the boxes stay wide enough otherwise
    counted = [measures()[m].unit == "households" for m in (
        *(c.choice.measure for c in columns.values()), *(ui.remembered(f"{k}.measure") for k in keys.values()))
        if m in measures()]
    widths = [3, 2, 2, 2, 2, 2] if any(counted) else [3, 2, 2, 2, 2]
    for col, label in zip(st.columns(widths), ("col_header", "map_kind", "map_measure", "map_source", "map_district",
                                               "map_period")):
        col.caption(ui.tr(f"upload.{label}"))
    chosen: dict[str, ColumnChoice] = {}
    for letter, column in columns.items():
        default_choice, key = column.choice, keys[letter]
        cells = st.columns(widths, vertical_alignment="center")
        cells[0].markdown(f"**{letter}** · {md(column.text)}")  # the header's text, from the file
        with cells[1]:
            kind = _select(ui.tr("upload.map_kind"), list(KINDS), default_choice.kind, f"{key}.kind", kind_names)
        choice = ColumnChoice(kind)
        if kind in MEASURED_KINDS or kind in PLAN_STAGES:
            if kind in PLAN_STAGES:  # the plan's, always
                measure = "plan"
                cells[2].caption(measure_names["plan"])
            else:
                with cells[2]:
                    measure = _select(ui.tr("upload.map_measure"), list(measures()), default_choice.measure,
                                      f"{key}.measure", measure_names)
            with cells[3]:
                source = _select(ui.tr("upload.map_source"), list(source_names), default_choice.source or NONE,
                                 f"{key}.source", source_names) or None
            with cells[4]:
                district = _select(ui.tr("upload.map_district"), list(district_names),
                                   default_choice.district or (column.district if kind != default_choice.kind else NONE),
                                   f"{key}.district", district_names) or None
            period = None
            if measures()[measure].unit == "households" and kind in MEASURED_KINDS and len(cells) > 5:
                with cells[5]:  # a count: at the start or at the end of the period
                    period = _select(ui.tr("upload.map_period"), list(period_names), default_choice.period or "end",
                                     f"{key}.period", period_names)
            choice = ColumnChoice(kind, measure, source, district, "start" if period == "start" else None)
        chosen[letter] = choice
    group, fill = group_fill(columns, chosen)
    if group is not None and fill:
        left, right = st.columns([1, 2], vertical_alignment="center")
        left.button(ui.tr("upload.fill_groups"), key=f"{base_key}.fill", icon=":material/content_copy:",
                    on_click=_fill_groups, args=(keys, fill))
        right.caption(ui.tr("upload.fill_groups_help", district=ui.district_label(group),
                            n=len({c.district for c in fill.values()}), columns=len(fill)))
    st.caption(ui.tr("upload.mapping_note"))
    changed = {letter: choice for letter, choice in chosen.items() if choice != columns[letter].choice}
    end = last_row if last_row != table_end else None
    if not changed and (first, last) == detected and end is None:
        return name, {}
    rows = (first, last) if (first, last) != detected else None
    return name, {name: ReaderOptions(header_rows=rows, columns=changed, last_row=end)}


def _save_profile(signature: str, options_json: str, name_key: str, flash: str) -> None:
    name = (st.session_state.get(name_key) or "").strip() or signature
    _store_profile(signature, name, options_json, flash, "upload.profile_saved")


def _store_profile(signature: str, name: str, options_json: str, flash: str, done_key: str) -> None:
    """Save (or rename) a mapping profile; the outcome is flashed on the next run."""
    try:
        profiles.save_profile(ui.engine(), signature, name, ReaderOptions.from_json(options_json), user=auth.actor())
    except Exception as exc:  # noqa: BLE001 - shown by the one renderer
        st.session_state[flash] = exc
    else:
        st.session_state[flash] = ("success", ui.tr(done_key, name=md(name)))


def layout_of(options: ReaderOptions) -> ReaderOptions | None:
    """What a mapping profile keeps of a sheet's options: the layout (header rows, columns, province), not the
    file's own facts (year, as-of date, last row), which the reader never takes from a profile; None if nothing."""
    kept = replace(options, year=None, as_of=None, last_row=None)
    return None if kept == ReaderOptions() else kept


def profile_saver(upload: Upload, report: FileReport, sheet: str | None, options: dict[str, ReaderOptions]) -> None:
    """Name and 'Lưu thành mẫu ánh xạ' for the mapping in use, keyed by the re-read sheet's header signature."""
    flash = f"upload.flash.profile.{upload.file_id}"
    show_flash(flash)
    if sheet is None:
        return
    layout = next((s for s in report.sheets if s["sheet"] == sheet), None)
    given = options.get(sheet)
    if given is not None:
        st.info(ui.tr("upload.mapping_active", sheet=md(sheet), n=len(given.columns)), icon=":material/tune:")
    chosen = layout_of(given) if given is not None else None
    signature = layout.get("signature") if layout else None
    name_key = f"upload_profile_name.{upload.file_id}.{sheet}"
    st.session_state.setdefault(name_key, Path(upload.name).stem)
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    left.text_input(ui.tr("upload.profile_name"), key=name_key)
    right.button(ui.tr("upload.save_profile"), key=f"upload_profile_save.{upload.file_id}.{sheet}",
                 disabled=chosen is None or signature is None, icon=":material/bookmark_add:",
                 on_click=_save_profile, args=(signature, chosen.to_json() if chosen else "", name_key, flash))
    if chosen is None:
        st.caption(ui.tr("upload.profile_nothing"))


def show_flash(key: str) -> None:
    """The message a button's callback left for this run under key (saved, imported, or an error)."""
    flash = st.session_state.pop(key, None)
    if isinstance(flash, BaseException):
        ui.show_problems(flash)
    elif isinstance(flash, tuple) and flash[0] == "success":
        st.success(flash[1])
    elif isinstance(flash, list):
        lang = ui.lang()
        for r in flash:
            if r.already_imported:
                st.info(ui.tr("upload.already_imported", file=md(r.file)))
            else:
                st.success(ui.tr("upload.imported", file=md(r.file), batch=r.batch_id, new=fmt.number(r.facts_new, lang),
                                 changed=fmt.number(r.facts_changed, lang), unchanged=fmt.number(r.facts_unchanged, lang)))


# --- preview and commit --------------------------------------------------------------------------------------------

def show_preview(frame: pd.DataFrame, lang: str) -> None:
    """Per-district counts and the changed or hidden values (old → new), before anything is written."""
    st.caption(ui.tr("upload.preview_intro"))
    counts = frame["status"].value_counts()
    st.markdown(ui.tr("upload.preview_summary", new=fmt.number(counts.get("new", 0), lang),
                      changed=fmt.number(counts.get("changed", 0), lang),
                      unchanged=fmt.number(counts.get("unchanged", 0), lang)))
    if counts.get("hidden", 0):
        st.warning(ui.tr("upload.preview_hidden", hidden=fmt.number(counts["hidden"], lang)))
    for name, statuses in frame.groupby("file", sort=False)["status"]:
        if set(statuses) == {"already_imported"}:
            st.info(ui.tr("upload.preview_already", file=md(name)))
    by_district = history.preview_by_district(frame)
    table = pd.DataFrame({ui.tr("common.district"): by_district["district_code"].map(ui.district_label)})
    for status in ("new", "changed", "unchanged", "hidden", "already_imported"):
        table[ui.tr(f"upload.col_{status}")] = [fmt.number(v, lang) for v in by_district[status]]
    st.markdown(f"**{ui.tr('upload.by_district_title')}**")
    st.dataframe(table, hide_index=True, width="stretch")
    st.markdown(f"**{ui.tr('upload.changed_title')}**")
    changed = frame[frame["status"].isin(["changed", "hidden"])]
    if changed.empty:
        st.caption(ui.tr("upload.no_changes"))
        return
    shown = changed.head(MAX_CHANGED_ROWS)
    digits = shown["measure"].map(lambda m: ui.UNIT_DIGITS.get(measures()[m].unit, 2) if m in measures() else 2)
    st.dataframe(pd.DataFrame({
        ui.tr("common.district"): shown["district_code"].map(ui.district_label),
        ui.tr("data.col_year"): shown["year"].astype(str),
        ui.tr("data.col_as_of"): [fmt.date(d, lang) for d in shown["as_of"]],
        ui.tr("data.col_component"): shown["component"].map(lambda c: components()[c].label(lang) if c in components() else c),
        ui.tr("data.col_source"): shown["source"].map(lambda s: sources()[s].label(lang) if s in sources() else s),
        ui.tr("data.col_measure"): shown["measure"].map(lambda m: measures()[m].label(lang) if m in measures() else m),
        ui.tr("upload.col_status"): shown["status"].map(lambda s: ui.tr(f"upload.col_{s}")),
        ui.tr("upload.col_old"): [fmt.number(v, lang, d) for v, d in zip(shown["old"], digits)],
        ui.tr("upload.col_value"): [fmt.number(v, lang, d) for v, d in zip(shown["new"], digits)],
        ui.tr("upload.col_where"): [f"{f} · '{s}'!{c}" if c else "" for f, s, c in zip(shown["file"], shown["sheet"], shown["cell"])],
        ui.tr("upload.col_old_batch"): [fmt.number(b, lang) for b in shown["old_batch"]],
    }), hide_index=True, width="stretch")
    if len(changed) > len(shown):
        st.caption(ui.tr("upload.changed_shown", n=fmt.number(len(shown), lang), total=fmt.number(len(changed), lang)))


def commit(reports: list[FileReport]) -> None:
    """Button callback: write the accepted reports, one batch each, in one transaction; the result is shown next run."""
    try:
        st.session_state[IMPORT_FLASH] = list(import_reports(ui.engine(), reports, user=auth.actor()))
    except Exception as exc:  # noqa: BLE001 - shown by the one renderer; the transaction wrote nothing
        st.session_state[IMPORT_FLASH] = exc


# --- saved profiles ------------------------------------------------------------------------------------------------

def _rename_profile(signature: str, options_json: str, name_key: str) -> None:
    name = (st.session_state.get(name_key) or "").strip()
    if name:
        _store_profile(signature, name, options_json, PROFILES_FLASH, "upload.profile_renamed")


def _delete_profile(signature: str, name: str) -> None:
    try:
        profiles.delete_profile(ui.engine(), signature, user=auth.actor())
    except Exception as exc:  # noqa: BLE001 - shown by the one renderer
        st.session_state[PROFILES_FLASH] = exc
    else:
        st.session_state[PROFILES_FLASH] = ("success", ui.tr("upload.profile_deleted", name=md(name)))


def profiles_section(engine: Engine, lang: str) -> None:
    """The saved mappings: listed, renamed (saved again) and deleted."""
    st.subheader(ui.tr("upload.profiles_title"))
    show_flash(PROFILES_FLASH)
    saved = profiles.list_profiles(engine, user=auth.actor())
    if not saved:
        st.caption(ui.tr("upload.profiles_empty"))
        return
    rows = []
    for p in saved:
        opts = ReaderOptions.from_json(p["options"])
        rows.append({
            ui.tr("upload.col_name"): p["name"],
            ui.tr("upload.col_header_rows"): row_ranges(range(opts.header_rows[0], opts.header_rows[1] + 1))
            if opts.header_rows else "",
            ui.tr("upload.col_columns"): ", ".join(f"{k}: {meaning(vars(c), lang) if c.kind in (*MEASURED_KINDS, *PLAN_STAGES) else ui.tr(f'upload.kind_{c.kind}')}"
                                                   for k, c in sorted(opts.columns.items())),
            ui.tr("upload.col_user"): p["user"],
            ui.tr("upload.col_created_at"): p["created_at"][:16],
            ui.tr("upload.col_signature"): p["signature"],
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    by_signature = {p["signature"]: p for p in saved}
    signature = st.selectbox(ui.tr("upload.profile_pick"), list(by_signature), key="upload_profile_pick",
                             format_func=lambda s: by_signature[s]["name"])
    chosen = by_signature[signature]
    name_key = f"upload_profile_rename.{signature}"
    st.session_state.setdefault(name_key, chosen["name"])
    left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    left.text_input(ui.tr("upload.profile_new_name"), key=name_key)
    middle.button(ui.tr("upload.profile_rename"), key="upload_profile_rename", icon=":material/edit:",
                  on_click=_rename_profile, args=(signature, chosen["options"], name_key))
    right.button(ui.tr("upload.profile_delete"), key="upload_profile_delete", icon=":material/delete:",
                 on_click=_delete_profile, args=(signature, chosen["name"]))
    st.caption(ui.tr("upload.profiles_note"))
