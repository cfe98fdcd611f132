"""a declined handover's answer reaches the proposer (issue 16)

The proposer is told of a declined handover, with its reason, at the next login
(``answer_told_at``) and sees it in the handover inbox until dismissing it (``answer_seen_at``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_told_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer_seen_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_column('answer_seen_at')
        batch_op.drop_column('answer_told_at')
