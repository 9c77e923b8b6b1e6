"""The SQLite store is readable by its owner only (issue 7c): it holds password and session hashes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders import import_files
from store.db import get_engine
from tests.conftest import funding_row


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems give (022): files would be world-readable unless the store says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_store_and_its_wal_files_are_0600_in_a_0700_folder(tmp_path, make_workbook, usual_umask):
    folder = tmp_path / "var"
    db = folder / "dashboard.sqlite"
    engine = get_engine(f"sqlite:///{db}")
    import_files([make_workbook(funding=[funding_row()])], engine, user="a")
    with engine.connect():  # an open connection keeps -wal and -shm on disk
        files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        assert {f.name: oct(mode(f)) for f in files} == {f.name: "0o600" for f in files}
    assert oct(mode(folder)) == "0o700"
    engine.dispose()


def test_an_existing_folder_keeps_its_mode(tmp_path, usual_umask):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    engine = get_engine(f"sqlite:///{folder / 'store.sqlite'}")
    assert oct(mode(folder)) == "0o755" and oct(mode(folder / "store.sqlite")) == "0o600"
    engine.dispose()
