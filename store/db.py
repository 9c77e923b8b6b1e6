"""Engines and the schema: one database URL, SQLite by default, PostgreSQL where shared."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from loaders.errors import StoreError

from .schema import meta
from .settings import get_settings


def get_engine(url: str | None = None) -> Engine:
    """Engine for a database URL (default: the settings'), with the schema created."""
    url = url or get_settings().database_url
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"Địa chỉ cơ sở dữ liệu không hợp lệ / bad database URL: {url}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed)
    except NoSuchModuleError as exc:
        raise StoreError(f"Không hỗ trợ loại cơ sở dữ liệu / unsupported database: {parsed.drivername}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except OperationalError as exc:
        raise StoreError(
            f"Không kết nối được cơ sở dữ liệu / cannot reach the database {parsed.render_as_string(hide_password=True)}: "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}"
        ) from exc
    return engine


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7_301_120_160  # any constant: the advisory lock all servers take while migrating


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration in store/migrations (Alembic), in one transaction.

    A store made by the first version of this code (tables, no alembic_version) is stamped with
    the first revision, which is that schema, and upgraded from there.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # several servers starting at once on a fresh database: one migrates, the others wait for it
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = conn
        tables = set(inspect(conn).get_table_names())
        if "facts" in tables and "alembic_version" not in tables:
            command.stamp(config, "0001")
        command.upgrade(config, "head")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
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
    # value is text so the table can hold other settings; cast for the increment.
    current = int(conn.execute(select(meta.c.value).where(meta.c.key == "data_version")).scalar_one())
    conn.execute(update(meta).where(meta.c.key == "data_version").values(value=str(current + 1)))
