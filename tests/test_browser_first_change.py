"""The first choice made in a freshly started server's first session counts (issue 13, point 6).

Streamlit runs an app with a pages/ folder as an old-style multipage app until st.navigation is
first called: the first run then gave the sidebar's widgets other ids than every later run, and
the first change a person made was dropped. serve.py starts the server in navigation mode.
"""

from __future__ import annotations

import pytest

from tests import browser_support
from tests.browser_support import settle

# a server of this module's own: the page below is the first session it ever serves
app_url, page = browser_support.app_url, browser_support.page


def test_the_first_change_of_scope_is_taken(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    settle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    assert "— Tỉnh Lai Châu" in page.locator('[data-testid="stMain"]').inner_text()
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="Cả nước").click()
    settle(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    if "— Tỉnh Lai Châu" in main:
        pytest.fail("the first change of scope was ignored")
    assert "— Cả nước" in main
