"""facts.commune_code: values of a commune ('' for a district's own), part of the fact's key

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OLD_KEY = ['dataset', 'district_code', 'year', 'as_of', 'component', 'source', 'measure']


def _key_index(columns: list[str]) -> None:
    op.create_index('ux_facts_current_key', 'facts', columns, unique=True,
                    sqlite_where=sa.text('current'), postgresql_where=sa.text('current'))


def upgrade() -> None:
    # every existing value is a district's own: '' as the server default says
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_code', sa.String(length=8), server_default='', nullable=False))
    op.drop_index('ux_facts_current_key', table_name='facts')
    _key_index([*OLD_KEY, 'commune_code'])
    op.create_index('ix_facts_communes', 'facts', ['district_code', 'commune_code'],
                    sqlite_where=sa.text("current AND commune_code <> ''"),
                    postgresql_where=sa.text("current AND commune_code <> ''"))


def downgrade() -> None:
    # a store with commune values cannot go back: the old key would see a commune's value and its
    # district's as one fact
    op.execute("DELETE FROM facts WHERE commune_code <> ''")
    op.drop_index('ix_facts_communes', table_name='facts')
    op.drop_index('ux_facts_current_key', table_name='facts')
    _key_index(OLD_KEY)
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_column('commune_code')
