"""audit_state keeps only its primary key (event, entity): the second index doubled the cost of
recording the states of a 50,000-row import and nothing reads by entity first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 08:40:00
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_audit_state_entity")


def downgrade() -> None:
    with op.batch_alter_table('audit_state', schema=None) as batch_op:
        batch_op.create_index('ix_audit_state_entity', ['entity_type', 'entity_id', 'seq'], unique=False)
