"""subject.name_key: the folded name, indexed, so the log list reads a page in name order (issue 6)

Sorting a leader's 5,000 logs by ``lower(name)`` on every page was the list's whole cost; with
the folded name stored and indexed with the id, a page is read in order. Existing rows are
filled here with the same folding the application uses (Python's ``str.lower``: SQLite's
``lower()`` folds ASCII only).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    conn = op.get_bind()
    subject = sa.table('subject', sa.column('id', sa.Integer), sa.column('name', sa.String),
                       sa.column('name_key', sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(subject.c.id, subject.c.name).where(subject.c.id > last)
                            .order_by(subject.c.id).limit(BATCH)).all()
        if not rows:
            break
        conn.execute(subject.update().where(subject.c.id == sa.bindparam('sid'))
                     .values(name_key=sa.bindparam('key')),
                     [{'sid': row.id, 'key': row.name.lower()} for row in rows])
        last = rows[-1].id
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.create_index('ix_subject_name_key', ['name_key', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_name_key')
        batch_op.drop_column('name_key')
