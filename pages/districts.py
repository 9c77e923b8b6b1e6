"""Theo huyện: disbursement vs plan by source and by project, poverty vs target, a map and the table."""

import pandas as pd
import streamlit as st

from figures import charts, fmt, maps
from pages import _ui as ui
from store import metrics

ui.run_through_entrypoint()
lang = ui.lang()
st.title(ui.tr("districts.title"))
facts = ui.facts()
ui.require_data(facts)

year, as_of = ui.year_and_date(facts, "districts")

funding = facts[(facts["year"] == year) & (facts["as_of"] <= as_of) & (facts["dataset"] != "poverty")]
poverty_facts = facts[(facts["year"] == year) & (facts["dataset"] != "funding")]
note = ui.source_note(funding)
by_district = metrics.funding_by_district(facts, year, as_of).set_index("district_code")
poverty = metrics.poverty_by_district(facts)

by_source, by_project = st.tabs([ui.tr("districts.tab_source"), ui.tr("districts.tab_project")])
for tab, by in ((by_source, "source"), (by_project, "project")):
    with tab:
        breakdown = metrics.funding_breakdown(facts, year, as_of, by=by)
        st.plotly_chart(charts.funding_stacked(breakdown, lang, by=by, year=year, as_of=as_of, source_note=note),
                        width="stretch", key=f"funding_{by}")
        ui.caption(funding, year, as_of)

st.plotly_chart(charts.poverty_vs_target(poverty, lang, year=year, source_note=ui.source_note(poverty_facts)),
                width="stretch")
ui.caption(poverty_facts, year)

poverty_year = poverty[poverty["year"] == year].set_index("district_code")
# indicator → (values, kind, colour direction)
indicators = {
    "disbursement_rate": (by_district["disbursement_rate"], "percent", "good"),
    "poor_rate": (poverty_year["poor_rate"], "percent", "bad"),
    "near_poor_rate": (poverty_year["near_poor_rate"], "percent", "bad"),
    "plan": (by_district["plan"], "money", "neutral"),
}
indicator_names = {k: ui.tr(f"districts.indicator_{k}") for k in indicators}
choice = ui.pick(ui.tr("districts.indicator"), list(indicators), "districts_indicator", labels=indicator_names)
values, kind, direction = indicators[choice]
map_facts = funding if choice in ("disbursement_rate", "plan") else poverty_facts
title = ui.tr("districts.map_title", indicator=indicator_names[choice], year=year)
st.plotly_chart(
    maps.district_map(values, lang, indicator=indicator_names[choice], kind=kind, title=title,
                      source_note=ui.source_note(map_facts), direction=direction),
    width="stretch",
)
ui.caption(map_facts, year, as_of if map_facts is funding else None)
st.caption(maps.attribution_text(lang))

st.subheader(ui.tr("districts.table_title", year=year, date=fmt.date(as_of, lang)))
codes = list(by_district.index)


def rates(frame: pd.DataFrame, column: str, digits: int = 1) -> list[str]:
    return [fmt.percent(frame[column].get(c), lang, digits) for c in codes]


table = pd.DataFrame({
    ui.tr("common.district"): [ui.district_label(c) for c in codes],
    ui.tr("districts.col_report"): [fmt.date(d, lang) for d in by_district["report_as_of"]],
    ui.tr("districts.col_plan"): [fmt.number(v, lang) for v in by_district["plan"]],
    ui.tr("districts.col_disbursed"): [fmt.number(v, lang) for v in by_district["disbursed"]],
    ui.tr("districts.col_rate"): rates(by_district, "disbursement_rate"),
    ui.tr("districts.col_target"): rates(by_district, "target_rate"),
    ui.tr("districts.col_poor_rate"): rates(poverty_year, "poor_rate", 2),
    ui.tr("districts.col_target_poor"): rates(poverty_year, "target_poor_rate", 2),
    ui.tr("districts.col_near_poor_rate"): rates(poverty_year, "near_poor_rate", 2),
})
st.dataframe(table, hide_index=True, width="stretch")
ui.caption(facts[facts["year"] == year], year, as_of)
