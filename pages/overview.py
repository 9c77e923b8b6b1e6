"""Tổng quan: KPIs of the scope (a province or the country) for a year and reporting date, its
districts (or provinces) ranked, late and lagging ones."""

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from figures import charts, fmt
from pages import _ui as ui
from store import metrics

LISTED = 10  # lagging provinces listed by name, slowest first

ui.run_through_entrypoint()
lang = ui.lang()
province = ui.scope()
st.title(ui.tr("overview.title"))
st.caption(ui.tr("overview.subtitle", scope=ui.scope_label()))
ui.require_data(bool(ui.read("years_present", None, province=province)))

year, as_of = ui.year_and_date("overview")

ui.report_downloads(year, as_of)


def build(province: str | None, year: int, as_of: dt.date | None, lang: str) -> dict[str, Any]:
    """What the page shows for a scope, year and date (kept by ui.view until the data change)."""
    funding = ui.query("funding_facts", year, as_of, province=province)
    targets = ui.query("target_facts", year, as_of, province=province)
    poverty_facts = ui.query("poverty_facts", province=province)
    by_district = metrics.funding_by_district(pd.concat([funding, targets]), year, as_of, ui.districts_in(province))
    poverty = metrics.province_poverty(metrics.poverty_by_district(poverty_facts))
    # the review this date shows (store.metrics.poverty_review_at: the one rule of every page and report)
    review_year, _ = metrics.poverty_review_at(poverty_facts, year, as_of or dt.date(year, 12, 31))
    # the facts behind this page's figures, for the source note
    used = [funding, targets, poverty_facts[poverty_facts["year"] == review_year]]
    # a province shows its districts; the country shows its provinces (districts summed up)
    units, unit = (by_district, "district_code") if province else (metrics.roll_up(by_district), "province_code")
    note = ui.source_note(*used)
    return {
        "totals": metrics.province_funding(by_district), "poverty_year": poverty[poverty["year"] == review_year],
        "review_year": review_year,
        "units": units, "note": note, "caption": ui.caption_text(used, year, as_of),
        "chart": charts.ranked_disbursement(units, lang, year=year, as_of=as_of, source_note=note, unit=unit),
    }


shown = ui.view(build, province, year, as_of, lang)
totals, poverty_year, units = shown["totals"], shown["poverty_year"], shown["units"]


def target_text(target: float, digits: int = 1) -> str:
    """A target as shown beside the cards: the rate, or 'chưa có chỉ tiêu' (never a bare '–')."""
    return ui.tr("common.no_target") if pd.isna(target) else fmt.percent(target, lang, digits)


def gap(value: float, target: float, digits: int = 1) -> str | None:
    """The card's delta against its target; none (no arrow) when either is missing."""
    return None if pd.isna(value) or pd.isna(target) else fmt.points(value - target, lang, digits)


target_rate = target_text(totals["target_rate"])
c1, c2, c3, c4 = st.columns(4)
poor = poverty_year.iloc[0] if not poverty_year.empty else None
target_poor = target_text(poor["target_poor_rate"] if poor is not None else float("nan"), 2)
review_year = shown["review_year"]


def card_label(label: str, unit: str) -> str:
    """A card's label with its unit, inside the card (the targets are stated in the line below)."""
    return ui.tr("overview.card_label", label=label, unit=ui.tr(unit))


# every card as tall as the tallest (a card with an arrow used to stand taller than one without), its label whole
ui.card_style()
c1.metric(card_label(ui.tr("overview.plan", year=year), "common.million_vnd"), fmt.number(totals["plan"], lang),
          border=True, height="stretch")
c2.metric(card_label(ui.tr("overview.disbursed", date=fmt.date(as_of, lang)), "common.million_vnd"),
          fmt.number(totals["disbursed"], lang), border=True, height="stretch")
c3.metric(card_label(ui.tr("overview.rate"), "overview.unit_rate"), fmt.percent(totals["disbursement_rate"], lang),
          border=True, height="stretch", delta=gap(totals["disbursement_rate"], totals["target_rate"]),
          help=ui.tr("overview.target_help", target=target_rate))
c4.metric(card_label(ui.tr("overview.poor_rate", year=review_year) if review_year else ui.tr("overview.poor_rate_none"),
                     "overview.unit_poor_rate"),
          fmt.percent(poor["poor_rate"] if poor is not None else None, lang, 2),
          delta=gap(poor["poor_rate"], poor["target_poor_rate"], 2) if poor is not None else None,
          delta_color="inverse", border=True, height="stretch", help=ui.tr("overview.target_help", target=target_poor))
st.caption(ui.tr("overview.kpi_note", date=fmt.date(as_of, lang), year=review_year or "–", target=target_rate,
                 target_poor=target_poor) + " " + ui.sentences(ui.poverty_review_note(review_year, as_of), shown["note"]))

chart_col, list_col = st.columns([3, 2])
with chart_col:
    st.plotly_chart(shown["chart"], width="stretch")
    st.caption(shown["caption"])
with list_col:
    st.subheader(ui.tr("overview.attention"))
    units = metrics.districts_only(units)  # districts (or provinces) to judge; a province's own level is none
    missing = units[~units["reported"]]
    if missing.empty:
        st.success(ui.tr("overview.all_reported" if province else "overview.all_reported_provinces",
                         date=fmt.date(as_of, lang)))
    elif province:
        names = ", ".join(ui.district_label(c, long=True) for c in missing["district_code"])
        st.error(ui.tr("overview.not_reported", date=fmt.date(as_of, lang), districts=names))
    else:
        names = ", ".join(ui.tr("overview.province_missing", province=ui.province_label(r.province_code), n=r.not_reported)
                          for r in missing.itertuples())
        st.error(ui.tr("overview.not_reported_provinces", date=fmt.date(as_of, lang), n=len(missing), provinces=names))
    lagging = units[units["status"] == metrics.TargetStatus.BEHIND.value].sort_values("disbursement_rate")
    judged = int((units["status"] == metrics.TargetStatus.ON_TARGET.value).sum()) + len(lagging)
    without = int((units["status"] == metrics.TargetStatus.NO_TARGET.value).sum())
    if lagging.empty:
        if judged:  # 'none lagging' only when some have a target to lag behind
            st.success(ui.tr("overview.none_lagging" if province else "overview.none_lagging_provinces"))
    elif province:
        st.warning(ui.tr("overview.lagging", n=len(lagging), date=fmt.date(as_of, lang)))
        st.markdown("\n".join(
            ui.tr("overview.lagging_row", district=ui.district_label(r.district_code),
                  rate=fmt.percent(r.disbursement_rate, lang), target=fmt.percent(r.target_rate, lang),
                  gap=fmt.points(r.disbursement_rate - r.target_rate, lang))
            for r in lagging.itertuples()
        ))
    else:
        st.warning(ui.tr("overview.lagging_provinces", n=len(lagging), date=fmt.date(as_of, lang)))
        st.markdown("\n".join(
            ui.tr("overview.lagging_province_row", province=ui.province_label(r.province_code),
                  rate=fmt.percent(r.disbursement_rate, lang), target=fmt.percent(r.target_rate, lang),
                  gap=fmt.points(r.disbursement_rate - r.target_rate, lang), n=r.lagging_districts)
            for r in lagging.head(LISTED).itertuples()
        ))
        if len(lagging) > LISTED:  # the chart shows them all
            st.caption(ui.tr("overview.more_provinces", n=len(lagging) - LISTED))
    if without:  # a missing target is not success: say how many cannot be judged
        st.info(ui.tr("overview.no_target" if province else "overview.no_target_provinces", n=without))
