"""Reading the project's own template: header detection, row parsing and checks."""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from typing import Any

from . import i18n
from .communes import commune_name, match_commune
from .i18n import t
from .matching import match_code, match_district
from .records import Dataset, FileReport, Issue, Record, Severity
from .reference import (
    DEFAULT_PROVINCE,
    communes,
    components,
    district_name,
    leaf_components,
    measures,
    source_parent,
    sources,
)
from .template_spec import (
    INSTRUCTIONS_SHEET,
    KEY_FIELDS,
    LISTS_SHEET,
    POVERTY_YEARS,
    PROGRAMME_YEARS,
    READ_SHEETS,
    Column,
    SheetSpec,
    date_in_year,
)
from .text import fold
from .values import MAX_ABS_VALUE, implausible, is_blank, parse_date, parse_number, parse_year
from .workbook import Grid

HEADER_SCAN_ROWS = 30


_FUNDING_KEYS = ("district", "year", "as_of", "component", "source")
_LABELS: dict[str, Callable[[], dict[str, tuple[str, ...]]]] = {
    "component": lambda: {k: (c.short_vi, c.name_vi, c.short_en, c.name_en) for k, c in components().items()},
    "source": lambda: {k: (s.short_vi, s.name_vi, s.short_en, s.name_en) for k, s in sources().items()},
    "indicator": lambda: {k: (m.name_vi, m.name_en) for k, m in measures().items() if m.dataset == Dataset.TARGET.value},
}


class _SheetReader:
    """Reads one data sheet of the template into records and issues."""

    def __init__(self, grid: Grid, spec: SheetSpec, report: FileReport, lang: str,
                 province_code: str = DEFAULT_PROVINCE) -> None:
        self.grid, self.spec, self.report, self.lang = grid, spec, report, lang
        self.province = province_code  # district names are those of this province; GSO codes match nationwide
        self._as_of_col = 0
        self._seen: dict[tuple[Any, ...], str] = {}  # row key → first value cell of the row that has it
        # field → raw cell value → (canonical value, problems)
        self._clean: dict[str, dict[Any, Any]] = {}  # the lookups that found a value and no problem
        self._lookups: dict[str, dict[Any, tuple[Any, list[tuple[Severity, str, dict[str, Any]]]]]] = {}

    def issue(self, severity: Severity, code: str, cell: str | None, **params: Any) -> None:
        self.report.issues.append(
            Issue(severity, code, t(f"issue.{code}", self.lang, **params), self.grid.name, cell)
        )

    def error(self, code: str, cell: str | None, **params: Any) -> None:
        self.issue(Severity.ERROR, code, cell, **params)

    def find_header(self) -> tuple[int, dict[str, int]] | None:
        """Row index of the header and column index by field, or None."""
        wanted = {fold(c.header): c.field for c in self.spec.columns}
        wanted.update({fold(c.header_en): c.field for c in self.spec.columns})
        required = {c.field for c in self.spec.columns if c.required}
        best: tuple[int, dict[str, int]] | None = None
        for r, row in enumerate(self.grid.rows[:HEADER_SCAN_ROWS]):
            found = {}
            for c, value in enumerate(row):
                field = wanted.get(fold(value)) if isinstance(value, str) else None
                if field and field not in found:
                    found[field] = c
            if found and (best is None or len(found) > len(best[1])):
                best = (r, found)
            if required <= found.keys():
                return r, found
        return best

    def read(self) -> None:
        header = self.find_header()
        if header is None:
            self.error("no_header", None, sheet=self.grid.name)
            return
        header_row, columns = header
        missing = [c for c in self.spec.columns if c.required and c.field not in columns]
        for col in missing:
            self.error("missing_column", self.grid.cell(header_row, 0), column=col.header)
        if missing:
            return
        key_fields = [
            (c.field, columns[c.field], c.header)
            for c in self.spec.columns if c.field in KEY_FIELDS and c.field in columns
        ]
        value_fields = [(c, columns[c.field], self.grid.cell(0, columns[c.field]).rstrip("0123456789"))
                        for c in self.spec.measure_columns if c.field in columns]
        self._as_of_col = columns["as_of"]
        self._commune_col = columns.get("commune", 0)
        fast = self._fast_reader(key_fields, value_fields)
        for r in range(header_row + 1, len(self.grid.rows)):
            row = self.grid.rows[r]
            if not fast(r, row) and row.count("") + row.count(None) < len(row):
                self.read_row(r, row, key_fields, value_fields)

    def _fast_reader(self, key_fields: list[tuple[str, int, str]], value_fields: list[tuple[Column, int, str]]):  # type: ignore[no-untyped-def]
        """A reader for the common funding row: known keys, plain numbers, nothing to report.

        A large file is mostly such rows. Anything else (and every row of the small poverty
        and target sheets) returns False and goes through read_row, which reports problems.
        """
        if self.spec.dataset is not Dataset.FUNDING or [f for f, _, _ in key_fields] != list(_FUNDING_KEYS):
            return lambda r, row: False
        # only clean lookups (a value, no problem) are cached here; read_row fills the cache
        clean = [self._clean.setdefault(field, {}) for field in _FUNDING_KEYS]
        key_cols = [c for _, c, _ in key_fields]
        (plan_col, plan_letter), (paid_col, paid_letter) = [
            next(((c, letter) for col, c, letter in value_fields if col.field == f), (None, "")) for f in ("plan", "disbursed")
        ]
        if plan_col is None or paid_col is None:
            return lambda r, row: False
        need = max(key_cols + [plan_col, paid_col]) + 1
        sheet, first_row, append, funding = self.grid.name, self.grid.first_row, self.report.records.append, Dataset.FUNDING
        dates_ok: dict[tuple[int, dt.date], bool] = {}
        # a plan above the smallest money bound goes through read_row, which says so (paid is at most plan)
        money = [measures()[m] for m in ("plan", "disbursed")]
        limit = min([MAX_ABS_VALUE] + [b for m in money for b in (m.warn_above, m.error_above) if b is not None])
        seen = self._seen
        districts_, years, dates, components_, sources_ = clean
        k_district, k_year, k_date, k_component, k_source = key_cols

        def fast(r: int, row: list[Any]) -> bool:
            if len(row) < need:
                return False
            try:
                district, year, as_of = districts_[row[k_district]], years[row[k_year]], dates[row[k_date]]
                component, source = components_[row[k_component]], sources_[row[k_source]]
            except (KeyError, TypeError):
                return False
            key = (district, year, as_of, component, source, None)
            if key in seen:
                return False  # a duplicate: read_row reports it
            ok = dates_ok.get((year, as_of))
            if ok is None:
                ok = dates_ok[(year, as_of)] = dt.date(year, 1, 1) <= as_of <= dt.date(year + 1, 3, 31)
            plan, paid = row[plan_col], row[paid_col]
            if (not ok or plan.__class__ is not float or paid.__class__ is not float
                    or not 0 <= paid <= plan + 1e-6 or plan > limit):
                return False
            excel_row = str(first_row + r + 1)
            seen[key] = plan_letter + excel_row
            append(Record(funding, district, year, as_of, component, source, "plan", plan, sheet, plan_letter + excel_row))
            append(Record(funding, district, year, as_of, component, source, "disbursed", paid, sheet, paid_letter + excel_row))
            return True

        return fast

    def read_row(self, r: int, row: list[Any], key_fields: list[tuple[str, int, str]],
                 value_fields: list[tuple[Column, int, str]]) -> None:
        # The hot loop of a large file: lookups are cached and addresses made only when used.
        width = len(row)
        keys: dict[str, Any] = {}
        for field, c, _header in key_fields:
            raw = row[c] if c < width else None
            if all(is_blank(v) for v in row):
                return  # an empty row (only dashes or spaces): nothing to say
            keys[field] = self.parse_key(field, raw, r, c)
        if None in keys.values() or not self.check_date(keys["year"], keys["as_of"], r):
            return
        if "commune" in keys:  # a commune of the row's district
            keys["commune"] = self.commune(keys["district"], keys["commune"], r)
            if keys["commune"] is None:
                return
        excel_row = str(self.grid.first_row + r + 1)
        # as the fast reader writes it, the commune last (only its sheet has one)
        key = tuple(keys.get(f) for f in ("district", "year", "as_of", "component", "source", "indicator")) + (
            (keys["commune"],) if "commune" in keys else ())
        first_address = value_fields[0][2] + excel_row if value_fields else self.grid.cell(r, 0)
        if key in self._seen:  # the same district, year, date, project and source as an earlier row
            self.error("duplicate_key", first_address, other=self._seen[key])
            return
        self._seen[key] = first_address
        values: dict[str, tuple[float, str]] = {}
        for col, c, letter in value_fields:
            raw = row[c] if c < width else None
            if raw.__class__ is float and 0 <= raw <= MAX_ABS_VALUE:
                values[col.field] = (raw, letter + excel_row)  # the common case
                continue
            address = letter + excel_row
            try:
                number = parse_number(raw)
            except ValueError:
                self.error("bad_number", address, value=raw)
                continue
            if number is None:
                if address in self.grid.formulas_without_value:
                    self.issue(Severity.WARNING, "formula_without_value", address)
                if col.required:
                    self.error("missing_value", address, column=col.header)
                continue
            if number < 0:
                self.error("negative_value", address, value=i18n.number(number, self.lang))
                continue
            values[col.field] = (number, address)
        for field, (number, address) in values.items():
            # a target's rate is checked against 0–100 in check_values
            found = implausible(field, number, self.lang) if field != "value" else None
            if found:
                self.issue(found[0], found[1], address, **found[2])
        if len(values) > 1:
            self.check_values(values)
        dataset, sheet = self.spec.dataset, self.grid.name
        district, year, as_of = keys["district"], keys["year"], keys["as_of"]
        component, source, indicator = keys.get("component"), keys.get("source"), keys.get("indicator")
        append = self.report.records.append
        commune = keys.get("commune") or ""
        for field, (number, address) in values.items():
            measure = str(indicator) if field == "value" else field
            append(Record(dataset, district, year, as_of, component, source, measure, number, sheet, address, commune))

    def commune(self, district: str, raw: Any, r: int) -> str | None:
        """The code of the district's commune a cell names ('Xã Bản Bo', or as listed: 'Xã Bản Bo (Tam Đường)'),
        or None after an error naming what is wrong."""
        address = self.grid.cell(r, self._commune_col)
        label = re.sub(r"\s*\([^()]*\)\s*$", "", str(raw))  # the district the list adds after the name
        found = match_commune(label, district, self.province)
        district_label = district_name(district, self.province, self.lang)
        if found.code is not None:
            if found.score < 100:
                self.issue(Severity.WARNING, "fuzzy_commune", address, value=raw, district=district_label,
                           commune=commune_name(found.code, self.lang), score=found.score)
            return found.code
        if found.candidates:
            self.error("commune_ambiguous", address, value=raw,
                       communes=", ".join(commune_name(c, self.lang) for c in found.candidates))
        elif found.elsewhere is not None:
            self.error("commune_other_district", address, value=raw, district=district_label,
                       other=district_name(communes()[found.elsewhere].district_code, self.province, self.lang))
        else:
            self.error("unknown_commune", address, value=raw, district=district_label)
        return None

    def parse_key(self, field: str, raw: Any, r: int, c: int) -> Any:
        """The canonical value of a key cell, or None after recording an error."""
        cache = self._lookups.setdefault(field, {})
        try:
            value, problems = cache[raw]
        except KeyError:  # the same labels repeat on every row: look each up once
            value, problems = cache[raw] = self.lookup(field, raw)
            if value is not None and not problems:
                self._clean.setdefault(field, {})[raw] = value
        except TypeError:  # unhashable cell value
            value, problems = self.lookup(field, raw)
        for severity, code, params in problems:
            self.issue(severity, code, self.grid.cell(r, c), **params)
        return value

    def lookup(self, field: str, raw: Any) -> tuple[Any, list[tuple[Severity, str, dict[str, Any]]]]:
        """(canonical value or None, problems) for a key cell's raw value."""
        if is_blank(raw):
            header = next(c.header for c in self.spec.columns if c.field == field)
            return None, [(Severity.ERROR, "missing_value", dict(column=header))]
        if field == "district":
            code, score, closest = match_district(raw, self.province)
            if code is None:
                names = ", ".join(district_name(c, self.province, self.lang) for c in closest) or "—"
                return None, [(Severity.ERROR, "unknown_district", dict(value=raw, suggestions=names))]
            if score < 100:
                district = district_name(code, self.province, self.lang)
                return code, [(Severity.WARNING, "fuzzy_district", dict(value=raw, district=district, score=score))]
            return code, []
        if field == "year":
            years = POVERTY_YEARS if self.spec.dataset is Dataset.POVERTY else PROGRAMME_YEARS
            try:
                year = parse_year(raw)
            except ValueError:
                return None, [(Severity.ERROR, "bad_year", dict(value=raw, first=years[0], last=years[-1]))]
            if year not in years:
                return None, [(Severity.ERROR, "year_out_of_range", dict(value=year, first=years[0], last=years[-1]))]
            return year, []
        if field == "as_of":
            try:
                return parse_date(raw), []
            except ValueError:
                return None, [(Severity.ERROR, "bad_date", dict(value=raw))]
        if field == "commune":  # matched within the row's district, in read_row
            return str(raw).strip(), []
        labels = _LABELS[field]()
        code = match_code(raw, labels)
        if code is None:
            return None, [(Severity.ERROR, f"unknown_{field}", dict(value=raw))]
        if field == "component" and code not in leaf_components():
            return None, [(Severity.ERROR, "component_not_leaf", dict(value=raw))]
        return code, []

    def check_date(self, year: int, as_of: dt.date, r: int) -> bool:
        """The reporting date belongs to the year (or its close, up to 31/03 next year)."""
        if date_in_year(as_of, year):
            return True
        self.error("date_outside_year", self.grid.cell(r, self._as_of_col), date=as_of.strftime("%d/%m/%Y"), year=year)
        return False

    def check_values(self, values: dict[str, tuple[float, str]]) -> None:
        """Checks across the values of one row."""
        if "plan" in values and "disbursed" in values and values["disbursed"][0] > values["plan"][0] + 1e-6:
            self.issue(
                Severity.WARNING, "disbursed_above_plan", values["disbursed"][1],
                disbursed=i18n.number(values["disbursed"][0], self.lang), plan=i18n.number(values["plan"][0], self.lang),
            )
        if "households" in values:
            poor = sum(values[k][0] for k in ("poor_households", "near_poor_households") if k in values)
            if poor > values["households"][0]:
                self.error(
                    "poor_above_households", values.get("poor_households", values["households"])[1],
                    poor=i18n.number(poor, self.lang), households=i18n.number(values["households"][0], self.lang),
                )
        if "value" in values and not 0 <= values["value"][0] <= 100:
            self.error("rate_out_of_range", values["value"][1], value=i18n.rate(values["value"][0], self.lang))


def is_template(grids: list[Grid]) -> bool:
    """True when a sheet is named like a template data sheet and has all its required headers."""
    by_name = {fold(s.name): s for s in READ_SHEETS}
    for grid in grids:
        spec = by_name.get(fold(grid.name))
        if spec is not None:
            header = _SheetReader(grid, spec, FileReport(""), "vi").find_header()
            if header and {c.field for c in spec.columns if c.required} <= header[1].keys():
                return True
    return False


def read_template(grids: list[Grid], report: FileReport, lang: str = "vi", province_code: str | None = None) -> None:
    """Read every template sheet of a workbook into the report; then file-wide checks.

    District names are matched among the districts of ``province_code`` (default
    DEFAULT_PROVINCE, Lai Châu); GSO district codes match whatever the province.
    """
    by_name = {fold(s.name): s for s in READ_SHEETS}
    found = False
    for grid in grids:
        spec = by_name.get(fold(grid.name))
        if spec is None:
            if fold(grid.name) not in (fold(INSTRUCTIONS_SHEET), fold(LISTS_SHEET)):
                report.issues.append(
                    Issue(Severity.WARNING, "sheet_skipped", t("issue.sheet_skipped", lang, sheet=grid.name), grid.name)
                )
            continue
        found = True
        # each sheet reports its own duplicate rows
        _SheetReader(grid, spec, report, lang, province_code or DEFAULT_PROVINCE).read()
    if not found:
        report.issues.append(Issue(Severity.ERROR, "no_table", t("issue.no_table", lang)))
    elif not report.records and report.ok:
        # A blank template: nothing wrong in it, but nothing to import either.
        report.issues.append(Issue(Severity.WARNING, "no_rows", t("issue.no_rows", lang)))
    check_records(report, lang, duplicates=False)  # the template's sheets hold different datasets


def check_records(report: FileReport, lang: str = "vi", *, duplicates: bool = True) -> None:
    """Checks across rows: duplicate keys (unless the reader found them already), and cumulative
    disbursement that goes down."""
    records = report.records
    unique = records
    if duplicates and len(set(map(_KEY, records))) != len(records):  # rare: find which, and keep the first of each
        keys = list(map(_KEY, records))
        first: dict[tuple, Record] = {}
        for key, rec in zip(keys, records):
            if key in first:
                report.issues.append(Issue(Severity.ERROR, "duplicate_key",
                                           t("issue.duplicate_key", lang, other=first[key].cell), rec.sheet, rec.cell))
            else:
                first[key] = rec
        unique = list(first.values())
    _check_source_levels(report, unique, lang)
    _check_commune_levels(report, unique, lang)
    series: dict[tuple, list[Record]] = {}
    funding = Dataset.FUNDING
    for rec in unique:
        if rec.measure == "disbursed" and rec.dataset is funding:
            series.setdefault((rec.district_code, rec.commune_code, rec.year, rec.component, rec.source), []).append(rec)
    for recs in series.values():
        if len(recs) < 2:
            continue
        recs.sort(key=_as_of)
        for earlier, later in zip(recs, recs[1:]):
            if later.value + 1e-6 < earlier.value:
                report.issues.append(
                    Issue(
                        Severity.WARNING, "cumulative_decrease",
                        t("issue.cumulative_decrease", lang, date=i18n.date(later.as_of, lang),
                          value=i18n.number(later.value, lang), earlier_date=i18n.date(earlier.as_of, lang),
                          earlier=i18n.number(earlier.value, lang)),
                        later.sheet, later.cell,
                    )
                )


_KEY = operator.itemgetter(0, 1, 2, 3, 4, 5, 6, 10)  # dataset … measure, commune: a record's key, as it stands in it


def _check_commune_levels(report: FileReport, records: list[Record], lang: str) -> None:
    """An error where a file gives a district's own value and its communes' for one date: the district's
    figure is its own or the sum of its communes, and both would count twice (one error per district and date)."""
    if not any(rec.commune_code for rec in records):
        return
    own: dict[tuple[Any, ...], Record] = {}
    for rec in records:
        if not rec.commune_code:
            own.setdefault((rec.dataset, rec.district_code, rec.year, rec.as_of), rec)
    said: set[tuple[Any, ...]] = set()
    for rec in records:
        key = (rec.dataset, rec.district_code, rec.year, rec.as_of)
        if rec.commune_code and key in own and key not in said:
            said.add(key)
            district = own[key]
            report.issues.append(Issue(
                Severity.ERROR, "commune_levels_mixed",
                t("issue.commune_levels_mixed", lang, district=district_name(rec.district_code, lang=lang),
                  date=i18n.date(rec.as_of, lang), commune_cell=f"{rec.sheet}!{rec.cell}"),
                district.sheet, district.cell))


def _check_source_levels(report: FileReport, records: list[Record], lang: str) -> None:
    """An error where a file gives one amount both unsplit (NSTW) and split (ĐTPT, sự nghiệp): it would count twice."""
    parents = {s.parent_code for s in sources().values() if s.parent_code}
    if not any(rec.source in parents for rec in records):
        return
    unsplit: dict[tuple[Any, ...], Record] = {(r.dataset, r.district_code, r.commune_code, r.year, r.as_of, r.component, r.measure, r.source): r
               for r in records if r.source in parents}
    named: set[str] = set()
    for rec in records:
        parent = source_parent(rec.source)
        other = unsplit.get((rec.dataset, rec.district_code, rec.commune_code, rec.year, rec.as_of, rec.component, rec.measure, parent))
        if parent is None or other is None or other.cell in named:
            continue
        named.add(other.cell)
        report.issues.append(Issue(Severity.ERROR, "source_levels_mixed",
                                   t("issue.source_levels_mixed", lang, other=f"'{rec.sheet}'!{rec.cell}"),
                                   other.sheet, other.cell))


def _as_of(rec: Record) -> dt.date:
    return rec.as_of
