"""attendance at activities (checked in at the door), and openid lists as push audiences

Revision ID: 0012_dash
Revises: 0011_stats
Create Date: 2026-12-03 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_dash'
down_revision = '0011_stats'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity_sign_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_in_by', sa.String(length=64), nullable=True))
    op.create_table('audience_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_lists'))
    )
    op.create_table('audience_list_members',
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['audience_lists.id'], name=op.f('fk_audience_list_members_list_id_audience_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('list_id', 'openid', name=op.f('pk_audience_list_members'))
    )
    with op.batch_alter_table('audience_list_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audience_list_members_openid'), ['openid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audience_list_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_list_members_openid'))
    op.drop_table('audience_list_members')
    op.drop_table('audience_lists')
    with op.batch_alter_table('activity_sign_ups', schema=None) as batch_op:
        batch_op.drop_column('checked_in_by')
        batch_op.drop_column('attended_at')
