"""ticket transfers and close reasons, reopening after an unsatisfied rating, staff WeChat binding and notices

Revision ID: 0014_ops
Revises: 0013_console_content
Create Date: 2026-12-03 15:23:20.423994
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_ops'
down_revision = '0013_console_content'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_staff_notices_staff_id_staff_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notices')),
    sa.UniqueConstraint('staff_id', 'kind', 'key', name=op.f('uq_staff_notices_staff_id'))
    )
    op.create_table('ticket_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('staff', sa.String(length=64), nullable=False),
    sa.Column('from_department', sa.String(length=64), nullable=False),
    sa.Column('to_department', sa.String(length=64), nullable=False),
    sa.Column('from_city', sa.String(length=16), nullable=True),
    sa.Column('to_city', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_transfers_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_transfers'))
    )
    with op.batch_alter_table('ticket_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_transfers_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wechat_openid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('bind_code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('bind_code_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('notices', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_accounts_wechat_openid'), ['wechat_openid'])

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('transferred_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('close_reason')
        batch_op.drop_column('transferred_at')
        batch_op.drop_column('city')

    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_accounts_wechat_openid'), type_='unique')
        batch_op.drop_column('notices')
        batch_op.drop_column('bind_code_expires_at')
        batch_op.drop_column('bind_code_hash')
        batch_op.drop_column('wechat_openid')

    with op.batch_alter_table('ticket_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_transfers_ticket_id'))

    op.drop_table('ticket_transfers')
    op.drop_table('staff_notices')
