"""Nhật ký: every import, undo, mapping and user change, for admins; downloadable."""

import pandas as pd
import streamlit as st

from figures import fmt
from pages import _auth_ui as auth
from pages import _ui as ui
from store.auth import audit_log

ui.run_through_entrypoint()
auth.require("audit")
st.title(ui.tr("auth.audit_title"))
log = pd.DataFrame(audit_log(ui.engine()), columns=["id", "at", "user", "action", "target", "values", "detail"])
actions = sorted(log["action"].unique())
chosen = st.multiselect(ui.tr("auth.actions"), actions, default=actions)
shown = log[log["action"].isin(chosen)]
st.caption(ui.tr("auth.audit_count", n=fmt.number(len(shown), ui.lang())))
st.dataframe(shown, hide_index=True, width="stretch")
# through the session-checked route, never /media/…: the log names users and what they changed
auth.private_download(ui.tr("auth.download"), "audit", lambda: fmt.csv_bytes(shown), "nhat_ky.csv",
                      "text/csv; charset=utf-8")
