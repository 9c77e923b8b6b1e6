"""Engines and the schema: one database URL, SQLite by default, PostgreSQL where shared."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    Engine,
    Integer,
    String,
    cast,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from loaders.errors import StoreError

from .schema import meta
from .settings import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# SQLite: how long a writer waits for another's write lock before SQLITE_BUSY ("database is locked"),
# then how many times write_transaction runs the whole transaction before telling the user the store
# is busy, with a doubling pause (plus jitter) between attempts.
BUSY_TIMEOUT_MS = 10_000
WRITE_ATTEMPTS = 4
RETRY_PAUSE_S = 0.1
# execution option marking a connection whose transaction writes: on SQLite it begins IMMEDIATE
WRITE = "store_write"

STORE_BUSY = ("Cơ sở dữ liệu đang bận, vui lòng thử lại sau ít phút. "
              "/ The store is busy; try again in a minute.")
STORE_CONFLICT = ("Một lần nhập hoặc hoàn tác khác vừa ghi cùng số liệu; vui lòng thử lại. "
                  "/ Another import or undo wrote the same values at the same moment; try again.")


def get_engine(url: str | None = None) -> Engine:
    """Engine for a database URL (default: the settings'), with the schema created."""
    url = url or get_settings().database_url
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"Địa chỉ cơ sở dữ liệu không hợp lệ / bad database URL: {url}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _create_private(Path(parsed.database))
    try:
        engine = create_engine(parsed)
    except NoSuchModuleError as exc:
        raise StoreError(f"Không hỗ trợ loại cơ sở dữ liệu / unsupported database: {parsed.drivername}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    try:
        migrate(engine)
    except OperationalError as exc:
        if _retry_kind(exc) == "busy":  # a writer holds SQLite's lock while a migration waits for it
            raise StoreError(STORE_BUSY, code="store_busy") from exc
        raise StoreError(
            f"Không kết nối được cơ sở dữ liệu / cannot reach the database {parsed.render_as_string(hide_password=True)}: "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}"
        ) from exc
    return engine


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7_301_120_160  # any constant: the advisory lock all servers take while migrating
# One migration at a time in this process: Alembic's commands work through module-global proxies (alembic.context,
# alembic.op) that two threads cannot share. A server's first uploads arrive together, each opening the store in a
# worker thread (pages/_routes.py) beside the page's own first run: unserialised, every round of six at once on a
# fresh store failed (KeyError 'script', "table alembic_version already exists"), an upload answered with 500.
_MIGRATING = threading.Lock()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration in store/migrations (Alembic), in one transaction.

    A store made by the first version of this code (tables, no alembic_version) is stamped with
    the first revision, which is that schema, and upgraded from there.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _MIGRATING, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # several servers starting at once on a fresh database: one migrates, the others wait for it
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = conn
        tables = set(inspect(conn).get_table_names())
        if "facts" in tables and "alembic_version" not in tables:
            command.stamp(config, "0001")
        command.upgrade(config, "head")
        analyze_if_grown(conn)  # a large store never analysed (made before statistics were kept): at start


# The planner's statistics are renewed once the fact table has grown by half since they were made (or when there
# are none): a bulk load changes the table more than the statistics of before can tell, and growth by half bounds
# the total cost of analysing to a few times one analysis of the final table.
ANALYZE_GROWTH = 1.5


def analyze_if_grown(conn: Connection) -> bool:
    """Renew the planner's statistics of facts and coverage when they are missing or the table has grown by half
    since (ANALYZE_GROWTH); True when it did.

    Without statistics SQLite sums the country's funding of a date through the key index (4.3 s on the national
    benchmark store with communes) rather than the scope index (2.5 s with them), and PostgreSQL's lookups during
    the next imports pick a poor index (75 ms instead of 8 ms each at a million facts). A whole ANALYZE of that
    store takes 6.5 s on SQLite; its ``analysis_limit`` would make it instant but misleads the planner (it
    estimated a thousand rows per dataset and picked worse plans than with no statistics), so it is not used.
    PostgreSQL samples the table whatever its size.
    """
    rows = int(conn.execute(text("SELECT max(id) FROM facts")).scalar() or 0)
    analyzed = conn.execute(select(meta.c.value).where(meta.c.key == "analyzed_rows")).scalar()
    if not rows or (_has_statistics(conn) and analyzed is not None and rows < ANALYZE_GROWTH * int(analyzed)):
        return False
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("ANALYZE facts")
        conn.exec_driver_sql("ANALYZE coverage")
        conn.exec_driver_sql("ANALYZE commune_totals")  # by its key per district, not its scope index
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE facts, coverage, commune_totals")
    conn.execute(delete(meta).where(meta.c.key == "analyzed_rows"))
    conn.execute(insert(meta).values(key="analyzed_rows", value=str(rows)))
    return True


def _has_statistics(conn: Connection) -> bool:
    """Whether the planner has statistics of the fact table."""
    if conn.dialect.name == "sqlite":
        if not conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
            return False
        return conn.execute(text("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'facts'")).first() is not None
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT 1 FROM pg_stats WHERE tablename = 'facts' LIMIT 1")).first() is not None
    return True


def _create_private(path: Path) -> None:
    """Create a SQLite file readable by its owner only (0600; SQLite gives -wal and -shm its mode), in a 0700 folder.

    The store holds password hashes and session tokens' hashes; other local users have no business reading it.
    Files and folders that already exist are left as they are.
    """
    if path.name.startswith("file:"):  # a SQLite URI (uri=true): SQLite opens it as it says
        return
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # only the last folder gets the mode
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # an empty file is an empty database
    except FileExistsError:
        pass


def _sqlite_begin(conn: Connection) -> None:
    """A writing transaction takes SQLite's write lock at BEGIN, before it reads anything.

    Otherwise pysqlite begins a deferred transaction at the first INSERT or UPDATE, so whatever a writer read
    before (the values it replaces, a batch it undoes) may be stale by the time it writes. Readers keep
    pysqlite's own deferred transactions: with WAL they never wait for a writer.
    """
    if conn.get_execution_options().get(WRITE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")  # a writer waits for another's lock this long
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the app) are not blocked by an import
    cur.execute("PRAGMA cache_size=-65536")  # a national store is a gigabyte: 64 MiB of page cache, not 2
    cur.close()


def data_version(engine: Engine) -> int:
    """A number that changes whenever the store's facts change; part of every cache key."""
    with engine.connect() as conn:
        value = conn.execute(select(meta.c.value).where(meta.c.key == "data_version")).scalar()
    return int(value or 0)


def bump_data_version(conn: Connection) -> None:
    """Increase data_version inside the writing transaction."""
    dialect = conn.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(meta).values(key="data_version", value="1")
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
    # value is text so the table can hold other settings; cast for the increment, in one statement: read
    # then write would let two concurrent writers both write the same number (a lost update).
    conn.execute(update(meta).where(meta.c.key == "data_version")
                 .values(value=cast(cast(meta.c.value, Integer) + 1, String)))


class WriteConflict(Exception):
    """Raised inside a write transaction when what it read changed under it; write_transaction runs it again."""


def write_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work(conn)`` in one writing transaction; again, from the start, when another writer got in the way.

    SQLite: the transaction holds the write lock from BEGIN (see _sqlite_begin), waiting up to
    BUSY_TIMEOUT_MS for it. PostgreSQL: ``work`` takes its own locks (store.writes.lock_scope). A busy
    store, a deadlock, a serialisation failure, a duplicate current value or a WriteConflict rolls the
    attempt back and runs ``work`` again (WRITE_ATTEMPTS in all); after the last a StoreError
    ``store_busy`` or ``store_conflict`` says so in words, without SQL.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    return work(conn)
        except (DBAPIError, WriteConflict) as exc:
            kind = _retry_kind(exc)
            if kind is None:
                raise
            if attempt == WRITE_ATTEMPTS:
                raise StoreError(STORE_BUSY if kind == "busy" else STORE_CONFLICT, code=f"store_{kind}") from exc
            reason = type(getattr(exc, "orig", None) or exc).__name__
            log.warning("write transaction attempt %d of %d: %s (%s); trying again", attempt, WRITE_ATTEMPTS, kind, reason)
            time.sleep(RETRY_PAUSE_S * 2 ** (attempt - 1) * (1 + random.random()))
    raise AssertionError("unreachable")


# PostgreSQL SQLSTATEs where running the transaction again may succeed
_PG_RETRY = {"40001": "conflict", "40P01": "conflict", "23505": "conflict", "55P03": "busy"}
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CONSTRAINT_UNIQUE = 5, 6, 2067


def _retry_kind(exc: BaseException) -> str | None:
    """'busy' or 'conflict' when another writer got in the way (worth another attempt); None otherwise."""
    if isinstance(exc, WriteConflict):
        return "conflict"
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_RETRY:
        return _PG_RETRY[sqlstate]
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):  # extended codes keep the primary in the low byte
        return "busy"
    if code == _SQLITE_CONSTRAINT_UNIQUE:
        return "conflict"
    return None
