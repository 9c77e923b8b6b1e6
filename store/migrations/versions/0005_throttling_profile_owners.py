"""login_clients: sign-in throttling per client address; mapping_profiles.owner: profiles shared or a user's own

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# SQLite keeps the old UNIQUE (signature) unnamed: batch mode names it by this convention to drop it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _signature_unique() -> str:
    """The name of the old one-profile-per-signature constraint (PostgreSQL named it itself)."""
    found = [u for u in sa.inspect(op.get_bind()).get_unique_constraints('mapping_profiles')
             if u['column_names'] == ['signature']]
    return (found[0]['name'] if found else None) or 'uq_mapping_profiles_signature'


def upgrade() -> None:
    op.create_table('login_clients',
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('client')
    )
    old = _signature_unique()
    # every existing profile stays shared (owner ''), as it was
    with op.batch_alter_table('mapping_profiles', schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=120), server_default='', nullable=False))
        batch_op.drop_constraint(old, type_='unique')
        batch_op.create_unique_constraint('uq_mapping_profiles_signature_owner', ['signature', 'owner'])


def downgrade() -> None:
    # one profile per signature again: users' own profiles go, the shared ones stay
    op.execute("DELETE FROM mapping_profiles WHERE owner <> ''")
    with op.batch_alter_table('mapping_profiles', schema=None) as batch_op:
        batch_op.drop_constraint('uq_mapping_profiles_signature_owner', type_='unique')
        batch_op.drop_column('owner')
        batch_op.create_unique_constraint('uq_mapping_profiles_signature', ['signature'])
    op.drop_table('login_clients')
