"""The schema comes from Alembic migrations, and they match the tables the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from store.db import get_engine
from store.queries import is_empty
from store.schema import facts, metadata


def test_the_migrations_build_exactly_the_declared_schema(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert MigrationContext.configure(conn).get_current_revision() == "0001"


def test_a_store_from_before_the_migrations_is_stamped_and_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = create_engine(url)
    metadata.create_all(old)  # how the first version of the code made its store
    old.dispose()
    engine = get_engine(url)
    assert "alembic_version" in inspect(engine).get_table_names() and is_empty(engine)
    with engine.connect() as conn:
        assert conn.execute(select(facts.c.id)).first() is None
