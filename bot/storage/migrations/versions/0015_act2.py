"""activities online or on-site (mode, join link) the companions a sign-up may bring, series of sessions

Revision ID: 0015_act2
Revises: 0014_ops
Create Date: 2026-12-03 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_act2'
down_revision = '0014_ops'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=16), server_default='onsite', nullable=False))
        batch_op.add_column(sa.Column('join_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('max_companions', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('series_key', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('series_key')
        batch_op.drop_column('max_companions')
        batch_op.drop_column('join_url')
        batch_op.drop_column('mode')
