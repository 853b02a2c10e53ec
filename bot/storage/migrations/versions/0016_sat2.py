"""activity satisfaction: the three-choice question after an attended activity and its answer

Revision ID: 0016_sat2
Revises: 0015_act2
Create Date: 2026-12-03 16:58:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_sat2'
down_revision = '0015_act2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_activity_ratings_score')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_ratings_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_activity_ratings_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_ratings')),
    sa.UniqueConstraint('activity_id', 'person_id', name='uq_activity_ratings_activity_person')
    )
    op.create_index('ix_activity_ratings_rated_at', 'activity_ratings', ['rated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_activity_ratings_rated_at', table_name='activity_ratings')
    op.drop_table('activity_ratings')
