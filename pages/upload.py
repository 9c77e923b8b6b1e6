"""Tải lên: one or several reports — what was understood, what is wrong, fix the reading, preview, import."""

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from figures import fmt
from loaders.template import write_template
from loaders.text import escape_markdown as md
from pages import _auth_ui as auth
from pages import _samples_ui as samples_ui
from pages import _ui as ui
from pages import _upload_ui as up
from store import history

ui.run_through_entrypoint()
auth.require("import")
lang = ui.lang()
st.title(ui.tr("upload.title"))
st.markdown(ui.tr("upload.intro"))


@st.cache_data(show_spinner=False)
def template_bytes(province: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_template(Path(tmp) / "mau.xlsx", province_code=province).read_bytes()


province = up.province_select(lang)  # the province of the files: their district names are its districts
# the template lists that province's districts
st.download_button(ui.tr("upload.template"), data=template_bytes(province), file_name=f"mau_nhap_lieu_{province}.xlsx",
                   mime=up.XLSX, on_click="ignore", icon=":material/download:")
files = up.remember(ui.file_uploader(ui.tr("upload.file"), ["xlsx", "xls", "csv"], key="upload_files",
                                     accept_multiple_files=True))
engine = ui.engine()
try:
    lookup = up.profile_lookup(engine)  # once per run: saved mappings by header signature
except Exception as exc:  # noqa: BLE001 - the store cannot be read: shown by the one renderer
    ui.show_problems(exc)
    st.stop()

# --- each file: what was understood, its problems, and the reading fixed by hand ---------------------------------
ready, waiting, blocked, previewed = [], [], [], []
for upload in files:
    base = up.inspect(upload, lang, {}, lookup, province)
    # file names, sheet names and messages quoting them come from the upload: escaped wherever Markdown is rendered
    with st.expander(md(upload.name), expanded=len(files) <= 3 or not base.ok, icon=":material/description:"):
        if up.unusable(base):
            st.error(md(base.errors[0].message))  # empty, wrong type, password, corrupt: one message, nothing else
            blocked.append(upload.name)
            continue
        summary = st.container()
        sheet, mapping = up.mapping_editor(upload, base, lang, province)
        options = up.with_context(upload, mapping)  # each sheet's year and as-of date, where the analyst confirmed them
        report = up.inspect(upload, lang, options, lookup, province) if options else base
        up.profile_saver(upload, report, sheet, mapping)
    with summary:
        c1, c2, c3 = st.columns(3)
        c1.metric(ui.tr("upload.records"), fmt.number(len(report.records), lang))
        c2.metric(ui.tr("upload.errors"), fmt.number(len(report.errors), lang))
        c3.metric(ui.tr("upload.warnings"), fmt.number(len(report.warnings), lang))
        up.show_understanding(report, lang, upload)
        if not report.records:
            st.info(ui.tr("upload.no_records_hint"))
        ui.show_problems(report)
        up.show_values(report, lang)
        if report.issues:
            up.annotated_download(upload, report, lang)  # built on request, in a limited child process
        if not report.ok or not report.records:
            st.caption(ui.tr("upload.blocked"))
            blocked.append(upload.name)
            continue
        previewed.append(report)
        if report.warnings:
            # another set of warnings (another mapping) needs a new acknowledgement; the language does not
            seen = hashlib.sha1(repr([(i.code, i.sheet, i.cell) for i in report.warnings]).encode()).hexdigest()[:8]
            if not st.checkbox(ui.tr("upload.ack"), key=f"upload_ack.{upload.file_id}.{seen}"):
                st.caption(ui.tr("upload.ack_needed"))
                waiting.append(upload.name)
                continue
        ready.append(report)

# --- preview against the store, then one import for all accepted files ------------------------------------------
if files:
    st.subheader(ui.tr("upload.preview_title"))
    if previewed:
        try:
            up.show_preview(history.preview(engine, previewed), lang)
        except Exception as exc:  # noqa: BLE001 - shown by the one renderer
            ui.show_problems(exc)
    if ready:
        st.caption(ui.tr("upload.will_import", n=len(ready), files=", ".join(md(r.path) for r in ready)))
    if waiting:
        st.warning(ui.tr("upload.waiting_ack", files=", ".join(map(md, waiting))))
    if blocked:
        st.caption(ui.tr("upload.left_out", files=", ".join(map(md, blocked))))
    if not ready:
        st.caption(ui.tr("upload.nothing_to_import"))
    st.button(ui.tr("upload.import"), type="primary", disabled=not ready or bool(waiting), key="upload_import",
              icon=":material/database_upload:", on_click=up.commit, args=(ready,))
up.show_flash(up.IMPORT_FLASH)
if any(not b["undone"] and b["id"] not in ui.samples()[1] for b in history.history(engine)):
    samples_ui.offer("upload_samples", after_import=True)  # real figures are in beside the samples: offer to remove them
st.page_link("pages/history.py", label=ui.tr("upload.history_link"), icon=":material/history:")
st.divider()
up.profiles_section(engine, lang)
