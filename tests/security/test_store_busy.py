"""SQLite's "database is locked" (issue 7a): waited out, retried, and at worst one clear message, never SQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

import store.db
from loaders import StoreError, import_files
from loaders.cli import main
from store.db import get_engine
from store.history import undo
from store.queries import current_facts
from tests.conftest import funding_row


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up after four 0.1 s waits instead of four 10 s ones (raising=False: these tests also run on code without them)."""
    monkeypatch.setattr(store.db, "BUSY_TIMEOUT_MS", 100, raising=False)
    monkeypatch.setattr(store.db, "RETRY_PAUSE_S", 0.01, raising=False)


def hold_write_lock(path: Path, seconds: float | None = None) -> sqlite3.Connection:
    """Another writer holding SQLite's write lock (released after ``seconds`` when given)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    if seconds is not None:
        threading.Timer(seconds, other.rollback).start()
    return other


def assert_plain_busy(message: str, path: Path) -> None:
    assert "Cơ sở dữ liệu đang bận" in message and "The store is busy" in message
    for leak in ("SELECT", "INSERT", "UPDATE", "BEGIN", "sqlite", "locked", str(path), "Traceback"):
        assert leak not in message, leak


def test_a_store_locked_too_long_gives_store_busy_without_sql(tmp_path, make_workbook, quick):
    path = tmp_path / "store.sqlite"
    engine = get_engine(f"sqlite:///{path}")
    _, done = import_files([make_workbook(funding=[funding_row()])], engine, user="a")
    other = hold_write_lock(path)
    try:
        with pytest.raises(StoreError) as exc:
            import_files([make_workbook(funding=[funding_row(district="108")])], engine, user="a")
        assert exc.value.code == "store_busy"
        assert_plain_busy(str(exc.value), path)
        with pytest.raises(StoreError) as exc:
            undo(engine, done[0].batch_id)
        assert exc.value.code == "store_busy"
    finally:
        other.rollback()
        other.close()
    import_files([make_workbook(funding=[funding_row(district="108")])], engine, user="a")
    assert len(current_facts(engine)) == 4
    engine.dispose()


def test_a_lock_held_past_the_busy_timeout_is_outlasted_by_the_retries(tmp_path, make_workbook, quick):
    path = tmp_path / "store.sqlite"
    engine = get_engine(f"sqlite:///{path}")
    book = make_workbook(funding=[funding_row()])
    other = hold_write_lock(path, seconds=0.25)  # longer than one 0.1 s wait, shorter than all of them
    started = time.monotonic()
    _, results = import_files([book], engine, user="a")
    assert results[0].facts_new == 2 and time.monotonic() - started >= 0.2
    other.close()
    engine.dispose()


def test_the_command_line_says_busy_and_exits_non_zero(tmp_path, make_workbook, quick, capsys):
    path = tmp_path / "store.sqlite"
    get_engine(f"sqlite:///{path}").dispose()
    book = make_workbook(funding=[funding_row()])
    other = hold_write_lock(path)
    try:
        rc = main(["import", str(book), "--db", f"sqlite:///{path}", "--user", "a"])
    finally:
        other.rollback()
        other.close()
    err = capsys.readouterr().err
    assert rc != 0
    assert_plain_busy(err, path)


def test_a_writing_transaction_holds_the_write_lock_before_it_reads(tmp_path):
    """SQLite: BEGIN IMMEDIATE, so nothing a writer reads can change before it writes."""
    path = tmp_path / "store.sqlite"
    engine = get_engine(f"sqlite:///{path}")

    def work(conn) -> None:  # type: ignore[no-untyped-def]
        other = sqlite3.connect(path, isolation_level=None, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # before `work` has run a single statement
        other.close()

    store.db.write_transaction(engine, work)
    engine.dispose()
