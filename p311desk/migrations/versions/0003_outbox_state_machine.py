"""The outbox redesigned for a real network: dependencies, the request frozen once sending began,
the local↔remote id map and the sync log (Sync, part 2).

Adds columns only (no table rebuild), so no foreign keys are touched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depends_on', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('request', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('platform', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.create_table(
        'remote_id',
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=255), nullable=False),
        sa.Column('entity_type', sa.String(length=40), nullable=False),
        sa.Column('local_id', sa.Uuid(), nullable=False),
        sa.Column('remote_id', sa.String(length=80), nullable=False),
        sa.Column('how', sa.String(length=20), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_remote_id')),
        sa.UniqueConstraint('platform', 'entity_type', 'local_id', name='uq_remote_id_local'),
        sa.UniqueConstraint('platform', 'entity_type', 'remote_id', name='uq_remote_id_remote'),
    )
    op.create_table(
        'sync_log',
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('item_id', sa.Uuid(), nullable=True),
        sa.Column('session_id', sa.Uuid(), nullable=True),
        sa.Column('platform', sa.String(length=255), nullable=True),
        sa.Column('operation', sa.String(length=40), nullable=False),
        sa.Column('entity_type', sa.String(length=40), nullable=True),
        sa.Column('entity_id', sa.Uuid(), nullable=True),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=20), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_sync_log')),
    )
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_log_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_log_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_log_session_id'))
        batch_op.drop_index(batch_op.f('ix_sync_log_item_id'))
    op.drop_table('sync_log')
    op.drop_table('remote_id')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('platform')
        batch_op.drop_column('request')
        batch_op.drop_column('depends_on')
