"""the audit trail in several hash chains, one signed checkpoint over all their heads (issue 18)

Every audited action took one lock, held to its commit, so people working at once queued
behind each other. An event is now in one of several chains (``audit_event.chain``), each
with its own lock and head; a checkpoint signs the head of every chain (``heads``). Every
event recorded before is in chain 0, its hash unchanged; a checkpoint from before has no
``heads`` and verifies as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: neither SQLite nor PostgreSQL rewrites the
    # rows, and the tables keep their append-only triggers (a batch operation would copy the
    # table on SQLite and drop them).
    op.add_column('audit_event', sa.Column('chain', sa.SmallInteger(), nullable=False, server_default=sa.text('0')))
    op.add_column('audit_checkpoint', sa.Column('heads', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                                server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_column('heads')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('chain')
