"""The audit log: an append-only hash chain of every state change in a session.

Each event stores the hash of the previous one; its own hash covers that link and the event's
canonical JSON. Changing, removing or reordering any stored event breaks the chain at that point,
and :func:`verify` names the first broken link. Events are appended in the same transaction as the
change they describe, so a change and its audit record are committed together or not at all.

Secret votes must never put the voter in an event: callers pass only what may be disclosed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk.models import AuditEvent, utcnow

GENESIS = "0" * 64


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _digest(event: AuditEvent) -> str:
    body = canonical_json(
        {
            "id": str(event.id),
            "occurred_at": event.occurred_at.isoformat(),
            "device_id": event.device_id,
            "session_id": str(event.session_id) if event.session_id else None,
            "kind": event.kind,
            "entity_type": event.entity_type,
            "entity_id": str(event.entity_id) if event.entity_id else None,
            "payload": event.payload,
        }
    )
    return hashlib.sha256((event.prev_hash + body).encode("utf-8")).hexdigest()


def record(
    s: Session,
    kind: str,
    *,
    session_id: uuid.UUID | None = None,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain inside the caller's unit of work."""
    prev = s.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)) or GENESIS
    event = AuditEvent(
        id=uuid.uuid4(),
        occurred_at=utcnow(),
        device_id=s.info.get("device_id") or "unknown",
        session_id=session_id,
        kind=kind,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=canonical_json(payload or {}),
        prev_hash=prev,
    )
    event.hash = _digest(event)
    s.add(event)
    s.flush()  # the next event in this unit of work must see this one as its predecessor
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(s: Session, progress: Callable[[int, int, str], None] | None = None) -> ChainReport:
    """Walk the whole chain; report the first event whose link or content does not match."""
    total = s.query(AuditEvent).count()
    prev = GENESIS
    checked = 0
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    for event in s.scalars(stmt):
        if event.prev_hash != prev:
            return ChainReport(checked, event.seq, "link")
        if _digest(event) != event.hash:
            return ChainReport(checked, event.seq, "content")
        prev = event.hash
        checked += 1
        if progress and checked % 2000 == 0:
            progress(checked, total, "")
    return ChainReport(checked)
