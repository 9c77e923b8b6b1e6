"""commune_totals: the current values reported by commune, summed per district, filled from facts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KEY = ['dataset', 'district_code', 'year', 'as_of', 'component', 'source', 'measure', 'batch_id']


def upgrade() -> None:
    op.create_table('commune_totals',
    sa.Column('dataset', sa.String(length=16), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('component', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.String(length=4), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('facts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint(*KEY)
    )
    op.create_index('ix_commune_totals_scope', 'commune_totals',
                    ['dataset', 'year', 'province_code', 'district_code', 'as_of'], unique=False)
    keys = ", ".join(KEY)
    op.execute(f"INSERT INTO commune_totals ({keys}, province_code, value, facts) "
               f"SELECT {keys}, MAX(province_code), SUM(value), COUNT(*) FROM facts "
               f"WHERE facts.current AND commune_code <> '' GROUP BY {keys}")


def downgrade() -> None:
    op.drop_index('ix_commune_totals_scope', table_name='commune_totals')
    op.drop_table('commune_totals')
