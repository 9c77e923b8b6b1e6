"""Người dùng: admins add users, set roles and district scopes, disable them and reset passwords."""

import streamlit as st

from loaders.reference import all_districts, districts, province_of
from pages import _auth_ui as auth
from pages import _ui as ui
from store.audit_text import users_table
from store.auth import Role, add_user, list_users, set_user

ui.run_through_entrypoint()
auth.require("users")
st.title(ui.tr("auth.users_title"))
engine, by = ui.engine(), auth.actor()
people = list_users(engine)
st.dataframe(users_table(people, ui.lang(), ui.district_label), hide_index=True, width="stretch")

roles = [r.name.lower() for r in Role]
# the districts of the province chosen in the sidebar; for the whole country, every district
province = ui.scope()
district_codes = list(districts(province)) if province else [c for c, d in all_districts().items() if d.level == "district"]


def scope_name(code: str) -> str:
    return ui.district_label(code) if province else f"{ui.district_label(code)} ({ui.province_label(province_of(code) or '')})"


with st.form("add_user", clear_on_submit=True):
    st.subheader(ui.tr("auth.add_user"))
    name = st.text_input(ui.tr("auth.username"))
    role = st.selectbox(ui.tr("auth.role"), roles, format_func=lambda r: ui.tr(f"auth.role_{r}"))
    scope = st.multiselect(ui.tr("auth.districts"), district_codes, format_func=scope_name)
    password = st.text_input(ui.tr("auth.new_password"), type="password")
    if st.form_submit_button(ui.tr("auth.add")):
        try:
            add_user(engine, name, password, Role[role.upper()], districts=scope, by=by)
            st.success(ui.tr("auth.done"))
        except Exception as exc:  # noqa: BLE001 - the one renderer says what went wrong
            ui.show_problems(exc)

if people:
    st.subheader(ui.tr("auth.change_user"))
    who = st.selectbox(ui.tr("auth.username"), [p["username"] for p in people], key="change_who")
    left, middle, right = st.columns(3)
    new_password = right.text_input(ui.tr("auth.new_password"), type="password", key="reset_pw")
    try:
        if left.button(ui.tr("auth.disable")):
            set_user(engine, who, by=by, active=False)
            st.success(ui.tr("auth.done"))
        if middle.button(ui.tr("auth.enable")):
            set_user(engine, who, by=by, active=True)
            st.success(ui.tr("auth.done"))
        if right.button(ui.tr("auth.reset")) and new_password:
            set_user(engine, who, by=by, password=new_password)
            st.success(ui.tr("auth.done"))
    except Exception as exc:  # noqa: BLE001 - the one renderer says what went wrong
        ui.show_problems(exc)
