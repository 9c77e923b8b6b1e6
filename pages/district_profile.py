"""Hồ sơ huyện: one district's disbursement curves, poverty trend, projects at a reporting date and 30a status."""

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from figures import charts, fmt
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


def build(code: str, as_amount: bool, lang: str) -> dict[str, Any]:
    """The district's curves and poverty trend (kept by ui.view until the data change)."""
    funding_facts = ui.query("funding_facts", latest=False, district=code)
    target_facts = ui.query("target_facts", district=code)
    poverty_facts = ui.query("poverty_facts", district=code)
    curves = metrics.disbursement_curves(pd.concat([funding_facts, target_facts]), code)
    poverty = metrics.poverty_by_district(poverty_facts)
    return {
        "empty": funding_facts.empty and poverty_facts.empty,
        "curves": charts.disbursement_curve(curves, lang, district_code=code, as_amount=as_amount,
                                            source_note=ui.source_note(funding_facts, target_facts)),
        "curves_caption": ui.caption_text([funding_facts, target_facts]),
        "trend": charts.poverty_trend(poverty, lang, district_code=code, source_note=ui.source_note(poverty_facts)),
        "trend_caption": ui.caption_text(poverty_facts),
    }


def build_year(code: str, year: int, as_of: dt.date | None, lang: str) -> dict[str, Any]:
    """The district's projects in its latest report of a year on or before as_of (kept by ui.view until the data change)."""
    parts = ui.query("funding_facts", year, as_of, district=code, keep="component")
    reported = parts["as_of"].max() if not parts.empty else None  # the district's own date: maybe before as_of
    breakdown = metrics.funding_breakdown(parts, year, reported, by="project")
    return {"chart": charts.project_breakdown(breakdown, lang, district_code=code, year=year, as_of=reported,
                                              source_note=ui.source_note(parts)),
            "caption": ui.caption_text(parts, year, reported), "reported": reported}


units = {False: ui.tr("profile.unit_rate"), True: ui.tr("profile.unit_amount")}
st.subheader(ui.tr("profile.curves"))
as_amount = ui.pick(ui.tr("profile.curve_unit"), list(units), "profile_unit", labels=units, radio=True)
shown = ui.view(build, code, as_amount, lang)
if shown["empty"]:
    st.info(ui.tr("profile.no_data", district=ui.district_label(code, long=True)))
    st.stop()
st.plotly_chart(shown["curves"], width="stretch")
st.caption(shown["curves_caption"])
st.plotly_chart(shown["trend"], width="stretch")
st.caption(shown["trend_caption"])

st.subheader(ui.tr("profile.projects"))
if not ui.read("years_present", "funding", province=ui.scope()):
    st.info(ui.tr("common.no_funding"))
else:
    year, as_of = ui.year_and_date("profile")  # the scope's dates: the one chosen on Overview or Districts travels here
    ui.report_downloads(year, as_of, district_code=code)
    projects = ui.view(build_year, code, year, as_of, lang)
    reported, name = projects["reported"], ui.district_label(code, long=True)
    if as_of is not None and reported is None:
        st.warning(ui.tr("profile.no_report", district=name, date=fmt.date(as_of, lang), year=year))
    elif as_of is not None and reported != as_of:  # older figures, said to be older
        st.warning(ui.tr("profile.not_reported", district=name, date=fmt.date(as_of, lang),
                         latest=fmt.date(reported, lang)))
    st.plotly_chart(projects["chart"], width="stretch")
    st.caption(projects["caption"])

    st.subheader(ui.tr("profile.communes"))
    ui.commune_table(code, year, as_of)

flags = {str(y): v for (c, y), v in sorted(status_30a().items()) if c == code}
if flags:
    st.subheader(ui.tr("profile.status_30a"))
    row = {ui.tr("common.year"): ui.tr("profile.is_30a"),
           **{y: ui.tr("common.yes" if v else "common.no") for y, v in flags.items()}}
    st.dataframe(pd.DataFrame([row]), hide_index=True)
    st.caption(ui.tr("profile.status_30a_source"))
