"""The schema comes from Alembic migrations, and they match the tables the code declares."""

import os
import subprocess
import sys
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from loaders.reference import ROOT, province_of
from store.db import get_engine
from store.queries import is_empty
from store.schema import facts, metadata
from tests.conftest import PG_ADMIN_URL, _pg_reason


def test_the_migrations_build_exactly_the_declared_schema(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert MigrationContext.configure(conn).get_current_revision() == "0008"


def _first_schema(url: str) -> None:
    """A store as the first version of the code made it: the schema of revision 0001, no alembic_version."""
    from alembic import command
    from alembic.config import Config

    from store.db import MIGRATIONS

    old = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with old.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(text("DROP TABLE alembic_version"))
    old.dispose()


def test_a_store_from_before_the_migrations_is_stamped_and_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    _first_schema(url)
    engine = get_engine(url)
    assert "alembic_version" in inspect(engine).get_table_names() and is_empty(engine)
    with engine.connect() as conn:
        assert conn.execute(select(facts.c.id)).first() is None


def test_facts_stored_before_provinces_get_their_province(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    _first_schema(url)
    old = create_engine(url)
    with old.begin() as conn:
        conn.execute(text("INSERT INTO batches (file_name, sha256, imported_at, user_name, facts_new, facts_changed, "
                          "facts_unchanged, undone) VALUES ('a.xlsx', 'x', '2017-11-01 00:00:00', 'u', 2, 0, 0, 0)"))
        for district in ("107", "062"):
            conn.execute(text("INSERT INTO facts (batch_id, dataset, district_code, year, as_of, component, source, "
                              "measure, value, sheet, cell, current) VALUES (1, 'funding', :d, 2017, '2017-10-31', "
                              "'1.1', 'central', 'plan', 5.0, 'S', 'C3', 1)"), {"d": district})
    old.dispose()
    engine = get_engine(url)
    with engine.connect() as conn:
        got = dict(conn.execute(select(facts.c.district_code, facts.c.province_code)).fetchall())
        communes = {c for (c,) in conn.execute(select(facts.c.commune_code))}
    assert got == {"107": "12", "062": province_of("062")} and province_of("062") not in ("", None, "12")
    assert communes == {""}  # every value stored before communes is a district's own


def test_servers_starting_at_once_on_a_fresh_postgresql_database_all_migrate(tmp_path):
    # several app processes on one fresh database: the advisory lock lets one migrate while the others wait
    # (without it, one of three processes failed on each of three databases here)
    reason = _pg_reason()
    if reason and os.environ.get("DASHBOARD_TEST_REQUIRE_PG") == "1":
        pytest.fail(f"DASHBOARD_TEST_REQUIRE_PG=1 but {reason}")
    if reason:
        pytest.skip(f"POSTGRESQL TEST SKIPPED: {reason}")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = [f"lcpr_race_{uuid.uuid4().hex[:8]}" for _ in range(3)]
    try:
        for name in names:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
            code = f"from store.db import get_engine; get_engine({url!r}); print('migrated')"
            procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True) for _ in range(3)]
            outputs = [p.communicate(timeout=120)[0] for p in procs]
            assert all(p.returncode == 0 and "migrated" in out for p, out in zip(procs, outputs)), outputs
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_threads_of_one_server_opening_a_fresh_store_at_once_all_migrate(tmp_path):
    """A server's first uploads arrive together, each opening the store in a worker thread beside the page's first
    run; Alembic's commands share module-global state, so they must not run side by side (an upload got 500)."""
    import threading

    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'store{round_}.sqlite'}"
        barrier, errors = threading.Barrier(6), []

        def open_store(url: str, barrier: threading.Barrier, errors: list[str]) -> None:
            barrier.wait()
            try:
                get_engine(url).dispose()
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(repr(exc))

        threads = [threading.Thread(target=open_store, args=(url, barrier, errors)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with create_engine(url).connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0008"
