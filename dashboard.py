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
# Pages that change data or show the audit trail are listed only for those allowed; the others are hidden, not
# absent, so that a link to one opens it with its own check (who may see it, and a sign-in form) rather than
# Streamlit's English "Page not found".
for path, key, icon, action in (("upload", "nav.upload", "upload_file", "import"), ("history", "history.nav", "history", "import"),
                                ("users", "auth.nav_users", "manage_accounts", "users"),
                                ("audit", "auth.nav_audit", "policy", "users")):
    pages.append(st.Page(f"pages/{path}.py", title=ui.tr(key), icon=f":material/{icon}:",
                         visibility="visible" if auth.may(action) else "hidden"))
ui.missing_page_note()
st.navigation(pages).run()
