"""Two ``streamlit run`` processes on one PostgreSQL database: an import in one shows in the other on its next run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, SHOTS, serve_many, settle
from tests.conftest import PG_ADMIN_URL, _pg_reason
from tests.test_browser_upload import disbursed_to_oct_31, go, main_text
from tests.test_upload import muong_te_october


@pytest.fixture(scope="module")
def shared_db() -> Iterator[str]:
    """A fresh PostgreSQL database for this module's servers, dropped at the end."""
    reason = _pg_reason()
    if reason and os.environ.get("DASHBOARD_TEST_REQUIRE_PG") == "1":
        pytest.fail(f"DASHBOARD_TEST_REQUIRE_PG=1 but {reason}")
    if reason:
        pytest.skip(f"MULTI-SERVER TEST SKIPPED: {reason}")
    name = f"lcpr_multi_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:  # FORCE: a server that did not stop cleanly may still hold a connection
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, shared_db: str) -> Iterator[list[str]]:
    """Two streamlit servers, each its own process, on the one database."""
    yield from serve_many(tmp_path_factory, shared_db, count=2)


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / f"multiserver_{name}.png"), full_page=True)


def test_import_on_one_server_shows_on_the_other(servers: list[str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    report = tmp_path / "muong_te_31_10_2017.xlsx"
    report.write_bytes(muong_te_october())
    first, second = servers
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        one, two = (browser.new_page(viewport={"width": 1400, "height": 1000}) for _ in servers)
        for pg in (one, two):
            pg.set_default_timeout(60_000)

        # Server 1's first run migrates the fresh database and loads the samples; only then server 2 opens
        # (two first runs at once on a fresh database race in the migrations: deploy/run-servers.sh prepares it).
        one.goto(first)
        settle(one)
        before_on_one = disbursed_to_oct_31(one)
        two.goto(second)
        settle(two)
        before = disbursed_to_oct_31(two)  # now cached in server 2 under the current data version
        assert before == before_on_one
        shot(two, "1_server2_before")

        # The import happens in server 1's process: upload, preview, commit.
        go(one, "Tải lên")
        one.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(report))
        one.get_by_text("Xem trước khi nhập").wait_for()
        settle(one)
        assert "Nếu nhập: 44 giá trị mới" in main_text(one)
        ack = one.get_by_text("Tôi đã xem các cảnh báo")
        if ack.count():
            ack.click()
            settle(one)
        one.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
        one.get_by_text(f"Đã nhập tệp {report.name}").wait_for()
        settle(one)
        after_on_one = disbursed_to_oct_31(one)
        assert after_on_one != before
        shot(one, "2_server1_imported")

        # Server 2, not restarted: the next run of the same session reads the new data version and the new figures.
        go(two, "Dữ liệu")
        assert disbursed_to_oct_31(two) == after_on_one
        shot(two, "3_server2_after")
        # and so does a fresh session (a reload) on server 2
        two.reload()
        settle(two)
        assert disbursed_to_oct_31(two) == after_on_one
        browser.close()
