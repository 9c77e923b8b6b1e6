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
ui.require_data(bool(ui.read("years_present", None, province=ui.scope())))

left, _ = st.columns([1, 3])
with left:
    code = ui.district_select(key="profile_district")
funding_facts = ui.read("funding_facts", latest=False, district=code)
target_facts = ui.read("target_facts", district=code)
poverty_facts = ui.read("poverty_facts", district=code)
if funding_facts.empty and poverty_facts.empty:
    st.info(ui.tr("profile.no_data", district=ui.district_label(code, long=True)))
    st.stop()

st.subheader(ui.tr("profile.curves"))
units = {False: ui.tr("profile.unit_rate"), True: ui.tr("profile.unit_amount")}
as_amount = ui.pick(ui.tr("profile.curve_unit"), list(units), "profile_unit", labels=units, radio=True)
curves = metrics.disbursement_curves(pd.concat([funding_facts, target_facts]), code)
st.plotly_chart(charts.disbursement_curve(curves, lang, district_code=code, as_amount=as_amount,
                                          source_note=ui.source_note(funding_facts, target_facts)), width="stretch")
ui.caption([funding_facts, target_facts])

poverty = metrics.poverty_by_district(poverty_facts)
st.plotly_chart(charts.poverty_trend(poverty, lang, district_code=code, source_note=ui.source_note(poverty_facts)),
                width="stretch")
ui.caption(poverty_facts)

st.subheader(ui.tr("profile.projects"))
col_year, _ = st.columns([1, 3])
with col_year:
    year = ui.year_select(ui.read("years_present", "funding", district=code), key="profile_year")
if year is None:
    st.info(ui.tr("common.no_funding"))
else:
    year_facts = funding_facts[funding_facts["year"] == year]
    as_of = year_facts["as_of"].max()
    ui.report_downloads(year, None, district_code=code)
    parts = ui.read("funding_facts", year, district=code, keep="component")
    breakdown = metrics.funding_breakdown(parts, year, None, by="project")
    st.plotly_chart(charts.project_breakdown(breakdown, lang, district_code=code, year=year, as_of=as_of,
                                             source_note=ui.source_note(parts)), width="stretch")
    ui.caption(parts, year, as_of)

flags = {str(y): v for (c, y), v in sorted(status_30a().items()) if c == code}
if flags:
    st.subheader(ui.tr("profile.status_30a"))
    row = {ui.tr("common.year"): ui.tr("profile.is_30a"),
           **{y: ui.tr("common.yes" if v else "common.no") for y, v in flags.items()}}
    st.dataframe(pd.DataFrame([row]), hide_index=True)
    st.caption(ui.tr("profile.status_30a_source"))
