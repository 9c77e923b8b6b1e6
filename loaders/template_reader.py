"""Reading the project's own template: header detection, row parsing and checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .i18n import t
from .records import Dataset, FileReport, Issue, Record, Severity
from .reference import components, districts, leaf_components, match_code, match_district, measures, sources
from .template_spec import (
    DATA_SHEETS,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    POVERTY_YEARS,
    PROGRAMME_YEARS,
    SheetSpec,
)
from .text import fold
from .values import format_number, is_blank, parse_date, parse_number, parse_year
from .workbook import Grid

HEADER_SCAN_ROWS = 30


class _SheetReader:
    """Reads one data sheet of the template into records and issues."""

    def __init__(self, grid: Grid, spec: SheetSpec, report: FileReport, lang: str) -> None:
        self.grid, self.spec, self.report, self.lang = grid, spec, report, lang

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
        for r in range(header_row + 1, len(self.grid.rows)):
            row = self.grid.rows[r]
            if not all(is_blank(v) for v in row):
                self.read_row(r, row, columns)

    def value(self, row: list[Any], columns: dict[str, int], field: str) -> Any:
        c = columns.get(field)
        return row[c] if c is not None and c < len(row) else None

    def read_row(self, r: int, row: list[Any], columns: dict[str, int]) -> None:
        cell = lambda field: self.grid.cell(r, columns[field])  # noqa: E731
        ok = True
        keys: dict[str, Any] = {}
        for field in ("district", "year", "as_of", "component", "source", "indicator"):
            if field not in columns:
                continue
            raw = self.value(row, columns, field)
            header = next(c.header for c in self.spec.columns if c.field == field)
            if is_blank(raw):
                self.error("missing_value", cell(field), column=header)
                ok = False
                continue
            parsed = self.parse_key(field, raw, cell(field))
            if parsed is None:
                ok = False
            keys[field] = parsed
        if ok and not self.check_date(keys["year"], keys["as_of"], cell("as_of")):
            ok = False
        if not ok:
            return
        values: dict[str, tuple[float, str]] = {}
        for col in self.spec.measure_columns:
            if col.field not in columns:
                continue
            raw = self.value(row, columns, col.field)
            try:
                number = parse_number(raw)
            except ValueError:
                self.error("bad_number", cell(col.field), value=raw)
                continue
            if number is None:
                if col.required:
                    self.error("missing_value", cell(col.field), column=col.header)
                continue
            if number < 0:
                self.error("negative_value", cell(col.field), value=format_number(number))
                continue
            values[col.field] = (number, cell(col.field))
        self.check_values(values)
        for field, (number, address) in values.items():
            measure = keys["indicator"] if field == "value" else field
            self.report.records.append(
                Record(
                    dataset=self.spec.dataset,
                    district_code=keys["district"],
                    year=keys["year"],
                    as_of=keys["as_of"],
                    component=keys.get("component"),
                    source=keys.get("source"),
                    measure=measure,
                    value=number,
                    sheet=self.grid.name,
                    cell=address,
                )
            )

    def parse_key(self, field: str, raw: Any, address: str) -> Any:
        """The canonical value of a key cell, or None after recording an error."""
        if field == "district":
            code, score, closest = match_district(raw)
            if code is None:
                names = ", ".join(districts()[c].name_vi for c in closest) or "—"
                self.error("unknown_district", address, value=raw, suggestions=names)
            elif score < 100:
                self.issue(
                    Severity.WARNING, "fuzzy_district", address,
                    value=raw, district=districts()[code].name_vi, score=score,
                )
            return code
        if field == "year":
            years = POVERTY_YEARS if self.spec.dataset is Dataset.POVERTY else PROGRAMME_YEARS
            try:
                year = parse_year(raw)
            except ValueError:
                year = None
            if year not in years:
                self.error("bad_year", address, value=raw, first=years[0], last=years[-1])
                return None
            return year
        if field == "as_of":
            try:
                return parse_date(raw)
            except ValueError:
                self.error("bad_date", address, value=raw)
                return None
        if field == "component":
            code = match_code(raw, {k: (c.short_vi, c.name_vi, c.short_en, c.name_en) for k, c in components().items()})
            if code is None:
                self.error("unknown_component", address, value=raw)
            elif code not in leaf_components():
                self.error("component_not_leaf", address, value=raw)
                return None
            return code
        if field == "source":
            labels = {k: (s.short_vi, s.name_vi, s.short_en, s.name_en) for k, s in sources().items()}
            code = match_code(raw, labels)
            if code is None:
                self.error("unknown_source", address, value=raw)
            return code
        if field == "indicator":
            targets = {k: (m.name_vi, m.name_en) for k, m in measures().items() if m.dataset == Dataset.TARGET.value}
            code = match_code(raw, targets)
            if code is None:
                self.error("unknown_indicator", address, value=raw)
            return code
        raise AssertionError(field)

    def check_date(self, year: int, as_of: dt.date, address: str) -> bool:
        """The reporting date belongs to the year (or its close, up to 31/03 next year)."""
        if dt.date(year, 1, 1) <= as_of <= dt.date(year + 1, 3, 31):
            return True
        self.error("date_outside_year", address, date=as_of.strftime("%d/%m/%Y"), year=year)
        return False

    def check_values(self, values: dict[str, tuple[float, str]]) -> None:
        """Checks across the values of one row."""
        if "plan" in values and "disbursed" in values and values["disbursed"][0] > values["plan"][0] + 1e-6:
            self.issue(
                Severity.WARNING, "disbursed_above_plan", values["disbursed"][1],
                disbursed=format_number(values["disbursed"][0]), plan=format_number(values["plan"][0]),
            )
        if "households" in values:
            poor = sum(values[k][0] for k in ("poor_households", "near_poor_households") if k in values)
            if poor > values["households"][0]:
                self.error(
                    "poor_above_households", values.get("poor_households", values["households"])[1],
                    poor=format_number(poor), households=format_number(values["households"][0]),
                )
        if "value" in values and not 0 <= values["value"][0] <= 100:
            self.error("rate_out_of_range", values["value"][1], value=format_number(values["value"][0]))


def is_template(grids: list[Grid]) -> bool:
    """True when a workbook has a sheet named like one of the template's data sheets."""
    names = {fold(s.name) for s in DATA_SHEETS}
    return any(fold(g.name) in names for g in grids)


def read_template(grids: list[Grid], report: FileReport, lang: str = "vi") -> None:
    """Read every template sheet of a workbook into the report; then file-wide checks."""
    by_name = {fold(s.name): s for s in DATA_SHEETS}
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
        _SheetReader(grid, spec, report, lang).read()
    if not found:
        report.issues.append(Issue(Severity.ERROR, "no_table", t("issue.no_table", lang)))
    elif not report.records and report.ok:
        # A blank template: nothing wrong in it, but nothing to import either.
        report.issues.append(Issue(Severity.WARNING, "no_rows", t("issue.no_rows", lang)))
    check_records(report, lang)


def check_records(report: FileReport, lang: str = "vi") -> None:
    """Checks across rows: duplicate keys, and cumulative disbursement that goes down."""
    first: dict[tuple, Record] = {}
    for rec in report.records:
        if rec.key in first:
            report.issues.append(
                Issue(Severity.ERROR, "duplicate_key", t("issue.duplicate_key", lang, other=first[rec.key].cell), rec.sheet, rec.cell)
            )
        else:
            first[rec.key] = rec
    series: dict[tuple, list[Record]] = {}
    for rec in first.values():
        if rec.dataset is Dataset.FUNDING and rec.measure == "disbursed":
            series.setdefault((rec.district_code, rec.year, rec.component, rec.source), []).append(rec)
    for recs in series.values():
        recs.sort(key=lambda r: r.as_of)
        for earlier, later in zip(recs, recs[1:]):
            if later.value + 1e-6 < earlier.value:
                report.issues.append(
                    Issue(
                        Severity.WARNING, "cumulative_decrease",
                        t("issue.cumulative_decrease", lang, date=later.as_of.strftime("%d/%m/%Y"),
                          value=format_number(later.value), earlier_date=earlier.as_of.strftime("%d/%m/%Y"),
                          earlier=format_number(earlier.value)),
                        later.sheet, later.cell,
                    )
                )
