"""Shared fixtures: stores on SQLite and PostgreSQL, and workbooks built in code."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from loaders.template import build_workbook
from store.db import get_engine

# The PostgreSQL server used by the store tests; CI sets it, and it is this machine's default.
PG_ADMIN_URL = os.environ.get("DASHBOARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    reason = _pg_reason()
    if reason and os.environ.get("DASHBOARD_TEST_REQUIRE_PG") == "1":
        pytest.fail(f"DASHBOARD_TEST_REQUIRE_PG=1 but {reason}")
    if reason:
        pytest.skip(reason)
    name = f"lcpr_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store, on each engine in turn."""
    if request.param == "sqlite":
        eng = get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
        yield eng
        eng.dispose()
        return
    url = request.getfixturevalue("pg_url")
    eng = get_engine(url)
    yield eng
    from store.schema import metadata

    metadata.drop_all(eng)
    with eng.begin() as conn:  # the migration record goes too: the next test starts from nothing
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    eng.dispose()


def funding_row(district: str = "107", year: int = 2017, as_of: dt.date = dt.date(2017, 10, 31),
                component: str = "1.1", source: str = "central_investment",
                plan: float | None = 1000.0, disbursed: float | None = 400.0) -> dict[str, Any]:
    """A canonical funding row for build_workbook."""
    return dict(district_code=district, year=year, as_of=as_of, component=component, source=source,
                plan=plan, disbursed=disbursed)


def poverty_row(district: str = "107", year: int = 2017, households: float = 10000, poor: float = 4000,
                near_poor: float = 1000) -> dict[str, Any]:
    """A canonical poverty row for build_workbook."""
    return dict(district_code=district, year=year, as_of=dt.date(year, 12, 31), households=households,
                poor_households=poor, near_poor_households=near_poor)


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """Write a template workbook from canonical rows; returns its path."""
    counter = iter(range(10_000))

    def make(funding=(), poverty=(), targets=(), name: str | None = None, edit=None) -> Path:  # type: ignore[no-untyped-def]
        wb = build_workbook(funding=funding, poverty=poverty, targets=targets)
        if edit:
            edit(wb)  # tests that need a broken cell change it here
        path = tmp_path / (name or f"book{next(counter)}.xlsx")
        wb.save(path)
        return path

    return make


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run AppTest as serve.py runs the server: navigation only, never the old pages/-folder mode.

    AppTest resets PagesManager.uses_pages_directory before every run, so the folder named pages/ would
    make each first script run an old-style multipage app, whose widgets get other ids than the runs a
    browser sees (serve.py sets the flag once for the server's life).
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    monkeypatch.setattr(PagesManager, "__init__", init)
