"""push campaigns

Revision ID: 0004_push
Revises: 0003_miniprogram
Create Date: 2026-11-27 02:54:22.997455
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_push'
down_revision = '0003_miniprogram'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('push_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('paused_from', sa.String(length=16), nullable=True),
    sa.Column('send_at', sa.DateTime(), nullable=True),
    sa.Column('cron', sa.String(length=64), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_at', sa.DateTime(), nullable=True),
    sa.Column('dedup_key', sa.String(length=100), nullable=True),
    sa.Column('audience_size', sa.Integer(), nullable=True),
    sa.Column('clientmsgid', sa.String(length=64), nullable=True),
    sa.Column('wechat_msg_id', sa.String(length=64), nullable=True),
    sa.Column('report_total', sa.Integer(), nullable=True),
    sa.Column('report_sent', sa.Integer(), nullable=True),
    sa.Column('report_failed', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('materialized_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['push_campaigns.id'], name=op.f('fk_push_campaigns_parent_id_push_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_campaigns')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_push_campaigns_dedup_key')),
    sa.UniqueConstraint('parent_id', 'occurrence_at', name='uq_push_campaigns_parent_occurrence')
    )
    with op.batch_alter_table('push_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_campaigns_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_push_campaigns_state_send_at', ['state', 'send_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_campaigns_wechat_msg_id'), ['wechat_msg_id'], unique=False)

    op.create_table('push_leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_push_leases'))
    )
    op.create_table('push_subscribe_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.String(length=128), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscribe_consents')),
    sa.UniqueConstraint('openid', 'template_id', name='uq_push_subscribe_consents_openid_template')
    )
    op.create_table('push_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('wechat_msg_id', sa.String(length=64), nullable=True),
    sa.Column('report', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['push_campaigns.id'], name=op.f('fk_push_deliveries_campaign_id_push_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_deliveries')),
    sa.UniqueConstraint('campaign_id', 'openid', name='uq_push_deliveries_campaign_openid')
    )
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_push_deliveries_claim', ['campaign_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_deliveries_wechat_msg_id'), ['wechat_msg_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_deliveries_wechat_msg_id'))
        batch_op.drop_index('ix_push_deliveries_claim')

    op.drop_table('push_deliveries')
    op.drop_table('push_subscribe_consents')
    op.drop_table('push_leases')
    with op.batch_alter_table('push_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_campaigns_wechat_msg_id'))
        batch_op.drop_index('ix_push_campaigns_state_send_at')
        batch_op.drop_index(batch_op.f('ix_push_campaigns_parent_id'))

    op.drop_table('push_campaigns')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
