"""mini-program sessions and uploads

Revision ID: 0003_miniprogram
Revises: 0002_people
Create Date: 2026-11-27 02:53:18.309505
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_miniprogram'
down_revision = '0002_people'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('miniprogram_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('session_key_encrypted', sa.Text(), nullable=False),
    sa.Column('refresh_hash', sa.String(length=64), nullable=False),
    sa.Column('previous_refresh_hash', sa.String(length=64), nullable=True),
    sa.Column('refresh_expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_miniprogram_sessions_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_miniprogram_sessions')),
    sa.UniqueConstraint('public_id', name=op.f('uq_miniprogram_sessions_public_id')),
    sa.UniqueConstraint('refresh_hash', name=op.f('uq_miniprogram_sessions_refresh_hash'))
    )
    with op.batch_alter_table('miniprogram_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_miniprogram_sessions_openid'), ['openid'], unique=False)
        batch_op.create_index(batch_op.f('ix_miniprogram_sessions_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_miniprogram_sessions_previous_refresh_hash'), ['previous_refresh_hash'], unique=False)

    op.create_table('miniprogram_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_miniprogram_uploads_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_miniprogram_uploads')),
    sa.UniqueConstraint('public_id', name=op.f('uq_miniprogram_uploads_public_id'))
    )
    with op.batch_alter_table('miniprogram_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_miniprogram_uploads_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('miniprogram_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_miniprogram_uploads_person_id'))
    op.drop_table('miniprogram_uploads')
    with op.batch_alter_table('miniprogram_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_miniprogram_sessions_previous_refresh_hash'))
        batch_op.drop_index(batch_op.f('ix_miniprogram_sessions_person_id'))
        batch_op.drop_index(batch_op.f('ix_miniprogram_sessions_openid'))
    op.drop_table('miniprogram_sessions')
