"""reliability: sign-in floors in the database, delivery retries, late replies still owed

Revision ID: 0010_reliability
Revises: 0009_privacy
Create Date: 2026-12-05 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_reliability'
down_revision = '0009_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('miniprogram_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tokens_valid_after_ms', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(), nullable=True))
    op.create_table('pending_late_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('reply_payload', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('delivered_by', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_late_replies'))
    )
    with op.batch_alter_table('pending_late_replies', schema=None) as batch_op:
        batch_op.create_index('ix_pending_late_replies_due', ['delivered_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_late_replies_openid'), ['openid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_late_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_late_replies_openid'))
        batch_op.drop_index('ix_pending_late_replies_due')
    op.drop_table('pending_late_replies')
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.drop_column('retry_at')
    with op.batch_alter_table('miniprogram_sessions', schema=None) as batch_op:
        batch_op.drop_column('tokens_valid_after_ms')
