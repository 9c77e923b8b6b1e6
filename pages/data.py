"""Dữ liệu: current facts with their provenance, filtered, and downloads as CSV and Excel."""

import streamlit as st

from figures import fmt
from loaders.reference import measures
from pages import _ui as ui

ui.run_through_entrypoint()
lang = ui.lang()
st.title(ui.tr("data.title"))
facts = ui.facts()
ui.require_data(facts)

cols = st.columns(4)
filters = {
    "dataset": (cols[0], lambda v: ui.tr(f"data.dataset_{v}")),
    "year": (cols[1], str),
    "district_code": (cols[2], ui.district_label),
    "measure": (cols[3], lambda v: measures()[v].label(lang) if v in measures() else v),
}
shown = facts
for column, (col, label) in filters.items():
    names = {v: label(v) for v in sorted(facts[column].unique().tolist())}
    with col:
        picked = ui.pick_many(ui.tr(f"data.filter_{column}"), list(names), f"data_{column}", labels=names,
                              placeholder=ui.tr("data.all"))
    if picked:
        shown = shown[shown[column].isin(picked)]

labelled = ui.fact_table(shown, for_display=False)
st.caption(ui.tr("data.count", shown=fmt.number(len(shown), lang), total=fmt.number(len(facts), lang)))
st.dataframe(ui.fact_table(shown, for_display=True), hide_index=True, width="stretch", height=520)
ui.caption(shown)

sheet = ui.tr("data.sheet")  # read now: the download callables run outside the script thread
c1, c2, _ = st.columns([1, 1, 3])
c1.download_button(ui.tr("data.download_csv"), data=lambda: fmt.csv_bytes(labelled), file_name="du_lieu_giam_ngheo.csv",
                   mime="text/csv", on_click="ignore", icon=":material/download:")
c2.download_button(ui.tr("data.download_xlsx"), data=lambda: fmt.xlsx_bytes(labelled, sheet),
                   file_name="du_lieu_giam_ngheo.xlsx", on_click="ignore", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
