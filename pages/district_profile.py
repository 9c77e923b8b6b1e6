"""Hồ sơ huyện: one district's disbursement curves, poverty trend, projects and 30a status."""

import pandas as pd
import streamlit as st

from figures import charts
from loaders.reference import status_30a
from pages import _ui as ui
from store import metrics

ui.run_through_entrypoint()
lang = ui.lang()
st.title(ui.tr("profile.title"))
facts = ui.facts()
ui.require_data(facts)

left, _ = st.columns([1, 3])
with left:
    code = ui.district_select(key="profile_district")
district_facts = facts[facts["district_code"] == code]
if district_facts.empty:
    st.info(ui.tr("profile.no_data", district=ui.district_label(code, long=True)))
    st.stop()
funding_facts = district_facts[district_facts["dataset"] != "poverty"]
poverty_facts = district_facts[district_facts["dataset"] != "funding"]

st.subheader(ui.tr("profile.curves"))
units = {False: ui.tr("profile.unit_rate"), True: ui.tr("profile.unit_amount")}
as_amount = ui.pick(ui.tr("profile.curve_unit"), list(units), "profile_unit", labels=units, radio=True)
curves = metrics.disbursement_curves(facts, code)
st.plotly_chart(charts.disbursement_curve(curves, lang, district_code=code, as_amount=as_amount,
                                          source_note=ui.source_note(funding_facts)), width="stretch")
ui.caption(funding_facts)

poverty = metrics.poverty_by_district(facts)
st.plotly_chart(charts.poverty_trend(poverty, lang, district_code=code, source_note=ui.source_note(poverty_facts)),
                width="stretch")
ui.caption(poverty_facts)

st.subheader(ui.tr("profile.projects"))
col_year, _ = st.columns([1, 3])
with col_year:
    year = ui.year_select(metrics.years(district_facts), key="profile_year")
if year is None:
    st.info(ui.tr("common.no_funding"))
else:
    year_facts = funding_facts[funding_facts["year"] == year]
    as_of = year_facts["as_of"].max()
    ui.report_downloads(year, None, district_code=code)
    breakdown = metrics.funding_breakdown(district_facts, year, None, by="project")
    st.plotly_chart(charts.project_breakdown(breakdown, lang, district_code=code, year=year, as_of=as_of,
                                             source_note=ui.source_note(year_facts)), width="stretch")
    ui.caption(year_facts, year, as_of)

st.subheader(ui.tr("profile.status_30a"))
flags = {str(y): v for (c, y), v in sorted(status_30a().items()) if c == code}
row = {ui.tr("common.year"): ui.tr("profile.is_30a"), **{y: ui.tr("common.yes" if v else "common.no") for y, v in flags.items()}}
st.dataframe(pd.DataFrame([row]), hide_index=True)
st.caption(ui.tr("profile.status_30a_source"))
