"""indexes for the leader's dashboard and the rare list filters (issue 6)

A unit's open logs come from a partial index (the old one on unit, status, level could not
skip the closed two thirds: ``status <> 'closed'`` is no range; the status is in it so that
SQLite reads no row either). Efforts due, planned meetings by time and pending handovers are
ranges of their own indexes, with the log id in the index, so PostgreSQL joins them to a
unit's logs by hash instead of probing each log; a log's meetings are indexed with their
status, so its next planned meeting and the meetings counted per log need no table row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 02:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'closed'")


def upgrade() -> None:
    with op.batch_alter_table('relay_log', schema=None) as batch_op:
        batch_op.drop_index('ix_relay_log_unit_status')
        batch_op.create_index('ix_relay_log_unit_open', ['unit_id', 'level', 'status', 'id'], unique=False,
                              sqlite_where=OPEN, postgresql_where=OPEN)
    with op.batch_alter_table('effort', schema=None) as batch_op:
        batch_op.create_index('ix_effort_status_due', ['status', 'evaluate_on', 'log_id'], unique=False)
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_log_starts')
        batch_op.create_index('ix_meeting_log_status_starts', ['log_id', 'status', 'starts_at'], unique=False)
        batch_op.create_index('ix_meeting_status_starts', ['status', 'starts_at', 'log_id'], unique=False)
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index('ix_handover_status_log', ['status', 'log_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index('ix_handover_status_log')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_status_starts')
        batch_op.drop_index('ix_meeting_log_status_starts')
        batch_op.create_index('ix_meeting_log_starts', ['log_id', 'starts_at'], unique=False)
    with op.batch_alter_table('effort', schema=None) as batch_op:
        batch_op.drop_index('ix_effort_status_due')
    with op.batch_alter_table('relay_log', schema=None) as batch_op:
        batch_op.drop_index('ix_relay_log_unit_open')
        batch_op.create_index('ix_relay_log_unit_status', ['unit_id', 'status', 'level'], unique=False)
