"""Pages as officials wait for them: headless Chromium against a real ``streamlit run serve.py``.

Run: ``python benchmarks/bench_browser.py [--store URL] [--pages …] [--repeat 3] [--json]``.

Without ``--store`` the server runs on a fresh SQLite store holding the illustrative samples. Each page
(a shared link: scope, year, date and, for District profile, the district) is timed three ways, in
seconds from the request to the end of the script run with every visible chart drawn:

- ``cold``: the first visit after the server starts (its imports, the engine, every cache empty), from a
  browser that has not seen the dashboard before (nothing cached); the server is restarted before each page;
- ``new tab``: a new tab of that browser on the warm server (its HTTP cache, a new Streamlit session: what
  an official opening the link again waits);
- ``warm``: the same tab run again (the "R" key: what every click on a widget costs at least).

Each is repeated ``--repeat`` times (cold once per page); the median and the range are printed. The
server's CPU time (user + system, from /proc) for each view is printed beside it, so how many views a
core serves per second is known. The times are read in the page itself (``performance.now()``, sampled
every 20 ms) from the app root's ``data-test-script-state``: they include the network, the script run and
the drawing, and no fixed wait.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM_ARGS, Server, start_server, stop_server  # noqa: E402

# page name → its address after the server's root (with the shared link's parameters added)
PAGES = {"overview": "", "districts": "districts", "district_profile": "district_profile", "poverty": "poverty",
         "data": "data"}
TARGETS = {"warm": 0.3, "new_tab": 1.0, "cold": 3.0}  # seconds (issue 16)
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Installed in every document before its scripts: notes when the script run has ended with every visible
# chart drawn. ``running`` is set once a run starts, so the state before the first run does not count.
WATCH = """
window.__bench = {done: null, running: false, t0: 0};
setInterval(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  const b = window.__bench;
  if (state === 'running' || state === 'rerunRequested') { b.running = true; b.done = null; return; }
  if (state !== 'notRunning' || !b.running || b.done !== null) return;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(e => e.offsetParent !== null);
  if (charts.every(e => e.querySelector('.main-svg'))) b.done = performance.now();
}, 20);
"""
# done, and still done 1 s later (a second run, e.g. after the address is rewritten, resets it)
SETTLED = """() => { const b = window.__bench; if (!b || b.done === null) return false;
  b.seen = b.seen || performance.now(); return performance.now() - b.done >= 1000; }"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _wait_done(page: Any, timeout_s: float) -> float:
    """Seconds from the view's start (t0) to the end of its run, once settled."""
    page.wait_for_function(SETTLED, timeout=timeout_s * 1000, polling=50)
    return float(page.evaluate("() => (window.__bench.done - window.__bench.t0) / 1000"))


def open_view(context: Any, url: str, timeout_s: float) -> tuple[Any, float]:
    """A new tab on url: (the page, seconds to its end)."""
    page = context.new_page()
    page.goto(url, wait_until="commit")
    return page, _wait_done(page, timeout_s)  # t0 = 0: performance.now() counts from the navigation


def rerun(page: Any, timeout_s: float) -> float:
    """Run the page again in the same tab (Streamlit's "R" shortcut); seconds to its end."""
    page.evaluate("() => { window.__bench = {...window.__bench, done: null, running: false, seen: null,"
                  " t0: performance.now()}; }")
    page.locator("body").press("r")
    return _wait_done(page, timeout_s)


def link(base: str, page: str, params: dict[str, str]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return f"{base}/{PAGES[page]}?{query}"


def summary(values: list[float]) -> dict[str, Any]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "n": len(values)} if values else {}


def time_pages(db_url: str | None, pages: list[str], params: dict[str, str], district: str, repeat: int,
               timeout_s: float, log: Any = print) -> dict[str, Any]:
    """Every page cold, in new tabs and warm, with the server's CPU per view (see the module's text)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH (apt-get install chromium)")
    work = Path(tempfile.mkdtemp(prefix="bench_browser_"))
    if db_url is None:  # the samples, loaded before any server starts: no visit waits for them
        from store.bootstrap import load_samples_if_empty
        from store.db import get_engine

        db_url = f"sqlite:///{work / 'samples.sqlite'}"
        engine = get_engine(db_url)
        load_samples_if_empty(engine)
        engine.dispose()
    env = {"DASHBOARD_DATABASE_URL": db_url, "DASHBOARD_LOAD_SAMPLES": "0"}
    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)

        def context() -> Any:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.add_init_script(WATCH)
            return ctx

        for name in pages:
            asked = {**params, **({"district": district} if name == "district_profile" else {})}
            server: Server = start_server(work / "store.sqlite", work / f"{name}.log", **env)
            try:
                url = link(server.url, name, asked)
                row: dict[str, Any] = {"url": url.removeprefix(server.url)}
                cpu = cpu_seconds(server.proc.pid)
                ctx = context()  # a browser that never saw the dashboard: nothing cached
                page, cold = open_view(ctx, url, timeout_s)
                row["cold"], row["cold_cpu"] = round(cold, 3), round(cpu_seconds(server.proc.pid) - cpu, 3)
                row["exceptions"] = page.locator('[data-testid="stException"]').count()
                page.close()
                tabs, tab_cpu, warm, warm_cpu = [], [], [], []
                for _ in range(repeat):  # new tabs of the same browser (its cache, a new Streamlit session each)
                    cpu = cpu_seconds(server.proc.pid)
                    page, seconds = open_view(ctx, url, timeout_s)
                    tabs.append(seconds)
                    tab_cpu.append(cpu_seconds(server.proc.pid) - cpu)
                    cpu = cpu_seconds(server.proc.pid)
                    warm.append(rerun(page, timeout_s))
                    warm_cpu.append(cpu_seconds(server.proc.pid) - cpu)
                    page.close()
                ctx.close()
                row.update(new_tab=summary(tabs), new_tab_cpu=summary(tab_cpu), warm=summary(warm),
                           warm_cpu=summary(warm_cpu))
            finally:
                stop_server(server)
            log(f"{name}: cold {row['cold']:.2f} s · new tab {row['new_tab']['median']:.2f} s · "
                f"warm {row['warm']['median']:.2f} s · server CPU per warm view {row['warm_cpu']['median']:.2f} s")
            out[name] = row
        browser.close()
    shutil.rmtree(work, ignore_errors=True)
    return out


def judge(pages: dict[str, Any]) -> dict[str, Any]:
    """Worst median against each target."""
    worst = {"cold": max((r["cold"] for r in pages.values()), default=None),
             "new_tab": max((r["new_tab"]["median"] for r in pages.values()), default=None),
             "warm": max((r["warm"]["median"] for r in pages.values()), default=None)}
    return {k: {"limit": TARGETS[k], "worst": v, "pass": v is not None and v < TARGETS[k]} for k, v in worst.items()}


def render(pages: dict[str, Any]) -> str:
    lines = ["| page | cold | new tab (median, range) | warm (median, range) | server CPU: new tab / warm |",
             "|---|---|---|---|---|"]
    for name, r in pages.items():
        lines.append(f"| {name} | {r['cold']:.2f} | {r['new_tab']['median']:.2f} ({r['new_tab']['min']:.2f}–"
                     f"{r['new_tab']['max']:.2f}) | {r['warm']['median']:.3f} ({r['warm']['min']:.3f}–"
                     f"{r['warm']['max']:.3f}) | {r['new_tab_cpu']['median']:.2f} / {r['warm_cpu']['median']:.2f} |")
    return "\n".join(lines)


def git_version() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="database URL (default: a fresh SQLite store with the samples)")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated: " + ", ".join(PAGES))
    parser.add_argument("--scope", default="12", help="province code, '' for the country (default Lai Châu)")
    parser.add_argument("--year", default="2017")
    parser.add_argument("--date", default="2017-10-31", help="reporting date, yyyy-mm-dd")
    parser.add_argument("--district", default="108", help="District profile's district (default Sìn Hồ)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for one view")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_national import machine

    params = {"scope": args.scope or "all", "year": args.year, "date": args.date, "lang": "vi"}
    t0 = time.perf_counter()
    pages = time_pages(args.store, [p for p in args.pages.split(",") if p], params, args.district, args.repeat,
                       args.timeout, log=(lambda *_: None) if args.json else print)
    result = {"machine": machine(None), "commit": git_version(), "store": args.store or "samples (SQLite)",
              "params": params, "pages": pages, "targets": judge(pages), "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    else:
        print(render(pages))
        print("targets:", json.dumps(result["targets"]))
        print("machine:", json.dumps(result["machine"]), "commit", result["commit"])


if __name__ == "__main__":
    main()
