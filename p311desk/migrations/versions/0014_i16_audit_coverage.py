"""The audit log covers what else the user confirmed: settings, platforms, the stages of closing a
session, remembered column mappings, outbox items (their state transitions included) and the
local↔remote id map. No schema change: the rows already there are recorded, in the same
transaction as the upgrade, by one ``audit.coverage_extended`` event (only rows with no recorded
state — it never re-records a row whose state is on record, so it cannot launder a change).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:40:00
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

NEWLY_COVERED = ("setting", "platform", "session_closing", "import_mapping", "outbox_item", "remote_id")


def upgrade() -> None:
    from sqlalchemy.orm import Session

    from p311desk import audit

    conn = op.get_bind()
    if conn.exec_driver_sql("SELECT 1 FROM audit_event LIMIT 1").first() is None:
        return  # a new database (or one with no log yet): its first event seals its settings
    if conn.exec_driver_sql("SELECT 1 FROM setting WHERE key = 'audit.legacy_chain'").first() is not None:
        return  # an unkeyed chain: adopting it at this open records every audited row anyway
    s = Session(bind=conn)
    try:
        types = [t for t in NEWLY_COVERED if t in audit.audited_entities()]
        audit.reseal(s, "audit.coverage_extended", {"types": types, "revision": revision},
                     only=types, unrecorded_only=True)
        s.flush()
    finally:
        s.close()


def downgrade() -> None:
    pass
