"""Entry point: page setup, language switch, sample-data note and navigation; nothing else."""

import streamlit as st

from pages import _auth_ui as auth
from pages import _ui as ui

st.set_page_config(page_title="Giảm nghèo bền vững Lai Châu", page_icon="📊", layout="wide")
ui.bootstrap()
ui.language_switch()
auth.gate_viewing()
ui.scope_select()
with st.sidebar.expander(ui.tr("auth.sign_in"), expanded=auth.signed_in() is not None):
    auth.login_form()
ui.sample_note()

pages = [
    st.Page("pages/overview.py", title=ui.tr("nav.overview"), icon=":material/dashboard:", default=True),
    st.Page("pages/districts.py", title=ui.tr("nav.districts"), icon=":material/map:"),
    st.Page("pages/district_profile.py", title=ui.tr("nav.profile"), icon=":material/location_city:"),
    st.Page("pages/poverty.py", title=ui.tr("nav.poverty"), icon=":material/groups:"),
    st.Page("pages/data.py", title=ui.tr("nav.data"), icon=":material/table:"),
]
# Pages that change data or show the audit trail are listed only for those allowed (and check again themselves).
if auth.may("import"):
    pages.append(st.Page("pages/upload.py", title=ui.tr("nav.upload"), icon=":material/upload_file:"))
    pages.append(st.Page("pages/history.py", title=ui.tr("history.nav"), icon=":material/history:"))
if auth.may("users"):
    pages.append(st.Page("pages/users.py", title=ui.tr("auth.nav_users"), icon=":material/manage_accounts:"))
    pages.append(st.Page("pages/audit.py", title=ui.tr("auth.nav_audit"), icon=":material/policy:"))
st.navigation(pages).run()
