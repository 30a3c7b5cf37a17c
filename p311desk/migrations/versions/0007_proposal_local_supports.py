"""Supports counted in the room on a proposal that came from the platform (``local_supports``),
kept apart so that re-importing the platform's export does not overwrite them.

A plain ADD COLUMN (nullable, no rebuild): no row is copied, no digest of the audit chain changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 08:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Idempotent: a database stamped back to an older revision may already have the column.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns('proposal')}
    if 'local_supports' not in columns:
        op.add_column('proposal', sa.Column('local_supports', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('local_supports')
