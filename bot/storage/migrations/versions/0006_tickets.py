"""tickets: complaints, reports, letters, hardship aid, consultations, legal aid, callbacks

Revision ID: 0006_tickets
Revises: 0005_activities
Create Date: 2026-11-27 02:57:33.163821
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_tickets'
down_revision = '0005_activities'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=4), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_counters')),
    sa.UniqueConstraint('prefix', 'day', name='uq_ticket_counters_prefix_day')
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('employer', sa.String(length=200), nullable=True),
    sa.Column('contact_phone_encrypted', sa.Text(), nullable=True),
    sa.Column('contact_phone_masked', sa.String(length=16), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('check_status', sa.String(length=16), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_tickets_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_check_status'), ['check_status'], unique=False)
        batch_op.create_index('ix_tickets_kind_created', ['kind', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_tickets_status_due', ['status', 'due_at'], unique=False)

    op.create_table('ticket_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('staff', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_replies_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_replies'))
    )
    with op.batch_alter_table('ticket_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_replies_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_replies_ticket_id'))

    op.drop_table('ticket_replies')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_status_due')
        batch_op.drop_index(batch_op.f('ix_tickets_person_id'))
        batch_op.drop_index('ix_tickets_kind_created')
        batch_op.drop_index(batch_op.f('ix_tickets_check_status'))

    op.drop_table('tickets')
    op.drop_table('ticket_counters')
