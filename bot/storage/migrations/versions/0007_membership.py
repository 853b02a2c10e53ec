"""membership applications and members

Revision ID: 0007_membership
Revises: 0006_tickets
Create Date: 2026-11-27 02:58:39.280485
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_membership'
down_revision = '0006_tickets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('membership_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_no', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('phone_encrypted', sa.Text(), nullable=True),
    sa.Column('id_encrypted', sa.Text(), nullable=True),
    sa.Column('id_index', sa.String(length=64), nullable=True),
    sa.Column('employer', sa.String(length=200), nullable=True),
    sa.Column('no_fixed_employer', sa.Boolean(), nullable=False),
    sa.Column('city', sa.String(length=16), nullable=True),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('industry', sa.String(length=64), nullable=True),
    sa.Column('occupation', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('consent_at', sa.DateTime(), nullable=False),
    sa.Column('consent_version', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reviewer', sa.String(length=64), nullable=True),
    sa.Column('member_no', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_membership_applications_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_applications')),
    sa.UniqueConstraint('application_no', name=op.f('uq_membership_applications_application_no'))
    )
    with op.batch_alter_table('membership_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_applications_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_applications_id_index'), ['id_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_applications_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_membership_applications_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('uq_membership_applications_open_id', ['id_index'], unique=True, sqlite_where=sa.text("status IN ('submitted', 'need_info')"), postgresql_where=sa.text("status IN ('submitted', 'need_info')"))
        batch_op.create_index('uq_membership_applications_open_person', ['person_id'], unique=True, sqlite_where=sa.text("status IN ('submitted', 'need_info')"), postgresql_where=sa.text("status IN ('submitted', 'need_info')"))

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_no', sa.String(length=32), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('id_index', sa.String(length=64), nullable=True),
    sa.Column('employer', sa.String(length=200), nullable=True),
    sa.Column('no_fixed_employer', sa.Boolean(), nullable=False),
    sa.Column('city', sa.String(length=16), nullable=True),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('industry', sa.String(length=64), nullable=True),
    sa.Column('occupation', sa.String(length=64), nullable=True),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['membership_applications.id'], name=op.f('fk_members_application_id_membership_applications')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_members_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('id_index', name=op.f('uq_members_id_index')),
    sa.UniqueConstraint('member_no', name=op.f('uq_members_member_no')),
    sa.UniqueConstraint('person_id', name=op.f('uq_members_person_id'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_industry'), ['industry'], unique=False)

    op.create_table('membership_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('notified_via', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['membership_applications.id'], name=op.f('fk_membership_status_changes_application_id_membership_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_status_changes'))
    )
    with op.batch_alter_table('membership_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_status_changes_application_id'), ['application_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('membership_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_status_changes_application_id'))

    op.drop_table('membership_status_changes')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_industry'))
        batch_op.drop_index(batch_op.f('ix_members_city'))

    op.drop_table('members')
    with op.batch_alter_table('membership_applications', schema=None) as batch_op:
        batch_op.drop_index('uq_membership_applications_open_person', sqlite_where=sa.text("status IN ('submitted', 'need_info')"), postgresql_where=sa.text("status IN ('submitted', 'need_info')"))
        batch_op.drop_index('uq_membership_applications_open_id', sqlite_where=sa.text("status IN ('submitted', 'need_info')"), postgresql_where=sa.text("status IN ('submitted', 'need_info')"))
        batch_op.drop_index('ix_membership_applications_status_created')
        batch_op.drop_index(batch_op.f('ix_membership_applications_person_id'))
        batch_op.drop_index(batch_op.f('ix_membership_applications_id_index'))
        batch_op.drop_index(batch_op.f('ix_membership_applications_city'))

    op.drop_table('membership_applications')
