"""national scale: facts carry their district's province (province_code, an index for a province's or the
country's year); faster bulk loads (no foreign-key triggers on facts, replaced_by indexed only where set)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# the names PostgreSQL gave the first schema's foreign keys; SQLite's unnamed ones get the same through NAMES
FK_BATCH, FK_REPLACED = 'facts_batch_id_fkey', 'facts_replaced_by_fkey'
NAMES = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}
DISTRICTS_CSV = Path(__file__).resolve().parents[3] / "data" / "reference" / "districts.csv"


def upgrade() -> None:
    with op.batch_alter_table('facts', schema=None, naming_convention=NAMES) as batch_op:
        batch_op.drop_constraint(FK_BATCH, type_='foreignkey')
        batch_op.drop_constraint(FK_REPLACED, type_='foreignkey')
        batch_op.drop_index('ix_facts_replaced_by')
        batch_op.create_index('ix_facts_replaced_by', ['replaced_by'], unique=False,
                              sqlite_where=sa.text('replaced_by IS NOT NULL'),
                              postgresql_where=sa.text('replaced_by IS NOT NULL'))
        batch_op.add_column(sa.Column('province_code', sa.String(length=4), server_default='', nullable=False))
        batch_op.drop_index('ix_facts_current_dataset_year')
        batch_op.create_index('ix_facts_current_scope', ['dataset', 'year', 'province_code', 'district_code', 'as_of'],
                              unique=False, sqlite_where=sa.text('current'), postgresql_where=sa.text('current'))
    # facts stored before this revision get their province from the reference table
    with open(DISTRICTS_CSV, encoding="utf-8", newline="") as fh:
        pairs = [{"d": r["code"], "p": r["province_code"]} for r in csv.DictReader(fh)]
    op.get_bind().execute(sa.text("UPDATE facts SET province_code = :p WHERE district_code = :d AND province_code = ''"),
                          pairs)


def downgrade() -> None:
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_index('ix_facts_replaced_by', sqlite_where=sa.text('replaced_by IS NOT NULL'),
                            postgresql_where=sa.text('replaced_by IS NOT NULL'))
        batch_op.create_index('ix_facts_replaced_by', ['replaced_by'], unique=False)
        batch_op.create_foreign_key(FK_BATCH, 'batches', ['batch_id'], ['id'])
        batch_op.create_foreign_key(FK_REPLACED, 'batches', ['replaced_by'], ['id'])
        batch_op.drop_index('ix_facts_current_scope', sqlite_where=sa.text('current'),
                            postgresql_where=sa.text('current'))
        batch_op.create_index('ix_facts_current_dataset_year', ['current', 'dataset', 'year'], unique=False)
        batch_op.drop_column('province_code')
