"""Tổng quan: province KPIs for a year and reporting date, districts ranked, late and lagging districts."""

import streamlit as st

from figures import charts, fmt
from pages import _ui as ui
from store import metrics

ui.run_through_entrypoint()
lang = ui.lang()
st.title(ui.tr("overview.title"))
st.caption(ui.tr("overview.subtitle"))
facts = ui.facts()
ui.require_data(facts)

year, as_of = ui.year_and_date(facts, "overview")

ui.report_downloads(year, as_of)
by_district = metrics.funding_by_district(facts, year, as_of)
province = metrics.province_funding(by_district)
poverty = metrics.province_poverty(metrics.poverty_by_district(facts))
poverty_year = poverty[poverty["year"] == year]
# the facts behind this page's figures, for the source note
used = facts[(facts["year"] == year) & ((facts["as_of"] <= as_of) | (facts["dataset"] == "poverty"))]

target_rate = fmt.percent(province["target_rate"], lang)
c1, c2, c3, c4 = st.columns(4)
# short labels so they fit the cards; the unit and the targets are stated in the line below
c1.metric(ui.tr("overview.plan", year=year), fmt.number(province["plan"], lang), border=True,
          help=ui.tr("common.million_vnd"))
c2.metric(ui.tr("overview.disbursed", date=fmt.date(as_of, lang)), fmt.number(province["disbursed"], lang),
          border=True, help=ui.tr("common.million_vnd"))
c3.metric(ui.tr("overview.rate"), fmt.percent(province["disbursement_rate"], lang), border=True,
          delta=fmt.points(province["disbursement_rate"] - province["target_rate"], lang),
          help=ui.tr("overview.target_help", target=target_rate))
poor = poverty_year.iloc[0] if not poverty_year.empty else None
target_poor = fmt.percent(poor["target_poor_rate"] if poor is not None else None, lang, 2)
c4.metric(ui.tr("overview.poor_rate", year=year), fmt.percent(poor["poor_rate"] if poor is not None else None, lang, 2),
          delta=fmt.points(poor["poor_rate"] - poor["target_poor_rate"], lang, 2) if poor is not None else None,
          delta_color="inverse", border=True, help=ui.tr("overview.target_help", target=target_poor))
st.caption(ui.tr("overview.kpi_note", date=fmt.date(as_of, lang), year=year, target=target_rate,
                 target_poor=target_poor) + " " + ui.source_note(used))

chart_col, list_col = st.columns([3, 2])
with chart_col:
    st.plotly_chart(
        charts.ranked_disbursement(by_district, lang, year=year, as_of=as_of, source_note=ui.source_note(used)),
        width="stretch",
    )
    ui.caption(used, year, as_of)
with list_col:
    st.subheader(ui.tr("overview.attention"))
    missing = by_district[~by_district["reported"]]
    if missing.empty:
        st.success(ui.tr("overview.all_reported", date=fmt.date(as_of, lang)))
    else:
        names = ", ".join(ui.district_label(c, long=True) for c in missing["district_code"])
        st.error(ui.tr("overview.not_reported", date=fmt.date(as_of, lang), districts=names))
    lagging = by_district[by_district["lagging"].astype(bool)].sort_values("disbursement_rate")
    if lagging.empty:
        st.success(ui.tr("overview.none_lagging"))
    else:
        st.warning(ui.tr("overview.lagging", n=len(lagging), date=fmt.date(as_of, lang)))
        st.markdown("\n".join(
            ui.tr("overview.lagging_row", district=ui.district_label(r.district_code),
                  rate=fmt.percent(r.disbursement_rate, lang), target=fmt.percent(r.target_rate, lang),
                  gap=fmt.points(r.disbursement_rate - r.target_rate, lang))
            for r in lagging.itertuples()
        ))
