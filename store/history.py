"""Batches after the fact: preview before writing, history, and undo."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, select, update

from loaders.errors import StoreError
from loaders.records import FileReport

from .auth import User, authorize, record
from .db import bump_data_version, write_transaction
from .schema import CURRENT, FACT_KEY, batches, facts
from .writes import TOLERANCE, _current_values, hidden_keys, lock_scope, refresh_coverage


def preview(engine: Engine, reports: list[FileReport]) -> pd.DataFrame:
    """What importing the reports would do, value by value, writing nothing.

    One row per record: its key, ``old`` and ``new`` value, and ``status`` new,
    changed, unchanged, or already_imported (the same file is in the store); then one
    row per current value the file would end without giving it (store.writes.hidden_keys:
    the other level of the source tree, older funding of the same district and date at
    another grain), status ``hidden``, its ``old`` value and no ``new``. ``old_batch`` is
    the batch of the old value.
    """
    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for report in reports:
            seen = conn.execute(select(batches.c.id).where(
                and_(batches.c.sha256 == report.sha256, batches.c.undone.is_(False)))).first()
            existing = _current_values(conn, report)
            for rec in report.records:
                old = existing.get(rec.key)
                if seen is not None:
                    status = "already_imported"
                elif old is None:
                    status = "new"
                elif abs(old[1] - rec.value) <= TOLERANCE:
                    status = "unchanged"
                else:
                    status = "changed"
                rows.append({**dict(zip(FACT_KEY, rec.key)), "file": report.path, "sheet": rec.sheet,
                             "cell": rec.cell, "old": old[1] if old else None, "new": rec.value, "status": status,
                             "old_batch": old[2] if old else None})
            if seen is None:
                for key in hidden_keys(existing, [rec.key for rec in report.records]):
                    rows.append({**dict(zip(FACT_KEY, key)), "file": report.path, "sheet": "", "cell": "",
                                 "old": existing[key][1], "new": None, "status": "hidden",
                                 "old_batch": existing[key][2]})
    columns = [*FACT_KEY, "file", "sheet", "cell", "old", "new", "status", "old_batch"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["old_batch"] = frame["old_batch"].astype("Int64")
    return frame


def preview_by_district(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts of new, changed, unchanged, hidden (and already imported) values per district."""
    statuses = ["new", "changed", "unchanged", "hidden", "already_imported"]
    if frame.empty:
        return pd.DataFrame(columns=["district_code", *statuses])
    # counted on status itself: a hidden value has no new value
    counts = frame.pivot_table(index="district_code", columns="status", values="measure", aggfunc="count",
                               fill_value=0)
    counts = counts.reindex(columns=statuses, fill_value=0)
    counts.columns.name = None
    return counts.reset_index()


def stored_batches(engine: Engine, hashes: Iterable[str]) -> dict[str, int]:
    """SHA-256 → id of the batch (not undone) that holds a file with exactly these bytes."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(batches.c.sha256, func.min(batches.c.id)).where(
            batches.c.sha256.in_(wanted), batches.c.undone.is_(False)).group_by(batches.c.sha256))
        return {sha: int(batch) for sha, batch in rows}


def history(engine: Engine) -> list[dict[str, Any]]:
    """Every batch, newest first: id, file, sha256, user, imported_at, counts, undone."""
    with engine.connect() as conn:
        rows = conn.execute(select(batches).order_by(batches.c.id.desc())).all()
    return [
        {"id": r.id, "file": r.file_name, "sha256": r.sha256, "user": r.user_name,
         "imported_at": r.imported_at.isoformat(sep=" "), "facts_new": r.facts_new,
         "facts_changed": r.facts_changed, "facts_unchanged": r.facts_unchanged, "undone": bool(r.undone)}
        for r in rows
    ]


@dataclass(frozen=True)
class UndoResult:
    """What undoing a batch did."""

    batch_id: int
    removed: int
    restored: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def undo(engine: Engine, batch_id: int, *, user: User | str = "cli") -> UndoResult:
    """Take a batch's values out of the store and bring back the values it replaced (one transaction).

    Refused when the batch is unknown or already undone, or when a later batch
    has replaced some of its values (undo that one first: history stays linear).
    Runs after any import or undo of the same provinces has finished, and checks
    all this once nothing else can change them (store.writes.lock_scope).
    """
    return write_transaction(engine, lambda conn: _undo(conn, batch_id, user))


def _undo(conn: Connection, batch_id: int, user: User | str) -> UndoResult:
    """undo inside its transaction."""
    # which districts a batch wrote never changes (only whether its facts are current): safe to read unlocked
    touched = conn.execute(select(facts.c.district_code).where(facts.c.batch_id == batch_id).distinct()).scalars().all()
    name = authorize(conn, user, "undo", touched)
    lock_scope(conn, touched)
    # from here on no import or undo of these provinces runs; the row lock serialises undos of the same batch
    batch = conn.execute(select(batches).where(batches.c.id == batch_id).with_for_update()).first()
    if batch is None:
        raise StoreError(f"Không có lần nhập số {batch_id} / no batch {batch_id}", code="unknown_batch")
    if batch.undone:
        raise StoreError(f"Lần nhập số {batch_id} đã được hoàn tác / batch {batch_id} is already undone",
                         code="already_undone")
    removed = conn.execute(
        update(facts).where(facts.c.batch_id == batch_id, CURRENT).values(current=False)
    ).rowcount
    # asked after the update, which waited for any writer holding these rows: even a writer that took
    # no lock (an older server) has then either finished replacing them, and is seen here, or will find
    # them no longer current (store.writes._write_one checks) and start again
    later = conn.execute(
        select(facts.c.replaced_by).where(facts.c.batch_id == batch_id, facts.c.replaced_by.is_not(None)).limit(1)
    ).scalar()
    if later is not None:
        raise StoreError(
            f"Giá trị của lần nhập {batch_id} đã được lần nhập {later} thay thế; hãy hoàn tác lần {later} trước. "
            f"/ Batch {later} replaced values of batch {batch_id}; undo batch {later} first.",
            code="undo_order",
        )
    # never bring back a value of an undone batch (a store written before imports and undos took locks
    # may name an undone batch's facts replaced by this one)
    undone = select(batches.c.id).where(batches.c.undone.is_(True))
    restored = conn.execute(
        update(facts).where(facts.c.replaced_by == batch_id, facts.c.batch_id.not_in(undone))
        .values(current=True, replaced_by=None)
    ).rowcount
    conn.execute(update(batches).where(batches.c.id == batch_id).values(undone=True))
    scope = conn.execute(select(facts.c.dataset, facts.c.district_code, facts.c.year)
                         .where(facts.c.batch_id == batch_id).distinct()).all()
    if scope:
        refresh_coverage(conn, {r[0] for r in scope}, {r[1] for r in scope}, {r[2] for r in scope})
    record(conn, name, "undo", batch.file_name, removed + restored,
           f"batch={batch_id} removed={removed} restored={restored}")
    bump_data_version(conn)
    return UndoResult(batch_id, removed, restored)
