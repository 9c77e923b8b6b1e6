"""Sign-in on the page side: the login form, session expiry, and the checks pages make.

The core enforces the same rules (store/auth.py) whatever the page shows; hiding
a button here is for comfort, not for safety.
"""

from __future__ import annotations

import time

import streamlit as st

from loaders.errors import LoaderError
from pages import _ui as ui
from store.auth import User, auth_enabled, authenticate, current_user, user_by_email
from store.settings import get_settings

_SESSION = "auth_session"


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False


def _enabled() -> bool:
    """Whether users exist; a store that cannot be reached counts as none (pages report it)."""
    try:
        return auth_enabled(ui.engine())
    except LoaderError:
        return False


def signed_in() -> User | None:
    """The signed-in user, or None; a session older than DASHBOARD_SESSION_MINUTES has expired."""
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        return user_by_email(ui.engine(), str(st.user.get("email", "")))
    session = st.session_state.get(_SESSION)
    if not session:
        return None
    if time.time() - session["at"] > get_settings().session_minutes * 60:
        st.session_state.pop(_SESSION, None)
        st.session_state["auth_expired"] = True
        return None
    # looked up on every run: a disabled user or a changed role takes effect at once
    return current_user(ui.engine(), session["username"])


def actor() -> User | str:
    """Who acts for the core: the signed-in user, or (in a store without users) the settings' name."""
    return signed_in() or get_settings().user


def may(action: str) -> bool:
    """Whether this session may do an action: by role once users exist; before that, anything
    but managing users (the first admin comes from the command line or the environment)."""
    if not _enabled():
        return action not in ("users", "audit")
    user = signed_in()
    return user is not None and user.may(action)


def require(action: str) -> None:
    """Stop the page with a message unless this session may do the action (direct URLs included)."""
    if not may(action):
        st.warning(ui.tr("auth.not_allowed"))
        login_form(key="page_login")
        st.stop()


def login_form(key: str = "sidebar_login") -> None:
    """The sign-in form (or OpenID Connect button) and, once signed in, who and a sign-out button."""
    user = signed_in()
    if user is not None:
        st.caption(ui.tr("auth.signed_in_as", user=user.username, role=ui.tr(f"auth.role_{user.role.name.lower()}")))
        if st.button(ui.tr("auth.logout"), key=f"{key}_logout"):
            st.session_state.pop(_SESSION, None)
            if _oidc_configured() and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
        return
    if st.session_state.pop("auth_expired", False):
        st.info(ui.tr("auth.expired"))
    if _oidc_configured():
        if st.button(ui.tr("auth.login_oidc"), key=f"{key}_oidc"):
            st.login()
        return
    # plain widgets, not st.form: the values reach the server as they are typed, in every browser
    username = st.text_input(ui.tr("auth.username"), key=f"{key}_username")
    password = st.text_input(ui.tr("auth.password"), type="password", key=f"{key}_password")
    if st.button(ui.tr("auth.login"), key=f"{key}_submit"):
        user = authenticate(ui.engine(), username, password)
        if user is None:
            st.error(ui.tr("auth.failed"))
        else:
            st.session_state[_SESSION] = {"username": user.username, "at": time.time()}
            st.rerun()


def gate_viewing() -> None:
    """With DASHBOARD_REQUIRE_LOGIN=1, nothing is shown until someone signs in."""
    if get_settings().require_login and _enabled() and signed_in() is None:
        st.title(ui.tr("app.title"))
        st.info(ui.tr("auth.login_required"))
        login_form(key="gate_login")
        st.stop()
