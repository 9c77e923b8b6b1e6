"""Screenshots of every page in both languages at 1440 and 390 px: ``python docs/screenshots.py [OUT_DIR]``.

``--pages districts,poverty --langs vi --widths 390`` takes a few of them (names as in the files).

Starts a real server as the browser tests do (``streamlit run serve.py`` on 127.0.0.1, a fresh SQLite
store with the samples) and saves ``<page>-<lang>-<width>.png`` in OUT_DIR (default docs/screenshots/).
Streamlit scrolls inside its main block, so the window is grown to the page's height before each shot.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, settle, start_server, stop_server  # noqa: E402

# the sidebar's pages (address → file name part); with no users in the store every one is open
PAGES = {"": "overview", "districts": "districts", "district_profile": "profile", "poverty": "poverty",
         "data": "data", "upload": "upload", "history": "history"}
LANGS = ["vi", "en"]
WIDTHS = {1440: 1000, 390: 844}  # width → the window's height before it grows to the page
MAX_HEIGHT = 12_000
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(e => e.offsetParent !== null).every(e => e.querySelector('.main-svg'))"""


def shoot(page, url: str, width: int, height: int, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Open one page in a new session, grow the window to the main block's height, save the shot."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    settle(page)
    try:  # the charts of the first visit draw after the script ends: wait until the visible ones have
        page.wait_for_function(CHARTS_DRAWN, timeout=20_000)
    except Exception:  # noqa: BLE001 - a chart that never draws shows as such in the shot
        print(f"{out.name}: a chart did not draw in 20 s")
    for _ in range(3):  # charts re-lay themselves out when the window grows: until the height holds
        full = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        target = max(height, min(int(full) + 40, MAX_HEIGHT))
        if target == page.viewport_size["height"]:
            break
        page.set_viewport_size({"width": width, "height": target})
        page.wait_for_timeout(1000)
    page.screenshot(path=str(out))
    errors = page.locator('[data-testid="stException"]').count()
    print(f"{out.name}: {width}×{page.viewport_size['height']}{'  EXCEPTION ON PAGE' if errors else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--pages", default=",".join(PAGES.values()))
    parser.add_argument("--langs", default=",".join(LANGS))
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    args = parser.parse_args()
    out, pages, langs = args.out, args.pages.split(","), args.langs.split(",")
    widths = {int(w): WIDTHS[int(w)] for w in args.widths.split(",")}
    out.mkdir(parents=True, exist_ok=True)
    if not CHROMIUM:
        sys.exit("no chromium on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        try:
            server = start_server(Path(tmp) / "store.sqlite", Path(tmp) / "streamlit.log")
        except RuntimeError as exc:
            sys.exit(str(exc))
        url = server.url
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page()
                page.set_default_timeout(60_000)
                for lang in langs:
                    for width, height in widths.items():
                        for path, name in ((p, n) for p, n in PAGES.items() if n in pages):
                            shoot(page, f"{url}/{path}?lang={lang}", width, height,
                                  out / f"{name}-{lang}-{width}.png")
                browser.close()
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
