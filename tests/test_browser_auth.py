"""In a real browser, once users exist: a visitor cannot reach the Upload page, not even by its URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loaders.i18n import t
from tests import browser_support
from tests.browser_support import SHOTS, serve, settle

ADMIN, PASSWORD = "chief", "mật khẩu dài 123"
# the shared Chromium page; it runs on this module's app_url below
page = browser_support.page


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose first admin comes from the environment: users exist, so changes need a sign-in."""
    yield from serve(tmp_path_factory, DASHBOARD_ADMIN_USER=ADMIN, DASHBOARD_ADMIN_PASSWORD=PASSWORD)


def nav(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The menu's page titles (each link's text ends with its title, after the icon's name)."""
    links = page.locator('[data-testid="stSidebarNavLink"]')
    return [links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())]


@pytest.mark.parametrize("path", ["upload", "history", "users", "audit"])
def test_a_visitor_cannot_open_pages_that_change_data_by_url(app_url: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    # The first case is the server's very first request, straight to /upload: Streamlit would run that
    # page on its own (a pages/ folder); pages/_ui.run_through_entrypoint reruns it through dashboard.py.
    page.goto(f"{app_url}/{path}")
    page.locator('[data-testid="stSidebarNavLink"]', has_text=t("nav.overview", "vi")).wait_for()
    settle(page)
    assert page.locator('input[type="file"]').count() == 0
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert t("nav.overview", "vi") in nav(page) and t("nav.upload", "vi") not in nav(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"auth_visitor_{path}.png"))


def test_an_admin_signs_in_and_sees_the_upload_page(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # a fresh session can drop its first widget values (issue 13, point 6): open it twice
        page.goto(app_url)
        page.locator('[data-testid="stMetric"]').first.wait_for()  # the first run (samples loading) has ended
        settle(page)
    page.locator("summary", has_text=t("auth.sign_in", "vi")).click()
    page.get_by_label(t("auth.username", "vi")).fill(ADMIN)
    page.get_by_label(t("auth.password", "vi")).fill(PASSWORD)
    # An official's habit: Tab out of the password (onto its eye button), wait, then click. With plain
    # widgets the password was never sent and the sign-in failed (and counted toward the lock).
    page.keyboard.press("Tab")
    settle(page)
    page.get_by_role("button", name=t("auth.login", "vi")).click()
    page.get_by_text(t("auth.logout", "vi")).wait_for()  # the cookie is set and the page reloaded
    settle(page)
    assert t("nav.upload", "vi") in nav(page) and t("auth.nav_audit", "vi") in nav(page)
    page.locator('[data-testid="stSidebarNavLink"]', has_text=t("nav.upload", "vi")).click()
    settle(page)
    assert page.locator('[data-testid="stFileUploader"]').count() == 1
    page.screenshot(path=str(SHOTS / "auth_admin_upload.png"))
