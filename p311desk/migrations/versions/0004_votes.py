"""Votes and assemblies: bodies, members, delegations; questions with their rules; the
eligibility snapshot; participation apart from anonymous secret ballots (WITHOUT ROWID, random
keys); open vote records with integer weights; hand counts keyed by batch; paper ballot serials;
the stages of closing a session.

The old vote tables (no data of them exists) are dropped and made anew, except ``vote_question``,
which ``proposal`` references: it is changed in place with ALTER TABLE (ADD/DROP COLUMN, SQLite
>= 3.35), never rebuilt, so no foreign key action can touch a proposal.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 07:49:34
"""
from alembic import op
import sqlalchemy as sa

import p311desk.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_QUESTION_COLUMNS = [
    ("description", "TEXT NOT NULL DEFAULT ''"),
    ("body_id", "CHAR(32) REFERENCES body (id)"),
    ("min_selections", "INTEGER NOT NULL DEFAULT 1"),
    ("max_selections", "INTEGER NOT NULL DEFAULT 1"),
    ("points", "VARCHAR(10) NOT NULL DEFAULT ''"),
    ("dots", "INTEGER NOT NULL DEFAULT 0"),
    ("dots_max", "INTEGER NOT NULL DEFAULT 0"),
    ("costs", "JSON NOT NULL DEFAULT '[]'"),
    ("budget", "INTEGER"),
    ("spending_limit", "INTEGER"),
    ("rule", "VARCHAR(20) NOT NULL DEFAULT 'greedy'"),
    ("quorum_num", "INTEGER"),
    ("quorum_den", "INTEGER"),
    ("quorum_by", "VARCHAR(10) NOT NULL DEFAULT 'headcount'"),
    ("majority_of", "VARCHAR(10) NOT NULL DEFAULT 'cast'"),
    ("abstentions_count", "BOOLEAN NOT NULL DEFAULT 0"),
    ("tie_rule", "VARCHAR(10) NOT NULL DEFAULT 'tie'"),
    ("casting_vote", "INTEGER"),
    ("result", "JSON"),
    ("ballot_digest", "VARCHAR(64)"),
]


def upgrade() -> None:
    # Old vote tables: nothing references them and they hold no data.
    op.drop_index('ix_tally_question_id', table_name='tally')
    op.drop_table('tally')
    op.drop_index('ix_vote_participation_question_id', table_name='vote_participation')
    op.drop_table('vote_participation')
    op.drop_index('ix_vote_record_question_id', table_name='vote_record')
    op.drop_table('vote_record')
    # vote_question is a parent (proposal.vote_question_id): alter in place, never rebuild.
    for name, ddl in _QUESTION_COLUMNS:
        op.execute(f"ALTER TABLE vote_question ADD COLUMN {name} {ddl}")
    op.execute("ALTER TABLE vote_question DROP COLUMN max_choices")
    op.execute("ALTER TABLE vote_question DROP COLUMN quorum")

    op.create_table('body',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('origin_device', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body')),
    sa.UniqueConstraint('name', name=op.f('uq_body_name'))
    )
    op.create_table('secret_ballot',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('question_id', sa.Uuid(), nullable=False),
    sa.Column('choice', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_secret_ballot')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('secret_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secret_ballot_question_id'), ['question_id'], unique=False)

    op.create_table('body_member',
    sa.Column('body_id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('origin_device', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_body_member_body_id_body')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_body_member_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body_member')),
    sa.UniqueConstraint('body_id', 'participant_id', name=op.f('uq_body_member_body_id'))
    )
    with op.batch_alter_table('body_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_body_member_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_body_member_participant_id'), ['participant_id'], unique=False)

    op.create_table('delegation',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('body_id', sa.Uuid(), nullable=False),
    sa.Column('from_participant_id', sa.Uuid(), nullable=False),
    sa.Column('to_participant_id', sa.Uuid(), nullable=False),
    sa.Column('entered_by', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', p311desk.models.UTCDateTime(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('origin_device', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_delegation_body_id_body')),
    sa.ForeignKeyConstraint(['from_participant_id'], ['participant.id'], name=op.f('fk_delegation_from_participant_id_participant')),
    sa.ForeignKeyConstraint(['session_id'], ['participation_session.id'], name=op.f('fk_delegation_session_id_participation_session')),
    sa.ForeignKeyConstraint(['to_participant_id'], ['participant.id'], name=op.f('fk_delegation_to_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation'))
    )
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegation_session_id'), ['session_id'], unique=False)
        batch_op.create_index('uq_delegation_active', ['session_id', 'body_id', 'from_participant_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'))

    op.create_table('session_closing',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('done_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('done_by', sa.String(length=200), nullable=False),
    sa.Column('document_name', sa.String(length=300), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['participation_session.id'], name=op.f('fk_session_closing_session_id_participation_session')),
    sa.PrimaryKeyConstraint('session_id', 'stage', name=op.f('pk_session_closing'))
    )
    op.create_table('paper_ballot',
    sa.Column('question_id', sa.Uuid(), nullable=False),
    sa.Column('serial', sa.String(length=16), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['vote_question.id'], name=op.f('fk_paper_ballot_question_id_vote_question')),
    sa.PrimaryKeyConstraint('question_id', 'serial', name=op.f('pk_paper_ballot'))
    )
    op.create_table('vote_count',
    sa.Column('question_id', sa.Uuid(), nullable=False),
    sa.Column('batch', sa.String(length=100), nullable=False),
    sa.Column('option', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['vote_question.id'], name=op.f('fk_vote_count_question_id_vote_question')),
    sa.PrimaryKeyConstraint('question_id', 'batch', 'option', name=op.f('pk_vote_count'))
    )
    op.create_table('vote_eligibility',
    sa.Column('question_id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('carried_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['carried_by_id'], ['participant.id'], name=op.f('fk_vote_eligibility_carried_by_id_participant')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_vote_eligibility_participant_id_participant')),
    sa.ForeignKeyConstraint(['question_id'], ['vote_question.id'], name=op.f('fk_vote_eligibility_question_id_vote_question')),
    sa.PrimaryKeyConstraint('question_id', 'participant_id', name=op.f('pk_vote_eligibility'))
    )
    with op.batch_alter_table('vote_eligibility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_eligibility_carried_by_id'), ['carried_by_id'], unique=False)

    op.create_table('vote_participation',
    sa.Column('question_id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('cast_by_id', sa.Uuid(), nullable=True),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['cast_by_id'], ['participant.id'], name=op.f('fk_vote_participation_cast_by_id_participant')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_vote_participation_participant_id_participant')),
    sa.ForeignKeyConstraint(['question_id'], ['vote_question.id'], name=op.f('fk_vote_participation_question_id_vote_question')),
    sa.PrimaryKeyConstraint('question_id', 'participant_id', name=op.f('pk_vote_participation'))
    )
    op.create_table('vote_record',
    sa.Column('question_id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('cast_by_id', sa.Uuid(), nullable=True),
    sa.Column('choice', sa.JSON(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', p311desk.models.UTCDateTime(), nullable=False),
    sa.Column('origin_device', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['cast_by_id'], ['participant.id'], name=op.f('fk_vote_record_cast_by_id_participant')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_vote_record_participant_id_participant')),
    sa.ForeignKeyConstraint(['question_id'], ['vote_question.id'], name=op.f('fk_vote_record_question_id_vote_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_record')),
    sa.UniqueConstraint('question_id', 'participant_id', name=op.f('uq_vote_record_question_id'))
    )
    op.create_index(op.f('ix_vote_record_question_id'), 'vote_record', ['question_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("votes tables are not downgraded; restore the backup taken before upgrading")
