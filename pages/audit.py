"""Nhật ký: every import, undo, mapping and user change, for admins; downloadable."""

import streamlit as st

from figures import fmt
from pages import _auth_ui as auth
from pages import _ui as ui
from store.audit_text import action_label, audit_table
from store.auth import audit_log

ui.run_through_entrypoint()
auth.require("audit")
st.title(ui.tr("auth.audit_title"))
log = audit_log(ui.engine())
actions = sorted({row["action"] for row in log}, key=lambda a: action_label(a, ui.lang()))
chosen = st.multiselect(ui.tr("auth.actions"), actions, default=actions, format_func=lambda a: action_label(a, ui.lang()))
shown = audit_table([row for row in log if row["action"] in chosen], ui.lang(), ui.district_label)
st.caption(ui.tr("auth.audit_count", n=fmt.number(len(shown), ui.lang())))
st.dataframe(shown, hide_index=True, width="stretch")
# through the session-checked route, never /media/…: the log names users and what they changed
auth.private_download(ui.tr("auth.download"), "audit", lambda: fmt.csv_bytes(shown), "nhat_ky.csv",
                      "text/csv; charset=utf-8")
