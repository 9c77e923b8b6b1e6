"""Tải lên: check a workbook against the template, preview it, import it; download the blank template."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from figures import fmt
from loaders import import_reports, inspect_file
from loaders.template import write_template
from pages import _ui as ui
from store.settings import get_settings

ui.run_through_entrypoint()
lang = ui.lang()
st.title(ui.tr("upload.title"))
st.markdown(ui.tr("upload.intro"))


@st.cache_data(show_spinner=False)
def template_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_template(Path(tmp) / "mau.xlsx").read_bytes()


st.download_button(ui.tr("upload.template"), data=template_bytes(), file_name="mau_nhap_lieu_giam_ngheo.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                   icon=":material/download:")

uploaded = st.file_uploader(ui.tr("upload.file"), type=["xlsx", "xls", "csv"], key="upload_file")
if uploaded is None:
    st.stop()

# Inspect once per uploaded file and language, not on every rerun.
state_key = (uploaded.file_id, lang)
if st.session_state.get("upload_report_key") != state_key:
    with tempfile.TemporaryDirectory() as tmp, st.spinner(ui.tr("upload.checking")):
        path = Path(tmp) / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        st.session_state["upload_report"] = inspect_file(path, lang=lang, name=uploaded.name)
    st.session_state["upload_report_key"] = state_key
report = st.session_state["upload_report"]

st.metric(ui.tr("upload.records"), fmt.number(len(report.records), lang))
ui.show_problems(report)
if report.records:
    preview = ui.fact_table(pd.DataFrame([r.to_dict() for r in report.records[:200]]), for_display=True)
    st.caption(ui.tr("upload.preview", n=fmt.number(min(200, len(report.records)), lang),
                     total=fmt.number(len(report.records), lang)))
    st.dataframe(preview, hide_index=True, width="stretch", height=300)

if st.button(ui.tr("upload.import"), type="primary", disabled=not report.ok or not report.records):
    try:
        results = import_reports(ui.engine(), [report], user=get_settings().user)
    except Exception as exc:  # noqa: BLE001 - shown to the user by the one renderer
        ui.show_problems(exc)
    else:
        for result in results:
            if result.already_imported:
                st.info(ui.tr("upload.already_imported", file=result.file))
            else:
                st.success(ui.tr("upload.imported", file=result.file, batch=result.batch_id,
                                 new=fmt.number(result.facts_new, lang), changed=fmt.number(result.facts_changed, lang),
                                 unchanged=fmt.number(result.facts_unchanged, lang)))
elif not report.ok:
    st.caption(ui.tr("upload.fix_first"))
