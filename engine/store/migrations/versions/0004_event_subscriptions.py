"""event subscriptions: waiting message/signal catches and start events of latest definitions

Revision ID: 0004_event_subscriptions
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_event_subscriptions'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_subscription',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('event_name', sa.String(length=255), nullable=False),
    sa.Column('execution_id', sa.String(length=64), nullable=True),
    sa.Column('process_instance_id', sa.String(length=64), nullable=True),
    sa.Column('activity_id', sa.String(length=255), nullable=False),
    sa.Column('process_definition_id', sa.String(length=255), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.Column('created_date', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event_subscription', schema=None) as batch_op:
        batch_op.create_index('ix_event_subscription_definition', ['process_definition_id'], unique=False)
        batch_op.create_index('ix_event_subscription_name', ['event_type', 'event_name'], unique=False)
        batch_op.create_index('ix_event_subscription_process_instance', ['process_instance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('event_subscription', schema=None) as batch_op:
        batch_op.drop_index('ix_event_subscription_process_instance')
        batch_op.drop_index('ix_event_subscription_name')
        batch_op.drop_index('ix_event_subscription_definition')

    op.drop_table('event_subscription')
