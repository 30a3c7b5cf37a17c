"""Session evaluation (issue 18): the form of a session, its ballot box (answers as one list
sorted by random key, no time, no respondent), who answered (no time, no link to an answer), the
printed forms' ids, and the series a session belongs to.

Adds tables, one nullable column and an index only (no table rebuild), so no foreign key and no
audit digest is touched. Each step is skipped when already there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:00:00
"""
import sqlalchemy as sa
from alembic import op

import p311desk.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("participation_session")}
    indexes = {i["name"] for i in inspector.get_indexes("participation_session")}
    # participation_session is a parent: ADD COLUMN in place, never a rebuild.
    if "series" not in columns:
        op.execute("ALTER TABLE participation_session ADD COLUMN series VARCHAR(200)")
    if "ix_participation_session_series" not in indexes:
        op.create_index("ix_participation_session_series", "participation_session", ["series"])
    if "evaluation_form" not in tables:
        op.create_table(
            "evaluation_form",
            sa.Column("session_id", sa.Uuid(), nullable=False),
            sa.Column("template", sa.String(length=100), nullable=False),
            sa.Column("questions", sa.JSON(), nullable=False),
            sa.Column("closed_at", p311desk.models.UTCDateTime(), nullable=True),
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("created_at", p311desk.models.UTCDateTime(), nullable=False),
            sa.Column("updated_at", p311desk.models.UTCDateTime(), nullable=False),
            sa.Column("origin_device", sa.String(length=36), nullable=False),
            sa.ForeignKeyConstraint(["session_id"], ["participation_session.id"],
                                    name=op.f("fk_evaluation_form_session_id_participation_session")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_form")),
            sa.UniqueConstraint("session_id", name=op.f("uq_evaluation_form_session_id")),
        )
    if "evaluation_box" not in tables:
        op.create_table(
            "evaluation_box",
            sa.Column("form_id", sa.Uuid(), nullable=False),
            sa.Column("answers", sa.JSON(), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["form_id"], ["evaluation_form.id"],
                                    name=op.f("fk_evaluation_box_form_id_evaluation_form")),
            sa.PrimaryKeyConstraint("form_id", name=op.f("pk_evaluation_box")),
        )
    if "evaluation_respondent" not in tables:
        op.create_table(
            "evaluation_respondent",
            sa.Column("form_id", sa.Uuid(), nullable=False),
            sa.Column("participant_id", sa.Uuid(), nullable=False),
            sa.ForeignKeyConstraint(["form_id"], ["evaluation_form.id"],
                                    name=op.f("fk_evaluation_respondent_form_id_evaluation_form")),
            sa.ForeignKeyConstraint(["participant_id"], ["participant.id"],
                                    name=op.f("fk_evaluation_respondent_participant_id_participant")),
            sa.PrimaryKeyConstraint("form_id", "participant_id", name=op.f("pk_evaluation_respondent")),
            sqlite_with_rowid=False,
        )
    if "evaluation_slip" not in tables:
        op.create_table(
            "evaluation_slip",
            sa.Column("form_id", sa.Uuid(), nullable=False),
            sa.Column("code", sa.String(length=16), nullable=False),
            sa.Column("used", sa.Boolean(), nullable=False),
            sa.ForeignKeyConstraint(["form_id"], ["evaluation_form.id"],
                                    name=op.f("fk_evaluation_slip_form_id_evaluation_form")),
            sa.PrimaryKeyConstraint("form_id", "code", name=op.f("pk_evaluation_slip")),
            sqlite_with_rowid=False,
        )


def downgrade() -> None:
    for table in ("evaluation_slip", "evaluation_respondent", "evaluation_box", "evaluation_form"):
        op.drop_table(table)
    op.drop_index("ix_participation_session_series", table_name="participation_session")
    op.execute("ALTER TABLE participation_session DROP COLUMN series")
