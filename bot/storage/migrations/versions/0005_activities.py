"""activities and sign-ups (exact places, waiting list)

Revision ID: 0005_activities
Revises: 0004_push
Create Date: 2026-11-27 02:57:07.220290
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_activities'
down_revision = '0004_push'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('eligibility', sa.String(length=200), nullable=False),
    sa.Column('organizer', sa.String(length=120), nullable=False),
    sa.Column('city', sa.String(length=16), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=True),
    sa.Column('signup_deadline', sa.DateTime(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('confirmed_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('waiting_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('waiting_list_size', sa.Integer(), nullable=True),
    sa.Column('members_only', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('confirmed_count >= 0 AND confirmed_count <= capacity', name=op.f('ck_activities_places')),
    sa.CheckConstraint('waiting_count >= 0', name=op.f('ck_activities_waiting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('key', name=op.f('uq_activities_key'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_city'), ['city'], unique=False)
        batch_op.create_index('ix_activities_starts_at', ['starts_at'], unique=False)

    op.create_table('activity_sign_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('promoted_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_sign_ups_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_activity_sign_ups_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_sign_ups'))
    )
    with op.batch_alter_table('activity_sign_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_sign_ups_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_activity_sign_ups_queue', ['activity_id', 'status', 'id'], unique=False)
        batch_op.create_index('uq_activity_sign_ups_live', ['activity_id', 'person_id'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))



def downgrade() -> None:
    with op.batch_alter_table('activity_sign_ups', schema=None) as batch_op:
        batch_op.drop_index('uq_activity_sign_ups_live', sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index('ix_activity_sign_ups_queue')
        batch_op.drop_index(batch_op.f('ix_activity_sign_ups_person_id'))

    op.drop_table('activity_sign_ups')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_starts_at')
        batch_op.drop_index(batch_op.f('ix_activities_city'))

    op.drop_table('activities')
