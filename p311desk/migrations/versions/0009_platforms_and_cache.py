"""Sync, part 1: platform profiles, the meetings cache, and the platform + remote id (+ the
platform's updatedAt) on cached spaces, components, taxonomies and pulled proposals.

Adds tables, columns and unique indexes only (no table rebuild), so no foreign key is touched.
Each step is skipped when already there, so the upgrade also completes a database on which an
earlier attempt (or a test replaying an older revision on a newer file) left part of it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 08:10:00
"""
import sqlalchemy as sa
from alembic import op

import p311desk.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None



def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in ("space", "component", "taxonomy", "proposal")}
    indexes = {i["name"] for t in ("meeting", "component", "taxonomy", "proposal") if t in tables
               for i in inspector.get_indexes(t)}
    if 'platform' not in tables:
        _create_platform()
    if 'meeting' not in tables:
        _create_meeting()
    if 'uq_meeting_platform_remote' not in indexes:
        op.create_index('uq_meeting_platform_remote', 'meeting', ['platform_host', 'decidim_id'], unique=True)
    # space, component, taxonomy and proposal are parents: ADD COLUMN in place, never a rebuild.
    for table, column, ddl in (("space", "remote_updated_at", "DATETIME"),
                               ("component", "platform_host", "VARCHAR(255)"),
                               ("component", "remote_updated_at", "DATETIME"),
                               ("taxonomy", "platform_host", "VARCHAR(255)"),
                               ("proposal", "platform_host", "VARCHAR(255)"),
                               ("proposal", "remote_updated_at", "DATETIME"),
                               ("proposal", "pulled_at", "DATETIME")):
        if column not in columns[table]:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")
    for name, table, cols in (('uq_component_platform_remote', 'component', ['platform_host', 'manifest_name', 'decidim_id']),
                              ('uq_taxonomy_platform_remote', 'taxonomy', ['platform_host', 'kind', 'decidim_id']),
                              ('uq_proposal_platform_remote', 'proposal', ['platform_host', 'decidim_id'])):
        if name not in indexes:
            op.create_index(name, table, cols, unique=True)


def _create_platform() -> None:
    op.create_table(
        'platform',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('base_url', sa.String(length=500), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('sign_in', sa.String(length=10), nullable=False),
        sa.Column('account', sa.String(length=320), nullable=True),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('capabilities', sa.JSON(), nullable=False),
        sa.Column('probed_at', p311desk.models.UTCDateTime(), nullable=True),
        sa.Column('last_pull_at', p311desk.models.UTCDateTime(), nullable=True),
        sa.Column('last_pull', sa.JSON(), nullable=False),
        sa.Column('created_at', p311desk.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform')),
        sa.UniqueConstraint('host', name=op.f('uq_platform_host')),
        sa.UniqueConstraint('name', name=op.f('uq_platform_name')),
    )


def _create_meeting() -> None:
    op.create_table(
        'meeting',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('platform_host', sa.String(length=255), nullable=False),
        sa.Column('decidim_id', sa.String(length=40), nullable=False),
        sa.Column('component_id', sa.Uuid(), nullable=True),
        sa.Column('reference', sa.String(length=80), nullable=True),
        sa.Column('title', sa.JSON(), nullable=False),
        sa.Column('starts_at', p311desk.models.UTCDateTime(), nullable=True),
        sa.Column('ends_at', p311desk.models.UTCDateTime(), nullable=True),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('location', sa.JSON(), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('withdrawn', sa.Boolean(), nullable=False),
        sa.Column('remote_updated_at', p311desk.models.UTCDateTime(), nullable=True),
        sa.Column('fetched_at', p311desk.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_meeting_component_id_component'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    )


def downgrade() -> None:
    op.drop_index('uq_proposal_platform_remote', table_name='proposal')
    op.drop_index('uq_taxonomy_platform_remote', table_name='taxonomy')
    op.drop_index('uq_component_platform_remote', table_name='component')
    for table, column in (("proposal", "pulled_at"), ("proposal", "remote_updated_at"), ("proposal", "platform_host"),
                          ("taxonomy", "platform_host"), ("component", "remote_updated_at"),
                          ("component", "platform_host"), ("space", "remote_updated_at")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_index('uq_meeting_platform_remote', table_name='meeting')
    op.drop_table('meeting')
    op.drop_table('platform')
