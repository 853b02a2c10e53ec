"""daily figures for the dashboard, QR channels, ticket ratings, push articles and link clicks, and an index for
counting active followers

Revision ID: 0011_stats
Revises: 0010_reliability
Create Date: 2026-12-03 13:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_stats'
down_revision = '0010_reliability'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('city', sa.String(length=16), nullable=False),
    sa.Column('dim', sa.String(length=64), nullable=False),
    sa.Column('dim2', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('metric', 'day', 'city', 'dim', 'dim2', name='pk_stats_daily')
    )
    with op.batch_alter_table('stats_daily', schema=None) as batch_op:
        batch_op.create_index('ix_stats_daily_day', ['day'], unique=False)
    op.create_table('stats_runs',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('milliseconds', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_stats_runs'))
    )
    op.create_table('qr_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('scene', sa.String(length=64), nullable=False),
    sa.Column('city', sa.String(length=16), nullable=True),
    sa.Column('ticket', sa.String(length=200), nullable=True),
    sa.Column('url', sa.String(length=300), nullable=True),
    sa.Column('welcome', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_channels')),
    sa.UniqueConstraint('scene', name=op.f('uq_qr_channels_scene'))
    )
    with op.batch_alter_table('qr_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_channels_city'), ['city'], unique=False)
    op.create_table('ticket_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_ticket_ratings_score')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_ticket_ratings_person_id_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_ratings_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_ratings')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ticket_ratings_ticket_id'))
    )
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_ratings_rated_at', ['rated_at'], unique=False)
    op.create_table('push_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('author', sa.String(length=16), nullable=True),
    sa.Column('summary', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('cover', sa.LargeBinary(), nullable=True),
    sa.Column('cover_type', sa.String(length=32), nullable=True),
    sa.Column('cover_media_id', sa.String(length=128), nullable=True),
    sa.Column('news_media_id', sa.String(length=128), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_articles')),
    sa.UniqueConstraint('token', name=op.f('uq_push_articles_token'))
    )
    op.create_table('push_link_clicks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('clicked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['push_articles.id'], name=op.f('fk_push_link_clicks_article_id_push_articles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['push_campaigns.id'], name=op.f('fk_push_link_clicks_campaign_id_push_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_link_clicks'))
    )
    with op.batch_alter_table('push_link_clicks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_link_clicks_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_push_link_clicks_clicked_at', ['clicked_at'], unique=False)
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.create_index('ix_message_log_created_openid', ['created_at', 'openid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.drop_index('ix_message_log_created_openid')
    with op.batch_alter_table('push_link_clicks', schema=None) as batch_op:
        batch_op.drop_index('ix_push_link_clicks_clicked_at')
        batch_op.drop_index(batch_op.f('ix_push_link_clicks_campaign_id'))
    op.drop_table('push_link_clicks')
    op.drop_table('push_articles')
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_ratings_rated_at')
    op.drop_table('ticket_ratings')
    with op.batch_alter_table('qr_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_channels_city'))
    op.drop_table('qr_channels')
    op.drop_table('stats_runs')
    with op.batch_alter_table('stats_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_daily_day')
    op.drop_table('stats_daily')
