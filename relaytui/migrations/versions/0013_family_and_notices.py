"""the family's side and e-mail notices (issue 15)

A guardian may carry a national number, which the family view matches against the national
login's claim. ``notice`` is the outbox: each e-mail notice is written in the same transaction
as the change it tells of and sent by the server. ``transition_request`` is the guardians'
answer, in the family view, to a transition to a new unit. A member of staff switches kinds of
notice off in ``staff.notices_off``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 06:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_number', sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_guardian_national_number'), ['national_number'],
                              unique=False)
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notices_off', sqlmodel.sql.sqltypes.AutoString(length=400),
                                      nullable=False, server_default=''))
    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('log_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('guardian_id', sa.Integer(), nullable=True),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('handover_id', sa.Integer(), nullable=True),
        sa.Column('effort_id', sa.Integer(), nullable=True),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('once_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.ForeignKeyConstraint(['effort_id'], ['effort.id'], name=op.f('fk_notice_effort_id_effort')),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'],
                                name=op.f('fk_notice_guardian_id_guardian')),
        sa.ForeignKeyConstraint(['handover_id'], ['handover.id'],
                                name=op.f('fk_notice_handover_id_handover')),
        sa.ForeignKeyConstraint(['log_id'], ['relay_log.id'], name=op.f('fk_notice_log_id_relay_log')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_notice_meeting_id_meeting')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_notice_staff_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
        sa.UniqueConstraint('once_key', name=op.f('uq_notice_once_key')),
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_due', ['sent_at', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notice_log', ['log_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_staff_id'), ['staff_id'], unique=False)
    op.create_table(
        'transition_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('log_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('asked_by', sa.Integer(), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('message', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('guardian_id', sa.Integer(), nullable=True),
        sa.Column('answered_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('consent_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['asked_by'], ['staff.id'],
                                name=op.f('fk_transition_request_asked_by_staff')),
        sa.ForeignKeyConstraint(['consent_id'], ['consent.id'],
                                name=op.f('fk_transition_request_consent_id_consent')),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'],
                                name=op.f('fk_transition_request_guardian_id_guardian')),
        sa.ForeignKeyConstraint(['log_id'], ['relay_log.id'],
                                name=op.f('fk_transition_request_log_id_relay_log')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_transition_request_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transition_request')),
    )
    with op.batch_alter_table('transition_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transition_request_log_id'), ['log_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('transition_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transition_request_log_id'))
    op.drop_table('transition_request')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_staff_id'))
        batch_op.drop_index('ix_notice_log')
        batch_op.drop_index('ix_notice_due')
    op.drop_table('notice')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('notices_off')
    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardian_national_number'))
        batch_op.drop_column('national_number')
