"""Keyed audit chain: event numbers never reused (AUTOINCREMENT) and per-row state digests.

The chain itself is re-sealed with the device key at the next open (``audit.adopt_legacy_chain``,
called by ``Database``): the key lives outside the database and the row digests depend on the
models of that day, so this migration only changes the schema and flags databases that hold
data written before it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 08:10:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_AUDITED = ("audit_event", "participation_session", "participant", "registration", "attendance",
            "proposal")


def upgrade() -> None:
    conn = op.get_bind()
    has_data = any(conn.exec_driver_sql(f"SELECT 1 FROM {t} LIMIT 1").first() for t in _AUDITED)
    # audit_event has no children: a rebuild cannot cascade. Rows keep their numbers, and
    # sqlite_sequence starts after the highest one.
    with op.batch_alter_table('audit_event', recreate='always',
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        pass
    op.create_table('audit_state',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('seq', 'entity_type', 'entity_id', name=op.f('pk_audit_state'))
    )
    with op.batch_alter_table('audit_state', schema=None) as batch_op:
        batch_op.create_index('ix_audit_state_entity', ['entity_type', 'entity_id', 'seq'], unique=False)
    if has_data:
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO setting (key, value) VALUES ('audit.legacy_chain', ?)",
            (json.dumps("0005"),))


def downgrade() -> None:
    with op.batch_alter_table('audit_state', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_state_entity')
    op.drop_table('audit_state')
