"""guardians invited to meetings, with the address the invitation goes to (issue 16)

A guardian of the subject is invited as such (``guardian_id``), and an invitee who is not
staff keeps the address the invitation goes to (``email``): the guardian's recorded address
or one typed with a guest.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invitee_guardian_id_guardian'), 'guardian',
                                    ['guardian_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('invitee', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitee_guardian_id_guardian'), type_='foreignkey')
        batch_op.drop_column('email')
        batch_op.drop_column('guardian_id')
