"""Every page in a real headless Chromium against a real ``streamlit run`` on 127.0.0.1."""

from __future__ import annotations

from tests import browser_support
from tests.browser_support import SHOTS, settle

# a streamlit server of this module's own on a fresh store, and a Chromium page on it
app_url, page = browser_support.app_url, browser_support.page


def test_every_page_renders_without_error(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(app_url)
    settle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    links = page.locator('[data-testid="stSidebarNavLink"]')
    names = [links.nth(i).inner_text().strip() for i in range(links.count())]
    assert len(names) == 7, names
    for i, name in enumerate(names):
        page.locator('[data-testid="stSidebarNavLink"]').nth(i).click()
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on page {name}"
        page.screenshot(path=str(SHOTS / f"page{i + 1}.png"), full_page=True)
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "Traceback" not in body and len(body) > 50, name


def test_overview_shows_the_2017_plan_in_vietnamese_format(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    settle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "368.45" in text  # 368.45x triệu đồng: '.' groups thousands in Vietnamese
    assert "minh họa" in page.locator("body").inner_text().lower()
