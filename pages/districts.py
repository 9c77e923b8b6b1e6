"""Theo huyện: disbursement vs plan by source and by project, poverty vs target, a map and the table,
for the districts of a province, or for the provinces of the country."""

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from figures import charts, fmt, maps
from loaders.reference import is_province_level, province_of
from pages import _ui as ui
from store import metrics

ui.run_through_entrypoint()
lang = ui.lang()
province = ui.scope()
st.title(ui.tr("districts.title"))
st.caption(ui.scope_label())
ui.require_data(bool(ui.read("years_present", None, province=province)))

year, as_of = ui.year_and_date("districts")


def build(province: str | None, year: int, as_of: dt.date | None, lang: str) -> dict[str, Any]:
    """Charts and table of a scope, year and date (kept by ui.view until the data change)."""
    codes = ui.districts_in(province)
    # one read keeping project and source serves the totals and both breakdowns (store.metrics takes the
    # grain each needs), and says which values its districts' communes reported (by_commune)
    funding = ui.query("funding_facts", year, as_of, province=province, keep="both")
    targets = ui.query("target_facts", year, as_of, province=province)
    poverty_facts = ui.query("poverty_facts", province=province)
    # the review this date shows (store.metrics.poverty_review_at: the one rule of every page and report)
    review_year, _ = metrics.poverty_review_at(poverty_facts, year, as_of or dt.date(year, 12, 31))
    poverty_year_facts = poverty_facts[poverty_facts["year"] == review_year]
    note = ui.source_note(funding, targets)
    by_district = metrics.funding_by_district(pd.concat([funding, targets]), year, as_of, codes)
    poverty = metrics.poverty_by_district(poverty_facts)
    # a province shows its districts; the country shows its provinces (districts summed up)
    unit = "district_code" if province else "province_code"
    by_unit = (by_district if province else metrics.roll_up(by_district)).set_index(unit)
    poverty_units = poverty if province else metrics.poverty_roll_up(poverty)
    poverty_year = poverty_units[poverty_units["year"] == review_year].set_index(unit)
    out: dict[str, Any] = {"unit": unit, "by_unit": by_unit, "poverty_year": poverty_year, "review_year": review_year,
                           "funding_caption": ui.caption_text([funding, targets], year, as_of),
                           "poverty_caption": ui.sentences(ui.caption_text(poverty_year_facts, review_year),
                                                           ui.poverty_review_note(review_year, as_of)),
                           "table_caption": ui.caption_text([funding, targets, poverty_year_facts], year, as_of),
                           "map_notes": {"funding": ui.source_note(funding, targets),
                                         "poverty": ui.source_note(poverty_year_facts)}}
    for by in ("source", "project"):
        breakdown = metrics.funding_breakdown(funding, year, as_of, by=by)
        if not province:
            breakdown["province_code"] = breakdown["district_code"].map(province_of)
        out[by] = charts.funding_stacked(breakdown, lang, by=by, year=year, as_of=as_of, source_note=note, unit=unit)
        # units whose money has no such breakdown (one total) are no bar of this chart: name them
        label = ui.district_label if province else ui.province_label
        drawn = set(breakdown[unit]) if unit in breakdown else set()
        without = [label(c) for c, plan in by_unit["plan"].items() if pd.notna(plan) and plan > 0 and c not in drawn]
        out[f"{by}_without"] = ui.tr(f"districts.without_{by}", units=", ".join(without)) if without else None
    # the province's own level (its agencies) is in the table and the totals but has no place on the map
    own = by_district[by_district["district_code"].map(is_province_level) & by_district["plan"].notna()]
    out["map_outside"] = (ui.tr("districts.map_province_level", plan=fmt.money(float(own["plan"].sum()), lang))
                          if province and not own.empty else None)
    # what share of each district's plan its communes report (the rest is the district's own figure)
    by_commune = metrics.funding_by_district(funding[funding["by_commune"]], year, as_of, codes)
    # of the district's own latest report date: communes' figures of an earlier date are no part of it
    same_date = by_commune["report_as_of"].to_numpy() == by_district["report_as_of"].to_numpy()
    by_commune["plan"] = by_commune["plan"].where(same_date)
    commune_plan = (by_commune if province else metrics.roll_up(by_commune)).set_index(unit)["plan"]
    out["commune_share"] = (commune_plan.reindex(by_unit.index) / by_unit["plan"].where(by_unit["plan"] > 0) * 100
                            if commune_plan.notna().any() else None)
    out["poverty"] = charts.poverty_vs_target(poverty_units, lang, year=review_year or year, unit=unit,
                                              source_note=ui.source_note(poverty_year_facts))

    def rates(frame: pd.DataFrame, column: str, digits: int = 1) -> list[str]:
        return [fmt.percent(frame[column].get(c), lang, digits) for c in by_unit.index]

    def target_texts(frame: pd.DataFrame, column: str, result: str, digits: int = 1) -> list[str]:
        # a result without a target says so; '–' only where there is nothing at all
        return [ui.tr("common.no_target") if pd.isna(frame[column].get(c)) and pd.notna(frame[result].get(c))
                else fmt.percent(frame[column].get(c), lang, digits) for c in by_unit.index]

    label = ui.district_label if province else ui.province_label
    out["table"] = pd.DataFrame({
        ui.tr("common.district" if province else "districts.province_col"): [label(c) for c in by_unit.index],
        ui.tr("districts.col_report"): [fmt.date(d, lang) for d in by_unit["report_as_of"]],
        ui.tr("districts.col_plan"): fmt.numbers(by_unit["plan"], lang),
        ui.tr("districts.col_disbursed"): fmt.numbers(by_unit["disbursed"], lang),
        ui.tr("districts.col_rate"): rates(by_unit, "disbursement_rate"),
        ui.tr("districts.col_target"): target_texts(by_unit, "target_rate", "disbursement_rate"),
        ui.tr("districts.col_poor_rate"): rates(poverty_year, "poor_rate", 2),
        ui.tr("districts.col_target_poor"): target_texts(poverty_year, "target_poor_rate", "poor_rate", 2),
        ui.tr("districts.col_near_poor_rate"): rates(poverty_year, "near_poor_rate", 2),
    })
    if out["commune_share"] is not None:  # only once some district reports by commune
        out["table"][ui.tr("districts.col_commune_share")] = [
            fmt.percent(v, lang) if pd.notna(v) else fmt.percent(0.0, lang) if pd.notna(p) else fmt.MISSING
            for v, p in zip(out["commune_share"], by_unit["plan"])]
    return out


shown = ui.view(build, province, year, as_of, lang)
by_source, by_project = st.tabs([ui.tr("districts.tab_source"), ui.tr("districts.tab_project")])
for tab, by in ((by_source, "source"), (by_project, "project")):
    with tab:
        st.plotly_chart(shown[by], width="stretch", key=f"funding_{by}")
        st.caption(ui.sentences(shown["funding_caption"], shown[f"{by}_without"] or ""))

st.plotly_chart(shown["poverty"], width="stretch")
st.caption(shown["poverty_caption"])

INDICATORS = {  # indicator → (frame, column, kind, colour direction)
    "disbursement_rate": ("by_unit", "disbursement_rate", "percent", "good"),
    "poor_rate": ("poverty_year", "poor_rate", "percent", "bad"),
    "near_poor_rate": ("poverty_year", "near_poor_rate", "percent", "bad"),
    "plan": ("by_unit", "plan", "money", "neutral"),
}


def draw_map(province: str, year: int, as_of: dt.date | None, lang: str, choice: str) -> Any:
    """The map of one indicator (kept by ui.view until the data change)."""
    frame, column, kind, direction = INDICATORS[choice]
    name = ui.tr(f"districts.indicator_{choice}")
    built = ui.view(build, province, year, as_of, lang)
    # funding as of the date; poverty as of the review that date shows (named in the title)
    review = frame == "poverty_year"
    return maps.district_map(built[frame][column], lang, indicator=name, kind=kind,
                             year=(built["review_year"] or year) if review else year, as_of=as_of, review=review,
                             source_note=shown["map_notes"]["funding" if frame == "by_unit" else "poverty"],
                             direction=direction)


if province and maps.covers(ui.scope_districts()):
    indicator_names = {k: ui.tr(f"districts.indicator_{k}") for k in INDICATORS}
    choice = ui.pick(ui.tr("districts.indicator"), list(INDICATORS), "districts_indicator", labels=indicator_names)
    st.plotly_chart(ui.view(draw_map, province, year, as_of, lang, choice), width="stretch")
    if INDICATORS[choice][0] == "by_unit":
        st.caption(ui.sentences(shown["funding_caption"], shown["map_outside"] or ""))
    else:
        st.caption(shown["poverty_caption"])
    st.caption(maps.attribution_text(lang))
else:
    st.info(ui.tr("districts.no_map", scope=ui.scope_label()))

st.subheader(ui.tr("districts.table_title" if province else "districts.table_title_provinces", year=year,
                   date=fmt.date(as_of, lang)))
# short money headings (the unit in the caption, the full heading on hover) so no column is cut off the
# right edge; the name column stays in view when a phone scrolls the table sideways
short = {ui.tr("districts.col_plan"): ui.tr("chart.plan"), ui.tr("districts.col_disbursed"): ui.tr("chart.disbursed")}
st.caption(ui.tr("districts.table_unit"))
st.dataframe(shown["table"], hide_index=True, width="stretch", column_config={
    column: st.column_config.TextColumn(short.get(column, column), help=column, pinned=i == 0)
    for i, column in enumerate(shown["table"].columns)})
st.caption(ui.sentences(shown["table_caption"], ui.poverty_review_note(shown["review_year"], as_of)))
