"""Hand-made district reports, built in code, each with the result a reader must get from it.

Every ``build_<name>(out_dir)`` writes one file and returns a ``Case``. Conventions:

- ``expected_totals``: (dataset, district_code, measure) → the sum of the values of the records the
  reader must produce, in million VND (funding) or households (poverty). Total rows and columns, group
  rows, "Tổng số" columns and rates are checks, never records. Compare with ``pytest.approx``.
- A value is counted when its district is known, even where an error names it (negative_value,
  poor_above_households, year_out_of_range: the record is made, the error blocks the import). Not
  counted: rows of units that are not Lai Châu districts, cells that are not numbers (bad_number), and
  the second of two rows for one district in one sheet (the first wins). Blank cells and dashes are
  nothing or zero: the totals are the same either way. A file with several sheets adds its sheets up,
  also when they are the same figures at two dates.
- ``expected_issues``: (severity, code, sheet, cell) that must be among the reader's issues; other
  issues may appear too. ``cell`` is None when the issue is about a sheet or the file.
- ``expected_meta``: "year", "as_of" (ISO date) and "unit" (a money unit of data/reference/units.csv;
  absent where a sheet holds household counts) for the whole file; "sheets" maps a sheet name to the
  keys that differ on that sheet.

Figures are illustrative, drawn from a ``random.Random`` seeded with the case name.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.reference import components, districts

from .sheets import (
    CAPS_BOLD,
    CENTER_BOLD,
    CENTER_ITALIC,
    DEPT,
    ORG,
    PLAIN,
    RATE,
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
    TitleBlock,
    Totals,
    Value,
    XlsSheet,
    add,
    as_of_line,
    funding_title,
    group,
    leaf,
    leaf_count,
    merge_totals,
    num,
    pct,
    plain,
    poverty_title,
    save_csv,
    save_xlsx,
    to_nfd,
    to_tcvn3,
    to_vni,
    totals,
    vn_text,
    write_signature,
    write_table,
    write_title_block,
    xlsx_book,
)

ERROR_CODES = frozenset({
    "unknown_district", "bad_number", "negative_value", "year_out_of_range", "poor_above_households",
    "duplicate_row", "unreadable_file", "password_protected", "no_table",
})
WARNING_CODES = frozenset({
    "total_mismatch", "disbursed_above_plan", "rate_mismatch", "ambiguous_number", "fuzzy_district",
    "sheet_skipped", "cumulative_decrease",
})
MONEY_UNITS = {"dong": 1e-6, "nghin_dong": 1e-3, "trieu_dong": 1.0, "ty_dong": 1e3}

IssueSpec = tuple[str, str, str | None, str | None]


@dataclass(frozen=True)
class Case:
    """One corpus file and what a reader must make of it."""

    name: str
    path: Path
    description: str
    expected_totals: Totals
    expected_issues: list[IssueSpec]
    expected_meta: dict[str, Any]


class CaseUnavailable(RuntimeError):
    """A case cannot be built on this machine (a writer library is missing)."""


# --- the two report shapes: funding by source, poverty review -----------------------------------

CODES = tuple(districts())
CENTRAL = ("central_investment", "central_recurrent")
CENTRAL_LOCAL = (*CENTRAL, "local")
SOURCE_LABEL = {
    "central_investment": "Vốn ĐTPT", "central_recurrent": "Vốn sự nghiệp", "local": "Vốn đối ứng địa phương",
    "integrated": "Vốn lồng ghép", "mobilised": "Vốn huy động",
}
PLAN_RANGE = {  # million VND a district gets in a year, by source (illustrative)
    "central_investment": (8_000, 32_000), "central_recurrent": (2_500, 9_000), "local": (300, 1_800),
    "integrated": (600, 4_500), "mobilised": (100, 900),
}


def funding_tree(year: int, as_of: dt.date, sources: tuple[str, ...] = CENTRAL, *,
                 name_header: str = "Đơn vị") -> tuple[Col, ...]:
    """STT | Đơn vị | Kế hoạch (Tổng số, sources…) | Giải ngân (…) | Tỷ lệ: two header rows."""
    def measure(m: str, text: str) -> Col:
        return group(text, leaf("Tổng số", (m, TOTAL)), *(leaf(SOURCE_LABEL[s], (m, s)) for s in sources))

    return (leaf("STT", "stt"), leaf(name_header, "name"), measure("plan", f"Kế hoạch vốn năm {year}"),
            measure("disbursed", f"Giải ngân đến {as_of:%d/%m/%Y}"), leaf("Tỷ lệ giải ngân (%)", (RATE, "disbursed")))


def funding_tree_3(plan_header: str, disbursed_header: str, *, name_header: str = "Tên đơn vị",
                   labels: tuple[str, str, str, str] = ("Ngân sách trung ương", "ĐTPT", "Sự nghiệp", "Ngân sách địa phương"),
                   rate_header: str = "Tỷ lệ giải ngân (%)") -> tuple[Col, ...]:
    """Three header rows: measure > (Tổng số, central > (investment, recurrent), local)."""
    central, investment, recurrent, local = labels

    def measure(m: str, text: str) -> Col:
        return group(text, leaf("Tổng số", (m, TOTAL)),
                     group(central, leaf(investment, (m, "central_investment")), leaf(recurrent, (m, "central_recurrent"))),
                     leaf(local, (m, "local")))

    return (leaf("STT", "stt"), leaf(name_header, "name"), measure("plan", plan_header),
            measure("disbursed", disbursed_header), leaf(rate_header, (RATE, "disbursed")))


def sum_of(keys: list[Any]) -> Callable[[Callable[[Any], float | None]], float | None]:
    """A derived column: the sum of the given columns of the same row."""
    return lambda get: add(get(k) for k in keys)


def funding_derived(sources: tuple[str, ...]) -> Derived:
    return {("plan", TOTAL): sum_of([("plan", s) for s in sources]),
            ("disbursed", TOTAL): sum_of([("disbursed", s) for s in sources]),
            (RATE, "disbursed"): lambda get: pct(get(("disbursed", TOTAL)), get(("plan", TOTAL)))}


def funding_values(rng: random.Random, codes: tuple[str, ...], sources: tuple[str, ...],
                   unit: str = "trieu_dong") -> dict[str, dict[Any, Value]]:
    """Plan and disbursement by district and source, as written in ``unit``."""
    def written(million: float) -> float | int:
        if unit == "dong":
            return int(round(round(million, 3) * 1_000_000))
        if unit == "nghin_dong":
            return int(round(million * 1_000))
        if unit == "ty_dong":
            return round(million / 1_000, 3)
        return round(million, 1)

    out: dict[str, dict[Any, Value]] = {}
    for code in codes:
        values: dict[Any, Value] = {}
        for s in sources:
            plan = rng.uniform(*PLAN_RANGE[s])
            values["plan", s] = written(plan)
            values["disbursed", s] = written(plan * rng.uniform(0.3, 0.85))
        out[code] = values
    return out


def project_rows(component_row: Callable[[str, object], Row]) -> list[Row]:
    """The rows of a report by project: projects I and II over their sub-projects, then projects III–V."""
    return [
        Row(components()["1"].name_vi, stt="I", code="1",
            children=[component_row(c, i) for i, c in enumerate(("1.1", "1.3", "1.4"), 1)]),
        Row(components()["2"].name_vi, stt="II", code="2",
            children=[component_row(c, i) for i, c in enumerate(("2.1", "2.2", "2.3"), 1)]),
        component_row("3", "III"), component_row("4", "IV"), component_row("5", "V"),
    ]


def district_rows(values: dict[str, dict[Any, Value]], names: dict[str, str] | None = None) -> list[Row]:
    """One row per district, numbered 1, 2, …, named officially unless ``names`` says otherwise."""
    names = names or {}
    return [Row(names.get(code, districts()[code].name_vi), dict(v), stt=i, code=code)
            for i, (code, v) in enumerate(values.items(), 1)]


POVERTY_TREE = (
    leaf("STT", "stt"), leaf("Đơn vị", "name"), leaf("Tổng số hộ", ("households", None)),
    group("Hộ nghèo", leaf("Số hộ", ("poor_households", None)), leaf("Tỷ lệ (%)", (RATE, "poor_households"))),
    group("Hộ cận nghèo", leaf("Số hộ", ("near_poor_households", None)), leaf("Tỷ lệ (%)", (RATE, "near_poor_households"))),
    leaf("Số hộ thoát nghèo", ("escaped_poverty", None)), leaf("Số hộ tái nghèo", ("fallen_back", None)),
    leaf("Số hộ nghèo phát sinh", ("newly_poor", None)),
)
POVERTY_DERIVED: Derived = {
    (RATE, "poor_households"): lambda get: pct(get(("poor_households", None)), get(("households", None))),
    (RATE, "near_poor_households"): lambda get: pct(get(("near_poor_households", None)), get(("households", None))),
}
HOUSEHOLDS = {"105": 9_650, "106": 12_480, "107": 9_870, "108": 16_820, "109": 16_190, "110": 14_650,
              "111": 12_350, "112": 6_660}
POOR_RATE = {"105": 4.0, "106": 26.0, "107": 54.0, "108": 46.0, "109": 43.0, "110": 24.0, "111": 27.0, "112": 49.0}


def poverty_values(rng: random.Random, codes: tuple[str, ...]) -> dict[str, dict[Any, Value]]:
    """Review results by district: households, poor, near-poor and the year's movements."""
    out: dict[str, dict[Any, Value]] = {}
    for code in codes:
        households = HOUSEHOLDS[code] + rng.randint(-150, 150)
        poor = round(households * POOR_RATE[code] / 100 * rng.uniform(0.95, 1.05))
        out[code] = {
            ("households", None): households, ("poor_households", None): poor,
            ("near_poor_households", None): round(households * rng.uniform(0.07, 0.13)),
            ("escaped_poverty", None): round(poor * rng.uniform(0.12, 0.2)),
            ("fallen_back", None): round(poor * rng.uniform(0.004, 0.012)),
            ("newly_poor", None): round(poor * rng.uniform(0.03, 0.06)),
        }
    return out


@dataclass(frozen=True)
class Written:
    title: TitleBlock
    table: Table


def report_sheet(w: Sheet, tree: tuple[Col, ...], rows: list[Row], derived: Derived, *, title: str,
                 as_of_text: str | None, unit: str | None, number: str | None = None, date_line: str | None = None,
                 recipients: bool = False, **table: Any) -> Written:
    """Title block, table and signature block: one whole report on a sheet."""
    width = leaf_count(tree)
    block = write_title_block(w, width, title, as_of_text, unit, number=number)
    written = write_table(w, block.next_row, tree, rows, derived=derived, **table)
    write_signature(w, written.end_row + 2, width, date_line=date_line, recipients=recipients)
    return Written(block, written)


def funding_sheet(w: Sheet, rows: list[Row], *, year: int, as_of: dt.date, sources: tuple[str, ...] = CENTRAL,
                  unit: str = UNIT_MILLION, tree: tuple[Col, ...] | None = None, **kw: Any) -> Written:
    """A disbursement report by district and source."""
    kw.setdefault("total", "Tổng cộng")
    kw.setdefault("numbering", True)
    kw.setdefault("title", funding_title(year))
    kw.setdefault("as_of_text", as_of_line(as_of))
    return report_sheet(w, tree or funding_tree(year, as_of, sources), rows, funding_derived(sources), unit=unit, **kw)


def poverty_sheet(w: Sheet, rows: list[Row], *, year: int, **kw: Any) -> Written:
    """A poverty review report by district, as of 31 December."""
    kw.setdefault("total", "Toàn tỉnh")
    kw.setdefault("total_on_top", True)
    kw.setdefault("number_format", "#,##0")
    return report_sheet(w, POVERTY_TREE, rows, POVERTY_DERIVED, title=poverty_title(year),
                        as_of_text=as_of_line(dt.date(year, 12, 31)), unit="Đơn vị tính: hộ", **kw)


def meta(year: int, as_of: dt.date | None = None, unit: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"year": year}
    if as_of:
        out["as_of"] = as_of.isoformat()
    if unit:
        out["unit"] = unit
    out.update(extra)
    return out


OCT_31 = dt.date(2017, 10, 31)
DEC_31 = dt.date(2017, 12, 31)


# --- the cases ----------------------------------------------------------------------------------

def build_districts_by_source(out_dir: Path) -> Case:
    name = "districts_by_source"
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL))
    wb, (w,) = xlsx_book("Biểu 01")
    funding_sheet(w, rows, year=2017, as_of=OCT_31)
    return Case(name, save_xlsx(wb, out_dir, name),
                "8 districts × (plan, disbursed) × (ĐTPT, sự nghiệp); 2 merged header rows, numbering row, "
                "Tổng số columns and a Tổng cộng row at the bottom (all correct)",
                totals(rows, "funding"), [], meta(2017, OCT_31, "trieu_dong"))


def build_total_row_on_top(out_dir: Path) -> Case:
    name = "total_row_on_top"
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL, unit="dong"))
    wb, (w,) = xlsx_book("TH giải ngân")
    funding_sheet(w, rows, year=2017, as_of=OCT_31, unit="Đơn vị tính: đồng", total="TOÀN TỈNH",
                  total_on_top=True, numbering=False, number_format="#,##0")
    return Case(name, save_xlsx(wb, out_dir, name),
                "TOÀN TỈNH row directly under the headers (no numbering row); amounts in đồng",
                totals(rows, "funding", scale=MONEY_UNITS["dong"]), [], meta(2017, OCT_31, "dong"))


def build_three_header_rows(out_dir: Path) -> Case:
    name = "three_header_rows"
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL_LOCAL))
    tree = funding_tree_3("Kế hoạch vốn 2017", "Giải ngân đến 31/10/2017")
    wb, (w,) = xlsx_book("Biểu 02")
    funding_sheet(w, rows, year=2017, as_of=OCT_31, sources=CENTRAL_LOCAL, tree=tree, numbering=False)
    return Case(name, save_xlsx(wb, out_dir, name),
                "3 header rows: measure > Ngân sách trung ương > ĐTPT | Sự nghiệp, Ngân sách địa phương over rows "
                "2–3, STT and Tên đơn vị over all 3",
                totals(rows, "funding"), [], meta(2017, OCT_31, "trieu_dong"))


def build_text_numbers_vn(out_dir: Path) -> Case:
    name = "text_numbers_vn"
    rng = random.Random(name)
    # Plan ĐTPT: '.' groups thousands, as "2.345,6" and "15.000,25" show, so "1.234" is 1234.
    investment = {"105": Raw("-", None), "106": Raw("2.345,6", 2345.6), "107": Raw("15.000,25", 15000.25),
                  "108": Raw("1.234", 1234.0), "109": Raw("12.870,5", 12870.5), "110": Raw("9.432,75", 9432.75),
                  "111": None, "112": Raw("7.015", 7015.0)}
    # Plan sự nghiệp: whole numbers without separators, and one "1.5" that can only be a decimal point.
    recurrent = {"105": 2345, "106": 980, "107": 4120, "108": 3310, "109": 2875, "110": 1.5, "111": 3050, "112": 1960}
    values: dict[str, dict[Any, Value]] = {}
    for code in CODES:
        inv, rec = investment[code], recurrent[code]
        inv_done = None if num(inv) is None else round(num(inv) * rng.uniform(0.3, 0.8), 1)  # type: ignore[operator]
        rec_done = round(rec * rng.uniform(0.3, 0.8), 1)
        values[code] = {
            ("plan", "central_investment"): inv,
            ("plan", "central_recurrent"): Raw(str(rec), rec),
            ("disbursed", "central_investment"): Raw("-", None) if inv_done is None else Raw(vn_text(inv_done, 1), inv_done),
            ("disbursed", "central_recurrent"): Raw(vn_text(rec_done, 1), rec_done),
        }
    rows = district_rows(values)
    wb, (w,) = xlsx_book("Biểu 01")
    text = funding_sheet(w, rows, year=2017, as_of=OCT_31,
                         fmt=lambda key, x: vn_text(x, 1 if key[0] == RATE else 2))
    ambiguous = text.table.at(rows[CODES.index("110")], ("plan", "central_recurrent"))
    return Case(name, save_xlsx(wb, out_dir, name),
                "every number typed as text with Vietnamese separators ('1.234,5'), '-' and blanks; '1.234' read "
                "from its column as 1234; a lone '1.5' among whole numbers is ambiguous",
                totals(rows, "funding"), [("warning", "ambiguous_number", "Biểu 01", ambiguous)],
                meta(2017, OCT_31, "trieu_dong"))


def build_names_messy(out_dir: Path) -> Case:
    name = "names_messy"
    rng = random.Random(name)
    funding_names = dict(zip(CODES, ["TP. LAI CHÂU", "H.Tam Đường", "huyen Muong Te", "SÌN HỒ", "Phong Tho",
                                     "Than Uyen", "Huyện Tân Uyên ", "Nậm Nhìn"]))
    funding = district_rows(funding_values(rng, CODES, CENTRAL), funding_names)
    # Misspelt beyond folding: matched by rapidfuzz (WRatio on folded text, ~92–96 against a threshold of 88).
    fuzzy = {"107": "Muong Teh", "108": "Huyen Sinh Ho", "112": "Nam Nhunn", "106": "Tam Duongg"}
    first = district_rows(poverty_values(rng, ("107", "108", "109", "112")), {**fuzzy, "109": "Huyên Phong Thô"})
    second = district_rows(poverty_values(rng, ("105", "106", "110", "111")), {**fuzzy, "110": "Than Uyên"})
    stranger = Row("Huyện Điện Biên Đông", poverty_values(rng, ("109",))["109"], code=None)  # Điện Biên province
    second.insert(2, stranger)
    for i, row in enumerate(second, 1):
        row.stt = i
    sheets = ("Giải ngân", "Rà soát (1)", "Rà soát (2)")
    wb, ws = xlsx_book(*sheets)
    funding_sheet(ws[0], funding, year=2017, as_of=OCT_31)
    a = poverty_sheet(ws[1], first, year=2017, total="Cộng", total_on_top=False).table
    b = poverty_sheet(ws[2], second, year=2017, total="Cộng", total_on_top=False).table
    issues: list[IssueSpec] = [("warning", "fuzzy_district", sheets[1], a.at(r, "name")) for r in first if r.code in fuzzy]
    issues += [("warning", "fuzzy_district", sheets[2], b.at(r, "name")) for r in second if r.code in fuzzy]
    issues.append(("error", "unknown_district", sheets[2], b.at(stranger, "name")))
    poverty_meta = {"as_of": DEC_31.isoformat()}
    return Case(name, save_xlsx(wb, out_dir, name),
                "district names in every style (capitals, no accents, 'H.', 'TP.', trailing space, Nậm Nhìn), "
                "misspellings for the fuzzy matcher, and a unit from another province",
                merge_totals(totals(funding, "funding"), totals(first, "poverty"), totals(second, "poverty")),
                issues, meta(2017, sheets={sheets[0]: {"as_of": OCT_31.isoformat(), "unit": "trieu_dong"},
                                           sheets[1]: poverty_meta, sheets[2]: poverty_meta}))


def build_unit_nghin_dong(out_dir: Path) -> Case:
    name = "unit_nghin_dong"
    rng = random.Random(name)
    thousands = district_rows(funding_values(rng, CODES[:4], CENTRAL, unit="nghin_dong"))
    billions = district_rows(funding_values(rng, CODES[4:], CENTRAL, unit="ty_dong"))
    wb, (a, b) = xlsx_book("Biểu 01a", "Biểu 01b")
    funding_sheet(a, thousands, year=2017, as_of=OCT_31, unit="Đơn vị tính: nghìn đồng", number_format="#,##0")
    funding_sheet(b, billions, year=2017, as_of=OCT_31, unit="ĐVT: tỷ đồng", number_format="#,##0.000",
                  fmt=lambda key, x: round(x, 1 if key[0] == RATE else 3))
    return Case(name, save_xlsx(wb, out_dir, name),
                "one sheet in nghìn đồng (÷1000), another in tỷ đồng ('ĐVT:', ×1000), different districts",
                merge_totals(totals(thousands, "funding", scale=MONEY_UNITS["nghin_dong"]),
                             totals(billions, "funding", scale=MONEY_UNITS["ty_dong"])), [],
                meta(2017, OCT_31, sheets={"Biểu 01a": {"unit": "nghin_dong"}, "Biểu 01b": {"unit": "ty_dong"}}))


COMPONENT_RANGE = {"1.1": (15_000, 30_000), "1.3": (4_000, 9_000), "1.4": (150, 600), "2.1": (8_000, 16_000),
                   "2.2": (2_000, 5_000), "2.3": (200, 700), "3": (800, 2_500), "4": (80, 300), "5": (80, 300)}


def build_projects_rows_districts_columns(out_dir: Path) -> Case:
    name = "projects_rows_districts_columns"
    rng = random.Random(name)
    cols = {"106": "Huyện Tam Đường", "107": "Huyện Mường Tè", "108": "Huyện Sìn Hồ", "112": "Huyện Nậm Nhùn"}
    # What a district has none of: Tam Đường is no 30a district; 30a districts have no Dự án 3 communes.
    none_of = {"106": ("1.1", "1.3", "1.4")}

    def component_row(code: str, stt: object) -> Row:
        values: dict[Any, Value] = {}
        for d in cols:
            if code in none_of.get(d, ("3",)):
                values[d, "plan"] = values[d, "disbursed"] = Raw("-", None)
                continue
            plan = round(rng.uniform(*COMPONENT_RANGE[code]), 1)
            values[d, "plan"], values[d, "disbursed"] = plan, round(plan * rng.uniform(0.25, 0.8), 1)
        return Row(components()[code].name_vi, values, stt=stt, code=code)

    rows = project_rows(component_row)
    tree = (leaf("STT", "stt"), leaf("Nội dung", "name"),
            *(group(label, leaf("Kế hoạch", (d, "plan")), leaf("Giải ngân", (d, "disbursed")))
              for d, label in {TOTAL: "Tổng số", **cols}.items()))
    derived: Derived = {(TOTAL, m): sum_of([(d, m) for d in cols]) for m in ("plan", "disbursed")}
    wb, (w,) = xlsx_book("Theo dự án")
    report_sheet(w, tree, rows, derived, title=funding_title(2017), as_of_text=as_of_line(OCT_31), unit=UNIT_MILLION,
                 total="TỔNG CỘNG", total_on_top=True)
    return Case(name, save_xlsx(wb, out_dir, name),
                "rows are projects (I, II … group rows) and sub-projects (1, 2, 3); districts are merged column "
                "groups over Kế hoạch | Giải ngân, beside a Tổng số group; TỔNG CỘNG row on top; '-' for none",
                totals(rows, "funding", district=lambda row, key: key[0], measure=lambda key: key[1]), [],
                meta(2017, OCT_31, "trieu_dong"))


def build_total_mismatch(out_dir: Path) -> Case:
    name = "total_mismatch"
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL))
    wrong = rows[CODES.index("107")]
    wrong.values["disbursed", TOTAL] = num(wrong.values["disbursed", "central_investment"]) + num(  # type: ignore[operator]
        wrong.values["disbursed", "central_recurrent"]) + 250
    wb, (w,) = xlsx_book("Biểu 01")
    table = funding_sheet(w, rows, year=2017, as_of=OCT_31).table
    total_cell = w.ws.cell(row=table.total_row, column=table.cols["plan", TOTAL])
    total_cell.value = round(total_cell.value + 100, 6)
    return Case(name, save_xlsx(wb, out_dir, name),
                "the Tổng cộng row's plan total is 100 too high, and Mường Tè's disbursed Tổng số is 250 above "
                "its parts; records are still the parts",
                totals(rows, "funding"),
                [("warning", "total_mismatch", "Biểu 01", table.total_at(("plan", TOTAL))),
                 ("warning", "total_mismatch", "Biểu 01", table.at(wrong, ("disbursed", TOTAL)))],
                meta(2017, OCT_31, "trieu_dong"))


def build_poverty_review(out_dir: Path) -> Case:
    name = "poverty_review"
    values = poverty_values(random.Random(name), CODES)
    values["108"].update({("households", None): 16_400, ("poor_households", None): 6_560})  # exactly 40 %
    rows = district_rows(values)
    wrong = rows[CODES.index("108")]
    wrong.values[RATE, "poor_households"] = Raw("30,0", 30.0)
    wb, (w,) = xlsx_book("Rà soát 2017")
    table = poverty_sheet(w, rows, year=2017,
                          fmt=lambda key, x: vn_text(x, 1) if key == (RATE, "poor_households") else plain(key, x)).table
    return Case(name, save_xlsx(wb, out_dir, name),
                "poverty review by district: households, poor and near-poor (Số hộ | Tỷ lệ), escaped, fallen back, "
                "newly poor; poor rates as text '45,3'; Sìn Hồ's rate says 30 where its counts give 40",
                totals(rows, "poverty"), [("warning", "rate_mismatch", "Rà soát 2017", table.at(wrong, (RATE, "poor_households")))],
                meta(2017, DEC_31))


def build_poverty_rates_fraction(out_dir: Path) -> Case:
    name = "poverty_rates_fraction"
    values = poverty_values(random.Random(name), CODES)
    values["112"].update({("households", None): 6_700, ("poor_households", None): 4_100,
                          ("near_poor_households", None): 2_900})  # 7 000 poor or near-poor of 6 700
    rows = district_rows(values)
    rates = {(RATE, "poor_households"): "0.0%", (RATE, "near_poor_households"): "0.0%"}
    wb, (w,) = xlsx_book("Biểu 2")
    table = poverty_sheet(w, rows, year=2017, total="Tổng cộng", total_on_top=False, formats=rates,
                          fmt=lambda key, x: round(x / 100, 3) if key[0] == RATE else plain(key, x)).table
    bad = rows[CODES.index("112")]
    return Case(name, save_xlsx(wb, out_dir, name),
                "rates as fractions (0.453 shown as 45.3%); Nậm Nhùn has more poor plus near-poor households "
                "than households",
                totals(rows, "poverty"),
                [("error", "poor_above_households", "Biểu 2", table.at(bad, ("poor_households", None)))],
                meta(2017, DEC_31))


def build_tcvn3_font(out_dir: Path) -> Case:
    name = "tcvn3_font"
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL))
    wb, (w,) = xlsx_book("Bieu01", encode=to_tcvn3, font=".VnTime", caps_font=".VnTimeH")
    funding_sheet(w, rows, year=2017, as_of=OCT_31)
    return Case(name, save_xlsx(wb, out_dir, name),
                "all text in TCVN3 ('HuyÖn M\xadêng TÌ') in .VnTime cells, capitals in .VnTimeH; "
                "convert by the font name",
                totals(rows, "funding"), [], meta(2017, OCT_31, "trieu_dong"))


def build_vni_text_no_font(out_dir: Path) -> Case:
    name = "vni_text_no_font"
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL))
    w = GridSheet(encode=to_vni)
    funding_sheet(w, rows, year=2017, as_of=OCT_31)
    path = save_csv(w.rows(), out_dir / f"{name}.csv", encoding="utf-8-sig")
    return Case(name, path,
                "CSV (UTF-8 with BOM) whose text is VNI-typed ('Huyeän Möôøng Teø'), no font to tell: "
                "detect from the text; merges gone",
                totals(rows, "funding"), [], meta(2017, OCT_31, "trieu_dong"))


def build_nfd_and_csv_semicolon(out_dir: Path) -> Case:
    name = "nfd_and_csv_semicolon"
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL_LOCAL))
    labels = {"central_investment": "vốn ĐTPT", "central_recurrent": "vốn sự nghiệp", "local": "vốn đối ứng địa phương"}
    keys = [(m, s) for m in ("plan", "disbursed") for s in CENTRAL_LOCAL]
    head = ["STT", "Năm", "Ngày báo cáo", "Đơn vị"] + [
        f"{'Kế hoạch' if m == 'plan' else 'Giải ngân'} {labels[s]} (triệu đồng)" for m, s in keys]
    table = [head] + [[row.stt, 2017, "31/10/2017", row.label, *(row.values[k] for k in keys)] for row in rows]
    path = save_csv([[to_nfd(v) if isinstance(v, str) else v for v in line] for line in table],
                    out_dir / f"{name}.csv", delimiter=";",
                    number=lambda x: str(x).replace(".", ","))
    return Case(name, path,
                "CSV with ';' and decimal commas, text in decomposed Unicode (NFD); year and date as columns "
                "(Năm, Ngày báo cáo), the unit in the headers, no title block",
                totals(rows, "funding"), [], meta(2017, OCT_31, "trieu_dong"))


def build_several_sheets(out_dir: Path) -> Case:
    name = "several_sheets"
    rng = random.Random(name)
    funding = district_rows(funding_values(rng, CODES, CENTRAL_LOCAL))
    poverty = district_rows(poverty_values(rng, CODES))
    sheets = ("Bìa", "Giải ngân", "Hộ nghèo", "Ghi chú")
    wb, (cover, fw, pw, notes) = xlsx_book(*sheets)
    for row, text, style in ((3, ORG, CAPS_BOLD), (4, DEPT, CAPS_BOLD), (12, "BÁO CÁO", CAPS_BOLD),
                             (13, "KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM 2017", CAPS_BOLD),
                             (30, "Lai Châu, tháng 11 năm 2017", CENTER_ITALIC)):
        cover.merge(row, 1, text, 1, 8, style)
    funding_sheet(fw, funding, year=2017, as_of=OCT_31, sources=CENTRAL_LOCAL)
    poverty_sheet(pw, poverty, year=2017)
    for row, text in enumerate(("GHI CHÚ",
                                "1. Số liệu giải ngân tính đến ngày 31/10/2017, chưa bao gồm vốn lồng ghép.",
                                "2. Số hộ nghèo theo kết quả rà soát cuối năm 2017 đã được UBND tỉnh phê duyệt.",
                                "3. Huyện Mường Tè: 02 xã chưa hoàn thành rà soát (Tà Tổng, Mù Cả)."), 1):
        notes.put(row, 1, text, CENTER_BOLD if row == 1 else PLAIN)
    return Case(name, save_xlsx(wb, out_dir, name),
                "a cover sheet with only text, a funding sheet named 'Giải ngân' like the template's (it is not "
                "the template), a poverty sheet and a sheet of notes that names a district",
                merge_totals(totals(funding, "funding"), totals(poverty, "poverty")),
                [("warning", "sheet_skipped", "Bìa", None), ("warning", "sheet_skipped", "Ghi chú", None)],
                meta(2017, sheets={"Giải ngân": {"as_of": OCT_31.isoformat(), "unit": "trieu_dong"},
                                   "Hộ nghèo": {"as_of": DEC_31.isoformat()}}))


def build_checks(out_dir: Path) -> Case:
    name = "checks"
    rng = random.Random(name)
    values = funding_values(rng, CODES, CENTRAL)
    over = values["106"]  # ĐTPT disbursed above its plan, the row as a whole below
    over["disbursed", "central_investment"] = round(num(over["plan", "central_investment"]) + 1250.5, 1)  # type: ignore[operator]
    over["disbursed", "central_recurrent"] = round((num(over["plan", "central_recurrent"]) - 1250.5) * 0.4, 1)  # type: ignore[operator]
    values["110"]["disbursed", "central_recurrent"] = -50.0
    values["111"]["plan", "central_investment"] = Raw("15.3OO", None)  # letter O typed for zero
    rows = district_rows(values)
    again = Row("Huyện Sìn Hồ", funding_values(rng, ("108",), CENTRAL)["108"], stt=9, code="108")
    rows.append(again)
    year, as_of = 2022, dt.date(2022, 10, 31)
    wb, (w,) = xlsx_book("Biểu 01")
    written = funding_sheet(w, rows, year=year, as_of=as_of)
    table = written.table

    def at(code: str, key: Any) -> str:
        return table.at(rows[CODES.index(code)], key)

    return Case(name, save_xlsx(wb, out_dir, name),
                "year 2022 in the title, ĐTPT disbursed above plan, a negative amount, '15.3OO' for a number, "
                "Sìn Hồ twice",
                totals(rows, "funding"),
                [("error", "year_out_of_range", "Biểu 01", written.title.title_cell),
                 ("warning", "disbursed_above_plan", "Biểu 01", at("106", ("disbursed", "central_investment"))),
                 ("error", "negative_value", "Biểu 01", at("110", ("disbursed", "central_recurrent"))),
                 ("error", "bad_number", "Biểu 01", at("111", ("plan", "central_investment"))),
                 ("error", "duplicate_row", "Biểu 01", table.at(again, "name"))],
                meta(year, as_of, "trieu_dong"))


def build_legacy_xls(out_dir: Path) -> Case:
    name = "legacy_xls"
    try:
        import xlwt
    except ImportError as exc:
        raise CaseUnavailable("xlwt is not installed (pip install -r requirements-dev.txt)") from exc
    rows = district_rows(funding_values(random.Random(name), CODES, CENTRAL_LOCAL))
    book = xlwt.Workbook(encoding="utf-8")
    funding_sheet(XlsSheet(book.add_sheet("Biểu 01")), rows, year=2017, as_of=OCT_31, sources=CENTRAL_LOCAL)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.xls"
    book.save(str(path))
    return Case(name, path, "Excel 97–2003 (.xls, BIFF8) with merged headers, title and signature blocks",
                totals(rows, "funding"), [], meta(2017, OCT_31, "trieu_dong"))


def build_combined(out_dir: Path) -> Case:
    name = "combined"
    as_of = dt.date(2017, 9, 30)
    values = funding_values(random.Random(name), CODES, CENTRAL_LOCAL, unit="dong")
    for code, v in values.items():  # central money typed as text with '.' grouping; the city shows no ĐTPT
        for key in [k for k in v if k[1] in CENTRAL]:
            x = num(v[key])
            v[key] = Raw("-", None) if (code, key[1]) == ("105", "central_investment") else Raw(vn_text(x or 0, 0), x)
    names = {"105": "TP.Lai Châu", "106": "Tam Duongg", "107": "H. Mường Tè", "108": "SÌN HỒ",
             "109": "Huyen Phong Tho", "110": "Than Uyen", "111": "Tân Uyên ", "112": "Nậm Nhìn"}
    poor = district_rows({c: values[c] for c in ("107", "108", "109", "110", "111", "112")}, names)
    other = district_rows({c: values[c] for c in ("105", "106")}, names)
    for row, stt in zip(other, "ab"):
        row.stt = stt
    rows = [Row("Các huyện nghèo (Nghị quyết 30a)", stt="I", children=poor),
            Row("Thành phố và huyện khác", stt="II", children=other)]
    tree = funding_tree_3("Kế hoạch vốn năm 2017", f"Lũy kế giải ngân đến {as_of.day}/{as_of.month}/{as_of.year}",
                          name_header="Đơn vị",
                          labels=("Ngân sách trung ương", "Đầu tư phát triển", "Sự nghiệp", "Vốn đối ứng địa phương"),
                          rate_header="Tỷ lệ GN (%)")
    wb, (w,) = xlsx_book("BC thang 9")
    table = funding_sheet(w, rows, year=2017, as_of=as_of, sources=CENTRAL_LOCAL, tree=tree, total="Cộng",
                          unit="Đơn vị tính: đồng", number="Số: 215/BC-SLĐTBXH",
                          as_of_text=f"(Tính đến ngày {as_of.day}/{as_of.month}/{as_of.year})",
                          date_line="Lai Châu, ngày 05 tháng 10 năm 2017", recipients=True,
                          number_format="#,##0", fmt=lambda key, x: vn_text(x, 1 if key[0] == RATE else 0)).table
    fuzzy = other[1]
    return Case(name, save_xlsx(wb, out_dir, name),
                "all at once: as-of 30/9/2017, đồng, 3 merged header rows, numbering row, text numbers, messy "
                "names, group rows I/II with items 1…6 and a, b, a Cộng row, and a signature block whose "
                "'Lai Châu, ngày 05 …' must not become data",
                totals(rows, "funding", scale=MONEY_UNITS["dong"]),
                [("warning", "fuzzy_district", "BC thang 9", table.at(fuzzy, "name"))],
                meta(2017, as_of, "dong"))


def build_cumulative_decrease(out_dir: Path) -> Case:
    name = "cumulative_decrease"
    rng = random.Random(name)
    september = funding_values(rng, CODES, CENTRAL)
    october: dict[str, dict[Any, Value]] = {}
    for code, v in september.items():
        october[code] = dict(v)
        for s in CENTRAL:
            done = num(v["disbursed", s]) + rng.uniform(200, 2_000)  # type: ignore[operator]
            october[code]["disbursed", s] = round(min(done, num(v["plan", s])), 1)  # type: ignore[type-var]
    october["109"]["disbursed", "central_investment"] = round(num(september["109"]["disbursed", "central_investment"]) - 320.5, 1)  # type: ignore[operator]
    sep_rows, oct_rows = district_rows(september), district_rows(october)
    wb, (a, b) = xlsx_book("T9", "T10")
    funding_sheet(a, sep_rows, year=2017, as_of=dt.date(2017, 9, 30))
    table = funding_sheet(b, oct_rows, year=2017, as_of=OCT_31).table
    return Case(name, save_xlsx(wb, out_dir, name),
                "two monthly sheets (30/9 and 31/10); Phong Thổ's cumulative ĐTPT disbursement falls in October",
                merge_totals(totals(sep_rows, "funding"), totals(oct_rows, "funding")),
                [("warning", "cumulative_decrease", "T10", table.at(oct_rows[CODES.index("109")], ("disbursed", "central_investment")))],
                meta(2017, unit="trieu_dong", sheets={"T9": {"as_of": "2017-09-30"}, "T10": {"as_of": OCT_31.isoformat()}}))


def build_no_table(out_dir: Path) -> Case:
    name = "no_table"
    wb, (w,) = xlsx_book("Công văn")
    write_title_block(w, 8, "V/v đôn đốc báo cáo tiến độ giải ngân vốn Chương trình MTQG giảm nghèo bền vững năm 2017",
                      None, None, number="Số: 1386/SLĐTBXH-BTXH")
    for row, text in enumerate((
            "Kính gửi: UBND các huyện, thành phố",
            "Thực hiện chỉ đạo của UBND tỉnh, Sở Lao động - Thương binh và Xã hội đề nghị UBND các huyện, thành phố "
            "báo cáo tình hình giải ngân vốn Chương trình năm 2017 theo biểu mẫu gửi kèm.",
            "Báo cáo gửi về Sở trước ngày 05/11/2017 để tổng hợp báo cáo UBND tỉnh.",
            "Sở Lao động - Thương binh và Xã hội đề nghị UBND các huyện, thành phố quan tâm thực hiện./."), 8):
        w.merge(row, 1, text, 1, 8, Style(wrap=True))
    write_signature(w, 13, 8)
    return Case(name, save_xlsx(wb, out_dir, name),
                "a letter (công văn) asking for the report: title block and text, no table anywhere",
                {}, [("error", "no_table", None, None)], {})


def build_corrupt(out_dir: Path) -> Case:
    name = "corrupt"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.xlsx"
    path.write_bytes(random.Random(name).randbytes(4096))
    return Case(name, path, "4 KB of random bytes named .xlsx", {}, [("error", "unreadable_file", None, None)], {})


def build_not_spreadsheet(out_dir: Path) -> Case:
    name = "not_spreadsheet"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.xlsx"
    path.write_text("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                    "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
                    "trailer\n<< /Root 1 0 R >>\n%%EOF\n", encoding="latin-1")
    return Case(name, path, "a PDF saved under an .xlsx name", {}, [("error", "unreadable_file", None, None)], {})


ALL_CASES: list[Callable[[Path], Case]] = [
    build_districts_by_source, build_total_row_on_top, build_three_header_rows, build_text_numbers_vn,
    build_names_messy, build_unit_nghin_dong, build_projects_rows_districts_columns, build_total_mismatch,
    build_poverty_review, build_poverty_rates_fraction, build_tcvn3_font, build_vni_text_no_font,
    build_nfd_and_csv_semicolon, build_several_sheets, build_checks, build_legacy_xls, build_combined,
    build_cumulative_decrease, build_no_table, build_corrupt, build_not_spreadsheet,
]


def case_name(build: Callable[[Path], Case]) -> str:
    return build.__name__.removeprefix("build_")


def build_all(out_dir: Path) -> list[Case]:
    """Write every case into ``out_dir``; raises CaseUnavailable when a writer library is missing."""
    return [build(Path(out_dir)) for build in ALL_CASES]
