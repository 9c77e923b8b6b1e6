"""Sign-in and roles through AppTest: a viewer cannot reach the pages that change data, by menu or by URL.

AppTest has no browser: ``sign_in`` plays its part. It takes the one-time ticket the page sends to the
browser, trades it for the session cookie as serve.py's route does, and hands that cookie to the runs
of this AppTest only (the ``cookies`` fixture: each AppTest is its own browser).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from loaders.i18n import t
from pages import _auth_ui
from store import sessions
from store.auth import Role, add_user, authenticate
from store.db import get_engine
from store.settings import get_settings
from tests import test_pages
from tests.corpus.builders import build_checks
from tests.test_pages import APP, texts
from tests.test_upload import upload

sample_db, db_url = test_pages.sample_db, test_pages.db_url
PASSWORD = "mật khẩu dài 123"


@pytest.fixture
def people(db_url: str) -> str:
    engine = get_engine(db_url)
    add_user(engine, "boss", PASSWORD, Role.ADMIN)
    boss = authenticate(engine, "boss", PASSWORD)
    add_user(engine, "xem", PASSWORD, Role.VIEWER, by=boss)
    add_user(engine, "mt", PASSWORD, Role.ANALYST, districts=["107"], by=boss)
    engine.dispose()
    return db_url


@pytest.fixture(autouse=True)
def cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each AppTest's runs see the cookie its test gave it (AppTest cannot send cookies itself)."""
    monkeypatch.setattr(_auth_ui, "session_cookie", lambda: st.session_state.get("_test_cookie"))
    monkeypatch.setenv("LCPR_ROUTES", "1")


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    area = at.sidebar if len(at.sidebar.text_input) else at.main  # the gate shows the form on the page
    area.text_input[0].set_value(name)
    area.text_input[1].set_value(password)
    next(b for b in area.button if b.label == t("auth.login", "vi")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    bridge = [e.proto.body for e in at.get("html")]
    tickets = [m.group(1) for body in bridge for m in [re.search(r'body: "([^"]+)"', body)] if m]
    if tickets:  # the password was right: do what the browser's script does with the ticket
        engine = get_engine(get_settings().database_url)
        at.session_state["_test_cookie"] = sessions.exchange(engine, tickets[0], 60)
        engine.dispose()
        at.run()
    return at


def reachable(at: AppTest, page: str) -> bool:
    """Whether this session, opening the page (as a link to it would), gets its content and not the refusal.

    Every page is registered (a link to a page one may not use opens its refusal and a sign-in form, not
    Streamlit's "Page not found"); those one may not use are hidden from the sidebar."""
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return t("auth.not_allowed", "vi") not in [w.value for w in at.warning]


def test_before_any_user_exists_upload_is_open_and_user_pages_are_not(db_url: str) -> None:
    at = start()
    assert reachable(at, "upload") and not reachable(at, "users") and not reachable(at, "audit")
    at.switch_page("pages/upload.py").run()
    assert at.file_uploader(key="upload_files") is not None


@pytest.mark.parametrize("page", ["upload", "history", "users", "audit"])
def test_a_visitor_cannot_reach_pages_that_change_data(people: str, page: str) -> None:
    assert not reachable(start(), page)


def test_a_viewer_signed_in_still_cannot_upload(people: str) -> None:
    at = sign_in(start(), "xem")
    assert t("auth.signed_in_as", "vi", user="xem", role=t("auth.role_viewer", "vi")) in texts(at)
    assert not reachable(at, "upload") and not reachable(at, "history")


def test_pages_check_the_role_themselves(people: str) -> None:
    """Run the Upload page's own script without the menu: it stops before showing the uploader."""
    at = AppTest.from_file(str(APP.parent / "pages" / "upload.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    with pytest.raises(KeyError):
        at.file_uploader(key="upload_files")


def test_a_wrong_password_is_refused(people: str) -> None:
    at = sign_in(start(), "mt", "not the password")
    assert t("auth.failed", "vi") in texts(at)


def test_an_analyst_uploads_and_an_admin_reads_users_and_audit(people: str) -> None:
    at = sign_in(start(), "mt")
    assert not reachable(at, "users")
    at.switch_page("pages/upload.py").run()
    assert not at.exception and t("auth.not_allowed", "vi") not in texts(at)
    assert at.file_uploader(key="upload_files") is not None
    admin = sign_in(start(), "boss")
    admin.switch_page("pages/users.py").run()
    assert not admin.exception and set(admin.dataframe[0].value[t("users_table.username", "vi")]) == {"boss", "xem", "mt"}
    admin.switch_page("pages/audit.py").run()
    assert not admin.exception and t("audit.action_user_add", "vi") in set(admin.dataframe[0].value[t("audit.action", "vi")])


def test_viewing_can_require_sign_in(people: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    at = start()
    assert t("auth.login_required", "vi") in texts(at)
    assert not at.metric
    at = sign_in(at, "xem")
    at.run()
    assert at.metric


def test_sign_out_ends_the_session_and_an_ended_cookie_says_so(people: str) -> None:
    at = sign_in(start(), "boss")
    cookie = at.session_state["_test_cookie"]
    engine = get_engine(get_settings().database_url)
    assert sessions.user_for(engine, cookie) is not None
    next(b for b in at.sidebar.button if b.label == t("auth.logout", "vi")).click().run()
    assert sessions.user_for(engine, cookie) is None  # ended in the store before the browser clears it
    assert t("auth.expired", "vi") not in texts(at)  # signing out is not an expiry
    at.run()
    assert not reachable(at, "audit")
    later = start()  # another browser still holding a cookie that the store has ended
    later.session_state["_test_cookie"] = cookie
    later.run()
    assert t("auth.expired", "vi") in texts(later) and not reachable(later, "audit")
    engine.dispose()


def test_a_signed_in_analysts_annotated_copy_is_served_to_their_browser_only(people: str, tmp_path: Path) -> None:
    """Once users exist the copy (a district's figures) goes through the session-checked route, not /media/."""
    at = sign_in(start(), "boss")
    at.switch_page("pages/upload.py").run()
    path = build_checks(tmp_path).path
    at = upload(at, (path.name, path.read_bytes()))
    at.button(key=next(b.key for b in at.button if b.label == t("upload.annotate", "vi"))).click().run()
    assert not at.exception
    links = [b.proto for b in at.get("link_button") if b.proto.label == t("upload.annotated", "vi")]
    assert len(links) == 1 and links[0].url.startswith("/lcpr/download/")
    assert t("upload.annotated", "vi") not in [d.label for d in at.download_button]
