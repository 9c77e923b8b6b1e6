"""The meeting report as an Excel workbook, laid out the way provincial reports are.

Three sheets (by district and source, by project, poverty against targets), each
with the issuing body, the report name and year, "(Tính đến ngày dd/mm/yyyy)",
the unit, a merged two-level header with a column-numbering row, a TỔNG CỘNG
row and a signature block. Amounts are numbers in million VND with number
formats (#,##0.0 shows as 1.234,5 under Vietnamese regional settings), never
text, so that ``python -m loaders inspect`` reads the workbook back.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from loaders.i18n import t
from loaders.reference import components, leaf_sources, sources, unit_label

from . import fmt
from .narrative import ReportFigures, province_poverty_row, report_figures

FONT = "Times New Roman"  # the font of official documents
MONEY = '#,##0.0;-#,##0.0;"-"'
COUNT = '#,##0;-#,##0;"-"'
RATE = '0.0;-0.0;"-"'
RATE2 = '0.00;-0.00;"-"'
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
HEADER_ROW = 8  # the two header rows, then the numbering row, then the table
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

Row = tuple[str, str, list[Any], str]  # (STT, label, values, kind: total | group | item)


def _value(x: Any, digits: int = 4) -> float | None:
    """A cell value: None for missing, rounded so sums of 1-decimal amounts stay clean."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return None
    return round(float(x), digits)


def _rate(part: float | None, whole: float | None, digits: int = 1) -> float | None:
    return round(part / whole * 100, digits) if part is not None and whole else None


def _sum(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present), 4) if present else None


def _font(size: int = 12, bold: bool = False, italic: bool = False, underline: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic, underline="single" if underline else None)


def _put(ws: Worksheet, row: int, col: int, value: Any, *, end_col: int | None = None, font: Font | None = None,
         align: str = "center") -> None:
    """Write a value (merged over columns col..end_col when given) with a font and alignment."""
    if end_col and end_col > col:
        ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=end_col)
    cell = ws.cell(row, col, value)
    cell.font = font or _font()
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)


def _title_block(ws: Worksheet, width: int, lang: str, lines: list[str], unit: str) -> None:
    """Issuing body and national motto, the report name lines, the as-of line and the unit."""
    half = min(max(3, width // 3), width // 2)  # the two halves never overlap, however narrow the table
    _put(ws, 1, 1, t("report.issuer_1", lang), end_col=half, font=_font(12))
    _put(ws, 2, 1, t("report.issuer_2", lang), end_col=half, font=_font(12, bold=True, underline=True))
    _put(ws, 1, width - half + 1, t("report.nation_1", lang), end_col=width, font=_font(12, bold=True))
    _put(ws, 2, width - half + 1, t("report.nation_2", lang), end_col=width, font=_font(12, bold=True, underline=True))
    for i, (text, font) in enumerate(zip(lines, [_font(13, bold=True), _font(12, bold=True), _font(12, italic=True)])):
        _put(ws, 4 + i, 1, text, end_col=width, font=font)
        ws.row_dimensions[4 + i].height = 20
    _put(ws, 7, width - half + 1, unit, end_col=width, font=_font(11, italic=True), align="right")


def _header(ws: Worksheet, columns: list[tuple[str, str | None]], numbering: list[str]) -> None:
    """Two merged header rows from (top, sub) pairs (sub None: one cell over both rows), then the numbering row."""
    r = HEADER_ROW
    for c in range(1, len(columns) + 1):
        for rr in (r, r + 1, r + 2):
            ws.cell(rr, c).border = _BORDER
            ws.cell(rr, c).alignment = _CENTER
            ws.cell(rr, c).font = _font(11, bold=rr < r + 2, italic=rr == r + 2)
    i = 0
    while i < len(columns):
        top, sub = columns[i]
        if sub is None:
            ws.merge_cells(start_row=r, start_column=i + 1, end_row=r + 1, end_column=i + 1)
            ws.cell(r, i + 1, top)
            i += 1
            continue
        j = i
        while j + 1 < len(columns) and columns[j + 1][0] == top and columns[j + 1][1] is not None:
            j += 1
        if j > i:
            ws.merge_cells(start_row=r, start_column=i + 1, end_row=r, end_column=j + 1)
        ws.cell(r, i + 1, top)
        for k in range(i, j + 1):
            ws.cell(r + 1, k + 1, columns[k][1])
        i = j + 1
    for c, text in enumerate(numbering, start=1):
        ws.cell(r + 2, c, text)
    ws.row_dimensions[r].height = 32
    ws.row_dimensions[r + 1].height = 45


def _body(ws: Worksheet, rows: list[Row], formats: list[str], label_width: float) -> int:
    """The table rows under the header; returns the last row written."""
    r = HEADER_ROW + 3
    for stt, label, values, kind in rows:
        bold = kind in ("total", "group")
        for c, value in enumerate([stt, label, *values], start=1):
            cell = ws.cell(r, c, value)
            cell.border = _BORDER
            cell.font = _font(11, bold=bold)
            if c == 1:
                cell.alignment = Alignment(horizontal="center", vertical="center")
            elif c == 2:
                cell.alignment = Alignment(horizontal="center" if kind == "total" else "left", vertical="center",
                                           wrap_text=True)
            else:
                cell.number_format = formats[c - 3]
                cell.alignment = Alignment(horizontal="right" if not isinstance(value, str) else "center",
                                           vertical="center")
        # openpyxl does not fit row heights: estimate the wrapped label's lines
        lines = max(1, math.ceil(len(label) / max(label_width * 1.15, 1)))
        ws.row_dimensions[r].height = max(18, 15 * lines + 3)
        r += 1
    return r - 1


def _foot(ws: Worksheet, last: int, width: int, lang: str, notes: list[str]) -> None:
    """Notes under the table, then 'Lai Châu, ngày … tháng … năm …' and the two signatures."""
    r = last + 1
    for note in notes:
        _put(ws, r, 1, note, end_col=width, font=_font(11, italic=True), align="left")
        r += 1
    r += 1
    half = min(max(3, width // 3), width // 2)
    right = width - half + 1
    _put(ws, r, right, t("report.place_date", lang), end_col=width, font=_font(12, italic=True))
    _put(ws, r + 1, 1, t("report.preparer", lang), end_col=half, font=_font(12, bold=True))
    _put(ws, r + 1, right, t("report.director", lang), end_col=width, font=_font(12, bold=True))
    _put(ws, r + 2, 1, t("report.sign_note", lang), end_col=half, font=_font(11, italic=True))
    _put(ws, r + 2, right, t("report.seal_note", lang), end_col=width, font=_font(11, italic=True))


def _setup(ws: Worksheet, widths: list[float], freeze: str) -> None:
    """Column widths, frozen header, landscape A4 fitted to the page width, header rows repeated."""
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 2}"
    ws.page_margins.left = ws.page_margins.right = 0.4


def _notes(figures: ReportFigures, lang: str, *, funding: bool) -> list[str]:
    notes = []
    if funding:
        missing = [c for c in figures.by_district.loc[~figures.by_district["reported"].astype(bool), "district_code"]]
        if missing:
            notes.append(t("report.note_not_reported", lang, date=fmt.date(figures.as_of, lang),
                           districts=", ".join(unit_label(c, lang) for c in missing)))
    if figures.sample:
        notes.append(t("report.note_sample", lang))
    return notes


@dataclass
class Table:
    """One report table, as the Excel sheet and the PDF both show it."""

    sheet: str
    title_lines: list[str]  # report name, table name, '(Tính đến ngày …)'
    unit: str
    columns: list[tuple[str, str | None]]  # (top header, sub header or None for one cell over both rows)
    numbering: list[str]
    rows: list[Row]
    formats: list[str]  # number format of each value column
    widths: list[float]  # Excel column widths (characters); the PDF scales them to the page
    notes: list[str] = field(default_factory=list)


def _report_lines(figures: ReportFigures, lang: str, table_title: str) -> list[str]:
    return [t("report.title", lang, year=figures.year), table_title,
            t("report.as_of_line", lang, date=fmt.date(figures.as_of, lang))]


def table_by_source(figures: ReportFigures, lang: str) -> Table:
    """Biểu 01: plan and disbursed per district, in total and by funding source, with the rate.

    The central budget unsplit (NSTW) has its own column only when some district reported it so."""
    present = set(figures.by_source["source"]) if "source" in figures.by_source else set()
    codes = [s for s in sources() if s in leaf_sources() or s in present]
    n = len(codes)
    plan_top = t("report.h_plan_year", lang, year=figures.year)
    paid_top = t("report.h_disbursed_to", lang, date=fmt.date(figures.as_of, lang))
    columns: list[tuple[str, str | None]] = [(t("report.h_stt", lang), None), (t("report.h_district", lang), None)]
    for top in (plan_top, paid_top):
        columns += [(top, t("report.h_total", lang))] + [(top, sources()[s].label(lang)) for s in codes]
    columns.append((t("report.h_rate", lang), None))
    numbering = ["A", "B", "1=" + "+".join(str(i) for i in range(2, n + 2))] + [str(i) for i in range(2, n + 2)]
    numbering += [f"{n + 2}=" + "+".join(str(i) for i in range(n + 3, 2 * n + 3))]
    numbering += [str(i) for i in range(n + 3, 2 * n + 3)] + [f"{2 * n + 3}={n + 2}/1"]
    wide = figures.by_source.pivot_table(index="district_code", columns="source", values=["plan", "disbursed"],
                                         aggfunc="sum")
    rows: list[Row] = []
    for i, d in enumerate(figures.by_district.itertuples(), start=1):
        values: list[Any] = []
        for measure in ("plan", "disbursed"):
            values.append(_value(getattr(d, measure)))
            for s in codes:
                values.append(_value(wide[(measure, s)].get(d.district_code)) if (measure, s) in wide.columns else None)
        values.append(_rate(values[n + 1], values[0]))
        rows.append((str(i), unit_label(d.district_code, lang), values, "item"))
    total = [_sum([r[2][k] for r in rows]) for k in range(2 * n + 2)]
    total.append(_rate(total[n + 1], total[0]))
    rows.insert(0, ("", t("report.total_row", lang), total, "total"))
    return Table(t("report.sheet_source", lang), _report_lines(figures, lang, t("report.title_source", lang)),
                 t("report.unit_money", lang), columns, numbering, rows, [MONEY] * (2 * n + 2) + [RATE],
                 [5, 16] + [11.5] * (2 * n + 2) + [10], _notes(figures, lang, funding=True))


def table_by_project(figures: ReportFigures, lang: str, *, per_district: bool = True) -> Table:
    """Biểu 02: plan, disbursed and rate per project (I, II …) and sub-project (1, 2 …), province and per district."""
    codes = figures.codes if per_district else []
    cells = {(r.component, r.district_code, m): getattr(r, m)
             for r in figures.by_component.itertuples() for m in ("plan", "disbursed")}

    def values_of(leaves: list[str]) -> list[Any]:
        per = {(d, m): _sum([_value(cells.get((c, d, m))) for c in leaves]) for d in figures.codes for m in ("plan", "disbursed")}
        plan = _sum([per[(d, "plan")] for d in figures.codes])
        paid = _sum([per[(d, "disbursed")] for d in figures.codes])
        return [plan, paid, _rate(paid, plan)] + [per[(d, m)] for d in codes for m in ("plan", "disbursed")]

    applicable = [c for c in components().values() if c.applies_lai_chau]
    rows: list[Row] = []
    leaves_all: list[str] = []
    for i, project in enumerate(c for c in applicable if c.level == "project"):
        subs = [c for c in applicable if c.parent_code == project.code]
        leaves = [c.code for c in subs] or [project.code]
        leaves_all += leaves
        rows.append((ROMAN[i], project.label(lang, short=False), values_of(leaves), "group"))
        rows += [(str(k), sub.label(lang, short=False), values_of([sub.code]), "item") for k, sub in enumerate(subs, 1)]
    rows.insert(0, ("", t("report.total_row", lang), values_of(leaves_all), "total"))
    province = t("report.h_province", lang)
    columns: list[tuple[str, str | None]] = [
        (t("report.h_stt", lang), None), (t("report.h_content", lang), None),
        (province, t("report.h_plan_year", lang, year=figures.year)),
        (province, t("report.h_disbursed_to", lang, date=fmt.date(figures.as_of, lang))),
        (province, t("report.h_rate", lang)),
    ]
    for d in codes:
        columns += [(unit_label(d, lang), t("report.h_plan", lang)), (unit_label(d, lang), t("report.h_disbursed", lang))]
    numbering = ["A", "B", "1", "2", "3=2/1"] + [str(i) for i in range(4, 4 + 2 * len(codes))]
    return Table(t("report.sheet_project", lang), _report_lines(figures, lang, t("report.title_project", lang)),
                 t("report.unit_money", lang), columns, numbering, rows,
                 [MONEY, MONEY, RATE] + [MONEY] * (2 * len(codes)), [5.0, 46.0, 12.0, 12.0, 9.0] + [11.0] * (2 * len(codes)),
                 _notes(figures, lang, funding=True))


def table_poverty(figures: ReportFigures, lang: str) -> Table:
    """Biểu 03: households, poor and near-poor counts and rates per district against the target poverty rate."""
    year = figures.poverty_year
    poor, near, target = t("report.h_poor", lang), t("report.h_near_poor", lang), t("report.h_target", lang, year=year)
    columns: list[tuple[str, str | None]] = [
        (t("report.h_stt", lang), None), (t("report.h_district", lang), None), (t("report.h_households", lang), None),
        (poor, t("report.h_count", lang)), (poor, t("report.h_rate_pct", lang)),
        (near, t("report.h_count", lang)), (near, t("report.h_rate_pct", lang)),
        (target, t("report.h_target_rate", lang)), (target, t("report.h_assessment", lang)),
    ]

    def line(households: float | None, n_poor: float | None, n_near: float | None, goal: float | None) -> list[Any]:
        rate = _rate(n_poor, households, 2)
        # a rate without a target is not judged, and says so
        verdict = None if rate is None else t(
            "report.cell_no_target" if goal is None else "report.cell_met" if rate <= goal else "report.cell_not_met", lang)
        return [households, n_poor, rate, n_near, _rate(n_near, households, 2), goal, verdict]

    rows: list[Row] = [
        (str(i), unit_label(p.district_code, lang),
         line(_value(p.households), _value(p.poor_households), _value(p.near_poor_households), _value(p.target_poor_rate, 2)),
         "item")
        for i, p in enumerate(figures.poverty.itertuples(), start=1)
    ]
    prov = province_poverty_row(figures) or {}
    rows.insert(0, ("", t("report.total_row", lang),
                    line(_sum([r[2][0] for r in rows]), _sum([r[2][1] for r in rows]), _sum([r[2][3] for r in rows]),
                         _value(prov.get("target_poor_rate"), 2)),
                    "total"))
    notes = _notes(figures, lang, funding=False)
    if year is None:
        notes.insert(0, t("report.no_poverty", lang, date=fmt.date(figures.as_of, lang)))
    lines = [t("report.title_poverty", lang, year=year if year is not None else "…"),
             t("report.title_poverty_sub", lang, year=figures.year),
             t("report.as_of_line", lang, date=fmt.date(figures.poverty_as_of or figures.as_of, lang))]
    return Table(t("report.sheet_poverty", lang), lines, t("report.unit_households", lang), columns,
                 ["A", "B", "1", "2", "3=2/1", "4", "5=4/1", "6", "7"], rows,
                 [COUNT, COUNT, RATE2, COUNT, RATE2, RATE2, "@"], [5, 16, 13, 12, 10, 12, 10, 13, 13], notes)


def write_sheet(wb: Workbook, table: Table, lang: str) -> Worksheet:
    """A sheet laid out as provincial reports are: title block, header, numbering row, rows, signatures."""
    ws = wb.create_sheet(table.sheet[:31])
    width = len(table.columns)
    _title_block(ws, width, lang, table.title_lines, table.unit)
    _header(ws, table.columns, table.numbering)
    last = _body(ws, table.rows, table.formats, table.widths[1])
    _foot(ws, last, width, lang, table.notes)
    _setup(ws, table.widths, f"C{HEADER_ROW + 3}")
    return ws


def report_tables(figures: ReportFigures, lang: str) -> list[Table]:
    """The report's three tables: by source, by project, poverty."""
    return [table_by_source(figures, lang), table_by_project(figures, lang), table_poverty(figures, lang)]


def build_workbook(figures: ReportFigures, lang: str = "vi") -> Workbook:
    """The three-sheet report workbook of figures already computed."""
    wb = Workbook()
    wb.remove(wb.active)
    for table in report_tables(figures, lang):
        write_sheet(wb, table, lang)
    wb.properties.title = t("report.title", lang, year=figures.year)
    wb.properties.creator = t("report.issuer_2", lang)
    return wb


def build_excel_report(facts: pd.DataFrame, year: int, as_of: dt.date | None = None, lang: str = "vi") -> bytes:
    """The meeting report for a year and reporting date as .xlsx bytes."""
    buffer = io.BytesIO()
    build_workbook(report_figures(facts, year, as_of), lang).save(buffer)
    return buffer.getvalue()
