"""external tasks: an index in fetchAndLock's order (topic, then oldest first)

Without it every fetch sorted all the topic's tasks to find the oldest ten: with 3,000 tasks
waiting a fetch of ten cost twice what it costs with 300.

Revision ID: 0005_external_task_fetch_order
Revises: 0002
"""
from alembic import op

revision = '0005_external_task_fetch_order'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('external_task', schema=None) as batch_op:
        batch_op.create_index('ix_external_task_fetch_order', ['topic_name', 'create_time', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('external_task', schema=None) as batch_op:
        batch_op.drop_index('ix_external_task_fetch_order')
