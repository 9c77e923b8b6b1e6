"""coverage: current facts counted per dataset, district, year and report date, filled from facts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coverage',
    sa.Column('dataset', sa.String(length=16), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('province_code', sa.String(length=4), nullable=False),
    sa.Column('facts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('dataset', 'district_code', 'year', 'as_of')
    )
    with op.batch_alter_table('coverage', schema=None) as batch_op:
        batch_op.create_index('ix_coverage_scope', ['dataset', 'year', 'province_code'], unique=False)
    op.execute("INSERT INTO coverage (dataset, district_code, year, as_of, province_code, facts) "
               "SELECT dataset, district_code, year, as_of, MAX(province_code), COUNT(*) FROM facts WHERE facts.current "
               "GROUP BY dataset, district_code, year, as_of")


def downgrade() -> None:
    with op.batch_alter_table('coverage', schema=None) as batch_op:
        batch_op.drop_index('ix_coverage_scope')
    op.drop_table('coverage')
