"""one-time passwords and SSH keys of staff (issue 13)

``relaytui serve`` lets staff log in over SSH with their password or with public keys an
administrator registered (``relaytui user add-key``); a new account and a reset password are
one-time passwords, changed at the next login.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'staff_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('public_key', sa.Text(), nullable=False),
        sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_key_staff_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_key')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_staff_key_fingerprint')),
    )
    with op.batch_alter_table('staff_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_key_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_key_staff_id'))
    op.drop_table('staff_key')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
