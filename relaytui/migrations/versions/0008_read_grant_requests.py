"""requests to read a closed log, and the guardians' approval of a grant (issue 16)

A member of staff who held or read a closed log asks to read it again; an administrator gives
a grant with a reason and an end date, or refuses. In the `no` profile the grant records the
guardians' approval: who approved, how and on which day.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 08:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'read_grant_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('log_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('answered_by', sa.Integer(), nullable=True),
        sa.Column('answered_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['answered_by'], ['staff.id'],
                                name=op.f('fk_read_grant_request_answered_by_staff')),
        sa.ForeignKeyConstraint(['log_id'], ['relay_log.id'],
                                name=op.f('fk_read_grant_request_log_id_relay_log')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'],
                                name=op.f('fk_read_grant_request_staff_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_read_grant_request')),
    )
    with op.batch_alter_table('read_grant_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_grant_request_log_id'), ['log_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_read_grant_request_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index('ix_read_grant_request_status_id', ['status', 'id'], unique=False)
    with op.batch_alter_table('read_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('approval_method', sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=True))
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_read_grant_request_id_read_grant_request'),
                                    'read_grant_request', ['request_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('read_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_read_grant_request_id_read_grant_request'),
                                 type_='foreignkey')
        batch_op.drop_column('approved_on')
        batch_op.drop_column('approval_method')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('request_id')
    with op.batch_alter_table('read_grant_request', schema=None) as batch_op:
        batch_op.drop_index('ix_read_grant_request_status_id')
        batch_op.drop_index(batch_op.f('ix_read_grant_request_staff_id'))
        batch_op.drop_index(batch_op.f('ix_read_grant_request_log_id'))
    op.drop_table('read_grant_request')
