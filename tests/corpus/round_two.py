"""Round two of the corpus (issue 12): reports whose meaning depends on dates, source hierarchy and columns
that are not additive. Written from each layout's meaning (see /tmp/spec12.md, "Reader, round two"), before
and independently of the reader.

Every ``build_<name>(out_dir)`` writes one file and returns a ``CaseTwo``: a ``Case`` (expected_totals,
expected_issues, expected_meta as in ``builders.py``) with more:

- ``expected_values``: (dataset, district_code, year, as_of ISO date, source or None, measure) → the sum of
  the values of the records the reader must produce (projects / sub-projects summed over), in million VND
  (funding) or households (poverty). ``expected_totals`` is the same figures summed over year, date and source.
- ``forbidden_codes``: issue codes that must not appear at all for this file (always ``as_of_assumed``, which
  round two removed: a funding table without a date is ``as_of_unknown`` now).
- ``expected_tables``: sheet → the kinds of its tables, top to bottom, where a sheet holds several.

Figures are illustrative, drawn from a ``random.Random`` seeded with the case name; the expectations come from
what is written into the cells and what the layout means, never from running a reader.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.reference import components, measures

from .builders import (
    CENTRAL,
    CENTRAL_LOCAL,
    CODES,
    COMPONENT_RANGE,
    DEC_31,
    MONEY_UNITS,
    OCT_31,
    PLAN_RANGE,
    POVERTY_DERIVED,
    POVERTY_TREE,
    SOURCE_LABEL,
    Case,
    IssueSpec,
    district_rows,
    funding_derived,
    funding_tree,
    funding_tree_3,
    meta,
    poverty_values,
    project_rows,
    report_sheet,
    sum_of,
)
from .sheets import (
    CENTER_ITALIC,
    LEFT_ITALIC,
    RATE,
    RIGHT_ITALIC,
    TOTAL,
    UNIT_MILLION,
    Col,
    Derived,
    GridSheet,
    Raw,
    Row,
    Sheet,
    Style,
    Table,
    Totals,
    Value,
    XlsxSheet,
    as_of_line,
    funding_title,
    group,
    leaf,
    leaf_count,
    leaf_rows,
    num,
    pct,
    poverty_title,
    ref,
    save_csv,
    save_xlsx,
    write_signature,
    write_table,
    write_title_block,
    xlsx_book,
)

# (dataset, district_code, year, as_of ISO, source or None, measure) → sum of record values
ValueKey = tuple[str, str, int, str, str | None, str]
Values = dict[ValueKey, float]

# Issue codes round two adds (spec12.md), by severity; the corpus's older codes are in builders.py.
NEW_ERROR_CODES = frozenset({"as_of_unknown", "context_conflict", "same_key_columns"})
NEW_WARNING_CODES = frozenset({
    "as_of_estimate", "as_of_date_cell", "year_from_file_name", "of_which_ignored", "plan_superseded",
    "adjustment_mismatch", "hidden_ignored", "hidden_sheet_ignored", "csv_encoding",
})
SOURCE_CODES = frozenset({"central", "central_investment", "central_recurrent", "local", "integrated", "mobilised"})

# Codes that must not appear where a layout is clean; every case forbids at least "as_of_assumed".
GONE = frozenset({"as_of_assumed"})
CLEAN = GONE | {"duplicate_key", "duplicate_row", "same_key_columns", "rate_mismatch", "unknown_district",
                "total_mismatch", "no_year", "bad_number", "negative_value", "disbursed_above_plan",
                "poor_above_households", "year_from_file_name"}
DATED = CLEAN | {"as_of_unknown", "context_conflict"}  # a funding table that states its date, once


@dataclass(frozen=True)
class CaseTwo(Case):
    """A round-two corpus file: a Case, with values by date and source and the codes that must not appear."""

    expected_values: Values = field(default_factory=dict)
    forbidden_codes: frozenset[str] = GONE
    expected_tables: dict[str, list[str]] = field(default_factory=dict)


def case(name: str, path: Path, description: str, values: Values, issues: list[IssueSpec],
         forbidden: frozenset[str], expected_meta: dict[str, Any],
         tables: dict[str, list[str]] | None = None) -> CaseTwo:
    """A CaseTwo whose expected_totals are its expected_values summed over year, date and source."""
    assert not forbidden & {code for _, code, _, _ in issues}, "a code both expected and forbidden"
    return CaseTwo(name, path, description, totals_of(values), issues, expected_meta, values,
                   frozenset(forbidden | GONE), tables or {})


# --- expected values ----------------------------------------------------------------------------

Meaning = Callable[[Any], "tuple[str | None, str] | None"]


def is_check(key: Any) -> bool:
    return isinstance(key, tuple) and (TOTAL in key or RATE in key)


def by_measure_source(key: Any) -> tuple[str | None, str] | None:
    """(source, measure) of a column key (measure, source); None for checks and columns that are not stored."""
    if is_check(key) or not isinstance(key, tuple) or len(key) != 2 or key[0] not in measures():
        return None
    return key[1], key[0]


def column_keys(tree: tuple[Col, ...]) -> set[Any]:
    """The keys of the columns a header tree writes."""
    def walk(col: Col) -> Iterator[Any]:
        if not col.children:
            yield col.key
        for child in col.children:
            yield from walk(child)

    return {key for col in tree for key in walk(col)}


def expect(rows: list[Row], tree: tuple[Col, ...], dataset: str, year: int, as_of: dt.date, *, scale: float = 1.0,
           meaning: Meaning = by_measure_source, when: Callable[[Any], dt.date] | None = None,
           district: Callable[[Row, Any], str | None] = lambda row, key: row.code) -> Values:
    """Expected values of the rows as written: leaf rows only, value columns of ``tree`` only, times ``scale``."""
    written_keys = column_keys(tree)
    out: dict[ValueKey, float] = {}
    for row in leaf_rows(rows):
        for key, value in row.values.items():
            if key not in written_keys:
                continue
            m, x, code = meaning(key), num(value), district(row, key)
            if m is None or x is None or code is None:
                continue
            day = when(key) if when else as_of
            k = (dataset, code, year, day.isoformat(), m[0], m[1])
            out[k] = out.get(k, 0.0) + x * scale
    return {k: round(v, 6) for k, v in out.items()}


def merge_values(*parts: Values) -> Values:
    out: dict[ValueKey, float] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = round(out.get(k, 0.0) + v, 6)
    return out


def totals_of(values: Values) -> Totals:
    """(dataset, district, measure) totals of expected values."""
    out: dict[tuple[str, str, str], float] = {}
    for (dataset, code, _, _, _, measure), v in values.items():
        out[dataset, code, measure] = out.get((dataset, code, measure), 0.0) + v
    return {k: round(v, 6) for k, v in out.items()}


# --- figures --------------------------------------------------------------------------------------

RANGE: dict[str | None, tuple[float, float]] = {s: (float(a), float(b)) for s, (a, b) in PLAN_RANGE.items()}
RANGE.update({"central": (10_000, 32_000), None: (8_000, 32_000)})


def written(million: float, unit: str) -> float | int:
    """An amount in million VND as a report in ``unit`` writes it."""
    if unit == "dong":
        return int(round(round(million, 3) * 1_000_000))
    if unit == "nghin_dong":
        return int(round(million * 1_000))
    if unit == "ty_dong":
        return round(million / 1_000, 3)
    return round(million, 1)


def money(rng: random.Random, codes: tuple[str, ...], sources: tuple[str | None, ...], *, unit: str = "trieu_dong",
          done: dict[str | None, tuple[float, float]] | None = None) -> dict[str, dict[Any, Value]]:
    """Plan and cumulative disbursement by district and source, keys (measure, source), as written in ``unit``."""
    out: dict[str, dict[Any, Value]] = {}
    for code in codes:
        values: dict[Any, Value] = {}
        for s in sources:
            plan = rng.uniform(*RANGE[s])
            values["plan", s] = written(plan, unit)
            values["disbursed", s] = written(plan * rng.uniform(*(done or {}).get(s, (0.3, 0.85))), unit)
        out[code] = values
    return out


def next_year(rng: random.Random, before: dict[str, dict[Any, Value]]) -> dict[str, dict[Any, Value]]:
    """A poverty review a year later: a few more households, fewer poor."""
    out: dict[str, dict[Any, Value]] = {}
    for code, v in before.items():
        households = int(num(v["households", None]) * rng.uniform(1.01, 1.025))  # type: ignore[operator]
        poor = round(num(v["poor_households", None]) * rng.uniform(0.8, 0.9))  # type: ignore[operator]
        out[code] = {
            ("households", None): households, ("poor_households", None): poor,
            ("near_poor_households", None): round(households * rng.uniform(0.07, 0.13)),
            ("escaped_poverty", None): round(poor * rng.uniform(0.15, 0.22)),
            ("fallen_back", None): round(poor * rng.uniform(0.004, 0.012)),
            ("newly_poor", None): round(poor * rng.uniform(0.03, 0.06)),
        }
    return out


# --- writing helpers ------------------------------------------------------------------------------

SHORT = {"105": "TP Lai Châu", "106": "Tam Đường", "107": "Mường Tè", "108": "Sìn Hồ", "109": "Phong Thổ",
         "110": "Than Uyên", "111": "Tân Uyên", "112": "Nậm Nhùn"}
PROGRAMME = "CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG"
DATE_FORMAT = "dd/mm/yyyy"


def depth(tree: tuple[Col, ...]) -> int:
    def one(col: Col) -> int:
        return 1 + max((one(c) for c in col.children), default=0)

    return max(one(c) for c in tree)


def header_cell(top: int, tree: tuple[Col, ...], table: Table, key: Any) -> str:
    """A column's header cell: its cell in the header's bottom row (spec12: 'A column's header cell')."""
    return ref(top + depth(tree) - 1, table.cols[key])


def funding_tree_2(plan_text: str, disbursed_text: str, sources: tuple[str, ...], *, name_header: str = "Đơn vị",
                   labels: dict[str, str] | None = None, totals: bool = True,
                   rate: str | None = "Tỷ lệ giải ngân (%)") -> tuple[Col, ...]:
    """STT | Đơn vị | plan (Tổng số, sources…) | disbursed (…) | rate: two header rows, measure over source."""
    labels = {**SOURCE_LABEL, **(labels or {})}

    def measure(m: str, text: str) -> Col:
        first = (leaf("Tổng số", (m, TOTAL)),) if totals else ()
        return group(text, *first, *(leaf(labels[s], (m, s)) for s in sources))

    tail = (leaf(rate, (RATE, "disbursed")),) if rate else ()
    return (leaf("STT", "stt"), leaf(name_header, "name"), measure("plan", plan_text),
            measure("disbursed", disbursed_text), *tail)


def source_rate(source: str) -> Callable[[Callable[[Any], float | None]], float | None]:
    """A derived per-source rate column: that source's disbursed / plan, in %."""
    return lambda get: pct(get(("disbursed", source)), get(("plan", source)))


def put_date(w: XlsxSheet, row: int, col: int, day: dt.date, width: int = 1, style: Style = CENTER_ITALIC) -> str:
    """A real Excel date cell (a serial shown as dd/mm/yyyy), merged over ``width`` columns."""
    address = w.merge(row, col, dt.datetime(day.year, day.month, day.day), 1, width, style)
    w.ws[address].number_format = DATE_FORMAT
    return address


def hide_rows(w: XlsxSheet, first: int, last: int) -> None:
    for r in range(first, last + 1):
        w.ws.row_dimensions[r].hidden = True


def cp1258_text(text: str, caps: bool = False) -> str:
    """Text as Windows-1258 holds it: a letter with its shape (â ă ê ô ơ ư), then a combining tone mark."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            ch = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones)) + "".join(
                p for p in parts if p in tones)
            ch.encode("cp1258")  # a character Windows-1258 cannot write at all fails here
        out.append(ch)
    return "".join(out)


def save_csv_utf16(rows: list[list[object]], path: Path, *, delimiter: str = "\t") -> Path:
    """CSV as Excel's 'Unicode text' writes it: UTF-16 little-endian with a byte-order mark, tabs."""
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        out.writerow(["" if v is None else repr(v) if isinstance(v, int | float) else v for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(codecs.BOM_UTF16_LE + buf.getvalue().encode("utf-16-le"))
    return path


def funding_report(w: Sheet, tree: tuple[Col, ...], rows: list[Row], derived: Derived, *, title: str,
                   as_of_text: str | None, unit: str | None = UNIT_MILLION, **kw: Any) -> Any:
    kw.setdefault("total", "Tổng cộng")
    return report_sheet(w, tree, rows, derived, title=title, as_of_text=as_of_text, unit=unit, **kw)


def poverty_report(w: Sheet, rows: list[Row], *, title: str, as_of_text: str | None, tree: tuple[Col, ...] = POVERTY_TREE,
                   derived: Derived = POVERTY_DERIVED, **kw: Any) -> Any:
    kw.setdefault("total", "Toàn tỉnh")
    kw.setdefault("total_on_top", True)
    kw.setdefault("number_format", "#,##0")
    return report_sheet(w, tree, rows, derived, title=title, as_of_text=as_of_text, unit="Đơn vị tính: hộ", **kw)


def untitled_funding() -> str:
    return f"BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN {PROGRAMME}"


def day(year: int, month: int, d: int) -> dt.date:
    return dt.date(year, month, d)


# --- 1–5: as-of phrases ---------------------------------------------------------------------------

def _phrase_case(name: str, out_dir: Path, *, year: int, as_of: dt.date, title: str, as_of_text: str | None,
                 sources: tuple[str, ...] = CENTRAL, three_rows: bool = False, sheet: str = "Biểu 01",
                 plan_text: str | None = None, disbursed_text: str = "Lũy kế giải ngân",
                 date_line: str | None = None) -> tuple[Path, Values, Any]:
    rows = district_rows(money(random.Random(name), CODES, sources))
    plan_text = plan_text or f"Kế hoạch vốn năm {year}"
    if three_rows:
        tree = funding_tree_3(plan_text, disbursed_text, name_header="Đơn vị")
    else:
        tree = funding_tree_2(plan_text, disbursed_text, sources)
    wb, (w,) = xlsx_book(sheet)
    written_ = funding_report(w, tree, rows, funding_derived(sources), title=title, as_of_text=as_of_text,
                              date_line=date_line)
    return save_xlsx(wb, out_dir, name), expect(rows, tree, "funding", year, as_of), written_


def build_as_of_end_of_month(out_dir: Path) -> CaseTwo:
    name = "as_of_end_of_month"
    path, values, _ = _phrase_case(name, out_dir, year=2017, as_of=OCT_31, title=funding_title(2017),
                                   as_of_text="(Tính đến hết tháng 10/2017)")
    return case(name, path, "as-of line 'Tính đến hết tháng 10/2017' (no day): the month's last day, 31/10/2017; "
                "headers without dates", values, [], DATED, meta(2017, OCT_31, "trieu_dong"))


def build_as_of_quarter(out_dir: Path) -> CaseTwo:
    name = "as_of_quarter"
    as_of = day(2019, 9, 30)
    path, values, _ = _phrase_case(name, out_dir, year=2019, as_of=as_of, title=funding_title(2019),
                                   as_of_text="(Số liệu tính đến hết Quý III/2019)", sources=CENTRAL_LOCAL,
                                   three_rows=True, date_line="Lai Châu, ngày 08 tháng 10 năm 2019")
    return case(name, path, "as-of line 'hết Quý III/2019': 30/9/2019 (a programme year); 3 header rows; "
                "the signature's 08/10/2019 is not the as-of date", values, [], DATED,
                meta(2019, as_of, "trieu_dong"))


def build_as_of_six_months(out_dir: Path) -> CaseTwo:
    name = "as_of_six_months"
    as_of = day(2018, 6, 30)
    path, values, _ = _phrase_case(
        name, out_dir, year=2018, as_of=as_of, as_of_text=None, disbursed_text="Giải ngân",
        title=f"BÁO CÁO KẾT QUẢ GIẢI NGÂN VỐN {PROGRAMME} 6 THÁNG ĐẦU NĂM 2018")
    return case(name, path, "the period only in the title, '… 6 THÁNG ĐẦU NĂM 2018': as of 30/6/2018; no as-of line",
                values, [], DATED, meta(2018, as_of, "trieu_dong"))


def build_as_of_nine_months(out_dir: Path) -> CaseTwo:
    name = "as_of_nine_months"
    as_of = day(2018, 9, 30)
    path, values, _ = _phrase_case(name, out_dir, year=2018, as_of=as_of, title=funding_title(2018),
                                   as_of_text="(Kết quả thực hiện 9 tháng năm 2018)", sources=CENTRAL_LOCAL,
                                   plan_text="Kế hoạch vốn", disbursed_text="Giải ngân")
    return case(name, path, "as-of line 'Kết quả thực hiện 9 tháng năm 2018': 30/9/2018; headers without year or date",
                values, [], DATED, meta(2018, as_of, "trieu_dong"))


def build_as_of_estimate(out_dir: Path) -> CaseTwo:
    name = "as_of_estimate"
    as_of = day(2018, 12, 31)
    path, values, _ = _phrase_case(name, out_dir, year=2018, as_of=as_of, title=funding_title(2018),
                                   as_of_text="(Ước thực hiện cả năm 2018)", disbursed_text="Giải ngân")
    sheet = "Biểu 01"
    return case(name, path, "as-of line 'Ước thực hiện cả năm 2018': dated 31/12/2018, and a warning that the "
                "figures are an estimate", values, [("warning", "as_of_estimate", sheet, "A5")], DATED,
                meta(2018, as_of, "trieu_dong"))


# --- 6: date cells --------------------------------------------------------------------------------

def _date_cell_sheet(name: str, out_dir: Path, as_of: dt.date, *, labelled: bool,
                     date_line: str | None) -> tuple[Path, Values, str]:
    rows = district_rows(money(random.Random(name), CODES, CENTRAL))
    tree = funding_tree_2("Kế hoạch vốn năm 2017", "Lũy kế giải ngân", CENTRAL)
    wb, (w,) = xlsx_book("Biểu 01")
    width = leaf_count(tree)
    block = write_title_block(w, width, funding_title(2017), None, UNIT_MILLION)
    if labelled:
        w.put(5, 3, "Tính đến ngày:", RIGHT_ITALIC)
        date_cell = put_date(w, 5, 4, as_of, 2, LEFT_ITALIC)
    else:
        date_cell = put_date(w, 5, 1, as_of, width)
    table = write_table(w, block.next_row, tree, rows, derived=funding_derived(CENTRAL), total="Tổng cộng")
    write_signature(w, table.end_row + 2, width, date_line=date_line)
    return save_xlsx(wb, out_dir, name), expect(rows, tree, "funding", 2017, as_of), date_cell


def build_date_cell_labelled(out_dir: Path) -> CaseTwo:
    name = "date_cell_labelled"
    path, values, _ = _date_cell_sheet(name, out_dir, OCT_31, labelled=True, date_line=None)
    return case(name, path, "the as-of date is a real Excel date cell (31/10/2017, dd/mm/yyyy) right of a "
                "'Tính đến ngày:' label in the title block: taken without a warning", values, [],
                DATED | {"as_of_date_cell"}, meta(2017, OCT_31, "trieu_dong"))


def build_date_cell_bare(out_dir: Path) -> CaseTwo:
    name = "date_cell_bare"
    as_of = day(2017, 11, 30)
    path, values, cell = _date_cell_sheet(name, out_dir, as_of, labelled=False,
                                          date_line="Lai Châu, ngày 05 tháng 12 năm 2017")
    return case(name, path, "a bare Excel date cell (30/11/2017) under the title, no label: taken, with a warning "
                "to confirm; the signature's 05/12/2017 is not the as-of date", values,
                [("warning", "as_of_date_cell", "Biểu 01", cell)], DATED, meta(2017, as_of, "trieu_dong"))


# --- 7–9: year from the sheet name, conflicts -----------------------------------------------------

def build_year_in_sheet_name_poverty(out_dir: Path) -> CaseTwo:
    name = "year_in_sheet_name_poverty"
    rng = random.Random(name)
    first = poverty_values(rng, CODES)
    second = next_year(rng, first)
    sheets = ("Năm 2017", "Năm 2018")
    wb, (a, b) = xlsx_book(*sheets)
    values: Values = {}
    for w, figures, year in ((a, first, 2017), (b, second, 2018)):
        rows = district_rows(figures)
        poverty_report(w, rows, title="KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO TRÊN ĐỊA BÀN TỈNH", as_of_text=None)
        values = merge_values(values, expect(rows, POVERTY_TREE, "poverty", year, day(year, 12, 31)))
    return case(name, save_xlsx(wb, out_dir, name),
                "poverty reviews, one sheet per year ('Năm 2017', 'Năm 2018'), the year nowhere but in the sheet "
                "name: each sheet dated 31/12 of its year, no issue", values, [],
                CLEAN | {"as_of_unknown", "context_conflict"},
                {"sheets": {s: {"year": y, "as_of": f"{y}-12-31"} for s, y in zip(sheets, (2017, 2018))}})


def build_year_in_sheet_name_funding(out_dir: Path) -> CaseTwo:
    name = "year_in_sheet_name_funding"
    rows = district_rows(money(random.Random(name), CODES, CENTRAL))
    sheet = "BC 2018"
    wb, (w,) = xlsx_book(sheet)
    tree = funding_tree_2("Kế hoạch vốn", "Giải ngân", CENTRAL)
    funding_report(w, tree, rows, funding_derived(CENTRAL), title=untitled_funding(), as_of_text=None)
    as_of = day(2018, 12, 31)
    return case(name, save_xlsx(wb, out_dir, name),
                "a funding table with the year only in the sheet name ('BC 2018') and no date anywhere: error "
                "as_of_unknown, records still made as of 31/12/2018", expect(rows, tree, "funding", 2018, as_of),
                [("error", "as_of_unknown", sheet, None)],
                CLEAN | {"context_conflict"}, meta(2018, as_of, "trieu_dong"))


def build_context_conflict_sheet_name(out_dir: Path) -> CaseTwo:
    name = "context_conflict_sheet_name"
    rows = district_rows(money(random.Random(name), CODES, CENTRAL))
    sheet = "2018"
    wb, (w,) = xlsx_book(sheet)
    tree = funding_tree(2017, OCT_31)
    funding_report(w, tree, rows, funding_derived(CENTRAL), title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    return case(name, save_xlsx(wb, out_dir, name),
                "the title says NĂM 2017 (as of 31/10/2017), the sheet is named '2018': error context_conflict on "
                "the sheet, the title's year used", expect(rows, tree, "funding", 2017, OCT_31),
                [("error", "context_conflict", sheet, None)], CLEAN | {"as_of_unknown"},
                meta(2017, OCT_31, "trieu_dong"))


def build_context_conflict_header_date(out_dir: Path) -> CaseTwo:
    name = "context_conflict_header_date"
    rows = district_rows(money(random.Random(name), CODES, (None,)))
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"), leaf("Kế hoạch vốn năm 2017", ("plan", None)),
            leaf("Giải ngân đến 30/9/2017", ("disbursed", None)), leaf("Tỷ lệ giải ngân (%)", (RATE, "disbursed")))
    derived: Derived = {(RATE, "disbursed"): lambda get: pct(get(("disbursed", None)), get(("plan", None)))}
    wb, (w,) = xlsx_book("Biểu 01")
    done = funding_report(w, tree, rows, derived, title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    header = header_cell(done.title.next_row, tree, done.table, ("disbursed", None))
    return case(name, save_xlsx(wb, out_dir, name),
                "the title says 'Tính đến ngày 31/10/2017', the one-row header 'Giải ngân đến 30/9/2017' (copied "
                "from last month): error context_conflict at the header, records as of 31/10/2017",
                expect(rows, tree, "funding", 2017, OCT_31), [("error", "context_conflict", "Biểu 01", header)],
                CLEAN | {"as_of_unknown"}, meta(2017, OCT_31, "trieu_dong"))


# --- 10–12: sources ---------------------------------------------------------------------------------

def build_abbreviations_nstw_nsdp(out_dir: Path) -> CaseTwo:
    name = "abbreviations_nstw_nsdp"
    sources = ("central", "local")
    rows = district_rows(money(random.Random(name), CODES, sources))
    tree = funding_tree_2("KH", "GN", sources, labels={"central": "NSTW", "local": "NSĐP"}, rate="Tỷ lệ GN (%)")
    wb, (w,) = xlsx_book("Biểu 01")
    funding_report(w, tree, rows, funding_derived(sources), title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    return case(name, save_xlsx(wb, out_dir, name),
                "abbreviated headers: KH | GN over Tổng số | NSTW | NSĐP; NSTW not split into ĐTPT/SN is source "
                "central, NSĐP is local; no money vanishes", expect(rows, tree, "funding", 2017, OCT_31), [],
                DATED | {"unknown_source"}, meta(2017, OCT_31, "trieu_dong"))


def build_projects_by_district_kh_gn(out_dir: Path) -> CaseTwo:
    name = "projects_by_district_kh_gn"
    rng = random.Random(name)
    poor_30a = ("107", "108", "109", "110", "111", "112")  # in 2017; the city and Tam Đường are not 30a

    def component_row(code: str, stt: object) -> Row:
        values: dict[Any, Value] = {}
        for d in CODES:
            if code in (("1.1", "1.3", "1.4") if d not in poor_30a else ("3",)):
                values[d, "plan"] = values[d, "disbursed"] = Raw("-", None)
                continue
            plan = round(rng.uniform(*COMPONENT_RANGE[code]) / 2, 1)
            values[d, "plan"], values[d, "disbursed"] = plan, round(plan * rng.uniform(0.25, 0.85), 1)
        return Row(components()[code].name_vi, values, stt=stt, code=code)

    rows = project_rows(component_row)
    tree = (leaf("STT", "stt"), leaf("Dự án, tiểu dự án", "name"),
            *(group(label, leaf("KH", (d, "plan")), leaf("GN", (d, "disbursed")))
              for d, label in {TOTAL: "Tổng số", **SHORT}.items()))
    derived: Derived = {(TOTAL, m): sum_of([(d, m) for d in CODES]) for m in ("plan", "disbursed")}
    wb, (w,) = xlsx_book("Theo dự án")
    funding_report(w, tree, rows, derived, title=f"BÁO CÁO GIẢI NGÂN VỐN {PROGRAMME} NĂM 2017 THEO DỰ ÁN",
                   as_of_text=as_of_line(OCT_31), total="TỔNG CỘNG")
    values = expect(rows, tree, "funding", 2017, OCT_31, meaning=lambda key: (None, key[1]) if key[0] in CODES else None,
                    district=lambda row, key: key[0])
    return case(name, save_xlsx(wb, out_dir, name),
                "projects and sub-projects as rows (I, II group rows), all 8 districts as merged column groups "
                "with KH | GN under each, a Tổng số group first, TỔNG CỘNG at the bottom, '-' for none",
                values, [], DATED | {"unknown_component"}, meta(2017, OCT_31, "trieu_dong"))


def build_nstw_parent_and_children(out_dir: Path) -> CaseTwo:
    name = "nstw_parent_and_children"
    sources = ("central_investment", "central_recurrent", "integrated", "mobilised")
    rows = district_rows(money(random.Random(name), CODES, sources))

    def measure(m: str, text: str) -> Col:
        return group(text, leaf("Tổng số", (m, TOTAL)), leaf("NSTW", (m, "central", TOTAL)),
                     group("Ngân sách trung ương", leaf("ĐTPT", (m, "central_investment")),
                           leaf("SN", (m, "central_recurrent"))),
                     leaf("Vốn lồng ghép", (m, "integrated")), leaf("Huy động", (m, "mobilised")))

    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"), measure("plan", "Kế hoạch vốn năm 2017"),
            measure("disbursed", "Giải ngân đến 31/10/2017"), leaf("Tỷ lệ GN (%)", (RATE, "disbursed")))
    derived = funding_derived(sources)
    for m in ("plan", "disbursed"):
        derived[m, "central", TOTAL] = sum_of([(m, "central_investment"), (m, "central_recurrent")])
    wb, (w,) = xlsx_book("Biểu 01")
    funding_report(w, tree, rows, derived, title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    return case(name, save_xlsx(wb, out_dir, name),
                "3 header rows: under each measure Tổng số | NSTW (a total column) | Ngân sách trung ương over "
                "ĐTPT | SN | Vốn lồng ghép | Huy động; NSTW is a check, the children, integrated and mobilised "
                "are stored", expect(rows, tree, "funding", 2017, OCT_31), [], DATED | {"unknown_source"},
                meta(2017, OCT_31, "trieu_dong"))


# --- 13–16: columns that are not additive ---------------------------------------------------------

def build_of_which_poverty(out_dir: Path) -> CaseTwo:
    name = "of_which_poverty"
    rng = random.Random(name)
    values = poverty_values(rng, CODES)
    notes = {"107": "02 xã chưa hoàn thành rà soát", "110": "Tăng do tách hộ"}
    for code, v in values.items():
        v["x", "poor_dtts"] = round(num(v["poor_households", None]) * rng.uniform(0.85, 0.98))  # type: ignore[operator]
        v["x", "near_dtts"] = round(num(v["near_poor_households", None]) * rng.uniform(0.7, 0.95))  # type: ignore[operator]
        if code in notes:
            v["x", "note"] = Raw(notes[code], None)
    rows = district_rows(values)
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"), leaf("Tổng số hộ", ("households", None)),
            group("Hộ nghèo", leaf("Số hộ", ("poor_households", None)), leaf("Trong đó: hộ DTTS", ("x", "poor_dtts")),
                  leaf("Tỷ lệ (%)", (RATE, "poor_households"))),
            group("Hộ cận nghèo", leaf("Số hộ", ("near_poor_households", None)),
                  leaf("Trong đó: hộ DTTS", ("x", "near_dtts")), leaf("Tỷ lệ (%)", (RATE, "near_poor_households"))),
            leaf("Ghi chú", ("x", "note")))
    sheet = "Rà soát 2017"
    wb, (w,) = xlsx_book(sheet)
    done = poverty_report(w, rows, title=poverty_title(2017), as_of_text=as_of_line(DEC_31), tree=tree)
    top = done.title.next_row
    issues: list[IssueSpec] = [("warning", "of_which_ignored", sheet, header_cell(top, tree, done.table, key))
                               for key in (("x", "poor_dtts"), ("x", "near_dtts"))]
    return case(name, save_xlsx(wb, out_dir, name),
                "'Trong đó: hộ DTTS' beside the poor and the near-poor counts (sub-counts, not stored: warning "
                "of_which_ignored at each header), a Ghi chú column of notes (ignored)",
                expect(rows, tree, "poverty", 2017, DEC_31), issues, CLEAN,
                meta(2017, DEC_31))


def build_poverty_start_end(out_dir: Path) -> CaseTwo:
    name = "poverty_start_end"
    rng = random.Random(name)
    figures: dict[str, dict[Any, Value]] = {}
    for code, v in poverty_values(rng, CODES).items():
        start, near_start = num(v["poor_households", None]), num(v["near_poor_households", None])
        assert start is not None and near_start is not None
        escaped, newly, fallen = round(start * rng.uniform(0.15, 0.22)), round(start * rng.uniform(0.03, 0.06)), \
            round(start * rng.uniform(0.004, 0.012))
        households = int(num(v["households", None]) * rng.uniform(1.01, 1.025))  # type: ignore[operator]
        figures[code] = {
            ("poor_households", "start"): int(start), ("near_poor_households", "start"): int(near_start),
            ("escaped_poverty", None): escaped, ("newly_poor", None): newly, ("fallen_back", None): fallen,
            ("households", None): households, ("poor_households", None): int(start) - escaped + newly + fallen,
            ("near_poor_households", None): round(near_start * rng.uniform(0.9, 1.1)),
        }
    rows = district_rows(figures)
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"),
            group("Đầu năm", leaf("Số hộ nghèo", ("poor_households", "start")),
                  leaf("Số hộ cận nghèo", ("near_poor_households", "start"))),
            group("Diễn biến trong năm", leaf("Số hộ thoát nghèo", ("escaped_poverty", None)),
                  leaf("Số hộ nghèo phát sinh", ("newly_poor", None)), leaf("Số hộ tái nghèo", ("fallen_back", None))),
            group("Cuối năm", leaf("Tổng số hộ", ("households", None)), leaf("Số hộ nghèo", ("poor_households", None)),
                  leaf("Tỷ lệ hộ nghèo (%)", (RATE, "poor_households")),
                  leaf("Số hộ cận nghèo", ("near_poor_households", None)),
                  leaf("Tỷ lệ hộ cận nghèo (%)", (RATE, "near_poor_households"))))
    wb, (w,) = xlsx_book("Rà soát")
    poverty_report(w, rows, title=poverty_title(2018), as_of_text=None, tree=tree)
    january, end = day(2018, 1, 1), day(2018, 12, 31)
    values = expect(rows, tree, "poverty", 2018, end, meaning=lambda key: (None, key[0]) if (
        isinstance(key, tuple) and not is_check(key) and key[0] in measures()) else None,
        when=lambda key: january if key[1] == "start" else end)
    return case(name, save_xlsx(wb, out_dir, name),
                "poverty review 2018 with 'Đầu năm' and 'Cuối năm' groups: the start-of-year poor and near-poor "
                "as of 1/1/2018, the end-of-year counts and the year's movements as of 31/12/2018; no issue",
                values, [], CLEAN | {"same_key_columns", "as_of_unknown", "context_conflict"}, meta(2018, end))


def build_plan_adjusted(out_dir: Path) -> CaseTwo:
    name = "plan_adjusted"
    rng = random.Random(name)
    reasons = ("Chậm phê duyệt dự án", "Vướng giải phóng mặt bằng", "Nhà thầu chậm thanh toán")
    values: dict[str, dict[Any, Value]] = {}
    for i, code in enumerate(CODES):
        before = round(rng.uniform(8_000, 32_000), 1)
        adjust = None if i in (1, 6) else round(rng.uniform(-1_500, 2_500), 1)
        after = round(before + (adjust or 0) + (150 if code == "109" else 0), 1)  # Phong Thổ: a typo of 150
        done = round(after * rng.uniform(0.3, 0.85), 1)
        values[code] = {("x", "before"): before, ("x", "adjust"): adjust, ("plan", None): after,
                        ("disbursed", None): done}
        if done / after < 0.5:
            values[code]["x", "reason"] = Raw(reasons[i % 3], None)
    rows = district_rows(values)
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"),
            group("Kế hoạch vốn năm 2017", leaf("KH giao đầu năm", ("x", "before")),
                  leaf("Điều chỉnh (+/-)", ("x", "adjust")), leaf("KH sau điều chỉnh", ("plan", None))),
            leaf("Lũy kế giải ngân", ("disbursed", None)), leaf("Tỷ lệ giải ngân (%)", (RATE, "disbursed")),
            leaf("Nguyên nhân", ("x", "reason")))
    derived: Derived = {(RATE, "disbursed"): lambda get: pct(get(("disbursed", None)), get(("plan", None)))}
    sheet = "Biểu 01"
    wb, (w,) = xlsx_book(sheet)
    done_ = funding_report(w, tree, rows, derived, title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    top, table = done_.title.next_row, done_.table
    typo = rows[CODES.index("109")]
    return case(name, save_xlsx(wb, out_dir, name),
                "KH giao đầu năm | Điều chỉnh (+/-) (some negative, some blank) | KH sau điều chỉnh: the plan is the "
                "adjusted one (warning plan_superseded); Phong Thổ's adjusted plan is 150 above initial + adjustment "
                "(warning adjustment_mismatch); a Nguyên nhân column of text",
                expect(rows, tree, "funding", 2017, OCT_31),
                [("warning", "plan_superseded", sheet, header_cell(top, tree, table, ("x", "before"))),
                 ("warning", "adjustment_mismatch", sheet, table.at(typo, ("plan", None)))],
                DATED | {"plan_after_missing"}, meta(2017, OCT_31, "trieu_dong"))


def build_same_key_columns(out_dir: Path) -> CaseTwo:
    name = "same_key_columns"
    rng = random.Random(name)
    values = money(rng, CODES, CENTRAL)
    for v in values.values():  # a stale copy of the disbursement, left beside the current one
        v["x", "again"] = round(num(v["disbursed", "central_investment"]) * rng.uniform(0.75, 0.95), 1)  # type: ignore[operator]
    rows = district_rows(values)
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"),
            group("Vốn ĐTPT", leaf("Kế hoạch", ("plan", "central_investment")),
                  leaf("Giải ngân", ("disbursed", "central_investment")), leaf("Giải ngân", ("x", "again"))),
            group("Vốn sự nghiệp", leaf("Kế hoạch", ("plan", "central_recurrent")),
                  leaf("Giải ngân", ("disbursed", "central_recurrent"))))
    sheet = "Biểu 01"
    wb, (w,) = xlsx_book(sheet)
    done = funding_report(w, tree, rows, {}, title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    second = header_cell(done.title.next_row, tree, done.table, ("x", "again"))
    return case(name, save_xlsx(wb, out_dir, name),
                "sources over measures, and two 'Giải ngân' columns under Vốn ĐTPT with nothing to tell them apart: "
                "error same_key_columns at the second, only the first stored",
                expect(rows, tree, "funding", 2017, OCT_31), [("error", "same_key_columns", sheet, second)],
                (DATED - {"same_key_columns"}) | {"duplicate_key"}, meta(2017, OCT_31, "trieu_dong"))


# --- 17–21: tables ------------------------------------------------------------------------------------

TWO_TABLES_FUNDING = funding_tree_2("Kế hoạch vốn", "Giải ngân", CENTRAL)


def _two_tables(w: XlsxSheet, funding: list[Row], poverty: list[Row], *, title: str, as_of_text: str | None,
                poverty_title_text: str, hidden_old: list[Row] | None = None) -> tuple[int, int] | None:
    """Title block, funding table with a Cộng row, (hidden old table,) blank rows, a title line, poverty table
    with its own Cộng row, signature. Returns the hidden rows (first, last), if any."""
    f_tree = TWO_TABLES_FUNDING
    width = max(leaf_count(f_tree), leaf_count(POVERTY_TREE))
    block = write_title_block(w, width, title, as_of_text, UNIT_MILLION)
    w.merge(block.next_row, 1, "I. TÌNH HÌNH GIẢI NGÂN VỐN", 1, width, Style(bold=True, align="left"))
    f_table = write_table(w, block.next_row + 1, f_tree, funding, derived=funding_derived(CENTRAL), total="Cộng")
    row, hidden = f_table.end_row + 1, None
    if hidden_old is not None:
        first = row
        w.merge(row, 1, "Số liệu cũ (đã thay thế, không sử dụng)", 1, width, LEFT_ITALIC)
        old = write_table(w, row + 1, f_tree, hidden_old, derived=funding_derived(CENTRAL), total="Cộng")
        hidden = (first, old.end_row)
        row = old.end_row + 1
    row += 2  # two blank rows
    w.merge(row, 1, poverty_title_text, 1, width, Style(bold=True, align="left", caps=True))
    w.merge(row + 1, width - 2, "Đơn vị tính: hộ", 1, 3, RIGHT_ITALIC)
    p_table = write_table(w, row + 2, POVERTY_TREE, poverty, derived=POVERTY_DERIVED, total="Cộng",
                          number_format="#,##0")
    write_signature(w, p_table.end_row + 2, width)
    if hidden:
        hide_rows(w, *hidden)
    return hidden


def build_two_tables_one_sheet(out_dir: Path) -> CaseTwo:
    name = "two_tables_one_sheet"
    rng = random.Random(name)
    funding = district_rows(money(rng, CODES, CENTRAL))
    poverty = district_rows(poverty_values(rng, CODES))
    sheet = "Tổng hợp"
    wb, (w,) = xlsx_book(sheet)
    _two_tables(w, funding, poverty, title=f"BÁO CÁO KẾT QUẢ THỰC HIỆN {PROGRAMME} NĂM 2017",
                as_of_text=as_of_line(DEC_31), poverty_title_text="II. KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2017")
    return case(name, save_xlsx(wb, out_dir, name),
                "one sheet, two tables: funding (Cộng row), two blank rows, a title line, a poverty table with its "
                "own header and Cộng row; both read, each Cộng checked against its own table",
                merge_values(expect(funding, TWO_TABLES_FUNDING, "funding", 2017, DEC_31),
                             expect(poverty, POVERTY_TREE, "poverty", 2017, DEC_31)),
                [], DATED, meta(2017, DEC_31), {sheet: ["funding", "poverty"]})


def build_hidden_rows_and_column(out_dir: Path) -> CaseTwo:
    name = "hidden_rows_and_column"
    rng = random.Random(name)
    old = district_rows(money(rng, CODES, CENTRAL))
    values = money(rng, CODES, CENTRAL)
    for v in values.values():  # the plan before the mid-year decision, kept in a hidden column
        v["x", "old_plan"] = round(num(v["plan", "central_investment"]) * rng.uniform(0.8, 0.95), 1)  # type: ignore[operator]
    rows = district_rows(values)
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"),
            group("Kế hoạch vốn năm 2017", leaf("Tổng số", ("plan", TOTAL)),
                  leaf("Vốn ĐTPT", ("plan", "central_investment")), leaf("Vốn ĐTPT", ("x", "old_plan")),
                  leaf("Vốn sự nghiệp", ("plan", "central_recurrent"))),
            group("Giải ngân đến 31/10/2017", leaf("Tổng số", ("disbursed", TOTAL)),
                  leaf("Vốn ĐTPT", ("disbursed", "central_investment")),
                  leaf("Vốn sự nghiệp", ("disbursed", "central_recurrent"))),
            leaf("Tỷ lệ giải ngân (%)", (RATE, "disbursed")))
    sheet = "Biểu 01"
    wb, (w,) = xlsx_book(sheet)
    width = leaf_count(tree)
    block = write_title_block(w, width, funding_title(2017), as_of_line(OCT_31), UNIT_MILLION)
    first_hidden = block.next_row
    w.merge(first_hidden, 1, "Biểu cũ (số liệu đến 30/9/2017)", 1, width, LEFT_ITALIC)
    old_table = write_table(w, first_hidden + 1, funding_tree(2017, day(2017, 9, 30)), old,
                            derived=funding_derived(CENTRAL), total="Tổng cộng")
    last_hidden = old_table.end_row + 1  # and the blank row after it
    table = write_table(w, last_hidden + 1, tree, rows, derived=funding_derived(CENTRAL), total="Tổng cộng")
    write_signature(w, table.end_row + 2, width)
    hide_rows(w, first_hidden, last_hidden)
    w.ws.column_dimensions[ref(1, table.cols["x", "old_plan"]).rstrip("0123456789")].hidden = True
    return case(name, save_xlsx(wb, out_dir, name),
                "a superseded table (as of 30/9) in hidden rows between the title block and the current table, and "
                "a hidden column 'Vốn ĐTPT' (the old plan) inside the plan group: neither read, warning "
                "hidden_ignored", expect(rows, tree, "funding", 2017, OCT_31), [("warning", "hidden_ignored", sheet, None)],
                DATED | {"cumulative_decrease"}, meta(2017, OCT_31, "trieu_dong"))


def build_hidden_sheet(out_dir: Path) -> CaseTwo:
    name = "hidden_sheet"
    rng = random.Random(name)
    old = district_rows(money(rng, CODES, CENTRAL))
    rows = district_rows(money(rng, CODES, CENTRAL))
    sheets = ("Biểu 01 (cũ)", "Biểu 01")
    wb, (a, b) = xlsx_book(*sheets)
    sep_30 = day(2017, 9, 30)
    funding_report(a, funding_tree(2017, sep_30), old, funding_derived(CENTRAL), title=funding_title(2017),
                   as_of_text=as_of_line(sep_30))
    tree = funding_tree(2017, OCT_31)
    funding_report(b, tree, rows, funding_derived(CENTRAL), title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    a.ws.sheet_state = "hidden"
    wb.active = 1
    return case(name, save_xlsx(wb, out_dir, name),
                "a hidden first sheet 'Biểu 01 (cũ)' with the September version, the visible 'Biểu 01' as of "
                "31/10/2017: the hidden one not read (warning hidden_sheet_ignored)",
                expect(rows, tree, "funding", 2017, OCT_31), [("warning", "hidden_sheet_ignored", sheets[0], None)],
                DATED | {"cumulative_decrease"},
                {"sheets": {sheets[1]: {"year": 2017, "as_of": OCT_31.isoformat(), "unit": "trieu_dong"}}})


def build_transposed_poverty(out_dir: Path) -> CaseTwo:
    name = "transposed_poverty"
    figures = poverty_values(random.Random(name), CODES)

    def line(measure: str) -> dict[Any, Value]:
        return {("d", c): num(figures[c][measure, None]) for c in CODES}

    households, poor, near = line("households"), line("poor_households"), line("near_poor_households")
    total = {m: sum(num(figures[c][m, None]) or 0 for c in CODES) for m in ("households", "poor_households")}
    rates: dict[Any, Value] = {("d", c): round(pct(num(poor["d", c]), num(households["d", c])) or 0, 1) for c in CODES}
    rates["d", TOTAL] = round(total["poor_households"] / total["households"] * 100, 1)
    rows = [Row("Tổng số hộ", {**households, ("x", "unit"): Raw("Hộ", None)}, stt=1, code="households"),
            Row("Số hộ nghèo", {**poor, ("x", "unit"): Raw("Hộ", None)}, stt=2, code="poor_households"),
            Row("Tỷ lệ hộ nghèo (%)", {**rates, ("x", "unit"): Raw("%", None)}, stt=3, code=None),
            Row("Số hộ cận nghèo", {**near, ("x", "unit"): Raw("Hộ", None)}, stt=4, code="near_poor_households")]
    tree = (leaf("STT", "stt"), leaf("Chỉ tiêu", "name"), leaf("ĐVT", ("x", "unit")),
            group("Chia theo huyện, thành phố", *(leaf(SHORT[c], ("d", c)) for c in CODES)),
            leaf("Toàn tỉnh", ("d", TOTAL)))
    derived: Derived = {("d", TOTAL): sum_of([("d", c) for c in CODES])}
    wb, (w,) = xlsx_book("Biểu 2")
    width = leaf_count(tree)
    block = write_title_block(w, width, poverty_title(2017), as_of_line(DEC_31), None)
    table = write_table(w, block.next_row, tree, rows, derived=derived, number_format="#,##0",
                        formats={("d", c): "#,##0" for c in (*CODES, TOTAL)})
    for col in table.cols.values():  # the rate row shows its decimal
        if col > 3:
            w.ws.cell(row=table.rows[rows[2]], column=col).number_format = "0.0"
    write_signature(w, table.end_row + 2, width)
    values: Values = {}
    for row in rows:
        if row.code is None:
            continue
        for c in CODES:
            values["poverty", c, 2017, DEC_31.isoformat(), None, row.code] = float(num(row.values["d", c]) or 0)
    return case(name, save_xlsx(wb, out_dir, name),
                "poverty table transposed: indicators as rows (Tổng số hộ, Số hộ nghèo, Tỷ lệ hộ nghèo (%), Số hộ "
                "cận nghèo) with an ĐVT column, the 8 districts as columns under 'Chia theo huyện, thành phố', "
                "Toàn tỉnh on the right", values, [], CLEAN, meta(2017, DEC_31))


def build_per_source_rates(out_dir: Path) -> CaseTwo:
    name = "per_source_rates"
    done: dict[str | None, tuple[float, float]] = {"central_investment": (0.3, 0.5), "central_recurrent": (0.7, 0.9)}
    rows = district_rows(money(random.Random(name), CODES, CENTRAL, done=done))

    def source(s: str, text: str) -> Col:
        return group(text, leaf("Kế hoạch", ("plan", s)), leaf("Giải ngân", ("disbursed", s)),
                     leaf("Tỷ lệ GN (%)", (RATE, "disbursed", s)))

    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"), source("central_investment", "Vốn ĐTPT"),
            source("central_recurrent", "Vốn sự nghiệp"),
            group("Tổng số", leaf("Kế hoạch", ("plan", TOTAL)), leaf("Giải ngân", ("disbursed", TOTAL)),
                  leaf("Tỷ lệ GN (%)", (RATE, "disbursed"))))
    derived = funding_derived(CENTRAL)
    derived.update({(RATE, "disbursed", s): source_rate(s) for s in CENTRAL})
    wb, (w,) = xlsx_book("Biểu 01")
    funding_report(w, tree, rows, derived, title=funding_title(2017), as_of_text=as_of_line(OCT_31))
    return case(name, save_xlsx(wb, out_dir, name),
                "sources over measures with a 'Tỷ lệ GN (%)' under Vốn ĐTPT, under Vốn sự nghiệp and under Tổng số, "
                "each its own disbursed/plan (ĐTPT ~40%, SN ~80%): no rate_mismatch",
                expect(rows, tree, "funding", 2017, OCT_31), [], DATED, meta(2017, OCT_31, "trieu_dong"))


# --- 22: CSV encodings --------------------------------------------------------------------------------

def build_csv_windows_1258(out_dir: Path) -> CaseTwo:
    name = "csv_windows_1258"
    rows = district_rows(money(random.Random(name), CODES, CENTRAL_LOCAL))
    w = GridSheet(encode=cp1258_text)
    tree = funding_tree(2017, OCT_31, CENTRAL_LOCAL)
    funding_report(w, tree, rows, funding_derived(CENTRAL_LOCAL), title=funding_title(2017),
                   as_of_text=as_of_line(OCT_31))
    path = save_csv(w.rows(), out_dir / f"{name}.csv", encoding="cp1258")
    return case(name, path, "CSV in Windows-1258 (letters with combining tone marks, as Windows writes them): read, "
                "warning csv_encoding", expect(rows, tree, "funding", 2017, OCT_31),
                [("warning", "csv_encoding", None, None)], DATED, meta(2017, OCT_31, "trieu_dong"))


def build_csv_utf16(out_dir: Path) -> CaseTwo:
    name = "csv_utf16"
    rows = district_rows(money(random.Random(name), CODES, CENTRAL))
    w = GridSheet()
    tree = funding_tree(2017, OCT_31)
    funding_report(w, tree, rows, funding_derived(CENTRAL), title=funding_title(2017),
                   as_of_text=as_of_line(OCT_31))
    path = save_csv_utf16(w.rows(), out_dir / f"{name}.csv")
    return case(name, path, "CSV as Excel's 'Unicode text': UTF-16 LE with a byte-order mark, tab-separated: read, "
                "warning csv_encoding", expect(rows, tree, "funding", 2017, OCT_31),
                [("warning", "csv_encoding", None, None)], DATED, meta(2017, OCT_31, "trieu_dong"))


# --- 23+: combined ------------------------------------------------------------------------------------

def build_combined_quarter_abbreviations(out_dir: Path) -> CaseTwo:
    name = "combined_quarter_abbreviations"
    rng = random.Random(name)
    as_of = day(2017, 9, 30)
    sources = ("central", "local")
    values = money(rng, CODES, sources, unit="nghin_dong")
    notes = {"108": "Đã giao bổ sung", "112": "Chưa phân bổ hết"}
    for code, v in values.items():
        v["x", "dtts"] = int(round(num(v["disbursed", "central"]) * rng.uniform(0.55, 0.9)))  # type: ignore[operator]
        if code in notes:
            v["x", "note"] = Raw(notes[code], None)
    rows = district_rows(values, {"105": "TP. Lai Châu", "106": "H. Tam Đường"})
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"),
            group("KH vốn năm 2017", leaf("Tổng số", ("plan", TOTAL)), leaf("NSTW", ("plan", "central")),
                  leaf("NSĐP", ("plan", "local"))),
            group("Lũy kế GN", leaf("Tổng số", ("disbursed", TOTAL)), leaf("NSTW", ("disbursed", "central")),
                  leaf("Trong đó: hộ DTTS", ("x", "dtts")), leaf("NSĐP", ("disbursed", "local"))),
            leaf("Tỷ lệ GN (%)", (RATE, "disbursed")), leaf("Ghi chú", ("x", "note")))
    sheet = "BC Quý III"
    wb, (w,) = xlsx_book(sheet)
    done = funding_report(w, tree, rows, funding_derived(sources), unit="ĐVT: nghìn đồng",
                          title=f"BÁO CÁO TÌNH HÌNH THỰC HIỆN VỐN {PROGRAMME} NĂM 2017",
                          as_of_text="(Số liệu đến hết Quý III năm 2017)", total_on_top=True, number_format="#,##0",
                          date_line="Lai Châu, ngày 06 tháng 10 năm 2017")
    dtts = header_cell(done.title.next_row, tree, done.table, ("x", "dtts"))
    return case(name, save_xlsx(wb, out_dir, name),
                "as of 'hết Quý III năm 2017' (30/9/2017), nghìn đồng, KH vốn | Lũy kế GN over Tổng số | NSTW "
                "(undivided) | NSĐP, 'Trong đó: hộ DTTS' under GN (not stored), Tổng cộng on top, Ghi chú, "
                "messy names, a signature date", expect(rows, tree, "funding", 2017, as_of, scale=MONEY_UNITS["nghin_dong"]),
                [("warning", "of_which_ignored", sheet, dtts)], DATED | {"unknown_source"},
                meta(2017, as_of, "nghin_dong"))


def build_combined_two_tables_hidden_sheet_year(out_dir: Path) -> CaseTwo:
    name = "combined_two_tables_hidden_sheet_year"
    rng = random.Random(name)
    old = district_rows(money(rng, CODES, CENTRAL))
    funding = district_rows(money(rng, CODES, CENTRAL))
    poverty = district_rows(poverty_values(rng, CODES))
    sheet = "Năm 2018"
    wb, (w,) = xlsx_book(sheet)
    _two_tables(w, funding, poverty, title=f"BÁO CÁO KẾT QUẢ THỰC HIỆN {PROGRAMME}", as_of_text=None,
                poverty_title_text="II. KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO", hidden_old=old)
    end = day(2018, 12, 31)
    return case(name, save_xlsx(wb, out_dir, name),
                "sheet 'Năm 2018' (the year nowhere else, no date): a funding table, an old version of it in hidden "
                "rows, a title line and a poverty table with its own Cộng row; funding error as_of_unknown (dated "
                "31/12/2018 for now), poverty as of 31/12/2018",
                merge_values(expect(funding, TWO_TABLES_FUNDING, "funding", 2018, end),
                             expect(poverty, POVERTY_TREE, "poverty", 2018, end)),
                [("error", "as_of_unknown", sheet, None), ("warning", "hidden_ignored", sheet, None)],
                CLEAN | {"context_conflict"}, {"year": 2018},
                {sheet: ["funding", "poverty"]})


def build_combined_month_adjusted_rates(out_dir: Path) -> CaseTwo:
    name = "combined_month_adjusted_rates"
    rng = random.Random(name)
    values: dict[str, dict[Any, Value]] = {}
    for i, code in enumerate(CODES):
        before = round(rng.uniform(8, 32), 3)
        adjust = None if i % 3 == 0 else round(rng.uniform(-1.5, 2.5), 3)
        after = round(before + (adjust or 0), 3)
        recurrent = round(rng.uniform(2.5, 9), 3)
        values[code] = {("x", "before"): before, ("x", "adjust"): adjust, ("plan", "central_investment"): after,
                        ("disbursed", "central_investment"): round(after * rng.uniform(0.3, 0.6), 3),
                        ("plan", "central_recurrent"): recurrent,
                        ("disbursed", "central_recurrent"): round(recurrent * rng.uniform(0.6, 0.9), 3)}
        if i in (2, 5):
            values[code]["x", "note"] = Raw("Điều chỉnh theo QĐ số 1025/QĐ-UBND", None)
    rows = district_rows(values)
    tree = (leaf("STT", "stt"), leaf("Đơn vị", "name"),
            group("Vốn ĐTPT", leaf("KH giao đầu năm", ("x", "before")), leaf("Điều chỉnh (+/-)", ("x", "adjust")),
                  leaf("KH sau điều chỉnh", ("plan", "central_investment")),
                  leaf("Giải ngân", ("disbursed", "central_investment")),
                  leaf("Tỷ lệ GN (%)", (RATE, "disbursed", "central_investment"))),
            group("Vốn sự nghiệp", leaf("Kế hoạch", ("plan", "central_recurrent")),
                  leaf("Giải ngân", ("disbursed", "central_recurrent")),
                  leaf("Tỷ lệ GN (%)", (RATE, "disbursed", "central_recurrent"))),
            leaf("Ghi chú", ("x", "note")))
    derived: Derived = {(RATE, "disbursed", s): source_rate(s) for s in CENTRAL}
    sheet = "T10"
    wb, (w,) = xlsx_book(sheet)
    done = funding_report(w, tree, rows, derived, unit="ĐVT: tỷ đồng", number_format="#,##0.000",
                          title=f"BÁO CÁO THÁNG 10/2017 VỀ TÌNH HÌNH GIẢI NGÂN VỐN {PROGRAMME}", as_of_text=None,
                          fmt=lambda key, x: round(x, 1 if key[0] == RATE else 3))
    initial = header_cell(done.title.next_row, tree, done.table, ("x", "before"))
    return case(name, save_xlsx(wb, out_dir, name),
                "'BÁO CÁO THÁNG 10/2017' in the title (as of 31/10/2017), tỷ đồng, sources over measures: ĐTPT with "
                "KH giao đầu năm | Điều chỉnh | KH sau điều chỉnh (all consistent) and a per-source Tỷ lệ GN against "
                "the adjusted plan; SN with a lone Kế hoạch; Ghi chú",
                expect(rows, tree, "funding", 2017, OCT_31, scale=MONEY_UNITS["ty_dong"]),
                [("warning", "plan_superseded", sheet, initial)],
                DATED | {"adjustment_mismatch", "plan_after_missing"},
                meta(2017, OCT_31, "ty_dong"))


ROUND_TWO_CASES: list[Callable[[Path], CaseTwo]] = [
    build_as_of_end_of_month, build_as_of_quarter, build_as_of_six_months, build_as_of_nine_months,
    build_as_of_estimate, build_date_cell_labelled, build_date_cell_bare, build_year_in_sheet_name_poverty,
    build_year_in_sheet_name_funding, build_context_conflict_sheet_name, build_context_conflict_header_date,
    build_abbreviations_nstw_nsdp, build_projects_by_district_kh_gn, build_nstw_parent_and_children,
    build_of_which_poverty, build_poverty_start_end, build_plan_adjusted, build_same_key_columns,
    build_two_tables_one_sheet, build_hidden_rows_and_column, build_hidden_sheet, build_transposed_poverty,
    build_per_source_rates, build_csv_windows_1258, build_csv_utf16, build_combined_quarter_abbreviations,
    build_combined_two_tables_hidden_sheet_year, build_combined_month_adjusted_rates,
]


def build_all(out_dir: Path) -> list[CaseTwo]:
    return [build(Path(out_dir)) for build in ROUND_TWO_CASES]

