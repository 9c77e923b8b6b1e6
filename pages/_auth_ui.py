"""Sign-in on the page side: the login form, the session cookie, and the checks pages make.

Who is signed in is read on every run from the browser's HttpOnly session cookie
(store/sessions.py), never from st.session_state: a Streamlit session can be taken over by
whoever presents its id, a cookie cannot be read by any script. The core enforces the same
rules (store/auth.py) whatever the page shows; hiding a button here is for comfort, not safety.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Callable

import streamlit as st

from loaders.errors import LoaderError
from pages import _routes
from pages import _ui as ui
from store import sessions
from store.auth import User, auth_enabled, authenticate, user_by_email
from store.settings import get_settings

_BRIDGE = "auth_bridge"  # a sign-in or sign-out the browser still has to finish through serve.py's routes


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


def session_cookie() -> str | None:
    """The session cookie this run's browser sent (HttpOnly: only the server ever sees it)."""
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no browser behind this run
        return None
    return value if isinstance(value, str) else None


def client_address() -> str | None:
    """The browser's address, for per-client sign-in throttling: the proxy's X-Real-IP when the
    connection comes from this machine (the proxy), else the connection's own address."""
    try:
        peer, forwarded = st.context.ip_address, st.context.headers.get("X-Real-IP")
    except Exception:  # noqa: BLE001 - no browser behind this run
        return None
    peer = peer if isinstance(peer, str) else None
    try:
        if isinstance(forwarded, str) and forwarded and (peer is None or ipaddress.ip_address(peer).is_loopback):
            return forwarded.strip()[:64]
    except ValueError:
        pass
    return peer


def signed_in() -> User | None:
    """The signed-in user, or None: the cookie's session must be active and unexpired, the user active.

    Looked up on every run: a sign-out, an expiry, a disabled user or a changed role takes effect at once.
    """
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        return user_by_email(ui.engine(), str(st.user.get("email", "")))
    try:
        return sessions.user_for(ui.engine(), session_cookie())
    except LoaderError:
        return None


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
    if _finish_in_browser():
        return
    user = signed_in()
    if user is not None:
        st.caption(ui.tr("auth.signed_in_as", user=user.username, role=ui.tr(f"auth.role_{user.role.name.lower()}")))
        if st.button(ui.tr("auth.logout"), key=f"{key}_logout"):
            sessions.end(ui.engine(), session_cookie())  # ended for every server now; the cookie goes next
            st.session_state[_BRIDGE] = ("logout", "")
            st.session_state["auth_signed_out"] = True  # this run's cookie is ended, not expired
            if _oidc_configured() and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
        return
    if session_cookie() and not _oidc_configured() and not st.session_state.get("auth_signed_out"):
        st.info(ui.tr("auth.expired"))  # the browser still holds a cookie that no longer signs in
    if _oidc_configured():
        if st.button(ui.tr("auth.login_oidc"), key=f"{key}_oidc"):
            st.login()
        return
    # A form: its submit sends every field's value as it stands, whether or not the field was left
    # (plain widgets commit on blur, and a Tab onto the password's eye button then a click sent an
    # empty password: a failed sign-in that counted toward the lock).
    with st.form(key=f"{key}_form", border=False, enter_to_submit=True):
        username = st.text_input(ui.tr("auth.username"), key=f"{key}_username")
        password = st.text_input(ui.tr("auth.password"), type="password", key=f"{key}_password")
        submitted = st.form_submit_button(ui.tr("auth.login"))
    if submitted:
        user = authenticate(ui.engine(), username, password, client=client_address())
        if user is None:
            st.error(ui.tr("auth.failed"))
        elif not os.environ.get("LCPR_ROUTES"):
            st.error(ui.tr("auth.no_routes"))
        else:
            st.session_state[_BRIDGE] = ("session", sessions.start(ui.engine(), user.username))
            st.rerun()


def _finish_in_browser() -> bool:
    """Have the browser post a pending sign-in ticket (or sign-out) to serve.py's routes, which set
    or clear the HttpOnly cookie, then reload. True while a sign-in is under way."""
    pending = st.session_state.pop(_BRIDGE, None)
    if pending is None:
        return False
    route, body = pending
    url = json.dumps(_base_path() + f"/lcpr/{route}")
    failed = json.dumps(ui.tr("auth.bridge_failed"))
    st.html(f"""<span id="lcpr-auth"></span><script>
fetch({url}, {{method: "POST", body: {json.dumps(body)}, credentials: "same-origin",
               headers: {{"content-type": "text/plain"}}}})
  .then(r => {{ if (r.ok) window.location.reload(); else throw new Error(r.status); }})
  .catch(() => {{ document.getElementById("lcpr-auth").innerText = {failed}; }});
</script>""", unsafe_allow_javascript=True)
    if route == "session":
        st.caption(ui.tr("auth.signing_in"))
        return True
    return False


def gate_viewing() -> None:
    """With DASHBOARD_REQUIRE_LOGIN=1, nothing is shown until someone signs in."""
    if get_settings().require_login and _enabled() and signed_in() is None:
        st.title(ui.tr("app.title"))
        st.info(ui.tr("auth.login_required"))
        login_form(key="gate_login")
        st.stop()


def private_download(label: str, key: str, build: Callable[[], bytes], file_name: str, mime: str) -> None:
    """A download only the signed-in user's browser can fetch (admin files such as the audit log).

    st.download_button would put the file at a /media/… address that serves it to anyone holding the
    address; this link goes through serve.py's route, which checks the session cookie.
    """
    user = signed_in()
    if user is None:
        return
    path = _routes.offer(user, key, build, file_name, mime)
    st.link_button(label, _base_path() + path, icon=":material/download:")


def _base_path() -> str:
    """The server's baseUrlPath as a prefix ('' or '/something')."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""
