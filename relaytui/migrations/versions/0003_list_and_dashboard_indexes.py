"""indexes for the log list and the dashboard at municipality scale (issue 6)

The list of a leader walks their memberships: the membership index now covers the log and
the consent too, so no membership row is read. The dashboard counts a unit's open logs per
level from one index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 23:40:00
"""

from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_staff_active')
        batch_op.create_index('ix_membership_staff_active', ['staff_id', 'removed_at', 'log_id', 'consent_id'],
                              unique=False)
    with op.batch_alter_table('relay_log', schema=None) as batch_op:
        batch_op.create_index('ix_relay_log_unit_status', ['unit_id', 'status', 'level'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('relay_log', schema=None) as batch_op:
        batch_op.drop_index('ix_relay_log_unit_status')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_staff_active')
        batch_op.create_index('ix_membership_staff_active', ['staff_id', 'removed_at'], unique=False)
