"""Shared by the browser tests: a real ``streamlit run`` on 127.0.0.1 and a headless Chromium page on it.

Import the fixtures into a test module (``from tests.browser_support import app_url, page``): each module
then gets its own server on a fresh SQLite store holding the samples.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from loaders.reference import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
SHOTS = Path(os.environ.get("DASHBOARD_SCREENSHOTS", ROOT / "var" / "screenshots"))


def need_browser() -> None:
    """Skip loudly without playwright or chromium; fail instead when DASHBOARD_TEST_REQUIRE_BROWSER=1."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install -r requirements-dev.txt)"
    else:
        reason = "" if CHROMIUM else "no chromium on PATH (apt-get install chromium)"
    if reason and os.environ.get("DASHBOARD_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"DASHBOARD_TEST_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real streamlit server on the samples, in a fresh SQLite store."""
    yield from serve(tmp_path_factory)


@dataclass(frozen=True)
class Server:
    """A running ``streamlit run serve.py``: its process and address."""

    proc: subprocess.Popen[bytes]
    url: str


def start_server(db: Path, log_path: Path, **extra_env: str) -> Server:
    """``streamlit run serve.py`` on a free port: see start_server_on."""
    return start_server_on(free_port(), db, log_path, **extra_env)


def start_server_on(port: int, db: Path, log_path: Path, **extra_env: str) -> Server:
    """``streamlit run serve.py`` (dashboard.py with its routes) on ``port`` and the SQLite store ``db``,
    with the samples, its output in ``log_path``; ready when this returns.

    Used by the browser tests and by docs/screenshots.py; RuntimeError (with the log's end) when it does not start.
    ``port``: a free one, or a stopped server's (restarted in place).
    """
    env = {**os.environ, "DASHBOARD_DATABASE_URL": f"sqlite:///{db}", "DASHBOARD_LOAD_SAMPLES": "1", **extra_env}
    with open(log_path, "w") as log:  # the server keeps its own copy of the file
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = Server(proc, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"streamlit did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.3)


def stop_server(server: Server) -> None:
    """End a server started by start_server."""
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()


def serve(tmp_path_factory: pytest.TempPathFactory, **extra_env: str) -> Iterator[str]:
    """Start a server (start_server) on a fresh store, settings from extra_env; yield its URL."""
    need_browser()
    db = tmp_path_factory.mktemp("browser") / "store.sqlite"
    try:
        server = start_server(db, tmp_path_factory.mktemp("log") / "streamlit.log", **extra_env)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server.url
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def page(app_url: str):  # type: ignore[no-untyped-def]
    """A headless Chromium page, 1400×1000, on the module's server."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(60_000)
        yield pg
        browser.close()


def settle(page, quiet_ms: int = 1000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script has finished running and stayed finished for ``quiet_ms``.

    Read from the app root's ``data-test-script-state`` ("running", "notRunning", …): with
    ``client.toolbarMode = "minimal"`` there is no status widget to read "Running…" from, and a fixed
    wait let a click land in the middle of a run on a busy machine (CI, 2026-11-30).
    """
    page.wait_for_selector('[data-testid="stApp"]')
    page.evaluate("() => { window.__lcprQuietSince = null; }")
    page.wait_for_function(
        """(quiet) => {
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app && app.getAttribute('data-test-script-state');
            if (state !== 'notRunning') { window.__lcprQuietSince = null; return false; }
            window.__lcprQuietSince = window.__lcprQuietSince || performance.now();
            return performance.now() - window.__lcprQuietSince >= quiet;
        }""",
        arg=quiet_ms, polling=100,
    )


def serve_many(tmp_path_factory: pytest.TempPathFactory, database_url: str, count: int = 2,
               **extra_env: str) -> Iterator[list[str]]:
    """Start ``count`` servers (as ``serve`` does) all on the store at database_url; yield their URLs."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(contextlib.contextmanager(serve)(
            tmp_path_factory, DASHBOARD_DATABASE_URL=database_url, **extra_env)) for _ in range(count)]
