"""minutes lines that become efforts, goals, agreements; why a meeting moved

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 23:10:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('minutes_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20),
                                      server_default='note', nullable=False))
        batch_op.add_column(sa.Column('responsible_staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('responsible_text', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('evaluate_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_minutes_note_responsible_staff_id_staff'), 'staff',
                                    ['responsible_staff_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('minutes_note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_minutes_note_responsible_staff_id_staff'), type_='foreignkey')
        batch_op.drop_column('evaluate_on')
        batch_op.drop_column('responsible_text')
        batch_op.drop_column('responsible_staff_id')
        batch_op.drop_column('kind')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('moved_reason')
