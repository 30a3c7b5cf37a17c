"""Cached spaces keep their dates (a process's start and end, an assembly's creation and
closing) and subtitle, so two spaces with the same title can be told apart (issue 20/21).

Adds nullable columns only (ADD COLUMN in place, no table rebuild): no foreign key and no audit
digest is touched. Each step is skipped when already there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("space")}
    if "starts_on" not in columns:
        op.execute("ALTER TABLE space ADD COLUMN starts_on DATE")
    if "ends_on" not in columns:
        op.execute("ALTER TABLE space ADD COLUMN ends_on DATE")
    if "subtitle" not in columns:
        op.execute("ALTER TABLE space ADD COLUMN subtitle JSON")


def downgrade() -> None:
    for column in ("subtitle", "ends_on", "starts_on"):
        op.execute(f"ALTER TABLE space DROP COLUMN {column}")
