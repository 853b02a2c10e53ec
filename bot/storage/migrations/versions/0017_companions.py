"""companions: a sign-up carries the people who come with the worker; places are counted in seats

Revision ID: 0017_companions
Revises: 0016_sat2
Create Date: 2026-12-03 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_companions'
down_revision = '0016_sat2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity_sign_ups') as batch_op:
        batch_op.add_column(sa.Column('companions', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_activity_sign_ups_companions'), 'companions >= 0')


def downgrade() -> None:
    with op.batch_alter_table('activity_sign_ups') as batch_op:
        batch_op.drop_constraint(op.f('ck_activity_sign_ups_companions'), type_='check')
        batch_op.drop_column('companions')
