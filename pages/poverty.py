"""Hộ nghèo: poor and near-poor households and rates per district (or province) and year, with the
scope's total rows."""

import pandas as pd
import streamlit as st

from figures import charts, fmt
from pages import _ui as ui
from store import metrics

TOTAL = "total"

ui.run_through_entrypoint()
lang = ui.lang()
province = ui.scope()
st.title(ui.tr("poverty.title"))
st.caption(ui.scope_label())
poverty_facts = ui.read("poverty_facts", province=province)
ui.require_data(poverty_facts)
by_district = metrics.poverty_by_district(poverty_facts)
if by_district.empty:
    st.info(ui.tr("poverty.no_data"))
    st.stop()
# a province lists its districts; the country its provinces (districts summed up)
unit = "district_code" if province else "province_code"
by_unit = by_district if province else metrics.poverty_roll_up(by_district)

years = sorted(int(y) for y in by_unit["year"].unique())
chosen = ui.pick_many(ui.tr("poverty.years"), years, "poverty_years", default=years)
total = metrics.province_poverty(by_district).assign(**{unit: TOTAL})
# the total row first within each year, then districts (provinces) in code order
frame = pd.concat([total, by_unit], ignore_index=True)
frame = frame[frame["year"].isin(chosen)]
frame = frame.assign(order=frame[unit].ne(TOTAL)).sort_values(["year", "order", unit])


def label(code: str) -> str:
    if code == TOTAL:
        return ui.tr("common.province") if province else ui.tr("common.country")
    return ui.district_label(code) if province else ui.province_label(code)


table = pd.DataFrame({
    ui.tr("common.year"): frame["year"].astype(str),
    ui.tr("common.district" if province else "districts.province_col"): [label(c) for c in frame[unit]],
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

chart_data = by_unit[by_unit["year"].isin(chosen)]
st.plotly_chart(charts.rates_by_year(chart_data, lang, source_note=ui.source_note(poverty_facts), unit=unit),
                width="stretch")
ui.caption(poverty_facts)
