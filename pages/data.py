"""Dữ liệu: current facts of the scope with their provenance, filtered in SQL, and downloads as CSV and Excel."""

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from figures import fmt
from loaders.reference import measures
from pages import _ui as ui
from store import queries

DOWNLOAD_ROWS = 1_000_000

ui.run_through_entrypoint()
lang = ui.lang()
province = ui.scope()
st.title(ui.tr("data.title"))
st.caption(ui.scope_label())
total = ui.read("count_facts", province=province)
ui.require_data(total > 0)

# filter → (its choices, how each is named)
options: dict[str, tuple[list[Any], Callable[[Any], str]]] = {
    "dataset": (["funding", "poverty", "target"], lambda v: ui.tr(f"data.dataset_{v}")),
    "year": (ui.read("years_present", None, province=province), str),
    # a province's own level (its agencies) where it has values, after the districts
    "district_code": (ui.scope_districts() + ui.read("province_levels_present", province=province), ui.district_label),
    "measure": (list(measures()), lambda v: measures()[v].label(lang) if v in measures() else v),
}
# a commune filter once some values of the province are reported by commune (for the whole country, a list of
# 11,000 communes would be no filter anyone could use: choose the province first)
if province and (present := ui.read("communes_present", province=province)):
    options["commune_code"] = (present, lambda c: ui.commune_label(c))
cols = st.columns(len(options))
filters: dict[str, Any] = {}
for (column, (values, label)), col in zip(options.items(), cols):
    with col:
        filters[column] = tuple(ui.pick_many(ui.tr(f"data.filter_{column}"), values, f"data_{column}",
                                             labels={v: label(v) for v in values}, placeholder=ui.tr("data.all")))



def build(province: str | None, filters: tuple[tuple[str, tuple[Any, ...]], ...], lang: str) -> dict[str, Any]:
    """The count and the first rows of the filtered facts, formatted (kept by ui.view until the data change)."""
    chosen = dict(filters)
    rows = ui.query("fact_rows", province=province, limit=ui.SHOWN_ROWS, **chosen)
    return {"count": ui.query("count_facts", province=province, **chosen), "rows": len(rows),
            "table": ui.fact_table(rows, for_display=True), "caption": ui.caption_text(rows)}


shown = ui.view(build, province, tuple(filters.items()), lang)
count = shown["count"]
st.caption(ui.tr("data.count", shown=fmt.number(count, lang), total=fmt.number(total, lang)))
if count > shown["rows"]:
    st.caption(ui.tr("data.limited", shown=fmt.number(shown["rows"], lang), total=fmt.number(count, lang)))
st.dataframe(shown["table"], hide_index=True, width="stretch", height=520)
st.caption(shown["caption"])

# read now: the download callables run outside the script thread, when a button is clicked
sheet, eng, language = ui.tr("data.sheet"), ui.engine(), lang


def every_row() -> pd.DataFrame:
    return ui.fact_table(queries.fact_rows(eng, province=province, **filters), for_display=False, language=language)


# a sheet holds 1,048,576 rows; more than a million facts is a job for the command line, not a browser
too_many = count > DOWNLOAD_ROWS
c1, c2, _ = st.columns([1, 1, 3])
c1.download_button(ui.tr("data.download_csv"), data=lambda: fmt.csv_bytes(every_row()),
                   file_name="du_lieu_giam_ngheo.csv", mime="text/csv", on_click="ignore", icon=":material/download:",
                   disabled=too_many)
c2.download_button(ui.tr("data.download_xlsx"), data=lambda: fmt.xlsx_bytes(every_row(), sheet),
                   file_name="du_lieu_giam_ngheo.xlsx", on_click="ignore", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disabled=too_many)
if too_many:
    st.caption(ui.tr("data.too_many", count=fmt.number(count, lang), limit=fmt.number(DOWNLOAD_ROWS, lang)))
