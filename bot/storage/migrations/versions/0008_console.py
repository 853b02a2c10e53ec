"""staff accounts and the audit log of the console

Revision ID: 0008_console
Revises: 0007_membership
Create Date: 2026-12-03 12:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_console'
down_revision = '0007_membership'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('city', sa.String(length=16), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_accounts_username'))
    )
    op.create_table('staff_audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_audit_log'))
    )
    with op.batch_alter_table('staff_audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_staff_audit_log_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_staff_audit_log_actor_at', ['actor', 'at'], unique=False)
        batch_op.create_index('ix_staff_audit_log_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_audit_log_at')
        batch_op.drop_index('ix_staff_audit_log_actor_at')
        batch_op.drop_index('ix_staff_audit_log_action_at')
    op.drop_table('staff_audit_log')
    op.drop_table('staff_accounts')
