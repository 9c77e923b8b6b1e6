"""Reading hand-made district reports: title block, merged headers, unit rows, totals as checks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from .header import Header, candidate_headers, district_columns, find_header
from .i18n import t
from .options import ReaderOptions
from .records import Dataset, FileReport, Issue, Record, Severity
from .reference import DEFAULT_PROVINCE, components, district_name, match_district, measures, provinces
from .template_spec import POVERTY_YEARS, PROGRAMME_YEARS
from .text import fold
from .title_block import _SIGNED, TitleBlock, as_of_in, read_title_block, year_in
from .values import format_number, parse_column, parse_date, parse_year
from .workbook import Grid

FUNDING_MEASURES = {"plan", "disbursed"}
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
    encoding: str = "unicode"
    columns: list[dict[str, Any]] = field(default_factory=list)
    total_rows: list[int] = field(default_factory=list)
    group_rows: list[int] = field(default_factory=list)
    signature: str | None = None  # of the header texts: the key of mapping profiles
    profile: str | None = None  # name of the saved mapping applied, if any

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
        self._own_province: str | None = None  # the province this sheet's own title block names

    # -- issues ---------------------------------------------------------------
    def issue(self, severity: Severity, code: str, cell: str | None, **params: Any) -> None:
        self.report.issues.append(Issue(severity, code, t(f"issue.{code}", self.lang, **params), self.grid.name, cell))

    # -- reading --------------------------------------------------------------
    def read(self, options: ReaderOptions | None = None,
             profile_lookup: Callable[[str], tuple[str, ReaderOptions] | None] | None = None) -> SheetLayout | None:
        """Read the sheet; explicit options win, else a saved profile for this header, else guessing."""
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
        title = self.title = self._title_block(header)
        self._set_province(header, title, self._chosen(options), guess)
        if options is not None:
            self._apply(header, options)
        columns = self._columns(header, title)
        if not columns:
            return None
        self.layout.header_rows = list(range(self.grid.first_row + header.first_row + 1, self.grid.first_row + header.last_row + 2))
        self._describe(header, columns, title)
        year, as_of = self._year_and_date(header, title, columns)
        date_cols = {m.role: c for c, m in enumerate(header.meanings) if m.role in ("year", "as_of")}
        if year is None and "year" not in date_cols:
            self.issue(Severity.ERROR, "no_year", self.grid.cell(header.first_row, 0))
            return self.layout
        by_district = any(c.district for c in columns)
        self._read_rows(header, columns, (year, as_of), date_cols, by_district)
        return self.layout

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

    def _apply(self, header: Header, options: ReaderOptions) -> None:
        """Put the analyst's column choices in place of the guessed meanings."""
        letters = {self.grid.cell(0, c).rstrip("0123456789"): c for c in range(len(header.meanings))}
        for letter, choice in options.columns.items():
            c = letters.get(letter)
            if c is not None:
                header.meanings[c] = choice.meaning()
                header.districts[c] = choice.district

    def _title_block(self, header: Header) -> TitleBlock:
        cells = []
        for r in range(0, header.first_row):
            for c, v in enumerate(self.grid.rows[r]):
                if isinstance(v, str) and v.strip():
                    cells.append((self.grid.cell(r, c), v))
        block = read_title_block(cells)
        self._own_province = block.province
        # a file-level title (first sheet) carries over to sheets without one
        for key in ("year", "as_of", "unit", "province"):
            if getattr(block, key) is None and self.context.get(key) is not None:
                setattr(block, key, self.context[key])
                setattr(block, f"{key}_cell", self.context.get(f"{key}_cell"))
                if key == "unit":
                    block.unit_factor = self.context.get("unit_factor")
        return block

    def _columns(self, header: Header, title: TitleBlock) -> list[Column]:
        out = []
        last_district = None
        for c, meaning in enumerate(header.meanings):
            district = header.districts[c] or (last_district if meaning.measure and not meaning.role else None)
            if header.districts[c]:
                last_district = header.districts[c]
            if meaning.measure is None or meaning.role:
                continue
            target = measures()[meaning.measure].dataset == Dataset.TARGET.value
            kind = "value" if target else "rate" if meaning.is_rate else ("total" if meaning.is_total else "value")
            factor, unit = 1.0, None
            if meaning.measure in FUNDING_MEASURES:
                factor = meaning.unit_factor or title.unit_factor or 1.0
                unit = meaning.unit or title.unit
            out.append(Column(c, header.flat(c), kind, meaning.measure, meaning.source, district, factor, unit))
        # a "Tổng số" column with no sourced sibling of its measure is the value itself
        for col in out:
            if col.kind == "total" and not any(
                o.kind == "value" and o.measure == col.measure and o.district == col.district and o.source for o in out
            ):
                col.kind = "value"
        return out

    def _describe(self, header: Header, columns: list[Column], title: TitleBlock) -> None:
        lay = self.layout
        lay.year, lay.year_cell = title.year, title.year_cell
        lay.as_of = title.as_of.isoformat() if title.as_of else None
        lay.as_of_cell, lay.unit, lay.unit_cell = title.as_of_cell, title.unit, title.unit_cell
        units = {c.unit for c in columns if c.unit}
        if len(units) == 1:
            lay.unit = units.pop()
        for col in columns:
            lay.columns.append({
                "column": self.grid.cell(header.first_row, col.index).rstrip("0123456789"),
                "header": col.header, "kind": col.kind, "measure": col.measure,
                "source": col.source, "district": col.district, "factor": col.factor,
            })

    def _year_and_date(self, header: Header, title: TitleBlock, columns: list[Column]) -> tuple[int | None, dt.date | None]:
        year, as_of = title.year, title.as_of
        year_cell = title.year_cell
        for col in columns:  # "Giải ngân đến 31/10/2017", "Kế hoạch vốn năm 2017"
            if as_of is None and (d := as_of_in(col.header)):
                as_of = d
            if year is None and (y := year_in(col.header)):
                year, year_cell = y, self.grid.cell(header.first_row, col.index)
        if year is None and as_of is not None:
            year = as_of.year
        if year is None:
            return None, None  # the year may be in a column: handled per row
        poverty = all(c.measure not in FUNDING_MEASURES for c in columns)
        allowed = POVERTY_YEARS if poverty else PROGRAMME_YEARS
        if year not in allowed:  # an error blocks the import; the records are still shown
            self.issue(Severity.ERROR, "year_out_of_range", year_cell, value=year, first=allowed[0], last=allowed[-1])
        if as_of is None:
            as_of = dt.date(year, 12, 31)
            if not poverty:
                self.issue(Severity.WARNING, "as_of_assumed", year_cell, date=as_of.strftime("%d/%m/%Y"))
        self.layout.year, self.layout.as_of = year, as_of.isoformat()
        return year, as_of

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
                   date_cols: dict[str, int], by_district: bool) -> None:
        grid = self.grid
        first_value = min(c.index for c in columns)
        rows = list(range(header.data_start, len(grid.rows)))
        parsed = {col.index: parse_column([grid.rows[r][col.index] if col.index < len(grid.rows[r]) else None for r in rows]) for col in columns}
        seen: dict[tuple, str] = {}
        project: str | None = None
        kinds: dict[int, tuple[str, str | None]] = {}  # row → (unit|total|group|component, code)
        when: dict[int, tuple[int, dt.date]] = {}
        values: dict[tuple[int, int], float] = {}
        for i, r in enumerate(rows):
            row = grid.rows[r]
            label, label_col = self._label(row, header, first_value)
            nums = {col.index: parsed[col.index][i] for col in columns}
            if _is_signature(row):
                break  # the signature block ends the table
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
            elif by_district:
                code = match_component(label, project)
                if code is None:
                    self.issue(Severity.ERROR, "unknown_component", where, value=label)
                    continue
                if code in components() and components()[code].parent_code is None:
                    project = code
                kinds[r] = ("component", code)
            else:
                code, score, closest = match_district(label, self.province)
                if code is None:
                    if self._is_group(row, header, label):
                        kinds[r] = ("group", None)  # "I. Các huyện nghèo": a subtotal of the rows below
                        continue
                    names = ", ".join(district_name(c, self.province, self.lang) for c in closest) or "—"
                    self.issue(Severity.ERROR, "unknown_district", where, value=label, suggestions=names)
                    continue
                if score < 100:
                    self.issue(Severity.WARNING, "fuzzy_district", where, value=label,
                               district=district_name(code, self.province, self.lang), score=score)
                kinds[r] = ("unit", code)
            for col in columns:
                value, problem = nums[col.index]
                cell = grid.cell(r, col.index)
                if problem == "bad_number":
                    self.issue(Severity.ERROR, "bad_number", cell, value=row[col.index])
                    continue
                if problem == "ambiguous_number":
                    self.issue(Severity.WARNING, "ambiguous_number", cell, value=row[col.index], read=format_number(value or 0))
                if value is None:
                    if cell in grid.formulas_without_value:
                        self.issue(Severity.WARNING, "formula_without_value", cell)
                    continue
                if value < 0 and col.kind != "rate":  # an error that blocks the import; still shown as read
                    self.issue(Severity.ERROR, "negative_value", cell, value=format_number(value))
                values[(r, col.index)] = value * col.factor if col.kind != "rate" else value
            if kinds[r][0] in ("unit", "component"):
                dup_key = (kinds[r][1], when[r])
                if dup_key in seen:
                    self.issue(Severity.ERROR, "duplicate_row", where, other=seen[dup_key])
                    kinds[r] = ("duplicate", None)
                else:
                    seen[dup_key] = where
        dates = set(when.values())
        if len(dates) == 1 and self.layout.year is None:  # the year and date came from columns
            (year, as_of), = dates
            self.layout.year, self.layout.as_of = year, as_of.isoformat()
        self._emit(columns, kinds, values, when, by_district)

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
            elif kind == "group":
                self.layout.group_rows.append(excel_row)
            if kind not in ("unit", "component"):
                continue
            self.layout.data_rows.append(excel_row)
            stored_rows.append(r)
            for col in columns:
                if col.kind != "value" or (r, col.index) not in values:
                    continue
                district = col.district if by_district else code
                if district is None:
                    continue
                self.report.records.append(Record(
                    dataset=Dataset(measures()[col.measure].dataset),
                    district_code=district, year=when[r][0], as_of=when[r][1],
                    component=code if by_district else None, source=col.source,
                    measure=col.measure, value=round(values[(r, col.index)], 6),
                    sheet=grid.name, cell=grid.cell(r, col.index),
                ))
        check_sheet(self, columns, kinds, values, stored_rows)


def read_reports(grids: list[Grid], report: FileReport, lang: str = "vi",
                 options: dict[str, ReaderOptions] | None = None,
                 profile_lookup: Callable[[str], tuple[str, ReaderOptions] | None] | None = None,
                 province_code: str | None = None) -> list[SheetLayout]:
    """Read every sheet of a hand-made report; sheets without a table are skipped with a note.

    ``options`` (by sheet name) are an analyst's fixes; ``profile_lookup`` finds a saved
    mapping (name, options) by header signature, applied where no explicit option is given;
    ``province_code`` is the province of the file's districts when the analyst chose it
    (else each sheet's title block says, else DEFAULT_PROVINCE).
    """
    layouts = []
    context: dict[str, Any] = {}
    for grid in grids:
        reader = ReportSheetReader(grid, report, lang, context, province_code)
        layout = reader.read((options or {}).get(grid.name), profile_lookup)
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


