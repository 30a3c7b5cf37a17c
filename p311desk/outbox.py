"""Writing the outbox: changes that must reach the platform, queued in the change's transaction.

The sending engine lives in ``sync/outbox.py``; the core only queues and counts, so a change made
offline can never be committed without its outbox row (or the other way round).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk.models import OutboxItem

PENDING_STATES = ("pending", "failed")


def enqueue(
    s: Session,
    entity_type: str,
    entity_id: uuid.UUID,
    operation: str,
    payload: dict[str, Any] | None = None,
    *,
    session_id: uuid.UUID | None = None,
) -> OutboxItem:
    item = OutboxItem(
        id=uuid.uuid4(),
        session_id=session_id,
        entity_type=entity_type,
        entity_id=entity_id,
        operation=operation,
        payload=payload or {},
        status="pending",
    )
    s.add(item)
    return item


def unsynced_count(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status.in_(PENDING_STATES))) or 0
