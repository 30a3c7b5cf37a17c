"""Index registration codes per session (check-in by a scanned Decidim registration code).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:15:00
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_session_code', ['session_id', 'code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_session_code')
