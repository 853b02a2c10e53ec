"""versions of the content files edited in the console

Revision ID: 0013_console_content
Revises: 0012_dash
Create Date: 2026-12-03 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_console_content'
down_revision = '0012_dash'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('content_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=True),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('saved_by', sa.String(length=64), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_versions'))
    )
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.create_index('ix_content_versions_path_id', ['path', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_content_versions_path_id')
    op.drop_table('content_versions')
