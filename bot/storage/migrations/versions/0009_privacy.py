"""personal data: ticket stories keep their numbers encrypted; tickets keep their consent time and version

Revision ID: 0009_privacy
Revises: 0008_console
Create Date: 2026-12-05 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_privacy'
down_revision = '0008_console'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('text_numbers_encrypted', sa.Text(), nullable=True))
        batch.add_column(sa.Column('consent_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('consent_version', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('consent_version')
        batch.drop_column('consent_at')
        batch.drop_column('text_numbers_encrypted')
