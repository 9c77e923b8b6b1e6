"""Writing inspected files to the store: one transaction, history kept, nothing counted twice."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, text, update

from loaders.errors import StoreError
from loaders.records import FileReport
from loaders.reference import province_of, source_parent, sources

from .auth import User, authorize, record
from .db import WriteConflict, analyze_if_grown, bump_data_version, write_transaction
from .schema import BY_COMMUNE, COMMUNE_TOTAL_KEY, CURRENT, FACT_KEY, batches, commune_totals, coverage, facts

# Values closer than this are the same value (floating point from Excel).
TOLERANCE = 1e-6
_CHUNK = 500
# PostgreSQL: statistics are refreshed after an import that added this many facts
_COMPONENT, _SOURCE, _AS_OF_KEY, _COMMUNE = (FACT_KEY.index(k) for k in ("component", "source", "as_of", "commune_code"))
# PostgreSQL: first key of the advisory locks on a province's facts (two-integer keys; the migration
# lock in store/db.py is a bigint key, a space of its own)
FACTS_LOCK = 7301


@dataclass(frozen=True)
class BatchResult:
    """What writing one file did."""

    file: str
    sha256: str
    batch_id: int | None
    facts_new: int
    facts_changed: int
    facts_unchanged: int
    already_imported: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as printed by ``import --json``."""
        return asdict(self)


def write_reports(
    engine: Engine,
    reports: Iterable[FileReport],
    *,
    user: User | str,
    now: dt.datetime | None = None,
) -> list[BatchResult]:
    """Write the records of error-free reports as one transaction; return one result per file.

    A file whose SHA-256 matches a batch already in the store (and not undone)
    is skipped. A record whose key already has the same current value is
    counted as unchanged; a different value replaces the old one, which stays
    in history with ``replaced_by`` set; so do current values the file ends without giving
    them (hidden_keys: the other level of the source tree, and older funding of the same
    district and date at another grain). ``user`` must be allowed to import
    every district in the files (store/auth.py); each batch is audited.

    Imports and undos of the same provinces run one after the other (lock_scope), and the
    whole transaction runs again when another writer got in the way (store.db.write_transaction).
    """
    reports = list(reports)
    for r in reports:
        if not r.ok:
            raise StoreError(f"{r.path}: tệp còn lỗi, không thể nhập / the file has errors and cannot be imported")
        if not r.sha256:
            raise StoreError(f"{r.path}: missing SHA-256")
    now = now or dt.datetime.now().replace(microsecond=0)
    return write_transaction(engine, lambda conn: _write_all(conn, reports, user=user, now=now))


def _write_all(conn: Connection, reports: list[FileReport], *, user: User | str, now: dt.datetime) -> list[BatchResult]:
    """write_reports inside its transaction."""
    results: list[BatchResult] = []
    touched = {rec.district_code for r in reports for rec in r.records}
    name = authorize(conn, user, "import", touched)
    lock_scope(conn, touched)  # before anything is read: what we read stays true until we commit
    for report in reports:
        result = _write_one(conn, report, user=name, now=now)
        results.append(result)
        if not result.already_imported:
            record(conn, name, "import", result.file, result.facts_new + result.facts_changed,
                   f"batch={result.batch_id} new={result.facts_new} changed={result.facts_changed} "
                   f"unchanged={result.facts_unchanged} sha256={result.sha256}")
    if any(r.facts_new or r.facts_changed for r in results):
        records = [rec for r in reports for rec in r.records]
        refresh_coverage(conn, {r.dataset.value for r in records}, {r.district_code for r in records},
                         {r.year for r in records})
        bump_data_version(conn)
        analyze_if_grown(conn)  # a bulk load outruns the planner's statistics (and PostgreSQL's autovacuum)
    return results


def _write_one(conn, report: FileReport, *, user: str, now: dt.datetime) -> BatchResult:  # type: ignore[no-untyped-def]
    name = Path(report.path).name
    seen = conn.execute(
        select(batches.c.id).where(and_(batches.c.sha256 == report.sha256, batches.c.undone.is_(False)))
    ).first()
    if seen is not None:
        return BatchResult(name, report.sha256, seen.id, 0, 0, 0, already_imported=True)

    keys = [r.key for r in report.records]
    if len(set(keys)) != len(keys):
        raise StoreError(f"{name}: the same fact appears twice in one file")

    batch_id = conn.execute(
        insert(batches).values(
            file_name=name,
            sha256=report.sha256,
            imported_at=now,
            user_name=user,
            facts_new=0,
            facts_changed=0,
            facts_unchanged=0,
            undone=False,
        )
    ).inserted_primary_key[0]

    existing = _current_values(conn, report)
    province = {code: province_of(code) or "" for code in {r.district_code for r in report.records}}
    # rows as tuples in _ROW_COLUMNS order: the bulk insert takes them as they are
    new_rows: list[tuple[Any, ...]] = []
    replaced: list[int] = []
    unchanged = 0
    for rec, key in zip(report.records, keys):
        old = existing.get(key)
        if old is not None:
            if abs(old[1] - rec.value) <= TOLERANCE:
                unchanged += 1
                continue
            replaced.append(old[0])
        new_rows.append((*key, province[rec.district_code], rec.value, rec.sheet, rec.cell, batch_id, True, None))
    hidden = [existing[k][0] for k in hidden_keys(existing, keys)]

    ended = replaced + hidden
    for i in range(0, len(ended), _CHUNK):
        chunk = ended[i : i + _CHUNK]
        # only values still current: one that stopped being current since we read it (an undo that
        # did not hold our lock) must not be named replaced by this batch; then nothing is written
        done = conn.execute(
            update(facts).where(facts.c.id.in_(chunk), CURRENT).values(current=False, replaced_by=batch_id)
        ).rowcount
        if done != len(chunk):
            raise WriteConflict(f"{name}: {len(chunk) - done} of the values read as current are no longer current")
    _insert_facts(conn, new_rows)

    new, changed = len(new_rows) - len(replaced), len(replaced)
    conn.execute(update(batches).where(batches.c.id == batch_id)
                 .values(facts_new=new, facts_changed=changed, facts_unchanged=unchanged))
    return BatchResult(name, report.sha256, batch_id, new, changed, unchanged)


def hidden_keys(existing: dict[tuple[Any, ...], tuple[int, float, int]], keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Keys of current facts a file with these keys ends without giving them (the preview's "hidden").

    Two rules, each ending what would otherwise count the same money twice or let an older figure
    win over a newer one: another level of the source tree (_other_source_level), and older funding
    of the same district and date at another grain (_other_grain). Each fact keeps ``replaced_by``,
    so undoing the newer file brings them back.
    """
    return list(dict.fromkeys([*_other_source_level(existing, keys), *_other_grain(existing, keys)]))


def _grain(key: tuple[Any, ...]) -> tuple[bool, bool, bool]:
    """Whether a funding fact's key has a component and a source (store.metrics._GRAINS), and whether any
    fact's key is a commune's (the only grain of household counts and targets)."""
    funding = key[0] == "funding"
    return funding and key[_COMPONENT] != "", funding and key[_SOURCE] != "", key[_COMMUNE] != ""


def _other_grain(existing: dict[tuple[Any, ...], tuple[int, float, int]], keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Current facts of the districts and dates this file gives, at a grain the file does not give there.

    For a district and report date the newest import wins, whatever the grain of older figures:
    store.metrics.at_finest_grain counts only the finest grain present, so an older report by
    project and source would otherwise hide a newer one by source alone. Decided here, when the
    newer file is written, rather than in every read: the batches of one province are written one
    after another (lock_scope), so the file being written is the newest; every reader (the SQL
    frames, current_facts, exports, coverage counts) then sees one consistent set of current facts
    with no per-query window over batches; and undo brings the older figures back through
    ``replaced_by``, as for _other_source_level. Values at a grain the file gives stay beside it
    (one report per source adds up); the same key is replaced as usual.

    Communes are a grain too, of every dataset: a district's figure is its own or the sum of its
    communes, never both, so a file by commune ends the district's own values for that date (funding
    and household counts alike), and a file of the district's own values ends its communes'.
    """
    given: dict[tuple[Any, ...], set[tuple[bool, bool, bool]]] = {}
    for key in keys:
        given.setdefault(key[:_AS_OF_KEY + 1], set()).add(_grain(key))
    return [k for k in existing if (grains := given.get(k[:_AS_OF_KEY + 1])) is not None and _grain(k) not in grains]


def _other_source_level(existing: dict[tuple[Any, ...], tuple[int, float, int]],
                        keys: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Current facts this file gives at another level of the source tree: they stop being current.

    The central budget unsplit (``central``) and split (``central_investment``, ``central_recurrent``)
    are the same money. A newer file giving one level replaces what an older file gave at the other,
    so the money counts once, and undoing the newer file brings the older figure back.
    """
    source = _SOURCE
    mine = set(keys)
    levels = _other_levels()
    related: set[tuple[Any, ...]] = set()
    for key in mine:
        for other in levels.get(key[source], ()):  # most sources have no other level: nothing to build
            related.add((*key[:source], other, *key[source + 1:]))
    return [k for k in related - mine if k in existing]


@lru_cache(maxsize=1)
def _other_levels() -> dict[str, tuple[str, ...]]:
    """Each source's other levels of the source tree: its parts and its parent ('central' ↔ its two parts)."""
    out: dict[str, tuple[str, ...]] = {}
    for code in sources():
        others = [c for c, s in sources().items() if s.parent_code == code]
        if parent := source_parent(code):
            others.append(parent)
        if others:
            out[code] = tuple(others)
    return out


def lock_scope(conn: Connection, district_codes: Iterable[str]) -> None:
    """Hold, until the transaction ends, the right to change the facts of these districts' provinces.

    PostgreSQL: one transaction-level advisory lock per province, taken in one order by every import
    and undo (no deadlock), before they read the values they replace or restore. SQLite needs none:
    a writing transaction holds the whole store from BEGIN IMMEDIATE (store.db.write_transaction).
    """
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({_province_key(province_of(d) or "") for d in district_codes}):
        conn.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": FACTS_LOCK, "key": key})


def _province_key(code: str) -> int:
    """A province's lock key: its GSO code as a number; anything else, a CRC of it."""
    return int(code) if code.isdigit() else zlib.crc32(code.encode()) & 0x7FFFFFFF


_ROW_COLUMNS = (*FACT_KEY, "province_code", "value", "sheet", "cell", "batch_id", "current", "replaced_by")
_AS_OF = _ROW_COLUMNS.index("as_of")


def _insert_facts(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert fact rows (tuples in _ROW_COLUMNS order) in the writing transaction, by the engine's fast path.

    PostgreSQL: COPY. Others: one prepared INSERT through the driver's executemany (SQLAlchemy's
    per-row parameter processing cost twice the insert itself); dates go as ISO text, as
    SQLAlchemy's Date type stores them on SQLite.
    """
    if not rows:
        return
    columns = ", ".join(_ROW_COLUMNS)
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY facts ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        iso = {d: d.isoformat() for d in {r[_AS_OF] for r in rows}}
        rows = [(*r[:_AS_OF], iso[r[_AS_OF]], *r[_AS_OF + 1:]) for r in rows]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO facts ({columns}) VALUES ({', '.join([mark] * len(_ROW_COLUMNS))})"
    for i in range(0, len(rows), _CHUNK * 100):
        conn.exec_driver_sql(statement, rows[i : i + _CHUNK * 100])


def refresh_coverage(conn: Connection, datasets: Iterable[str], districts: Iterable[str], years: Iterable[int]) -> None:
    """Recount the coverage rows of these datasets, districts and years from the current facts."""
    districts = sorted(districts)
    # the province too: with it the scope index answers, whatever the planner knows of the table
    where = [facts.c.dataset.in_(sorted(datasets)), facts.c.year.in_(sorted(years)),
             facts.c.province_code.in_(sorted({province_of(d) or "" for d in districts})),
             facts.c.district_code.in_(districts)]
    conn.execute(delete(coverage).where(coverage.c.dataset.in_(sorted(datasets)),
                                        coverage.c.district_code.in_(sorted(districts)),
                                        coverage.c.year.in_(sorted(years))))
    keys = (facts.c.dataset, facts.c.district_code, facts.c.year, facts.c.as_of)
    conn.execute(insert(coverage).from_select(
        ["dataset", "district_code", "year", "as_of", "province_code", "facts"],
        select(*keys, func.max(facts.c.province_code), func.count()).where(CURRENT, *where).group_by(*keys),
    ))
    # the communes' values summed per district, as the pages read a district's figure (store.schema.commune_totals)
    conn.execute(delete(commune_totals).where(commune_totals.c.dataset.in_(sorted(datasets)),
                                              commune_totals.c.district_code.in_(districts),
                                              commune_totals.c.year.in_(sorted(years))))
    total_keys = [facts.c[k] for k in COMMUNE_TOTAL_KEY]
    conn.execute(insert(commune_totals).from_select(
        [*COMMUNE_TOTAL_KEY, "province_code", "value", "facts"],
        select(*total_keys, func.max(facts.c.province_code), func.sum(facts.c.value), func.count())
        .where(CURRENT, BY_COMMUNE, *where).group_by(*total_keys),
    ))


def _current_values(conn, report: FileReport) -> dict[tuple, tuple[int, float, int]]:  # type: ignore[no-untyped-def]
    """Current (id, value, batch_id) by key for the districts and years the report touches."""
    if not report.records:
        return {}
    districts = sorted({r.district_code for r in report.records})
    years = sorted({r.year for r in report.records})
    datasets = sorted({r.dataset.value for r in report.records})
    rows = conn.execute(
        select(facts.c.id, facts.c.value, facts.c.batch_id, *(facts.c[k] for k in FACT_KEY)).where(
            CURRENT,
            facts.c.dataset.in_(datasets),
            facts.c.year.in_(years),
            facts.c.province_code.in_(sorted({province_of(d) or "" for d in districts})),  # see refresh_coverage
            facts.c.district_code.in_(districts),
        )
    )
    out = {}
    for row in rows:
        key = tuple(row._mapping[k] for k in FACT_KEY)
        out[key] = (row.id, row.value, row.batch_id)
    return out
