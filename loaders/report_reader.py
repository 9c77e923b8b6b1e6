"""Reading hand-made district reports: title block, merged headers, unit rows, totals as checks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from rapidfuzz import fuzz, process

from .agencies import agency_name, match_agency, part_heading
from .communes import commune_name, district_named, has_district_word, is_commune_label, match_commune
from .header import Header, candidate_headers, district_columns, find_header, is_header_row
from .i18n import number, t
from .matching import match_district
from .options import ReaderOptions
from .records import Dataset, FileReport, Issue, Record, Severity
from .reference import (
    DEFAULT_PROVINCE,
    FUNDING_MEASURES,
    communes,
    components,
    district_name,
    measures,
    province_level_code,
    provinces,
    source_parent,
    sources,
)
from .template_spec import POVERTY_YEARS, PROGRAMME_YEARS, date_in_year
from .text import fold
from .title_block import _SIGNED, TitleBlock, as_of_in, read_title_block, year_in, year_in_name
from .transpose import TransposedGrid, transposed
from .values import parse_column, parse_date, parse_year
from .workbook import Grid

MAX_TABLES = 50  # tables read on one sheet; a district sends two or three
ALL_SHEETS = "*"  # the key of options that hold for every sheet (a year or date given on the command line)
_ROMAN = re.compile(r"^(i{1,3}|iv|v|vi{0,3}|ix|x)$")
_NUMBERED = re.compile(r"^(?:[0-9]+|[ivx]+|[a-z])[\.\)]?\s+(.*)$")
_PROJECT = re.compile(r"^(tieu )?du an (\d)\b")
_GROUP_WORDS = ("cac huyen", "nhom huyen", "huyen ngheo", "cac don vi", "thanh pho va")
_TOTAL_LABELS = ("tong cong", "toan tinh", "tong so", "cong", "tong", "tinh lai chau")


@dataclass
class Column:
    """A value column: what its cells are."""

    index: int
    header: str
    kind: str  # value | total | rate
    measure: str
    source: str | None = None
    district: str | None = None
    factor: float = 1.0
    unit: str | None = None
    period: str | None = None  # start: a count at the start of the period (dated 1 January)
    cell: str = ""  # the column's header cell (its cell in the header's bottom row)


@dataclass
class SheetLayout:
    """What the reader understood of one sheet, for people to check."""

    sheet: str
    kind: str  # report | template | skipped
    header_rows: list[int] = field(default_factory=list)  # Excel row numbers
    data_rows: list[int] = field(default_factory=list)
    year: int | None = None
    year_cell: str | None = None
    as_of: str | None = None
    as_of_cell: str | None = None
    unit: str | None = None
    unit_cell: str | None = None
    province: str | None = None  # GSO code of the province whose districts the rows were matched among
    province_cell: str | None = None  # where the title block names it (None when chosen or assumed)
    # a district's own report by commune: the district (GSO code) and where it is named (title cell or sheet name)
    district: str | None = None
    district_cell: str | None = None
    encoding: str = "unicode"
    columns: list[dict[str, Any]] = field(default_factory=list)
    total_rows: list[int] = field(default_factory=list)
    group_rows: list[int] = field(default_factory=list)
    signature: str | None = None  # of the header texts: the key of mapping profiles
    profile: str | None = None  # name of the saved mapping applied, if any
    # every table read on the sheet: {"header_rows", "data_rows", "kind", "orientation"}
    tables: list[dict[str, Any]] = field(default_factory=list)
    # the sheet's own totals beside the sum of the rows read: {"measure", "source", "cell", "file_total", "sum_of_rows"}
    totals: list[dict[str, Any]] = field(default_factory=list)
    orientation: str = "rows"  # rows: units as rows; columns: units as columns (a transposed table)
    data_columns: list[str] = field(default_factory=list)  # a transposed table's unit columns ('C', 'D' …)
    year_from: str | None = None  # where the year was found: options, title, header, sheet_name, first_sheet, file_name
    as_of_from: str | None = None  # where the as-of date was found, as year_from, or "assumed"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_SIGNATURE_WORDS = ("nguoi lap bieu", "giam doc", "thu truong don vi", "ky ten", "ky ghi ro ho ten", "chu tich")


def _is_signature(row: list[Any]) -> bool:
    """True for the first row of a signature block ('NGƯỜI LẬP BIỂU … GIÁM ĐỐC')."""
    for value in row:
        if isinstance(value, str) and (key := fold(value)):
            if any(key.startswith(w) for w in _SIGNATURE_WORDS) or _SIGNED.search(key):
                return True
    return False


@dataclass(frozen=True)
class _Given:
    """The year and as-of date an analyst set for a sheet (ReaderOptions), parsed."""

    year: int | None
    as_of: dt.date | None


def _given(options: ReaderOptions | None) -> _Given:
    if options is None:
        return _Given(None, None)
    try:
        as_of = dt.date.fromisoformat(options.as_of) if options.as_of else None
    except ValueError:
        as_of = None
    return _Given(options.year, as_of)


def _has_number(row: list[Any]) -> bool:
    """Whether a row holds a number, as a number or as text ('1.234,5', '45%')."""
    for v in row:
        if v.__class__ in (int, float):
            return True
        if isinstance(v, str) and v.strip() and _NUMBER_TEXT.match(v.strip()):
            return True
    return False


_NUMBER_TEXT = re.compile(r"^[-+(]?\d[\d.,\s]*%?\)?$")


def _table_end(grid: Grid, start: int) -> tuple[int, int]:
    """Where the table whose rows start at ``start`` ends: (its stop row, the row to look for another table from).

    A signature block ends the sheet's tables; a row that reads like a header with no number in it
    ends this table, and the next one may start after its last row with numbers (the lines between are
    the next table's title).
    """
    last_numbers = start - 1
    for r in range(start, len(grid.rows)):
        row = grid.rows[r]
        if _has_number(row):
            last_numbers = r
            continue
        if _is_signature(row):
            return r, len(grid.rows)
        if r > start and is_header_row(grid, r):
            return r, last_numbers + 1
    return len(grid.rows), len(grid.rows)


def _label_key(text: str) -> str:
    """Folded row label without its numbering ('1.', 'II', 'a)')."""
    key = fold(text)
    m = _NUMBERED.match(key)
    return m.group(1) if m and not _PROJECT.match(key) else key


def _is_total_label(key: str, province_code: str | None = None) -> bool:
    if key in _TOTAL_LABELS or key.startswith(("tong cong", "toan tinh", "cong toan", "tong so toan", "toan thanh pho")):
        return True
    p = provinces().get(province_code or "")
    # "Tỉnh Điện Biên", "TP Hà Nội": the province's own row is its total ("Lai Châu" alone is a district, TP Lai Châu)
    return p is not None and key in {fold(p.name_vi), fold(f"tinh {p.short_vi}"), fold(f"toan tinh {p.short_vi}")}


def match_component(label: str, current_project: str | None) -> str | None:
    """The project or sub-project a row label names ('Tiểu dự án 1: …' under project 1 → '1.1')."""
    key = fold(label)
    m = _NUMBERED.match(key)
    if m and not _PROJECT.match(key):
        key = m.group(1)
    if pm := _PROJECT.match(key):
        number = pm.group(2)
        if pm.group(1):
            code = f"{current_project}.{number}" if current_project else None
            return code if code in components() else None
        return number if number in components() else None
    if "30a" in key.split():
        return "1"
    if "135" in key.split():
        return "2"
    names = {code: fold(c.name_vi) for code, c in components().items()}
    hit = process.extractOne(key, names, scorer=fuzz.token_set_ratio, score_cutoff=90)
    return hit[2] if hit else None


class ReportSheetReader:
    """Reads one sheet of a hand-made report into records, issues and a layout.

    District names are matched among the districts of one province: the sheet's
    ``ReaderOptions.province_code``, else the file's ``province_code`` (the analyst's
    choice), else the province the title block names ("UBND TỈNH ĐIỆN BIÊN"), else
    DEFAULT_PROVINCE. GSO district codes match whatever the province.
    """

    def __init__(self, grid: Grid, report: FileReport, lang: str, context: dict[str, Any],
                 province_code: str | None = None) -> None:
        self.grid, self.report, self.lang, self.context = grid, report, lang, context
        self.layout = SheetLayout(grid.name, "report")
        self.title: TitleBlock | None = None
        self.chosen_province = province_code
        self.province = province_code or DEFAULT_PROVINCE
        self.options: ReaderOptions | None = None
        self.file_name = PurePath(report.path).stem if report.path else ""
        self.is_csv = PurePath(report.path).suffix.lower() == ".csv"
        self._own_province: str | None = None  # the province this sheet's own title block names
        self.report_district: str | None = None  # a district's own report: its rows are that district's communes
        self._title_cells: list[tuple[str, Any]] = []

    # -- issues ---------------------------------------------------------------
    def issue(self, severity: Severity, code: str, cell: str | None, **params: Any) -> None:
        self.report.issues.append(Issue(severity, code, t(f"issue.{code}", self.lang, **params), self.grid.name, cell))

    # -- reading --------------------------------------------------------------
    def read(self, options: ReaderOptions | None = None,
             profile_lookup: Callable[[str], tuple[str, ReaderOptions] | None] | None = None) -> SheetLayout | None:
        """Read every table of the sheet; explicit options win, else a saved profile for the first
        table's header, else guessing. None when the sheet holds no table."""
        self.options = options  # its year and as-of date hold for every table of the sheet
        if options is not None and options.header_rows is None and not options.columns and not options.province_code \
                and options.last_row is None:
            options = None  # only a date given: the columns are still guessed, or taken from a saved profile
        guess = self._chosen(options) or self.context.get("province") or DEFAULT_PROVINCE
        header = self._header(options, guess)
        if options is None and profile_lookup is not None:
            # the guessed header first, then any band near the top (the guess may be what was wrong)
            guesses = ([header] if header is not None else []) + candidate_headers(self.grid, province_code=guess)
            found = next((f for f in map(profile_lookup, dict.fromkeys(h.signature for h in guesses)) if f), None)
            if found is not None:
                self.layout.profile, options = found
                header = self._header(options, guess) or header
        if header is None:
            return None
        self.layout.signature = header.signature
        end = self._read_table(header, options, guess, title_start=0)
        if end is None:
            return None
        # more tables below the first: each with its own header, and the lines above it as its title
        while end < len(self.grid.rows):
            following = find_header(self.grid, province_code=self.province, start=end)
            if following is None or following.first_row < end:
                break
            if len(self.layout.tables) >= MAX_TABLES:  # no report has so many: a generated or hostile sheet
                self.issue(Severity.WARNING, "too_many_tables", self.grid.cell(following.first_row, 0), tables=MAX_TABLES)
                break
            after = self._read_table(following, None, self.province, title_start=end)
            if after is None or after <= end:
                break
            end = after
        return self.layout

    def _read_table(self, header: Header, options: ReaderOptions | None, guess: str, title_start: int) -> int | None:
        """Read one table from its header down; the row where it ends, or None when it has no value column."""
        first = not self.layout.tables
        title = self._title_block(header, title_start)
        if first:
            self.title = title
            self._set_province(header, title, self._chosen(options), guess)
            self._set_district()
        elif self.province != guess:
            header.districts = district_columns(header.parts, self.province)
        if options is not None:
            self._apply(header, options)
        columns = self._columns(header, title)
        if not columns:
            return None if first else header.data_start
        header_rows = list(range(self.grid.first_row + header.first_row + 1, self.grid.first_row + header.last_row + 2))
        if first:
            self.layout.header_rows = header_rows
        self._describe(header, columns, title, first)
        year, as_of = self._year_and_date(header, title, columns, first)
        date_cols = {m.role: c for c, m in enumerate(header.meanings) if m.role in ("year", "as_of")}
        kind = "funding" if any(c.measure in FUNDING_MEASURES for c in columns) else (
            "target" if all(measures()[c.measure].dataset == Dataset.TARGET.value for c in columns) else "poverty")
        table: dict[str, Any] = {"header_rows": header_rows, "data_rows": [], "kind": kind,
                                 "orientation": self.layout.orientation, "year": year,
                                 "as_of": as_of.isoformat() if as_of else None}
        self.layout.tables.append(table)
        if year is None and "year" not in date_cols:
            self.issue(Severity.ERROR, "no_year", self.grid.cell(header.first_row, 0))
            return len(self.grid.rows)
        by_district = any(c.district for c in columns)
        before = len(self.layout.data_rows)
        end = self._read_rows(header, columns, (year, as_of), date_cols, by_district)
        table["data_rows"] = self.layout.data_rows[before:]
        return end

    def _header(self, options: ReaderOptions | None, province_code: str) -> Header | None:
        if options is not None and options.header_rows is not None:
            first, last = (n - 1 - self.grid.first_row for n in options.header_rows)
            return find_header(self.grid, (first, last), province_code)
        return find_header(self.grid, province_code=province_code)

    def _chosen(self, options: ReaderOptions | None) -> str | None:
        """The province set by hand: this sheet's options, else the file's choice (an unknown code is no choice)."""
        chosen = (options.province_code if options is not None else None) or self.chosen_province
        return chosen if chosen in provinces() else None

    def _set_province(self, header: Header, title: TitleBlock, chosen: str | None, guessed: str) -> None:
        """Settle the province the rows are matched in; say so when the title block names another one."""
        province = chosen or title.province or DEFAULT_PROVINCE
        if province != guessed:  # the header's district columns were read for the guess
            header.districts = district_columns(header.parts, province)
        self.province = province
        self.layout.province = province
        self.layout.province_cell = title.province_cell if title.province == province else None
        own = self._own_province
        if chosen and own and own != chosen and own in provinces() and chosen in provinces():
            self.issue(Severity.WARNING, "province_mismatch", title.province_cell,
                       found=provinces()[own].label(self.lang, short=False),
                       chosen=provinces()[chosen].label(self.lang, short=False))

    def _set_district(self) -> None:
        """A district's own report by commune names its district above the table ('UBND HUYỆN MƯỜNG TÈ') or in
        the sheet's name ('Mường Tè'); its rows are then that district's communes."""
        for address, value in self._title_cells:
            if isinstance(value, str) and (code := district_named(value, self.province)):
                self.report_district, self.layout.district_cell = code, address
                break
        else:
            code, score, _ = match_district(self.grid.name, self.province)
            named = district_named(self.grid.name, self.province)
            # a sheet named after the province ('Lai Châu') is no district's, even where a city shares the name
            province_name = fold(provinces()[self.province].short_vi) if self.province in provinces() else ""
            if named or (code is not None and score == 100 and not self.grid.name.strip().isdigit()
                         and fold(self.grid.name) != province_name):
                self.report_district, self.layout.district_cell = named or code, None
        self.layout.district = self.report_district

    def _apply(self, header: Header, options: ReaderOptions) -> None:
        """Put the analyst's column choices in place of the guessed meanings."""
        letters = {self.grid.cell(0, c).rstrip("0123456789"): c for c in range(len(header.meanings))}
        for letter, choice in options.columns.items():
            c = letters.get(letter)
            if c is not None:
                header.meanings[c] = choice.meaning()
                header.districts[c] = choice.district

    def _title_block(self, header: Header, start: int = 0) -> TitleBlock:
        """What the lines above a table say; what they leave out comes from the sheet's first table,
        then from the sheet name, then from the file's first sheet."""
        cells: list[tuple[str, Any]] = []
        if start == 0 and isinstance(self.grid, TransposedGrid):
            cells = list(self.grid.title_cells)  # the lines above the table in the sheet, not its turned columns
        for r in range(start, header.first_row if not cells else start):
            for c, v in enumerate(self.grid.rows[r]):
                if (isinstance(v, str) and v.strip()) or isinstance(v, dt.date):
                    cells.append((self.grid.cell(r, c), v))
        block = read_title_block(cells)  # type: ignore[arg-type]
        if start == 0:
            self._own_province = block.province
            self._title_cells = cells
        inherited = [("table", self.title)] if self.title is not None and start > 0 else []
        for key in ("year", "as_of", "unit", "province"):
            if getattr(block, key) is not None:
                continue
            for _, other in inherited:
                if getattr(other, key) is not None:
                    setattr(block, key, getattr(other, key))
                    setattr(block, f"{key}_cell", getattr(other, f"{key}_cell"))
                    if key == "unit":
                        block.unit_factor = other.unit_factor
                    if key == "as_of":
                        block.as_of_kind, block.as_of_inherited = other.as_of_kind, True
                    break
        # the file's first sheet names the unit and province for sheets that do not (the year and date
        # are weighed with the sheet name in _year_and_date)
        for key in ("unit", "province"):
            if getattr(block, key) is None and self.context.get(key) is not None:
                setattr(block, key, self.context[key])
                setattr(block, f"{key}_cell", self.context.get(f"{key}_cell"))
                if key == "unit":
                    block.unit_factor = self.context.get("unit_factor")
        return block

    def _columns(self, header: Header, title: TitleBlock) -> list[Column]:
        """The value, total and rate columns, each with what it means; columns that must not be
        added up (of which, plan before adjustment, a second column for one key) are kept as checks."""
        out = []
        last_district = None
        for c, meaning in enumerate(header.meanings):
            district = header.districts[c] or (last_district if meaning.measure and not meaning.role else None)
            if header.districts[c]:
                last_district = header.districts[c]
            cell = self.grid.cell(header.last_row, c)
            if meaning.subgroup and not meaning.role:
                # "Trong đó: hộ DTTS": a sub-count, whatever it counts
                out.append(Column(c, header.flat(c), "of_which", meaning.measure or "", meaning.source, district, cell=cell))
                continue
            if meaning.measure is None or meaning.role:
                continue
            target = measures()[meaning.measure].dataset == Dataset.TARGET.value
            kind = "value" if target else "rate" if meaning.is_rate else ("total" if meaning.is_total else "value")
            if kind == "value" and meaning.stage in ("before", "adjustment"):
                kind = meaning.stage
            factor, unit = 1.0, None
            if meaning.measure in FUNDING_MEASURES:
                factor = meaning.unit_factor or title.unit_factor or 1.0
                unit = meaning.unit or title.unit
            out.append(Column(c, header.flat(c), kind, meaning.measure, meaning.source, district, factor, unit,
                              "start" if meaning.period == "start" else None, cell))
        self._of_which(header, out)
        self._plan_stages(out)
        # a "Tổng số" column with no sourced sibling of its measure is the value itself
        for col in out:
            if col.kind == "total" and not any(
                o.kind == "value" and o.measure == col.measure and o.district == col.district and o.source for o in out
            ):
                col.kind = "value"
        # the central budget unsplit beside its parts (NSTW | ĐTPT | SN): the parts are the money
        for col in out:
            if col.kind == "value" and col.source and any(
                o.kind == "value" and o.measure == col.measure and o.district == col.district
                and o.period == col.period and source_parent(o.source) == col.source for o in out
            ):
                col.kind = "total"
        self._same_key(out)
        for col in out:
            if col.kind == "of_which":
                self.issue(Severity.WARNING, "of_which_ignored", col.cell, header=col.header)
        return [c for c in out if c.measure]

    @staticmethod
    def _of_which(header: Header, columns: list[Column]) -> None:
        """'Trong đó' with no source of its own, beside a column of the same measure: a part of it."""
        for col in columns:
            meaning = header.meanings[col.index]
            if col.kind == "value" and meaning.of_which and not col.source and any(
                o is not col and o.kind in ("value", "total") and o.measure == col.measure and o.district == col.district
                and not header.meanings[o.index].of_which for o in columns
            ):
                col.kind = "of_which"

    def _plan_stages(self, columns: list[Column]) -> None:
        """Plan before adjustment, adjustment, plan after: the plan after adjustment is the plan."""
        for district in {c.district for c in columns}:
            mine = [c for c in columns if c.district == district and c.measure == "plan"]
            before = [c for c in mine if c.kind == "before"]
            adjustments = [c for c in mine if c.kind == "adjustment"]
            after = [c for c in mine if c.kind == "value" and c.source is None] or [c for c in mine if c.kind == "value"]
            if not before and not adjustments:
                continue
            if after:
                for col in before or adjustments:
                    self.issue(Severity.WARNING, "plan_superseded", col.cell, header=col.header, after=after[0].header)
                continue
            for col in adjustments:
                self.issue(Severity.ERROR, "plan_after_missing", col.cell, header=col.header)
            for col in before:
                col.kind = "value"  # "KH giao đầu năm" alone: the plan (an adjustment without a result is an error)

    def _same_key(self, columns: list[Column]) -> None:
        """Two value columns that would give one key: one issue naming both; the second is not read."""
        first: dict[tuple[Any, ...], Column] = {}
        for col in columns:
            if col.kind != "value":
                continue
            key = (col.measure, col.source, col.district, col.period)
            if key not in first:
                first[key] = col
                continue
            other = first[key]
            meaning = measures()[col.measure].label(self.lang)
            if col.source in sources():
                meaning += f" – {sources()[col.source].label(self.lang)}"
            if col.district:
                meaning += f" – {district_name(col.district, self.province, self.lang)}"
            self.issue(Severity.ERROR, "same_key_columns", col.cell, first=other.header, second=col.header,
                       first_column=other.cell.rstrip("0123456789"), second_column=col.cell.rstrip("0123456789"),
                       meaning=meaning)
            col.kind = "duplicate"

    def _describe(self, header: Header, columns: list[Column], title: TitleBlock, first: bool) -> None:
        lay = self.layout
        if first:
            lay.unit, lay.unit_cell = title.unit, title.unit_cell
            units = {c.unit for c in columns if c.unit}
            if len(units) == 1:
                lay.unit = units.pop()
        for col in columns:
            lay.columns.append({
                "column": col.cell.rstrip("0123456789"), "cell": col.cell, "table": len(lay.tables),
                "header": col.header, "kind": col.kind, "measure": col.measure,
                "source": col.source, "district": col.district, "factor": col.factor, "period": col.period,
            })

    def _year_and_date(self, header: Header, title: TitleBlock, columns: list[Column],
                       first: bool) -> tuple[int | None, dt.date | None]:
        """The table's year and as-of date, each from the most trusted place that states it: the analyst's
        choice, the title block, the column headers, the sheet name, the file's first sheet, the file name.
        Places that disagree, a date only guessed and a date that is an estimate are issues with their cell."""
        poverty = all(c.measure not in FUNDING_MEASURES for c in columns)
        given = _given(self.options)
        years = self._years(header, title, columns)
        dates = self._dates(header, title, columns)
        if poverty:  # a review counts households at year end: a funding table's date beside it is not its date
            dates = [d for d in dates if d[2] == "header" or d[2] == "title" and not title.as_of_inherited]
        year, year_cell, year_from = years[0] if years else (None, None, None)
        as_of, as_of_cell, as_of_from = dates[0] if dates else (None, None, None)
        if given.year is not None:
            year, year_cell, year_from = given.year, None, "options"
        if given.as_of is not None:
            as_of, as_of_cell, as_of_from = given.as_of, None, "options"
            year = year if given.year is not None else as_of.year
        if year is None and as_of is not None:
            year, year_cell, year_from = as_of.year, as_of_cell, as_of_from
        if as_of is not None and as_of_from != "options" and year_from == "file_name":
            year, year_cell, year_from = as_of.year, as_of_cell, as_of_from  # a stated date beats the file name
        if year is None:
            return None, None  # the year may be in a column: handled per row
        if given.year is None and given.as_of is None:
            self._conflicts(years, dates)
        if year_from == "file_name":
            self.issue(Severity.WARNING, "year_from_file_name", None, year=year, name=self.file_name)
        allowed = POVERTY_YEARS if poverty else PROGRAMME_YEARS
        if year not in allowed:  # an error blocks the import; the records are still shown
            self.issue(Severity.ERROR, "year_out_of_range", year_cell, value=year, first=allowed[0], last=allowed[-1])
        conflicting = as_of is not None and not date_in_year(as_of, year)
        if first and conflicting and as_of_from == "options" and as_of is not None:  # the analyst's answers disagree
            self.issue(Severity.ERROR, "date_outside_year", None, date=as_of.strftime("%d/%m/%Y"), year=year)
        if as_of is None or conflicting:
            as_of = dt.date(year, 12, 31)
            if not poverty and not conflicting:  # proposed to the analyst, never taken silently
                self.issue(Severity.ERROR, "as_of_unknown", year_cell, date=as_of.strftime("%d/%m/%Y"))
        elif as_of_from == "title" and title.as_of_kind == "estimate":
            self.issue(Severity.WARNING, "as_of_estimate", as_of_cell, date=as_of.strftime("%d/%m/%Y"))
        elif as_of_from == "title" and title.as_of_kind == "date_cell":
            self.issue(Severity.WARNING, "as_of_date_cell", as_of_cell, date=as_of.strftime("%d/%m/%Y"))
        if first:
            lay = self.layout
            lay.year, lay.year_cell, lay.as_of, lay.as_of_cell = year, year_cell, as_of.isoformat(), as_of_cell
            lay.year_from, lay.as_of_from = year_from, as_of_from if as_of_from else "assumed"
        return year, as_of

    def _years(self, header: Header, title: TitleBlock, columns: list[Column]) -> list[tuple[int, str | None, str]]:
        """Every place that states the table's year, most trusted first: (year, cell, where)."""
        out: list[tuple[int, str | None, str]] = []
        if title.year is not None:
            out.append((title.year, title.year_cell, "title"))
        for col in columns:  # "Kế hoạch vốn năm 2017"
            if (y := year_in(col.header)) is not None:
                out.append((y, self.grid.cell(header.first_row, col.index), "header"))
                break
        if not self.is_csv and (y := year_in_name(self.grid.name)) is not None:  # a CSV's one sheet is named after the file
            out.append((y, None, "sheet_name"))
        if self.context.get("year") is not None:
            out.append((self.context["year"], self.context.get("year_cell"), "first_sheet"))
        if (y := year_in_name(self.file_name)) is not None:
            out.append((y, None, "file_name"))
        return out

    def _dates(self, header: Header, title: TitleBlock, columns: list[Column]) -> list[tuple[dt.date, str | None, str]]:
        """Every place that states the table's as-of date, most trusted first: (date, cell, where)."""
        out: list[tuple[dt.date, str | None, str]] = []
        if title.as_of is not None:
            out.append((title.as_of, title.as_of_cell, "title"))
        for col in columns:  # "Giải ngân đến 31/10/2017"
            if (d := as_of_in(col.header)) is not None:
                out.append((d, self.grid.cell(header.first_row, col.index), "header"))
                break
        if self.context.get("as_of") is not None:
            out.append((self.context["as_of"], self.context.get("as_of_cell"), "first_sheet"))
        return out

    def _conflicts(self, years: list[tuple[int, str | None, str]], dates: list[tuple[dt.date, str | None, str]]) -> None:
        """An error where two places the analyst can see state different years or dates (a stale file name or
        the file's first sheet, which other sheets may differ from, are no such place)."""
        stated = ("title", "header", "sheet_name")
        used_year = next((y for y in years if y[2] in stated), None)
        used_date = next((d for d in dates if d[2] in stated), None)
        if used_year is not None:
            other_year = next((y for y in years if y[2] in stated and y[0] != used_year[0] and y[2] != used_year[2]), None)
            if other_year is not None:
                self._conflict("context_year", used_year, other_year)
            elif used_date is not None and not date_in_year(used_date[0], used_year[0]):
                self._conflict("context_year", used_year, (used_date[0].year, used_date[1], used_date[2]))
        if used_date is not None:
            other_date = next((d for d in dates if d[2] in stated and d[0] != used_date[0] and d[2] != used_date[2]), None)
            if other_date is not None:
                self._conflict("context_as_of", used_date, other_date)

    def _conflict(self, what: str, used: tuple[Any, str | None, str], other: tuple[Any, str | None, str]) -> None:
        def shown(value: Any) -> str:
            return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)

        def place(found: tuple[Any, str | None, str]) -> str:
            return found[1] or t("issue.in_sheet_name", self.lang, name=self.grid.name)

        self.issue(Severity.ERROR, "context_conflict", other[1], what=t(f"issue.{what}", self.lang),
                   first=shown(used[0]), first_cell=place(used), second=shown(other[0]), second_cell=place(other))

    @staticmethod
    def _is_group(row: list[Any], header: Header, label: str) -> bool:
        """A group row of units: numbered I, II … (in its own STT cell or in the label), or 'Các huyện …'."""
        stt = [row[c] for c, m in enumerate(header.meanings) if m.role == "stt" and c < len(row)]
        first = fold(label).split(" ")[0] if label else ""
        return (any(isinstance(v, str) and _ROMAN.match(fold(v)) for v in stt) or bool(_ROMAN.match(first))
                or fold(label).startswith(_GROUP_WORDS))

    def _label(self, row: list[Any], header: Header, first_value: int) -> tuple[str, int | None]:
        label_cols = [c for c, m in enumerate(header.meanings) if m.role == "label"]
        for c in label_cols + list(range(first_value)):
            if c < len(row) and isinstance(row[c], str) and row[c].strip() and header.meanings[c].role != "stt":
                return row[c].strip(), c
        return "", None

    def _row_date(self, row: list[Any], r: int, default: tuple[int | None, dt.date | None],
                  date_cols: dict[str, int]) -> tuple[int, dt.date] | None:
        """(year, as_of) of a row: from its own Năm / Ngày columns where the sheet has them."""
        year, as_of = default
        if "year" in date_cols:
            c = date_cols["year"]
            try:
                year = parse_year(row[c] if c < len(row) else None)
            except ValueError:
                self.issue(Severity.ERROR, "bad_year", self.grid.cell(r, c), value=row[c] if c < len(row) else "",
                           first=PROGRAMME_YEARS[0], last=PROGRAMME_YEARS[-1])
                return None
        if "as_of" in date_cols:
            c = date_cols["as_of"]
            try:
                as_of = parse_date(row[c] if c < len(row) else None)
            except ValueError:
                self.issue(Severity.ERROR, "bad_date", self.grid.cell(r, c), value=row[c] if c < len(row) else "")
                return None
        if year is None:
            return None
        return year, as_of or dt.date(year, 12, 31)

    def _read_rows(self, header: Header, columns: list[Column], default: tuple[int | None, dt.date | None],
                   date_cols: dict[str, int], by_district: bool) -> int:
        """Read the table's rows; the row where the next table may start (the sheet's end after a signature)."""
        grid = self.grid
        first_value = min(c.index for c in columns)
        stop, resume = _table_end(grid, header.data_start)
        if self.options is not None and self.options.last_row is not None and not self.layout.tables[:-1]:
            stop = resume = max(header.data_start, min(len(grid.rows), self.options.last_row - grid.first_row))
        rows = list(range(header.data_start, stop))
        parsed = {col.index: parse_column([grid.rows[r][col.index] if col.index < len(grid.rows[r]) else None for r in rows]) for col in columns}
        seen: dict[tuple, str] = {}
        project: str | None = None
        kinds: dict[int, tuple[str, str | None]] = {}  # row → (unit|commune|total|group|component, code)
        district_row: tuple[int, str | None] | None = None  # the last district row: communes below are its
        with_communes: set[int] = set()  # district rows with their communes below: subtotals, checked not stored
        when: dict[int, tuple[int, dt.date]] = {}
        values: dict[tuple[int, int], float] = {}
        in_province_part = False  # below "A. CẤP TỈNH": rows are the province's agencies, until "B. CẤP HUYỆN"
        for i, r in enumerate(rows):
            row = grid.rows[r]
            label, label_col = self._label(row, header, first_value)
            nums = {col.index: parsed[col.index][i] for col in columns}
            heading = None if by_district else part_heading(label)
            if heading is not None:
                in_province_part = heading == "province"
                district_row = None
            if all(v is None for v, _ in nums.values()):
                continue  # blank, a heading, or a note: no number to read
            key = _label_key(label)
            where = grid.cell(r, label_col if label_col is not None else 0)
            row_date = self._row_date(row, r, default, date_cols)
            if row_date is None:
                continue
            when[r] = row_date
            if _is_total_label(key, self.province):
                kinds[r] = ("total", None)
            elif heading is not None:
                kinds[r] = ("group", None)  # "A. CẤP TỈNH" / "B. CẤP HUYỆN" with numbers: the sum of its part
            elif in_province_part and not (has_district_word(label) and match_district(label, self.province)[1] == 100):
                agency = self._agency(label, where)
                if agency is None:
                    continue
                kinds[r] = agency
            elif by_district:
                code = match_component(label, project)
                if code is None:
                    self.issue(Severity.ERROR, "unknown_component", where, value=label)
                    continue
                if code in components() and components()[code].parent_code is None:
                    project = code
                kinds[r] = ("component", code)
            else:
                found = self._unit(row, header, label, where, district_row)
                if found is None or found[0] == "error":
                    continue
                kinds[r] = found
                if found[0] == "unit":
                    district_row = (r, found[1])
                elif found[0] == "commune" and district_row is not None \
                        and communes()[found[1] or ""].district_code == district_row[1]:
                    with_communes.add(district_row[0])
            for col in columns:
                value, problem = nums[col.index]
                cell = grid.cell(r, col.index)
                if problem == "bad_number":
                    self.issue(Severity.ERROR, "bad_number", cell, value=row[col.index])
                    continue
                if problem == "ambiguous_number":
                    self.issue(Severity.WARNING, "ambiguous_number", cell, value=row[col.index], read=number(value or 0, self.lang))
                if value is None:
                    if cell in grid.formulas_without_value:
                        self.issue(Severity.WARNING, "formula_without_value", cell)
                    continue
                if value < 0 and col.kind not in ("rate", "adjustment"):  # an error that blocks the import; still shown as read
                    self.issue(Severity.ERROR, "negative_value", cell, value=number(value, self.lang))
                values[(r, col.index)] = value * col.factor if col.kind != "rate" else value
            if kinds[r][0] in ("unit", "component", "commune", "agency"):
                dup_key = (kinds[r][1], when[r])
                if dup_key in seen:
                    self.issue(Severity.ERROR, "duplicate_row", where, other=seen[dup_key])
                    kinds[r] = ("duplicate", None)
                else:
                    seen[dup_key] = where
        for r in with_communes:  # "Huyện Mường Tè" over its communes: a check of their sum, not stored
            kinds[r] = ("subtotal", kinds[r][1])
        self._not_understood(header, columns, [r for r in rows if r in kinds])
        dates = set(when.values())
        if len(dates) == 1 and self.layout.year is None:  # the year and date came from columns
            (year, as_of), = dates
            self.layout.year, self.layout.as_of = year, as_of.isoformat()
        self._emit(columns, kinds, values, when, by_district)
        return resume

    def _unit(self, row: list[Any], header: Header, label: str, where: str,
              district_row: tuple[int, str | None] | None) -> tuple[str, str | None] | None:
        """What a row of a table by unit is: ('unit', district), ('commune', commune), ('subtotal', district: the
        district over its communes), ('group', None); ('error', None) or None (with an issue) when its label
        names nothing known.

        A label with a commune's type word ('Xã Mường Tè', 'TT Phong Thổ') is a commune, never the district it
        is named like. In a district's own report, rows are its communes and a row naming the district with its
        type word is their subtotal. Below a district row, a label that is no district's exact name is looked for
        among that district's communes first."""
        context = self.report_district or (district_row[1] if district_row else None)
        if is_commune_label(label):
            return self._commune(label, where, context)
        if self.report_district is not None:
            if has_district_word(label) and match_district(label, self.province)[0] == self.report_district:
                return ("subtotal", self.report_district)  # "Huyện Mường Tè" above or below its own communes
            if not has_district_word(label):
                # a name that is also a district's exact name is that district unless the report's own district
                # has a commune of that name (then it is that commune, or ambiguous)
                exact = match_district(label, self.province)[1] == 100
                if (kind := self._commune(label, where, context, quiet=exact, elsewhere=not exact)) is not None \
                        or not exact:
                    return kind
        code, score, closest = match_district(label, self.province)
        if code is not None and score == 100 and not (context == code and not has_district_word(label)
                                                       and match_commune(label, code).candidates):
            return ("unit", code)
        if code is None and self._is_group(row, header, label):
            return ("group", None)  # "I. Các huyện nghèo": a subtotal of the rows below
        # below a district row, a label that is no district's name may be one of its communes; one that is no
        # commune either stays an unknown district, as in a report of districts
        if context is not None and not has_district_word(label) \
                and (kind := self._commune(label, where, context, quiet=True)) is not None:
            return kind
        if code is None or (score < 100 and match_agency(label).score == 100):
            # an agency's exact name outside the province's part ("Ban Dân tộc tỉnh Lai Châu") is no district it
            # resembles (TP Lai Châu, 90%): an error, never a guess
            names = ", ".join(district_name(c, self.province, self.lang) for c in closest) or "—"
            self.issue(Severity.ERROR, "unknown_district", where, value=label, suggestions=names)
            return None
        self.issue(Severity.WARNING, "fuzzy_district", where, value=label,
                   district=district_name(code, self.province, self.lang), score=score)
        return ("unit", code)

    def _commune(self, label: str, where: str, district: str | None, quiet: bool = False,
                  elsewhere: bool = True) -> tuple[str, str | None] | None:
        """('commune', code) for a label naming one of the district's communes; ('error', None) with an issue
        for an ambiguous name or (``elsewhere``) a commune of another district; otherwise an unknown_commune
        error, or None when quiet (the caller tries other readings)."""
        if district is None:
            if not quiet:
                self.issue(Severity.ERROR, "commune_without_district", where, value=label)
            return None
        found = match_commune(label, district, self.province)
        district_label = district_name(district, self.province, self.lang)
        if found.code is not None:
            if found.score < 100:
                self.issue(Severity.WARNING, "fuzzy_commune", where, value=label,
                           commune=commune_name(found.code, self.lang), district=district_label, score=found.score)
            return ("commune", found.code)
        if found.candidates:  # 'Mường Tè': the township and the commune of Mường Tè district
            self.issue(Severity.ERROR, "commune_ambiguous", where, value=label,
                       communes=", ".join(commune_name(c, self.lang) for c in found.candidates))
        elif found.elsewhere is not None and elsewhere:
            other = communes()[found.elsewhere]
            self.issue(Severity.ERROR, "commune_other_district", where, value=label, district=district_label,
                       other=district_name(other.district_code, self.province, self.lang))
        elif not quiet:
            self.issue(Severity.ERROR, "unknown_commune", where, value=label, district=district_label)
        else:
            return None
        return ("error", None)

    def _agency(self, label: str, where: str) -> tuple[str, str | None] | None:
        """('agency', code) for a row of the province's own part; None with an error when it names no agency
        (never a guess: the analyst renames the row or adds the agency to data/reference/agencies.csv)."""
        found = match_agency(label)
        if found.code is None:
            names = ", ".join(agency_name(c, self.lang) for c in found.closest) or "—"
            self.issue(Severity.ERROR, "unknown_agency", where, value=label, suggestions=names)
            return None
        if found.score < 100:
            self.issue(Severity.WARNING, "fuzzy_agency", where, value=label, agency=agency_name(found.code, self.lang),
                       score=found.score)
        return ("agency", found.code)

    def _not_understood(self, header: Header, columns: list[Column], data_rows: list[int]) -> None:
        """A column of numbers whose header says nothing the reader knows is not read: say so, with its header
        cell and how many numbers it holds, rather than drop it silently (the analyst can give it a meaning)."""
        used = {col.index for col in columns}
        first_value = min(used, default=0)
        for c, meaning in enumerate(header.meanings):
            if c in used or meaning.role or meaning.measure or meaning.subgroup:
                continue
            cells = [self.grid.rows[r][c] if c < len(self.grid.rows[r]) else None for r in data_rows]
            numbers = [value for value, problem in parse_column(cells) if problem is None and value is not None]
            # left of the values, small whole numbers are the rows' own numbering or codes (STT, mã huyện)
            if c < first_value and all(v == int(v) and 0 <= v < 1000 for v in numbers):
                continue
            if numbers:
                self.issue(Severity.WARNING, "column_not_understood", self.grid.cell(header.last_row, c),
                           header=header.flat(c) or "—", n=len(numbers))

    def _emit(self, columns: list[Column], kinds: dict[int, tuple[str, str | None]], values: dict[tuple[int, int], float],
              when: dict[int, tuple[int, dt.date]], by_district: bool) -> None:
        from .report_checks import check_sheet

        grid = self.grid
        stored_rows = []
        parents = {c.parent_code for c in components().values() if c.parent_code}
        present = {code for kind, code in kinds.values() if kind == "component" and code}
        for r, (kind, code) in kinds.items():
            if kind == "component" and code in parents and any(p.startswith(f"{code}.") for p in present):
                kinds[r] = ("group", code)  # a project row above its sub-projects: a check, not money
        for r, (kind, code) in sorted(kinds.items()):
            excel_row = grid.first_row + r + 1
            if kind == "total":
                self.layout.total_rows.append(excel_row)
            elif kind in ("group", "subtotal"):
                self.layout.group_rows.append(excel_row)
            if kind not in ("unit", "component", "commune", "agency"):
                continue
            self.layout.data_rows.append(excel_row)
            stored_rows.append(r)
            for col in columns:
                if col.kind != "value" or (r, col.index) not in values:
                    continue
                commune = code if kind in ("commune", "agency") and code is not None else ""
                district = (col.district if by_district else province_level_code(self.province) if kind == "agency"
                            else communes()[commune].district_code if commune else code)
                if district is None:
                    continue
                year, as_of = when[r]
                if col.period == "start":  # "Số hộ nghèo đầu năm": the count on 1 January
                    as_of = dt.date(year, 1, 1)
                self.report.records.append(Record(
                    dataset=Dataset(measures()[col.measure].dataset),
                    district_code=district, year=year, as_of=as_of,
                    component=code if by_district else None, source=col.source,
                    measure=col.measure, value=round(values[(r, col.index)], 6),
                    sheet=grid.name, cell=grid.cell(r, col.index), commune_code=commune,
                ))
        check_sheet(self, columns, kinds, values, stored_rows)


def read_reports(grids: list[Grid], report: FileReport, lang: str = "vi",
                 options: dict[str, ReaderOptions] | None = None,
                 profile_lookup: Callable[[str], tuple[str, ReaderOptions] | None] | None = None,
                 province_code: str | None = None) -> list[SheetLayout]:
    """Read every sheet of a hand-made report; sheets without a table are skipped with a note.

    ``options`` (by sheet name; ALL_SHEETS for every sheet without its own) are an analyst's fixes; ``profile_lookup`` finds a saved
    mapping (name, options) by header signature, applied where no explicit option is given;
    ``province_code`` is the province of the file's districts when the analyst chose it
    (else each sheet's title block says, else DEFAULT_PROVINCE). A sheet whose table lies
    on its side (districts across a row) is read turned, when read as it stands it gives no row.
    """
    layouts = []
    context: dict[str, Any] = {}
    for grid in grids:
        given = (options or {}).get(grid.name) or (options or {}).get(ALL_SHEETS)
        sheet = FileReport(report.path)
        reader = ReportSheetReader(grid, sheet, lang, context, province_code)
        layout = reader.read(given, profile_lookup)
        if (layout is None or not layout.data_rows) and (given is None or given.header_rows is None):
            turned = transposed(grid, reader.province)
            if turned is not None:
                other = FileReport(report.path)
                other_reader = ReportSheetReader(turned, other, lang, context, province_code)
                other_reader.layout.orientation = "columns"
                other_layout = other_reader.read(given, None)
                if other_layout is not None and other_layout.data_rows:
                    sheet, reader, layout = other, other_reader, _turned_back(other_layout, turned)
        report.records.extend(sheet.records)
        report.issues.extend(sheet.issues)
        if layout is None:
            report.issues.append(Issue(Severity.WARNING, "sheet_skipped", t("issue.sheet_skipped", lang, sheet=grid.name), grid.name))
            layouts.append(SheetLayout(grid.name, "skipped"))
            continue
        layouts.append(layout)
        if reader.title is not None:  # a file-level title (first sheet) carries over to the next sheets
            for key in ("year", "as_of", "unit", "unit_factor", "year_cell", "as_of_cell", "unit_cell", "province",
                        "province_cell"):
                if context.get(key) is None:
                    context[key] = getattr(reader.title, key)
    return layouts


def _turned_back(layout: SheetLayout, grid: TransposedGrid) -> SheetLayout:
    """A turned table's layout in the sheet's terms: its units are columns, not rows."""
    def letters(rows: list[int]) -> list[str]:
        return [grid.cell(r - 1, 0).rstrip("0123456789") for r in rows]

    for table in layout.tables:
        table["data_columns"] = letters(table["data_rows"])
        table["header_columns"] = letters(table["header_rows"])
        table["data_rows"], table["header_rows"] = [], []
    layout.data_columns = letters(layout.data_rows)
    layout.header_rows, layout.data_rows, layout.total_rows, layout.group_rows = [], [], [], []
    return layout
