"""a line of the minutes remembers that it was still being typed (issue 16)

A draft line saved while the holder was typing it is marked ``typing``; after a crash it comes
back into the input to be finished, and Enter marks it finished.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('minutes_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('typing', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('minutes_note', schema=None) as batch_op:
        batch_op.drop_column('typing')
