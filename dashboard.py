"""Entry point: page setup, language switch, sample-data note and navigation; nothing else."""

import streamlit as st

from pages import _ui as ui

st.set_page_config(page_title="Giảm nghèo bền vững Lai Châu", page_icon="📊", layout="wide")
ui.bootstrap()
ui.language_switch()
ui.sample_note()

pages = [
    st.Page("pages/overview.py", title=ui.tr("nav.overview"), icon=":material/dashboard:", default=True),
    st.Page("pages/districts.py", title=ui.tr("nav.districts"), icon=":material/map:"),
    st.Page("pages/district_profile.py", title=ui.tr("nav.profile"), icon=":material/location_city:"),
    st.Page("pages/poverty.py", title=ui.tr("nav.poverty"), icon=":material/groups:"),
    st.Page("pages/data.py", title=ui.tr("nav.data"), icon=":material/table:"),
    st.Page("pages/upload.py", title=ui.tr("nav.upload"), icon=":material/upload_file:"),
]
st.navigation(pages).run()
