"""Accountability sessions: plans (a PAM spreadsheet or an accountability component), their
objectives and actions, the session ↔ plan link and the questions asked per action.

New tables only (no rebuild, no foreign key of an existing table touched); each is skipped when
already there, so the upgrade also completes a database an earlier attempt left half-way.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""
import sqlalchemy as sa
from alembic import op

import p311desk.models

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

UTC = p311desk.models.UTCDateTime


def _tracked() -> list:
    return [
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', UTC(), nullable=False),
        sa.Column('updated_at', UTC(), nullable=False),
        sa.Column('origin_device', sa.String(length=36), nullable=False),
    ]


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if 'accountability_plan' not in tables:
        op.create_table(
            'accountability_plan',
            *_tracked(),
            sa.Column('title', sa.String(length=300), nullable=False),
            sa.Column('source', sa.String(length=20), nullable=False),
            sa.Column('language', sa.String(length=5), nullable=False),
            sa.Column('source_file', sa.String(length=300), nullable=False),
            sa.Column('platform_host', sa.String(length=255), nullable=True),
            sa.Column('component_id', sa.Uuid(), nullable=True),
            sa.Column('decidim_component_id', sa.String(length=40), nullable=True),
            sa.Column('pulled_at', UTC(), nullable=True),
            sa.ForeignKeyConstraint(['component_id'], ['component.id'],
                                    name=op.f('fk_accountability_plan_component_id_component'), ondelete='SET NULL'),
            sa.PrimaryKeyConstraint('id', name=op.f('pk_accountability_plan')),
        )
        op.create_index('uq_accountability_plan_remote', 'accountability_plan',
                        ['platform_host', 'decidim_component_id'], unique=True)
    if 'accountability_item' not in tables:
        op.create_table(
            'accountability_item',
            *_tracked(),
            sa.Column('plan_id', sa.Uuid(), nullable=False),
            sa.Column('parent_id', sa.Uuid(), nullable=True),
            sa.Column('depth', sa.Integer(), nullable=False),
            sa.Column('position', sa.Integer(), nullable=False),
            sa.Column('number', sa.Integer(), nullable=True),
            sa.Column('code', sa.String(length=40), nullable=False),
            sa.Column('title', sa.JSON(), nullable=False),
            sa.Column('description', sa.JSON(), nullable=False),
            sa.Column('responsible', sa.String(length=300), nullable=False),
            sa.Column('sdgs', sa.JSON(), nullable=False),
            sa.Column('start_date', sa.Date(), nullable=True),
            sa.Column('end_date', sa.Date(), nullable=True),
            sa.Column('progress', sa.Float(), nullable=True),
            sa.Column('planned', sa.Float(), nullable=True),
            sa.Column('budget', sa.Float(), nullable=True),
            sa.Column('status', sa.JSON(), nullable=False),
            sa.Column('classification', sa.JSON(), nullable=False),
            sa.Column('decidim_id', sa.String(length=40), nullable=True),
            sa.Column('reference', sa.String(length=80), nullable=True),
            sa.Column('commentable_type', sa.String(length=80), nullable=True),
            sa.Column('remote_updated_at', UTC(), nullable=True),
            sa.ForeignKeyConstraint(['parent_id'], ['accountability_item.id'],
                                    name=op.f('fk_accountability_item_parent_id_accountability_item')),
            sa.ForeignKeyConstraint(['plan_id'], ['accountability_plan.id'],
                                    name=op.f('fk_accountability_item_plan_id_accountability_plan')),
            sa.PrimaryKeyConstraint('id', name=op.f('pk_accountability_item')),
        )
        op.create_index(op.f('ix_accountability_item_plan_id'), 'accountability_item', ['plan_id'])
        op.create_index(op.f('ix_accountability_item_parent_id'), 'accountability_item', ['parent_id'])
        op.create_index('ix_accountability_item_plan_decidim', 'accountability_item', ['plan_id', 'decidim_id'])
    if 'accountability_session' not in tables:
        op.create_table(
            'accountability_session',
            sa.Column('session_id', sa.Uuid(), nullable=False),
            sa.Column('plan_id', sa.Uuid(), nullable=False),
            sa.Column('linked_at', UTC(), nullable=False),
            sa.ForeignKeyConstraint(['plan_id'], ['accountability_plan.id'],
                                    name=op.f('fk_accountability_session_plan_id_accountability_plan')),
            sa.ForeignKeyConstraint(['session_id'], ['participation_session.id'],
                                    name=op.f('fk_accountability_session_session_id_participation_session')),
            sa.PrimaryKeyConstraint('session_id', name=op.f('pk_accountability_session')),
        )
        op.create_index(op.f('ix_accountability_session_plan_id'), 'accountability_session', ['plan_id'])
    if 'accountability_question' not in tables:
        op.create_table(
            'accountability_question',
            *_tracked(),
            sa.Column('session_id', sa.Uuid(), nullable=False),
            sa.Column('item_id', sa.Uuid(), nullable=False),
            sa.Column('text', sa.Text(), nullable=False),
            sa.Column('author_participant_id', sa.Uuid(), nullable=True),
            sa.Column('author_name', sa.String(length=200), nullable=False),
            sa.Column('consent', sa.Boolean(), nullable=False),
            sa.Column('asked_at', UTC(), nullable=False),
            sa.ForeignKeyConstraint(['author_participant_id'], ['participant.id'],
                                    name=op.f('fk_accountability_question_author_participant_id_participant')),
            sa.ForeignKeyConstraint(['item_id'], ['accountability_item.id'],
                                    name=op.f('fk_accountability_question_item_id_accountability_item')),
            sa.ForeignKeyConstraint(['session_id'], ['participation_session.id'],
                                    name=op.f('fk_accountability_question_session_id_participation_session')),
            sa.PrimaryKeyConstraint('id', name=op.f('pk_accountability_question')),
        )
        op.create_index(op.f('ix_accountability_question_session_id'), 'accountability_question', ['session_id'])
        op.create_index(op.f('ix_accountability_question_item_id'), 'accountability_question', ['item_id'])


def downgrade() -> None:
    op.drop_table('accountability_question')
    op.drop_table('accountability_session')
    op.drop_table('accountability_item')
    op.drop_table('accountability_plan')
