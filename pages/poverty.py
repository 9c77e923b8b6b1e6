"""Hộ nghèo: poor and near-poor households and rates per district and year, with province rows."""

import pandas as pd
import streamlit as st

from figures import charts, fmt
from pages import _ui as ui
from store import metrics

PROVINCE = "province"

ui.run_through_entrypoint()
lang = ui.lang()
st.title(ui.tr("poverty.title"))
facts = ui.facts()
ui.require_data(facts)
poverty_facts = facts[facts["dataset"] != "funding"]
by_district = metrics.poverty_by_district(facts)
if by_district.empty:
    st.info(ui.tr("poverty.no_data"))
    st.stop()

years = sorted(int(y) for y in by_district["year"].unique())
chosen = ui.pick_many(ui.tr("poverty.years"), years, "poverty_years", default=years)
province = metrics.province_poverty(by_district).assign(district_code=PROVINCE)
# a year no district reported escapes for (the 2015 baseline) has no total, not a total of 0
escaped = by_district.groupby("year")["escaped_poverty"].sum(min_count=1)
province["escaped_poverty"] = province["year"].map(escaped)
# province row first within each year, then districts in code order
frame = pd.concat([province, by_district], ignore_index=True)
frame = frame[frame["year"].isin(chosen)]
frame = frame.assign(order=frame["district_code"].ne(PROVINCE)).sort_values(["year", "order", "district_code"])


table = pd.DataFrame({
    ui.tr("common.year"): frame["year"].astype(str),
    ui.tr("common.district"): [ui.tr("common.province") if c == PROVINCE else ui.district_label(c)
                               for c in frame["district_code"]],
    ui.tr("poverty.households"): [fmt.number(v, lang) for v in frame["households"]],
    ui.tr("poverty.poor"): [fmt.number(v, lang) for v in frame["poor_households"]],
    ui.tr("poverty.poor_rate"): [fmt.percent(v, lang, 2) for v in frame["poor_rate"]],
    ui.tr("poverty.target"): [fmt.percent(v, lang, 2) for v in frame["target_poor_rate"]],
    ui.tr("poverty.near_poor"): [fmt.number(v, lang) for v in frame["near_poor_households"]],
    ui.tr("poverty.near_poor_rate"): [fmt.percent(v, lang, 2) for v in frame["near_poor_rate"]],
    ui.tr("poverty.escaped"): [fmt.number(v, lang) for v in frame["escaped_poverty"]],
})
st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 600))
st.caption(ui.tr("poverty.table_note"))
ui.caption(poverty_facts)

chart_data = by_district[by_district["year"].isin(chosen)]
st.plotly_chart(charts.rates_by_year(chart_data, lang, source_note=ui.source_note(poverty_facts)), width="stretch")
ui.caption(poverty_facts)
