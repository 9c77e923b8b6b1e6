"""data_version counts every write, even two at once (no lost update): page caches are keyed by it."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event

from store.db import bump_data_version, data_version


def test_two_bumps_at_once_count_twice(engine: Engine) -> None:
    """The first writer pauses just before it writes meta until the second has read meta (or a second passed)."""
    with engine.begin() as conn:
        bump_data_version(conn)
    before = data_version(engine)
    first = threading.get_ident()
    second_has_read = threading.Event()

    def hold_first_write(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == first and statement.lstrip().upper().startswith("UPDATE META"):
            second_has_read.wait(timeout=1)

    def note_second_read(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() != first and statement.lstrip().upper().startswith("SELECT META.VALUE"):
            second_has_read.set()

    def second() -> None:
        with engine.begin() as conn:
            bump_data_version(conn)

    event.listen(engine, "before_cursor_execute", hold_first_write)
    event.listen(engine, "after_cursor_execute", note_second_read)
    try:
        thread = threading.Thread(target=second)
        with engine.begin() as conn:
            thread.start()
            bump_data_version(conn)
        thread.join(timeout=30)
    finally:
        event.remove(engine, "before_cursor_execute", hold_first_write)
        event.remove(engine, "after_cursor_execute", note_second_read)
    assert data_version(engine) == before + 2
