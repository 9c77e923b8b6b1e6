"""What only the browser shows: Streamlit's own English words replaced, and cards of one height (issue 13)."""

from __future__ import annotations

import time

from loaders.i18n import t
from tests import browser_support
from tests.browser_support import settle

app_url, page = browser_support.app_url, browser_support.page

AFTER = "(sel) => getComputedStyle(document.querySelector(sel), '::after').content"
FONT = "(sel) => getComputedStyle(document.querySelector(sel)).fontSize"
ZONE = '.st-key-upload_files [data-testid="stFileUploaderDropzone"]'


def test_the_uploader_speaks_the_users_language(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    for lang in ("vi", "en"):
        page.goto(f"{app_url}/upload?lang={lang}")
        settle(page)
        page.wait_for_selector(ZONE)
        button, limit = f"{ZONE} button [data-testid='stMarkdownContainer'] p", \
            f"{ZONE} [data-testid='stFileUploaderDropzoneInstructions'] span"
        assert page.evaluate(AFTER, button) == f'"{t("upload.dropzone_button", lang)}"'
        assert page.evaluate(AFTER, limit) == f'"{t("upload.dropzone_limit", lang, mb=20, types="XLSX, XLS, CSV")}"'
        # Streamlit's own English words are there but take no room
        assert page.evaluate(FONT, button) == "0px" and page.evaluate(FONT, limit) == "0px"


def test_an_unknown_address_lands_on_overview_with_a_note(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/districtz?lang=vi")
    settle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    body = page.locator("body").inner_text()
    assert "Page not found" not in body and page.locator('[role="dialog"]').count() == 0
    assert t("app.page_missing", "vi", page="districtz") in body
    assert "missing=" not in page.url and "lang=vi" in page.url


def test_no_english_stop_button_while_a_page_runs(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/district_profile", wait_until="commit")
    seen, deadline = set(), time.monotonic() + 8
    while time.monotonic() < deadline:  # the status widget shows while the script runs
        seen.add(page.evaluate("() => [...document.querySelectorAll('[data-testid=\"stStatusWidget\"] button')]"
                               ".map(b => b.innerText).join('|')"))
        page.wait_for_timeout(40)
    assert not any("Stop" in s for s in seen), seen


def test_overview_cards_stand_equally_tall(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{app_url}/?lang=en")
    settle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    heights = page.evaluate("() => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
                            ".map(e => Math.round(e.getBoundingClientRect().height))")
    assert len(heights) == 4 and max(heights) - min(heights) <= 1, heights


def test_card_labels_are_whole_with_their_unit(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{app_url}/?lang=en")
    settle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    cut = page.evaluate("() => [...document.querySelectorAll('[data-testid=\"stMetricLabel\"] p')]"
                        ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText)")
    assert not cut, cut  # no label ends in '…' with its unit hidden
