"""Plotly charts of disbursement and poverty, one function per chart (no Streamlit here).

Each function takes frames from ``store.metrics`` and a language, and returns a
``go.Figure`` whose title names the year and reporting date and whose subtitle
names the data source (``source_note``, built by the page from the facts).
Hover texts are formatted by ``figures.fmt`` so they read the Vietnamese way.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from loaders.i18n import t
from loaders.reference import components, sources, unit_label
from store.metrics import TargetStatus, target_status

from . import fmt

# A sober palette: one blue for the data, amber for what needs attention, grey where there is no
# target to judge by (never shown as success).
BLUE = "#1f5f8b"
LIGHT_BLUE = "#9ec5e0"
WARNING = "#d9822b"
NO_TARGET_GREY = "#a6a6a6"
TARGET = "#222222"
PLAN = "#7f7f7f"
# Plotly cuts a title that is wider than the figure: lines of this many characters fit a phone (390 px).
TITLE_WIDTH = 40
# A ranked bar's value label, in units of the 0–105 % axis, at its widest (a phone): the labels sit at the
# bars' start, clear of the target marks, unless a target falls in that span.
LABEL_SPAN = 20
BAR_GAP = 0.2  # plotly's default gap between bars, as a share of each category's slot
BAR_HALF = (1 - BAR_GAP) / 2  # half a vertical bar's width, in category units
PROJECT_ROOM = 1.22  # the amount axis of a project chart runs this far past its longest bar: room for the rate
BAR_BAND = 36  # pixels per ranked bar; the target mark takes part of it, so marks never touch the next bar
SERIES = ["#1f5f8b", "#4d9a6b", "#c9a227", "#8c5a9e", "#c0504d", "#5b8fa8", "#8a8a5c", "#d27fa6"]


# Printed charts are drawn with plotly's own template, named here rather than taken from
# pio.templates.default: Streamlit sets that default to its 'streamlit' template when imported, and
# that template leaves out the axes' automargin, so in the dashboard's process the PDF's axis labels
# were cut to a letter and its legends lay over the axis. A copy, so that nothing else changes it.
PRINT_TEMPLATE = go.layout.Template(pio.templates["plotly"])
PRINT_FONT = {"family": "Noto Sans, DejaVu Sans, sans-serif", "size": 12, "color": "#2a3f5f"}


def for_print(fig: go.Figure, width: int, height: int) -> go.Figure:
    """A copy of ``fig`` for a printed page: fixed template, size, fonts and margins, whatever process draws it."""
    out = go.Figure(fig)  # the caller's figure (perhaps shown or cached) stays as it was
    out.layout.template = PRINT_TEMPLATE  # assigned, not merged into the template the figure was built with
    out.update_layout(width=width, height=height, autosize=False, font=PRINT_FONT, paper_bgcolor="white",
                      plot_bgcolor="white", margin={"autoexpand": True})
    # axis labels and titles push the plot in rather than being cut at the paper's edge; long axis
    # titles ('Giải ngân lũy kế (% kế hoạch vốn)') must fit beside a short printed plot
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True, title_font={"size": 11})
    return out


def _titled(key: str, unit: str) -> str:
    """The title's catalogue key for districts, or its '_provinces' twin when the units are provinces."""
    return f"{key}_provinces" if unit == "province_code" else key


def _bar_marks(fig: go.Figure, names: list[str], values: pd.Series, *, name: str, hover: list[str]) -> None:
    """A plan or target line across each vertical bar, exactly as wide as the bar at any screen width.

    Drawn as shapes in the category axis's own units (bar i spans i ± BAR_HALF), not as a marker of
    fixed pixels, which was wider than the bars on a phone and narrower on a wide screen. An invisible
    scatter carries each mark's hover, and a legend-only line names the marks.
    """
    marks = [{"type": "line", "xref": "x", "yref": "y", "x0": i - BAR_HALF, "x1": i + BAR_HALF, "y0": value, "y1": value,
              "line": {"color": TARGET, "width": 3}, "layer": "above"} for i, value in enumerate(values) if pd.notna(value)]
    # all at once: plotly copies and checks every shape again at each add_shape (3.5 s for the country's 63 bars)
    fig.update_layout(shapes=[*fig.layout.shapes, *marks])
    fig.add_scatter(x=names, y=values, mode="markers", showlegend=False, hovertext=hover, hoverinfo="text",
                    marker={"symbol": "line-ew", "size": 16, "color": "rgba(0,0,0,0)", "line": {"width": 0}})
    fig.add_scatter(x=[None], y=[None], mode="lines", name=name, line={"color": TARGET, "width": 3})


def wrapped(text: str, width: int = TITLE_WIDTH) -> str:
    """A title broken into lines ('<br>') of at most width characters, at spaces, so narrow screens do not cut it."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) if text else text


def title_margin(title: str, subtitle: str) -> int:
    """The top margin (px) that holds a wrapped title and subtitle above the plot."""
    return 36 + 24 * (title.count("<br>") + 1) + (18 * (subtitle.count("<br>") + 1) if subtitle else 0)


def label_positions(rates: pd.Series, targets: pd.Series, span: float = LABEL_SPAN) -> list[str]:
    """Where each ranked bar's value label goes so it never sits on the target mark: 'inside' at the bar's
    start, or 'outside' past its end when the bar is too short or the target falls in the label's span
    (a short bar with its target just past its end keeps the label inside, shrunk to the bar)."""
    out = []
    for rate, target in zip(rates, targets):
        inside_clear = pd.isna(target) or not 0 <= target <= min(span, rate)
        outside_clear = pd.isna(target) or not rate <= target <= rate + span
        out.append("inside" if (rate >= span and inside_clear) or not outside_clear else "outside")
    return out


def _hover(lines: list[str]) -> str:
    return "<br>".join(lines)


def _target_text(value: float, lang: str, digits: int = 1) -> str:
    """A target in a hover: the rate, or 'chưa có chỉ tiêu'."""
    return t("common.no_target", lang) if pd.isna(value) else fmt.percent(value, lang, digits)


STATUS_KEYS = {TargetStatus.ON_TARGET.value: "chart.on_target", TargetStatus.BEHIND.value: "chart.lagging",
               TargetStatus.NO_TARGET.value: "chart.no_target"}


def status_label(status: object, lang: str) -> str:
    """A disbursement TargetStatus in words ('Đạt chỉ tiêu', 'Chậm so với chỉ tiêu', 'Chưa có chỉ tiêu'); '–' if none."""
    key = STATUS_KEYS.get(status) if isinstance(status, str) else None
    return t(key, lang) if key else fmt.MISSING


def _status_traces(status: pd.Series, lang: str, behind_label: str) -> list[tuple[list[int], str, str]]:
    """(positions, legend name, colour) of the bars on target, behind and without target, those present."""
    states = ((TargetStatus.ON_TARGET, t("chart.on_target", lang), BLUE), (TargetStatus.BEHIND, behind_label, WARNING),
              (TargetStatus.NO_TARGET, t("chart.no_target", lang), NO_TARGET_GREY))
    values = status.tolist()
    out = [([i for i, v in enumerate(values) if v == state.value], label, colour) for state, label, colour in states]
    return [trace for trace in out if trace[0]]


def _finish(fig: go.Figure, lang: str, title: str, source_note: str, height: int = 460) -> go.Figure:
    """Title, source subtitle, language separators and a legend that does not cover the data."""
    title, source_note = wrapped(title), wrapped(source_note, TITLE_WIDTH + 15)
    top = title_margin(title, source_note)
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 14}, "subtitle": {"text": source_note}},
        separators=fmt.plotly_separators(lang),
        height=height + top - 90,
        # title and source above; the legend at the foot of the figure pushes the plot up as it wraps
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0, "yanchor": "bottom"},
        hoverlabel={"align": "left"},
        plot_bgcolor="white",
    )
    return fig


def _empty(lang: str, title: str, source_note: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=t("chart.no_data", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, lang, title, source_note, height=260)


def ranked_disbursement(
    by_district: pd.DataFrame, lang: str, *, year: int, as_of: dt.date | None, source_note: str,
    unit: str = "district_code",
) -> go.Figure:
    """Districts (or provinces: unit='province_code') ranked by disbursement rate, the target as a
    marker, lagging bars in amber, bars without a target grey."""
    title = t(_titled("chart.ranked_title", unit), lang, year=year, date=fmt.date(as_of, lang))
    frame = by_district.dropna(subset=["disbursement_rate"]).sort_values("disbursement_rate")
    if frame.empty:
        return _empty(lang, title, source_note)
    # a district without a report on the date shows the date its figures come from
    names = [
        unit_label(getattr(r, unit), lang) if r.reported
        else t("chart.label_as_of", lang, district=unit_label(getattr(r, unit), lang),
               date=fmt.date(r.report_as_of, lang))
        for r in frame.itertuples()
    ]
    hover = []
    for r in frame.itertuples():
        lines = [
            f"<b>{unit_label(getattr(r, unit), lang)}</b>",
            f"{t('chart.disbursement_rate', lang)}: {fmt.percent(r.disbursement_rate, lang)}",
            f"{t('chart.target', lang)}: {_target_text(r.target_rate, lang)}",
            f"{t('chart.disbursed', lang)}: {fmt.money(r.disbursed, lang)}",
            f"{t('chart.plan', lang)}: {fmt.money(r.plan, lang)}",
        ]
        if not r.reported:
            lines.append(t("chart.report_as_of", lang, date=fmt.date(r.report_as_of, lang)))
        hover.append(_hover(lines))
    fig = go.Figure()
    status = target_status(frame["disbursement_rate"], frame["target_rate"])
    places = label_positions(frame["disbursement_rate"], frame["target_rate"])
    band = BAR_BAND if len(names) <= 12 else 22  # 63 provinces: thinner bars
    for idx, label, colour in _status_traces(status, lang, t("chart.lagging", lang)):
        fig.add_bar(
            y=[names[i] for i in idx], x=frame["disbursement_rate"].iloc[idx], orientation="h",
            name=label, marker_color=colour, hovertext=[hover[i] for i in idx], hoverinfo="text",
            text=[fmt.percent(v, lang) for v in frame["disbursement_rate"].iloc[idx]],
            textposition=[places[i] for i in idx], insidetextanchor="start", cliponaxis=False,
        )
    if frame["target_rate"].notna().any():  # no 'Chỉ tiêu' in the legend when there is none
        fig.add_scatter(
            y=names, x=frame["target_rate"], mode="markers", name=t("chart.target", lang),
            # shorter than a bar is thick, so a mark never reaches the next bar
            marker={"symbol": "line-ns", "size": round(band * 0.55), "line": {"width": 3, "color": TARGET}},
            hovertext=hover, hoverinfo="text",
        )
    fig.update_yaxes(categoryorder="array", categoryarray=names)
    fig.update_xaxes(title_text=t("chart.disbursement_rate_axis", lang), range=[0, 105], ticksuffix="%",
                     gridcolor="#e5e5e5")
    # a fixed band per bar, with room below for the axis and a legend that wraps on a phone
    return _finish(fig, lang, title, source_note, height=90 + 150 + band * len(names))


def funding_stacked(
    breakdown: pd.DataFrame,
    lang: str,
    *,
    by: str,
    year: int,
    as_of: dt.date | None,
    source_note: str,
    unit: str = "district_code",
) -> go.Figure:
    """Disbursed per district (or province) stacked by source or project, with each one's plan as a marker."""
    key = "chart.by_source_title" if by == "source" else "chart.by_project_title"
    title = t(key, lang, year=year, date=fmt.date(as_of, lang))
    if breakdown.empty:
        return _empty(lang, title, source_note)
    order = list(sources()) if by == "source" else [c for c, comp in components().items() if comp.level == "project"]
    labels = {c: (sources()[c].label(lang) if by == "source" else components()[c].label(lang)) for c in order}
    codes = sorted(set(breakdown[unit]))
    names = [unit_label(c, lang) for c in codes]
    fig = go.Figure()
    for i, part in enumerate(order):
        sel = breakdown[breakdown[by] == part].groupby(unit)[["plan", "disbursed"]].sum().reindex(codes)
        sel["disbursement_rate"] = sel["disbursed"] / sel["plan"].where(sel["plan"] > 0) * 100
        if sel["plan"].fillna(0).sum() == 0:
            continue
        hover = [
            _hover([
                f"<b>{n}</b> – {labels[part]}",
                f"{t('chart.disbursed', lang)}: {fmt.money(r.disbursed, lang)}",
                f"{t('chart.plan', lang)}: {fmt.money(r.plan, lang)}",
                f"{t('chart.disbursement_rate', lang)}: {fmt.percent(r.disbursement_rate, lang)}",
            ])
            for n, r in zip(names, sel.itertuples())
        ]
        fig.add_bar(x=names, y=sel["disbursed"], name=labels[part], marker_color=SERIES[i % len(SERIES)],
                    hovertext=hover, hoverinfo="text")
    totals = breakdown.groupby(unit)[["plan", "disbursed"]].sum().reindex(codes)
    plan_hover = [
        _hover([
            f"<b>{n}</b>",
            f"{t('chart.plan', lang)}: {fmt.money(r.plan, lang)}",
            f"{t('chart.disbursed', lang)}: {fmt.money(r.disbursed, lang)}",
        ])
        for n, r in zip(names, totals.itertuples())
    ]
    _bar_marks(fig, names, totals["plan"], name=t("chart.plan", lang), hover=plan_hover)
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    fig.update_layout(barmode="stack", bargap=BAR_GAP, legend_traceorder="normal")  # legend in programme order, not stack order
    fig.update_yaxes(title_text=t("chart.amount_axis", lang), gridcolor="#e5e5e5", tickformat=",.0f")
    return _finish(fig, lang, title, source_note, height=500)


def poverty_vs_target(poverty: pd.DataFrame, lang: str, *, year: int, source_note: str,
                      unit: str = "district_code") -> go.Figure:
    """Poverty rate per district (or province) at the end of a year (bars) against its target (markers)."""
    title = t(_titled("chart.poverty_title", unit), lang, year=year)
    frame = poverty[poverty["year"] == year].dropna(subset=["poor_rate"])
    if frame.empty:
        return _empty(lang, title, source_note)
    frame = frame.set_index(unit).sort_index()
    names = [unit_label(c, lang) for c in frame.index]
    status = target_status(frame["poor_rate"], frame["target_poor_rate"], lower_is_better=True)
    hover = [
        _hover([
            f"<b>{n}</b>",
            f"{t('chart.poor_rate', lang)}: {fmt.percent(r.poor_rate, lang, 2)}",
            f"{t('chart.target', lang)}: {_target_text(r.target_poor_rate, lang, 2)}",
            f"{t('chart.poor_households', lang)}: {fmt.number(r.poor_households, lang)}",
            f"{t('chart.households', lang)}: {fmt.number(r.households, lang)}",
        ])
        for n, r in zip(names, frame.itertuples())
    ]
    fig = go.Figure()
    for idx, label, colour in _status_traces(status, lang, t("chart.off_target", lang)):
        fig.add_bar(x=[names[i] for i in idx], y=frame["poor_rate"].iloc[idx], name=label, marker_color=colour,
                    hovertext=[hover[i] for i in idx], hoverinfo="text")
    if frame["target_poor_rate"].notna().any():
        _bar_marks(fig, names, frame["target_poor_rate"], name=t("chart.target", lang), hover=hover)
    # one bar per district, split into traces by status: stacked, so each stays centred on its category
    fig.update_layout(barmode="stack", bargap=BAR_GAP, legend_traceorder="normal")
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    fig.update_yaxes(title_text=t("chart.poor_rate_axis", lang), ticksuffix="%", gridcolor="#e5e5e5")
    return _finish(fig, lang, title, source_note)


def disbursement_curve(
    curves: pd.DataFrame, lang: str, *, district_code: str, as_amount: bool = False, source_note: str
) -> go.Figure:
    """One district's cumulative disbursement inside each year: one line per year, plan and targets."""
    name = unit_label(district_code, lang)
    title = t("chart.curve_title", lang, district=name)
    if curves.empty:
        return _empty(lang, title, source_note)
    fig = go.Figure()
    for i, (year, sel) in enumerate(curves.groupby("year")):
        colour = SERIES[i % len(SERIES)]
        y = sel["disbursed"] if as_amount else sel["disbursement_rate"]
        target = sel["target_rate"] * sel["plan"] / 100 if as_amount else sel["target_rate"]
        hover = [
            _hover([
                f"<b>{name} – {t('chart.year_n', lang, year=year)}</b>",
                t("chart.report_as_of", lang, date=fmt.date(r.as_of, lang)),
                f"{t('chart.disbursed', lang)}: {fmt.money(r.disbursed, lang)}",
                f"{t('chart.plan', lang)}: {fmt.money(r.plan, lang)}",
                f"{t('chart.disbursement_rate', lang)}: {fmt.percent(r.disbursement_rate, lang)}",
                f"{t('chart.target', lang)}: {_target_text(r.target_rate, lang)}",
            ])
            for r in sel.itertuples()
        ]
        dates = pd.to_datetime(sel["as_of"])
        fig.add_scatter(x=dates, y=y, mode="lines+markers", name=t("chart.year_n", lang, year=year),
                        line={"color": colour, "width": 2.5}, hovertext=hover, hoverinfo="text",
                        legendgroup=str(year))
        plan = sel["plan"].max() if as_amount else 100.0
        fig.add_scatter(x=[dates.min(), dates.max()], y=[plan, plan], mode="lines", showlegend=False,
                        line={"color": colour, "width": 1, "dash": "dash"}, hoverinfo="skip", legendgroup=str(year))
        # one legend entry for the targets of every year, and none where no year has a target
        first_target = target.notna().any() and not any(tr.legendgroup == "target" and tr.showlegend for tr in fig.data)
        fig.add_scatter(x=dates, y=target, mode="markers", showlegend=bool(first_target), name=t("chart.target", lang),
                        legendrank=1001,
                        marker={"symbol": "x-thin", "size": 9, "line": {"width": 2, "color": TARGET}},
                        hovertext=hover, hoverinfo="text", legendgroup="target")
    if as_amount:
        fig.update_yaxes(title_text=t("chart.amount_axis", lang), gridcolor="#e5e5e5", tickformat=",.0f")
    else:
        fig.update_yaxes(title_text=t("chart.curve_axis_rate", lang), ticksuffix="%", gridcolor="#e5e5e5")
    fig.update_xaxes(title_text=t("chart.date", lang), tickformat="%m/%Y" if lang == "vi" else "%b %Y")
    span = pd.to_datetime(curves["as_of"])
    if (span.max() - span.min()).days < 190:  # a few months: one tick a month (auto ticks repeat '10/2017'),
        # each label under its month, so a report of 30/09 sits inside '09/2017', not at the '10/2017' tick
        fig.update_xaxes(dtick="M1", ticklabelmode="period",
                         range=[span.min() - pd.Timedelta(days=20), span.max() + pd.Timedelta(days=20)])
    # one legend entry explains the dashed plan lines of all years
    fig.add_scatter(x=[None], y=[None], mode="lines", name=t("chart.plan_dashed", lang), legendrank=1002,
                    line={"color": PLAN, "width": 1, "dash": "dash"})
    return _finish(fig, lang, title, source_note)


def poverty_trend(poverty: pd.DataFrame, lang: str, *, district_code: str, source_note: str) -> go.Figure:
    """One district's poor and near-poor rates by year against its target poverty rate."""
    name = unit_label(district_code, lang)
    frame = poverty[poverty["district_code"] == district_code].sort_values("year")
    if frame.empty:
        return _empty(lang, t("chart.trend_title_none", lang, district=name), source_note)
    title = t("chart.trend_title", lang, district=name, first=frame["year"].min(), last=frame["year"].max())
    hover = [
        _hover([
            f"<b>{name} – {t('chart.year_n', lang, year=r.year)}</b>",
            f"{t('chart.poor_rate', lang)}: {fmt.percent(r.poor_rate, lang, 2)}",
            f"{t('chart.target', lang)}: {_target_text(r.target_poor_rate, lang, 2)}",
            f"{t('chart.near_poor_rate', lang)}: {fmt.percent(r.near_poor_rate, lang, 2)}",
            f"{t('chart.poor_households', lang)}: {fmt.number(r.poor_households, lang)}",
        ])
        for r in frame.itertuples()
    ]
    fig = go.Figure()
    fig.add_scatter(x=frame["year"], y=frame["poor_rate"], mode="lines+markers", name=t("chart.poor_rate", lang),
                    line={"color": BLUE, "width": 3}, hovertext=hover, hoverinfo="text")
    fig.add_scatter(x=frame["year"], y=frame["near_poor_rate"], mode="lines+markers",
                    name=t("chart.near_poor_rate", lang), line={"color": LIGHT_BLUE, "width": 2},
                    hovertext=hover, hoverinfo="text")
    fig.add_scatter(x=frame["year"], y=frame["target_poor_rate"], mode="markers", name=t("chart.target", lang),
                    marker={"symbol": "line-ew", "size": 24, "line": {"width": 3, "color": TARGET}},
                    hovertext=hover, hoverinfo="text")
    fig.update_xaxes(title_text=t("chart.year", lang), dtick=1, tickformat="d")
    fig.update_yaxes(title_text=t("chart.rate_axis", lang), ticksuffix="%", rangemode="tozero", gridcolor="#e5e5e5")
    return _finish(fig, lang, title, source_note)


def project_breakdown(
    breakdown: pd.DataFrame, lang: str, *, district_code: str, year: int, as_of: dt.date | None, source_note: str
) -> go.Figure:
    """One district's plan and disbursed per project in a year (grouped horizontal bars)."""
    name = unit_label(district_code, lang)
    title = t("chart.project_title", lang, district=name, year=year, date=fmt.date(as_of, lang))
    frame = breakdown[(breakdown["district_code"] == district_code) & (breakdown["plan"] > 0)]
    if frame.empty:
        return _empty(lang, title, source_note)
    order = [c for c in components() if c in set(frame["project"])]
    frame = frame.set_index("project").reindex(order[::-1])
    labels = [components()[c].label(lang) for c in frame.index]
    hover = [
        _hover([
            f"<b>{label}</b>",
            f"{t('chart.plan', lang)}: {fmt.money(r.plan, lang)}",
            f"{t('chart.disbursed', lang)}: {fmt.money(r.disbursed, lang)}",
            f"{t('chart.disbursement_rate', lang)}: {fmt.percent(r.disbursement_rate, lang)}",
        ])
        for label, r in zip(labels, frame.itertuples())
    ]
    fig = go.Figure()
    # horizontal groups stack their bars bottom-up: disbursed first puts the plan on top
    fig.add_bar(y=labels, x=frame["disbursed"], orientation="h", name=t("chart.disbursed", lang), marker_color=BLUE,
                hovertext=hover, hoverinfo="text", legendrank=2,
                text=[fmt.percent(v, lang) for v in frame["disbursement_rate"]], textposition="outside",
                cliponaxis=False)
    fig.add_bar(y=labels, x=frame["plan"], orientation="h", name=t("chart.plan", lang), marker_color=LIGHT_BLUE,
                hovertext=hover, hoverinfo="text", legendrank=1)
    fig.update_layout(barmode="group")
    # room past the longest bar for its rate label ('97,8%'), which was cut at the plot's edge on a phone
    widest = float(frame[["plan", "disbursed"]].max().max())
    fig.update_xaxes(title_text=t("chart.amount_axis", lang), gridcolor="#e5e5e5", tickformat=",.0f",
                     range=[0, widest * PROJECT_ROOM])
    return _finish(fig, lang, title, source_note, height=420)


def rates_by_year(poverty: pd.DataFrame, lang: str, *, source_note: str, unit: str = "district_code") -> go.Figure:
    """Poor (left) and near-poor (right) rates per district (or province) by year, one line each."""
    years = sorted(poverty["year"].unique()) if not poverty.empty else []
    title = t(_titled("chart.rates_title", unit), lang, first=years[0] if years else "",
              last=years[-1] if years else "")
    if poverty.empty:
        return _empty(lang, title, source_note)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("chart.poor_rate", lang), t("chart.near_poor_rate", lang)),
                        horizontal_spacing=0.14)
    for i, code in enumerate(sorted(set(poverty[unit]))):
        sel = poverty[poverty[unit] == code].sort_values("year")
        name = unit_label(code, lang)
        for col, column in ((1, "poor_rate"), (2, "near_poor_rate")):
            label = t("chart.poor_rate" if col == 1 else "chart.near_poor_rate", lang)
            hover = [
                _hover([f"<b>{name} – {t('chart.year_n', lang, year=r.year)}</b>",
                        f"{label}: {fmt.percent(getattr(r, column), lang, 2)}"])
                for r in sel.itertuples()
            ]
            fig.add_scatter(x=sel["year"], y=sel[column], mode="lines+markers", name=name, legendgroup=code,
                            showlegend=col == 1, line={"color": SERIES[i % len(SERIES)], "width": 2},
                            hovertext=hover, hoverinfo="text", row=1, col=col)
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(ticksuffix="%", rangemode="tozero", gridcolor="#e5e5e5")
    # each panel's title starts at its panel's left edge, so on a phone the two never run together; the
    # legend stays at the foot (as in every chart), leaving the panels the figure's whole width
    for note in fig.layout.annotations:
        note.update(x=fig.layout.xaxis.domain[0] if note.text == t("chart.poor_rate", lang)
                    else fig.layout.xaxis2.domain[0], xanchor="left", font={"size": 13})
    fig = _finish(fig, lang, title, source_note, height=560)
    fig.update_layout(margin_t=fig.layout.margin.t + 26)  # the panel titles sit between the source line and the plots
    return fig
