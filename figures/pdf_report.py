"""The meeting report and the one-page district profile as PDF (fpdf2), with the key charts.

Charts are the dashboard's plotly figures exported to PNG by kaleido, which drives
a Chromium-family browser: choreographer finds ``chromium`` on PATH (Debian's
/usr/bin/chromium), or the one ``BROWSER_PATH`` names; nothing is downloaded. The
text uses a TrueType font with Vietnamese glyphs (Debian's fonts-noto-core, else
fonts-dejavu-core). Without a browser the PDF is still made, with a line saying
why the charts are missing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace

from loaders.errors import LoaderError
from loaders.i18n import t
from loaders.reference import all_districts, communes, districts, province_of
from store import metrics
from store.metrics import TargetStatus

from . import charts, fmt
from .excel_report import COUNT, MONEY, RATE, RATE2, Row, Table, table_by_project, table_by_source, table_poverty
from .narrative import (
    ReportFigures,
    district_narrative,
    facts_note,
    narrative_of,
    province_poverty_row,
    report_figures,
    source_note,
)

FAMILY = "Body"
# (regular, bold, italic) — Noto Sans (fonts-noto-core) first, DejaVu Sans (fonts-dejavu-core) as fallback
FONT_CANDIDATES = [
    tuple(Path("/usr/share/fonts/truetype/noto") / f"NotoSans-{s}.ttf" for s in ("Regular", "Bold", "Italic")),
    tuple(Path("/usr/share/fonts/truetype/dejavu") / f"DejaVuSans{s}.ttf" for s in ("", "-Bold", "-Oblique")),
]
PX_PER_MM = 4.6  # chart pixels per millimetre of page: plotly's 12px text prints at about 7pt
SCALE = 2.5  # raster scale of the exported charts, for sharp print
GREY, DARK, AMBER = (110, 110, 110), (30, 30, 30), (217, 130, 43)


class FontMissing(LoaderError):
    """No TrueType font with Vietnamese glyphs on this machine."""

    code = "font_missing"


def font_files() -> tuple[Path, Path, Path]:
    """(regular, bold, italic) font files; FontMissing with the package to install when none is there."""
    for files in FONT_CANDIDATES:
        if all(f.is_file() for f in files):
            return files  # type: ignore[return-value]
    raise FontMissing("Không tìm thấy phông chữ tiếng Việt / no Vietnamese font: apt-get install fonts-noto-core "
                      f"(looked for {', '.join(str(c[0]) for c in FONT_CANDIDATES)})")


def print_figures(figs: Sequence[tuple[go.Figure, float, float]]) -> list[go.Figure]:
    """The figures as exported: copies with the print template, their size in pixels and the report's fonts."""
    return [charts.for_print(fig, round(w * PX_PER_MM), round(h * PX_PER_MM)) for fig, w, h in figs]


def render_charts(figs: list[tuple[go.Figure, float, float]]) -> list[bytes]:
    """PNG bytes of (figure, width mm, height mm) triples, in one browser session."""
    import kaleido  # imported here: only PDFs with charts need it

    printed = print_figures(figs)

    async def run() -> list[bytes]:
        async with kaleido.Kaleido(n=1, timeout=90, mathjax=False) as k:
            return [await k.calc_fig(fig, opts={"format": "png", "scale": SCALE}) for fig in printed]

    # a thread of its own, so that a caller's running event loop (a notebook, a server) is no obstacle
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


class ReportPdf(FPDF):
    """A4 pages in the report font, with the page number and the data note in the footer."""

    def __init__(self, lang: str, orientation: str = "portrait", footer_note: str = "") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.lang, self.footer_note = lang, footer_note
        for style, path in zip(("", "B", "I"), font_files()):
            self.add_font(FAMILY, style, str(path))
        self.set_margins(12, 10, 12)
        self.set_auto_page_break(True, margin=13)
        self.set_font(FAMILY, size=9)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, "I", 7)
        self.set_text_color(*GREY)
        self.cell(self.epw * 0.8, 4, self.footer_note)
        self.cell(self.epw * 0.2, 4, t("report.pdf_page", self.lang, page=self.page_no(), pages="{nb}"), align="R")
        self.set_text_color(*DARK)

    # -- blocks ------------------------------------------------------------------------------
    def masthead(self, compact: bool = False) -> None:
        """Issuing body on the left, the national motto on the right."""
        half = self.epw * 0.45
        y, size = self.get_y(), 8 if compact else 9
        for i, (left, right) in enumerate((("report.issuer_1", "report.nation_1"), ("report.issuer_2", "report.nation_2"))):
            self.set_xy(self.l_margin, y + i * 4.5)
            self.set_font(FAMILY, "B" if i else "", size)
            self.cell(half, 4.5, t(left, self.lang), align="C")
            self.set_font(FAMILY, "B", size)
            self.set_x(self.l_margin + self.epw - half)
            self.cell(half, 4.5, t(right, self.lang), align="C")
        self.ln(7 if compact else 9)

    def title_lines(self, lines: list[str]) -> None:
        """The report name (bold), further lines (bold), the as-of line (italic)."""
        for i, text in enumerate(lines):
            last = i == len(lines) - 1
            self.set_font(FAMILY, "I" if last else "B", 12 if i == 0 else 10)
            self.multi_cell(0, 5.5 if i == 0 else 5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def heading(self, text: str) -> None:
        self.set_font(FAMILY, "B", 10.5)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    def paragraphs(self, lines: list[str], size: float = 9) -> None:
        """Narrative sentences as bullet paragraphs."""
        self.set_font(FAMILY, "", size)
        for line in lines:  # a hanging indent: wrapped lines start under the text, not the bullet
            self.set_x(self.l_margin + 1)
            self.cell(4, size * 0.5, "•")
            self.multi_cell(self.epw - 5, size * 0.5, line, new_x="LMARGIN", new_y="NEXT")
            self.ln(0.8)
        self.ln(1.5)

    def kpis(self, items: list[tuple[str, str, str, bool]]) -> None:
        """A row of boxes: (label, value, note, warn) — warn draws the value in amber."""
        gap, h = 3.0, 17.0
        w = (self.epw - gap * (len(items) - 1)) / len(items)
        y = self.get_y()
        for i, (label, value, note, warn) in enumerate(items):
            x = self.l_margin + i * (w + gap)
            self.set_draw_color(200, 200, 200)
            self.rect(x, y, w, h)
            self.set_xy(x + 2, y + 1.5)
            self.set_font(FAMILY, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(w - 4, 4, label)
            self.set_xy(x + 2, y + 6)
            self.set_font(FAMILY, "B", 12)
            self.set_text_color(*(AMBER if warn else DARK))
            self.cell(w - 4, 6, value)
            self.set_xy(x + 2, y + 12)
            self.set_font(FAMILY, "", 7)
            self.set_text_color(*GREY)
            self.cell(w - 4, 4, note)
        self.set_text_color(*DARK)
        self.set_draw_color(0, 0, 0)
        self.set_xy(self.l_margin, y + h + 4)

    def table_of(self, table: Table, size: float = 7) -> None:
        """A report table: two merged header rows, the numbering row, then the rows (totals and groups bold)."""
        scale = self.epw / sum(table.widths)
        head = FontFace(emphasis="BOLD", fill_color=(235, 235, 235), size_pt=size)
        self.set_font(FAMILY, "", size)
        with self.table(col_widths=[w * scale for w in table.widths], width=self.epw, headings_style=head,
                        num_heading_rows=3, line_height=size * 0.48, text_align="CENTER", padding=0.8,
                        v_align="MIDDLE") as grid:
            tops = grid.row()
            i = 0
            while i < len(table.columns):
                top, sub = table.columns[i]
                span = 1
                while sub is not None and i + span < len(table.columns) and table.columns[i + span][0] == top \
                        and table.columns[i + span][1] is not None:
                    span += 1
                tops.cell(top, style=head, colspan=span, rowspan=1 if sub is not None else 2)
                i += span
            subs = grid.row()
            for _top, sub in table.columns:
                if sub is not None:
                    subs.cell(sub, style=head)
            numbering = grid.row()
            for text in table.numbering:
                numbering.cell(text, style=FontFace(emphasis="ITALICS", size_pt=size - 0.5))
            for stt, label, values, kind in table.rows:
                style = FontFace(emphasis="BOLD", size_pt=size) if kind in ("total", "group") else None
                row = grid.row()
                row.cell(stt, style=style)
                row.cell(label, style=style, align="C" if kind == "total" else "L")
                for value, number_format in zip(values, table.formats):
                    row.cell(_cell_text(value, number_format, self.lang), style=style,
                             align="C" if isinstance(value, str) else "R")
        self.ln(1.5)
        self.set_font(FAMILY, "I", 7.5)
        for note in table.notes:
            self.multi_cell(0, 4, note, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def chart_row(self, images: list[bytes] | str, widths: list[float], h: float) -> None:
        """Charts side by side, on a new page when they do not fit; a note instead when they could not be made."""
        if isinstance(images, str):
            self.set_font(FAMILY, "I", 8)
            self.set_text_color(*AMBER)
            self.multi_cell(0, 4.5, images, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*DARK)
            return
        if self.get_y() + h > self.page_break_trigger:
            self.add_page()
        y, x = self.get_y(), self.l_margin
        gap = (self.epw - sum(widths)) / max(len(widths) - 1, 1)
        for png, w in zip(images, widths):
            self.image(png, x=x, y=y, w=w, h=h)
            x += w + gap
        self.set_xy(self.l_margin, y + h + 3)

    def signatures(self) -> None:
        """'Lai Châu, ngày … tháng … năm …', NGƯỜI LẬP BIỂU on the left, GIÁM ĐỐC on the right."""
        if self.get_y() + 30 > self.page_break_trigger:
            self.add_page()
        half = self.epw * 0.4
        right = self.l_margin + self.epw - half
        self.ln(3)
        self.set_x(right)
        self.set_font(FAMILY, "I", 9)
        self.cell(half, 5, t("report.place_date", self.lang), align="C", new_x="LMARGIN", new_y="NEXT")
        y = self.get_y()
        for x, title, note in ((self.l_margin, "report.preparer", "report.sign_note"),
                               (right, "report.director", "report.seal_note")):
            self.set_xy(x, y)
            self.set_font(FAMILY, "B", 9.5)
            self.cell(half, 5, t(title, self.lang), align="C")
            self.set_xy(x, y + 5)
            self.set_font(FAMILY, "I", 8)
            self.cell(half, 4.5, t(note, self.lang), align="C")


def _cell_text(value: object, number_format: str, lang: str) -> str:
    """A table value as the Excel number format would show it, in the language's separators."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value == 0:
        return "-"
    digits = {MONEY: 1, COUNT: 0, RATE: 1, RATE2: 2}.get(number_format, 1)
    return fmt.number(value, lang, digits)


def _charts_or_note(figs: Sequence[tuple[go.Figure, float, float]], lang: str) -> list[bytes] | str:
    try:
        return render_charts(list(figs))
    except Exception as exc:  # noqa: BLE001 - no browser, a crash, a timeout: the report is still useful
        # the first sentence only: kaleido's message goes on to suggest downloading Chrome
        first = str(exc).strip().splitlines()[0].split(". ")[0][:160] if str(exc).strip() else ""
        return t("report.pdf_charts_unavailable", lang, detail=f"{type(exc).__name__}: {first}".rstrip(": "))


def _footer_note(figures: ReportFigures, lang: str) -> str:
    return f"{t('report.title', lang, year=figures.year)} · {source_note(figures, lang)}"


def _target_note(target: Any, lang: str, digits: int = 1) -> str:
    """'chỉ tiêu 75,0%' under a KPI, or 'chưa có chỉ tiêu'."""
    if target is None or pd.isna(target):
        return t("report.kpi_no_target", lang)
    return t("report.kpi_target", lang, value=fmt.percent(target, lang, digits))


def _behind(value: Any, target: Any, lower_is_better: bool = False) -> bool:
    """True only when both are known and the value is on the wrong side of the target."""
    if value is None or target is None or pd.isna(value) or pd.isna(target):
        return False
    return bool(value > target if lower_is_better else value < target)


def _province_kpis(figures: ReportFigures, lang: str) -> list[tuple[str, str, str, bool]]:
    prov, bd = figures.province, figures.by_district
    poverty = province_poverty_row(figures) or {}
    rate, goal = poverty.get("poor_rate"), poverty.get("target_poor_rate")
    million = t("report.kpi_million", lang)
    funded = bool(bd["plan"].notna().any())  # no report yet: '–', not 0
    # districts behind, of those with a target; none with a target: '–', never '0/8'
    bd = metrics.districts_only(bd)
    judged = int(bd["status"].isin([TargetStatus.BEHIND.value, TargetStatus.ON_TARGET.value]).sum())
    without = int((bd["status"] == TargetStatus.NO_TARGET.value).sum())
    lagging = (t("report.kpi_lagging", lang), f"{int(bd['lagging'].sum())}/{judged}" if judged else "–",
               t("report.kpi_no_target", lang) if not judged and without
               else t("report.kpi_no_target_n", lang, n=without) if without else "", False)
    return [
        (t("report.kpi_plan", lang), fmt.number(prov["plan"] if funded else None, lang), million, False),
        (t("report.kpi_disbursed", lang), fmt.number(prov["disbursed"] if funded else None, lang), million, False),
        (t("report.kpi_rate", lang), fmt.percent(prov["disbursement_rate"], lang),
         _target_note(prov["target_rate"], lang), _behind(prov["disbursement_rate"], prov["target_rate"])),
        lagging,
        (t("report.kpi_poor_rate", lang, year=figures.poverty_year or "–"), fmt.percent(rate, lang, 2),
         _target_note(goal, lang, 2), _behind(rate, goal, lower_is_better=True)),
    ]


def build_pdf_report(facts: pd.DataFrame, year: int, as_of: dt.date | None = None, lang: str = "vi") -> bytes:
    """The meeting report as PDF bytes: summary, key figures and charts, then the three tables."""
    figures = report_figures(facts, year, as_of)
    note = source_note(figures, lang)
    pdf = ReportPdf(lang, "landscape", _footer_note(figures, lang))
    pdf.add_page()
    pdf.masthead()
    pdf.title_lines([t("report.title", lang, year=year), t("report.as_of_line", lang, date=fmt.date(figures.as_of, lang))])
    pdf.kpis(_province_kpis(figures, lang))
    pdf.heading(t("report.pdf_summary", lang))
    pdf.paragraphs(narrative_of(figures, lang))
    half = (pdf.epw - 5) / 2
    figs = [
        (charts.ranked_disbursement(figures.by_district, lang, year=year, as_of=figures.as_of, source_note=note), half, 82),
        (charts.poverty_vs_target(figures.poverty_all, lang, year=figures.poverty_year or year, source_note=note), half, 82),
        (charts.funding_stacked(figures.by_source, lang, by="source", year=year, as_of=figures.as_of, source_note=note),
         pdf.epw, 88),
    ]
    images = _charts_or_note(figs, lang)
    pdf.chart_row(images[:2] if isinstance(images, list) else images, [half, half], 82)
    pdf.add_page()
    pdf.heading(t("report.pdf_tables", lang))
    by_source = table_by_source(figures, lang)
    pdf.title_lines(by_source.title_lines[1:])
    pdf.table_of(by_source, size=6.8)
    if isinstance(images, list):
        pdf.chart_row(images[2:], [pdf.epw], 88)
    by_project, poverty = table_by_project(figures, lang, per_district=False), table_poverty(figures, lang)
    # the funding tables repeat the report's name, already on page 1; the poverty table has its own
    for table, lines in ((by_project, by_project.title_lines[1:]), (poverty, poverty.title_lines)):
        pdf.add_page()
        pdf.title_lines(lines)
        pdf.table_of(table, size=7.5)
    pdf.signatures()
    return bytes(pdf.output())


def profile_subtitle(figures: ReportFigures, district_code: str, lang: str = "vi") -> str:
    """The profile's date line: the reporting date, or that the district has not reported by it (and its latest report)."""
    row = figures.by_district.set_index("district_code").loc[district_code]
    date = fmt.date(figures.as_of, lang)
    if bool(row["reported"]):
        return t("report.profile_subtitle", lang, date=date)
    if pd.notna(row["report_as_of"]):  # older figures, said to be older: never shown as those of the date
        return t("report.profile_subtitle_not_reported", lang, date=date, latest=fmt.date(row["report_as_of"], lang))
    return t("report.profile_subtitle_no_report", lang, date=date)


def build_district_pdf(facts: pd.DataFrame, district_code: str, year: int, lang: str = "vi",
                       as_of: dt.date | None = None) -> bytes:
    """A one-page district profile as PDF bytes, at ``as_of`` (default the year's latest reporting date):
    key figures, the year's disbursement curve up to that date, poverty trend, narrative."""
    if district_code not in all_districts():
        raise LoaderError(f"Mã huyện không hợp lệ / unknown district code: {district_code} "
                          f"({', '.join(districts())} …)", code="unknown_district")
    figures = report_figures(facts, year, as_of, province=province_of(district_code))
    note = facts_note(facts[facts["district_code"] == district_code], lang)
    name = all_districts()[district_code].label(lang, short=False)
    row = figures.by_district.set_index("district_code").loc[district_code]
    pov = figures.poverty.set_index("district_code").loc[district_code]
    million = t("report.kpi_million", lang)
    kpis = [
        (t("report.kpi_plan", lang), fmt.number(row["plan"], lang), million, False),
        (t("report.kpi_disbursed", lang), fmt.number(row["disbursed"], lang), million, False),
        (t("report.kpi_rate", lang), fmt.percent(row["disbursement_rate"], lang),
         _target_note(row["target_rate"], lang), bool(row["lagging"])),
        (t("report.kpi_poor_rate", lang, year=figures.poverty_year or "–"), fmt.percent(pov["poor_rate"], lang, 2),
         _target_note(pov["target_poor_rate"], lang, 2), _behind(pov["poor_rate"], pov["target_poor_rate"], True)),
    ]
    pdf = ReportPdf(lang, "portrait", f"{name} · {note}")
    pdf.set_auto_page_break(False, margin=13)  # one page: the layout below is sized to fit
    pdf.add_page()
    pdf.masthead(compact=True)
    pdf.title_lines([t("report.profile_title", lang, district=name.upper(), year=year),
                     profile_subtitle(figures, district_code, lang)])
    pdf.kpis(kpis)
    pdf.paragraphs(district_narrative(facts, district_code, year, lang, figures.as_of), size=8.5)
    curves = metrics.disbursement_curves(facts, district_code)
    curves = curves[(curves["year"] == year) & (pd.to_datetime(curves["as_of"]) <= pd.Timestamp(figures.as_of))]
    figs = [
        (charts.disbursement_curve(curves, lang, district_code=district_code, source_note=note),
         pdf.epw, 76),
        (charts.poverty_trend(figures.poverty_all, lang, district_code=district_code, source_note=note), pdf.epw, 76),
    ]
    images = _charts_or_note(figs, lang)
    if isinstance(images, str):
        pdf.chart_row(images, [], 0)
    else:
        room = (pdf.page_break_trigger - pdf.get_y() - 8) / 2  # the two charts share what the text leaves
        for png in images:
            pdf.chart_row([png], [pdf.epw], min(100, room))
    annex = commune_annex(facts, district_code, year, figures.as_of, lang)
    if annex is not None:  # a second page: the district's communes, where it reported by commune
        pdf.set_auto_page_break(True, margin=13)
        pdf.add_page()
        pdf.title_lines(annex.title_lines)
        pdf.table_of(annex)
    return bytes(pdf.output())


def commune_annex(facts: pd.DataFrame, district_code: str, year: int, as_of: dt.date | None,
                  lang: str = "vi") -> Table | None:
    """The district profile's annex: its communes at the date (store.metrics.by_commune), slowest first, or
    None where the district reported nothing by commune."""
    if "commune_code" not in facts:
        return None
    rows = metrics.by_commune(facts, district_code, year, as_of)
    if rows.empty:
        return None
    name = all_districts()[district_code].label(lang, short=False)
    body: list[Row] = []
    for i, r in enumerate(rows.itertuples(), start=1):
        commune = communes().get(r.commune_code)
        body.append((str(i), commune.label(lang) if commune else r.commune_code,
                     [r.plan, r.disbursed, r.disbursement_rate,
                      charts.status_label(r.status, lang) if pd.notna(r.plan) else fmt.MISSING,
                      r.poor_households, r.poor_rate], "item"))
    columns: list[tuple[str, str | None]] = [
        (t("report.h_stt", lang), None), (t("data.col_commune", lang), None),
        (t("report.annex_funding", lang), t("chart.plan", lang)), (t("report.annex_funding", lang), t("chart.disbursed", lang)),
        (t("report.annex_funding", lang), t("chart.disbursement_rate", lang)),
        (t("report.annex_funding", lang), t("profile.col_commune_status", lang)),
        (t("report.annex_poverty", lang), t("profile.col_poor_households", lang)),
        (t("report.annex_poverty", lang), t("chart.poor_rate", lang)),
    ]
    return Table(sheet="xa", title_lines=[t("report.annex_title", lang, district=name.upper(), year=year)],
                 unit=t("report.kpi_million", lang), columns=columns,
                 numbering=[str(i) for i in range(1, len(columns) + 1)], rows=body,
                 formats=[MONEY, MONEY, RATE, "@", COUNT, RATE2], widths=[5, 24, 14, 14, 11, 16, 11, 11],
                 notes=[t("report.annex_note", lang, date=fmt.date(as_of, lang),
                          target=fmt.percent(rows["target_rate"].iloc[0], lang))])
