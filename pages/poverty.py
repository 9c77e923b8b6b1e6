"""Hộ nghèo: poor and near-poor households and rates per district (or province) and year, with the
scope's total rows."""

from typing import Any

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
ui.require_data(bool(ui.read("years_present", "poverty", province=province)))


def build(province: str | None, lang: str) -> dict[str, Any]:
    """The scope's poverty rows per year (kept by ui.view until the data change)."""
    poverty_facts = ui.query("poverty_facts", province=province)
    by_district = metrics.poverty_by_district(poverty_facts)
    # a province lists its districts; the country its provinces (districts summed up)
    unit = "district_code" if province else "province_code"
    by_unit = by_district if province else metrics.poverty_roll_up(by_district)
    total = metrics.province_poverty(by_district).assign(**{unit: TOTAL})
    frame = pd.concat([total, by_unit], ignore_index=True)
    # the total row first within each year, then districts (provinces) in code order
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
        # a rate without a target says so, not '–'
        ui.tr("poverty.target"): [ui.tr("common.no_target") if pd.isna(v) and pd.notna(r) else fmt.percent(v, lang, 2)
                                  for v, r in zip(frame["target_poor_rate"], frame["poor_rate"])],
        ui.tr("poverty.near_poor"): [fmt.number(v, lang) for v in frame["near_poor_households"]],
        ui.tr("poverty.near_poor_rate"): [fmt.percent(v, lang, 2) for v in frame["near_poor_rate"]],
        ui.tr("poverty.escaped"): [fmt.number(v, lang) for v in frame["escaped_poverty"]],
    })
    return {"unit": unit, "by_unit": by_unit, "years": frame["year"].to_numpy(), "table": table,
            "note": ui.source_note(poverty_facts), "caption": ui.caption_text(poverty_facts)}


def chart(province: str | None, lang: str, chosen: tuple[int, ...]) -> Any:
    """Rates by year of the chosen years (kept by ui.view until the data change)."""
    shown = ui.view(build, province, lang)
    by_unit = shown["by_unit"]
    return charts.rates_by_year(by_unit[by_unit["year"].isin(chosen)], lang, source_note=shown["note"],
                                unit=shown["unit"])


shown = ui.view(build, province, lang)
years = sorted({int(y) for y in shown["years"]})
chosen = ui.pick_many(ui.tr("poverty.years"), years, "poverty_years", default=years)
table = shown["table"][pd.Series(shown["years"]).isin(chosen).to_numpy()]
st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 600))
st.caption(ui.tr("poverty.table_note" if province else "poverty.table_note_country"))
st.caption(shown["caption"])

st.plotly_chart(ui.view(chart, province, lang, tuple(chosen)), width="stretch")
st.caption(shown["caption"])
