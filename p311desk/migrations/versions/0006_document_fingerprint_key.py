"""Document fingerprints keyed with a key outside the database; the salt leaves the database.

Before: ``SHA-256(salt ":" number)`` with the salt in the ``setting`` table (and so in every copy
and whole-database export: the 10^8 DNIs can be tried in about a minute). After:
``HMAC-SHA256(key, that same SHA-256)`` with the key in the device key store
(:mod:`p311desk.keys`, ``documents:<device id>``). The old values are re-keyed as they are (the
numbers themselves are not known), and the salt moves to the key store
(``document-salt:<device id>``) so that new fingerprints match old ones. The algorithm is frozen
here on purpose; ``participants.registry.document_fingerprinter`` computes the same.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 08:30:00
"""
import hashlib
import hmac
import json
import uuid

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from p311desk import keys

    conn = op.get_bind()
    salt_row = conn.exec_driver_sql("SELECT value FROM setting WHERE key = 'app.document_salt'").first()
    hashed = conn.exec_driver_sql(
        "SELECT id, document_hash FROM participant WHERE document_hash IS NOT NULL").fetchall()
    if salt_row is None and not hashed:
        return
    device_row = conn.exec_driver_sql("SELECT value FROM setting WHERE key = 'device_id'").first()
    if device_row is None:
        device = str(uuid.uuid4())
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('device_id', ?)", (json.dumps(device),))
    else:
        device = json.loads(device_row[0])
    salt = json.loads(salt_row[0]) if salt_row is not None else ""
    if salt:
        # Written before the database changes: a failed upgrade leaves the old file (and its
        # salt) as it was, and running again writes the same value.
        keys.set_value(f"document-salt:{device}", salt)
    key = keys.secret(f"documents:{device}")
    # Overwrite what is deleted or replaced (the salt, the old values) instead of leaving it in
    # free pages of the file. Snapshots taken before the upgrade keep them until they rotate.
    conn.exec_driver_sql("PRAGMA secure_delete=ON")
    if hashed:
        conn.exec_driver_sql(
            "UPDATE participant SET document_hash = ? WHERE id = ?",
            [(hmac.new(key, old.encode(), hashlib.sha256).hexdigest(), pid) for pid, old in hashed])
    conn.exec_driver_sql("DELETE FROM setting WHERE key = 'app.document_salt'")


def downgrade() -> None:
    raise NotImplementedError("document fingerprints cannot be un-keyed")
