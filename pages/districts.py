"""Theo huyện: disbursement vs plan by source and by project, poverty vs target, a map and the table,
for the districts of a province, or for the provinces of the country."""

import pandas as pd
import streamlit as st

from figures import charts, fmt, maps
from loaders.reference import province_of
from pages import _ui as ui
from store import metrics

ui.run_through_entrypoint()
lang = ui.lang()
province = ui.scope()
st.title(ui.tr("districts.title"))
st.caption(ui.scope_label())
ui.require_data(bool(ui.read("years_present", None, province=province)))

year, as_of = ui.year_and_date("districts")

codes = ui.scope_districts()
funding = ui.read("funding_facts", year, as_of, province=province)
targets = ui.read("target_facts", year, as_of, province=province)
poverty_facts = ui.read("poverty_facts", province=province)
poverty_year_facts = poverty_facts[poverty_facts["year"] == year]
note = ui.source_note(funding, targets)
by_district = metrics.funding_by_district(pd.concat([funding, targets]), year, as_of, codes)
poverty = metrics.poverty_by_district(poverty_facts)
# a province shows its districts; the country shows its provinces (districts summed up)
unit = "district_code" if province else "province_code"
by_unit = (by_district if province else metrics.roll_up(by_district)).set_index(unit)
poverty_units = poverty if province else metrics.poverty_roll_up(poverty)


def unit_label(code: str) -> str:
    return ui.district_label(code) if province else ui.province_label(code)


by_source, by_project = st.tabs([ui.tr("districts.tab_source"), ui.tr("districts.tab_project")])
for tab, by, keep in ((by_source, "source", "source"), (by_project, "project", "component")):
    with tab:
        parts = ui.read("funding_facts", year, as_of, province=province, keep=keep)
        breakdown = metrics.funding_breakdown(parts, year, as_of, by=by)
        if not province:
            breakdown["province_code"] = breakdown["district_code"].map(province_of)
        st.plotly_chart(charts.funding_stacked(breakdown, lang, by=by, year=year, as_of=as_of, source_note=note,
                                               unit=unit), width="stretch", key=f"funding_{by}")
        ui.caption(parts, year, as_of)

st.plotly_chart(charts.poverty_vs_target(poverty_units, lang, year=year, unit=unit,
                                         source_note=ui.source_note(poverty_year_facts)), width="stretch")
ui.caption(poverty_year_facts, year)

poverty_year = poverty_units[poverty_units["year"] == year].set_index(unit)
if maps.covers(codes) and province:
    # indicator → (values, kind, colour direction)
    indicators = {
        "disbursement_rate": (by_unit["disbursement_rate"], "percent", "good"),
        "poor_rate": (poverty_year["poor_rate"], "percent", "bad"),
        "near_poor_rate": (poverty_year["near_poor_rate"], "percent", "bad"),
        "plan": (by_unit["plan"], "money", "neutral"),
    }
    indicator_names = {k: ui.tr(f"districts.indicator_{k}") for k in indicators}
    choice = ui.pick(ui.tr("districts.indicator"), list(indicators), "districts_indicator", labels=indicator_names)
    values, kind, direction = indicators[choice]
    map_facts = [funding, targets] if choice in ("disbursement_rate", "plan") else [poverty_year_facts]
    title = ui.tr("districts.map_title", indicator=indicator_names[choice], year=year)
    st.plotly_chart(
        maps.district_map(values, lang, indicator=indicator_names[choice], kind=kind, title=title,
                          source_note=ui.source_note(*map_facts), direction=direction),
        width="stretch",
    )
    ui.caption(map_facts, year, as_of if choice in ("disbursement_rate", "plan") else None)
    st.caption(maps.attribution_text(lang))
else:
    st.info(ui.tr("districts.no_map", scope=ui.scope_label()))

st.subheader(ui.tr("districts.table_title", year=year, date=fmt.date(as_of, lang)))
units = list(by_unit.index)


def rates(frame: pd.DataFrame, column: str, digits: int = 1) -> list[str]:
    return [fmt.percent(frame[column].get(c), lang, digits) for c in units]


table = pd.DataFrame({
    ui.tr("common.district" if province else "districts.province_col"): [unit_label(c) for c in units],
    ui.tr("districts.col_report"): [fmt.date(d, lang) for d in by_unit["report_as_of"]],
    ui.tr("districts.col_plan"): [fmt.number(v, lang) for v in by_unit["plan"]],
    ui.tr("districts.col_disbursed"): [fmt.number(v, lang) for v in by_unit["disbursed"]],
    ui.tr("districts.col_rate"): rates(by_unit, "disbursement_rate"),
    ui.tr("districts.col_target"): rates(by_unit, "target_rate"),
    ui.tr("districts.col_poor_rate"): rates(poverty_year, "poor_rate", 2),
    ui.tr("districts.col_target_poor"): rates(poverty_year, "target_poor_rate", 2),
    ui.tr("districts.col_near_poor_rate"): rates(poverty_year, "near_poor_rate", 2),
})
st.dataframe(table, hide_index=True, width="stretch")
ui.caption([funding, targets, poverty_year_facts], year, as_of)
