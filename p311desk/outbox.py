"""The outbox: every change that must reach the platform, and the state machine that gets it there.

A change made offline is committed together with its outbox item (same transaction), so neither
can exist without the other. The sending engine (``sync/``) drives each item through::

    pending ──► sending ──► sent
       ▲           ├──────► failed   (the request surely did not land: retried later)
       │           ├──────► unknown  (the answer was lost: resolved by looking, never by resending)
       │           └──────► rejected (the server refused it, 4xx: needs a person)
       ├── waiting_upload   (written to an import file for the administrator; reconcile ends it)
       └── superseded       (a later change made it pointless; never sent)

Rules kept here, not in the engine:

* ``sending`` is committed **before** the request leaves; an item left in ``sending`` by a crash
  becomes ``unknown`` (:func:`recover_interrupted`).
* Once sending has begun an item is never edited: what it is (entity, operation, references,
  dependencies) and the request it sent are frozen; only its state moves on.
* Items carry references, never a frozen request: the request is built at send time from the
  current local data through the local↔remote id map (:func:`remote_id`), and recorded with
  :func:`begin_sending` for the log and for resolving an unknown outcome.
* An item waits for the items in ``depends_on`` (an update for its create, a meeting closure for
  the proposals it links); a superseded dependency no longer holds anything back.
* Every transition is written to the sync log (:class:`~p311desk.models.SyncLogEntry`), which the
  user can read and export.

Pure: no network, no Qt. Times are passed in where a test needs to control them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.models import OutboxItem, RemoteId, SyncLogEntry, utcnow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNKNOWN = "unknown"
REJECTED = "rejected"
SUPERSEDED = "superseded"
WAITING_UPLOAD = "waiting_upload"
STATES = (PENDING, SENDING, SENT, FAILED, UNKNOWN, REJECTED, SUPERSEDED, WAITING_UPLOAD)

TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({SENDING, SUPERSEDED, WAITING_UPLOAD}),
    FAILED: frozenset({SENDING, SUPERSEDED, WAITING_UPLOAD, PENDING}),
    # ... or PENDING: refused before anything was done (the sign-in expired): not a refusal.
    SENDING: frozenset({SENT, FAILED, UNKNOWN, REJECTED, PENDING}),
    # An unknown outcome is resolved by looking: found (sent), surely absent (pending again),
    # or it turns out the platform refused it.
    UNKNOWN: frozenset({SENT, PENDING, REJECTED}),
    REJECTED: frozenset({PENDING, SUPERSEDED}),
    # The administrator uploads the file; reconcile finds the object (sent), or the user asks to
    # send it again another way (pending), or a later change replaces it.
    WAITING_UPLOAD: frozenset({SENT, PENDING, SUPERSEDED}),
    SENT: frozenset(),
    SUPERSEDED: frozenset(),
}

# Not sent and never begun: these may still be superseded (nothing can be on the platform).
NOT_BEGUN = (PENDING, FAILED, REJECTED)
# These may already be on the platform: never supersede, never send again without looking.
MAYBE_ON_PLATFORM = (SENDING, UNKNOWN, SENT, WAITING_UPLOAD)
# Still to be done, one way or another (counted as "unsynced").
UNFINISHED = (PENDING, SENDING, FAILED, UNKNOWN, REJECTED, WAITING_UPLOAD)
# A dependency in these states no longer holds anything back.
DONE = (SENT, SUPERSEDED)

_FROZEN = ("entity_type", "entity_id", "operation", "payload", "depends_on", "request",
           "session_id")

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r'(?i)("?(?:jwt_token|token|secret|password|api_key|authorization|cookie)"?\s*[:=]\s*"?)'
               r'[^",;\s}]+'),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),  # a bare JWT
]


def scrub(message: str | None) -> str:
    """A server message made safe for the log: tokens, secrets and passwords blanked out."""
    text = (message or "").strip()
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
    return text[:2000]


# --- the frozen-once-sent guard --------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _refuse_edits_after_sending(session: Session, _ctx, _instances) -> None:
    for obj in session.dirty:
        if not isinstance(obj, OutboxItem):
            continue
        state = inspect(obj)
        status_hist = state.attrs.status.history
        before = status_hist.deleted[0] if status_hist.deleted else obj.status
        if before in NOT_BEGUN and before != REJECTED:
            # Sending begins in this flush: the request may be set once, nothing else changes.
            if obj.status != SENDING:
                continue
            allowed = {"request"}
        else:
            allowed = set()
        for name in _FROZEN:
            if name in allowed:
                continue
            if state.attrs[name].history.has_changes():
                raise InvalidTransition("An outbox item cannot be changed once sending has begun.")


# --- queueing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInfo:
    """An outbox item as plain data (for the engine, the CLI and the UI)."""

    id: uuid.UUID
    seq: int
    session_id: uuid.UUID | None
    entity_type: str
    entity_id: uuid.UUID
    operation: str
    status: str
    attempts: int
    depends_on: tuple[uuid.UUID, ...]
    payload: dict[str, Any]
    request: dict[str, Any] | None
    platform: str | None
    remote_id: str | None
    last_error: str | None
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None


def info(item: OutboxItem) -> ItemInfo:
    return ItemInfo(item.id, item.seq, item.session_id, item.entity_type, item.entity_id,
                    item.operation, item.status, item.attempts or 0,
                    tuple(uuid.UUID(d) for d in item.depends_on or ()), dict(item.payload or {}),
                    dict(item.request) if item.request is not None else None, item.platform,
                    item.remote_id, item.last_error, item.next_attempt_at, item.created_at,
                    item.last_attempt_at)


def enqueue(
    s: Session,
    entity_type: str,
    entity_id: uuid.UUID,
    operation: str,
    payload: dict[str, Any] | None = None,
    *,
    session_id: uuid.UUID | None = None,
    depends_on: Iterable[OutboxItem | uuid.UUID] = (),
) -> OutboxItem:
    """Queue a change. ``payload`` holds references only (ids, not the data to send)."""
    deps = []
    for dep in depends_on:
        dep_id = dep.id if isinstance(dep, OutboxItem) else dep
        if str(dep_id) not in deps:
            deps.append(str(dep_id))
    item = OutboxItem(id=uuid.uuid4(), session_id=session_id, entity_type=entity_type,
                      entity_id=entity_id, operation=operation, payload=payload or {},
                      status=PENDING, depends_on=deps, attempts=0)
    s.add(item)
    s.flush()
    _log(s, item, "queued")
    return item


def items_for(s: Session, entity_type: str, entity_id: uuid.UUID,
              operations: Iterable[str] | None = None) -> list[OutboxItem]:
    """The entity's outbox items, oldest first."""
    stmt = select(OutboxItem).where(OutboxItem.entity_type == entity_type,
                                    OutboxItem.entity_id == entity_id)
    if operations is not None:
        stmt = stmt.where(OutboxItem.operation.in_(tuple(operations)))
    return list(s.scalars(stmt.order_by(OutboxItem.seq)))


def session_items(s: Session, session_id: uuid.UUID, *, entity_type: str | None = None,
                  operation: str | None = None, states: Iterable[str] | None = None
                  ) -> list[OutboxItem]:
    stmt = select(OutboxItem).where(OutboxItem.session_id == session_id)
    if entity_type is not None:
        stmt = stmt.where(OutboxItem.entity_type == entity_type)
    if operation is not None:
        stmt = stmt.where(OutboxItem.operation == operation)
    if states is not None:
        stmt = stmt.where(OutboxItem.status.in_(tuple(states)))
    return list(s.scalars(stmt.order_by(OutboxItem.seq)))


def supersede(s: Session, items: Iterable[OutboxItem], reason: str) -> list[OutboxItem]:
    """Retire items that were never begun. Items that depend on a retired item of the same
    entity (an update on a create that will never be sent) are retired with it."""
    done: list[OutboxItem] = []
    queue = [i for i in items if i.status in NOT_BEGUN]
    while queue:
        item = queue.pop(0)
        if item.status not in NOT_BEGUN:
            continue
        _move(s, item, SUPERSEDED, reason)
        done.append(item)
        for other in items_for(s, item.entity_type, item.entity_id):
            if other.status in NOT_BEGUN and str(item.id) in (other.depends_on or []):
                queue.append(other)
    return done


COMMENT = "add_comment"


def enqueue_comment(s: Session, commentable_type: str, commentable_id: str, body: str, locale: str, *,
                    session_id: uuid.UUID | None = None, platform: str | None = None,
                    entity_type: str = "comment", entity_id: uuid.UUID | None = None,
                    depends_on: Iterable[OutboxItem | uuid.UUID] = ()) -> OutboxItem:
    """Queue a comment on a platform object (``commentable_type`` is Decidim's class name, e.g.
    ``Decidim::Accountability::Result``; ``commentable_id`` its id there), written in ``locale``.

    The push writes it with ``addComment`` (every line, 0.26 – 0.32) under the never-twice rules:
    an answer lost is looked up among the object's comments before any second write. It goes to
    the platform of ``session_id``'s link, else to ``platform`` (a host), else the default one.
    ``entity_type``/``entity_id`` name the local row it comes from (a new id when there is none).
    """
    text = (body or "").strip()
    if not text:
        raise ValidationError("A comment needs some text.")
    if not str(commentable_type or "").strip() or not str(commentable_id or "").strip():
        raise ValidationError("A comment needs the object it is about.")
    payload = {"commentable_type": str(commentable_type), "commentable_id": str(commentable_id),
               "body": text, "locale": str(locale or "").strip() or None, "platform": platform}
    return enqueue(s, entity_type, entity_id or uuid.uuid4(), COMMENT, payload, session_id=session_id,
                   depends_on=depends_on)


# Operations a second send would duplicate on the platform: after a restore they are looked up.
LOOKED_UP = ("create_proposal", "close_meeting", COMMENT)


def mark_unknown_after_restore(s: Session) -> int:
    """After a restore: every item that was not ``sent`` in the backup may have been sent since
    (by this or another copy of the database), so it becomes ``unknown`` and the push looks for
    it on the platform before any send. Only operations a second send would duplicate
    (``LOOKED_UP``); updates and withdrawals set the same values twice and stay as they are.
    Call it in the restore's transaction; returns how many items changed."""
    items = list(s.scalars(select(OutboxItem).where(
        OutboxItem.status.in_((PENDING, FAILED, REJECTED, SENDING)), OutboxItem.operation.in_(LOOKED_UP))))
    for item in items:
        _move(s, item, UNKNOWN, "restored from a backup: it may have been sent since; looked up before sending",
              force=True)
        item.next_attempt_at = None
    return len(items)


def retry(s: Session, item_id: uuid.UUID, reason: str = "retry requested") -> ItemInfo:
    """A person asks to try a rejected (or waiting) item again."""
    item = _get(s, item_id)
    _move(s, item, PENDING, reason)
    item.next_attempt_at = None
    return info(item)


# --- the engine's transitions ----------------------------------------------------------------


def begin_sending(s: Session, item_id: uuid.UUID, request: dict[str, Any], *, platform: str,
                  now: dt.datetime | None = None) -> ItemInfo:
    """Record the request about to leave. The caller commits this before sending it."""
    item = _get(s, item_id)
    if item.status not in (PENDING, FAILED):
        raise InvalidTransition("This outbox item is not waiting to be sent.")
    now = now or utcnow()
    item.request = request
    item.platform = platform
    item.attempts = (item.attempts or 0) + 1
    item.last_attempt_at = now
    _move(s, item, SENDING, "")
    return info(item)


def record_sent(s: Session, item_id: uuid.UUID, remote_id: str | None = None, *,
                message: str = "", how: str = "created", http_status: int | None = None
                ) -> ItemInfo:
    """The platform has it (answered, found by looking after an unknown outcome, or reconciled
    after an upload). A remote id for a creating operation goes into the id map."""
    item = _get(s, item_id)
    _move(s, item, SENT, message, http_status=http_status)
    item.sent_at = utcnow()
    item.last_error = None
    item.next_attempt_at = None
    if remote_id is not None:
        item.remote_id = str(remote_id)
        if item.operation.startswith(("create_", "close_")) and item.platform:
            remember(s, item.platform, item.entity_type, item.entity_id, str(remote_id), how=how)
    return info(item)


def record_failed(s: Session, item_id: uuid.UUID, message: str, *, retry_at: dt.datetime | None,
                  http_status: int | None = None) -> ItemInfo:
    """The request surely did not land (refused connection, 5xx); send again at ``retry_at``."""
    item = _get(s, item_id)
    _move(s, item, FAILED, message, http_status=http_status)
    item.last_error = scrub(message)
    item.next_attempt_at = retry_at
    return info(item)


def record_unknown(s: Session, item_id: uuid.UUID, message: str, *,
                   http_status: int | None = None) -> ItemInfo:
    """The answer was lost (timeout, dropped connection): the platform may have it."""
    item = _get(s, item_id)
    _move(s, item, UNKNOWN, message, http_status=http_status)
    item.last_error = scrub(message)
    return info(item)


def record_rejected(s: Session, item_id: uuid.UUID, message: str, *,
                    http_status: int | None = None) -> ItemInfo:
    """The platform refused it (4xx, validation): a person must look at it."""
    item = _get(s, item_id)
    _move(s, item, REJECTED, message, http_status=http_status)
    item.last_error = scrub(message)
    item.next_attempt_at = None
    return info(item)


def record_not_sent(s: Session, item_id: uuid.UUID, message: str) -> ItemInfo:
    """The platform turned the request away before doing anything (an expired or revoked sign-in,
    HTTP 401): the item waits as it was, for the next push once signed in again."""
    item = _get(s, item_id)
    _move(s, item, PENDING, message)
    item.last_error = scrub(message)
    item.next_attempt_at = None
    return info(item)


def record_not_found(s: Session, item_id: uuid.UUID, message: str = "") -> ItemInfo:
    """Looking after an unknown outcome showed the platform does not have it: send again."""
    item = _get(s, item_id)
    if item.status != UNKNOWN:
        raise InvalidTransition("Only an item whose outcome is unknown can be looked up.")
    _move(s, item, PENDING, message or "not on the platform: will be sent again")
    item.next_attempt_at = None
    return info(item)


def mark_waiting_upload(s: Session, item_id: uuid.UUID, platform: str, message: str,
                        request: dict[str, Any] | None = None) -> ItemInfo:
    """The change went into an import file for the administrator; ``request`` records what the
    file says (reconcile matches the platform's objects against it)."""
    item = _get(s, item_id)
    if item.status == WAITING_UPLOAD:
        return info(item)
    item.platform = platform
    if request is not None:
        item.request = request
    _move(s, item, WAITING_UPLOAD, message)
    return info(item)


def recover_interrupted(s: Session) -> int:
    """On start: an item left in ``sending`` had its answer lost with the process."""
    items = list(s.scalars(select(OutboxItem).where(OutboxItem.status == SENDING)))
    for item in items:
        _move(s, item, UNKNOWN, "interrupted while sending (the application stopped)")
        item.last_error = "interrupted while sending"
    return len(items)


def log_event(s: Session, item_id: uuid.UUID | None, event_name: str, message: str = "", *,
              platform: str | None = None, session_id: uuid.UUID | None = None,
              operation: str = "", http_status: int | None = None) -> None:
    """A log line that is not a state change (e.g. 'looked for it: found', 'files written')."""
    item = s.get(OutboxItem, item_id) if item_id is not None else None
    if item is None:
        s.add(SyncLogEntry(at=utcnow(), item_id=None, session_id=session_id, platform=platform,
                           operation=operation, event=event_name, message=scrub(message),
                           http_status=http_status, attempt=0))
        return
    _log(s, item, event_name, message, http_status=http_status, platform=platform)


# --- what is due -----------------------------------------------------------------------------


def blocked_by(s: Session, item: OutboxItem) -> list[OutboxItem]:
    """The items this one still waits for."""
    ids = [uuid.UUID(d) for d in item.depends_on or ()]
    if not ids:
        return []
    deps = s.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids)).order_by(OutboxItem.seq))
    return [d for d in deps if d.status not in DONE]


def due(s: Session, *, session_id: uuid.UUID | None = None, now: dt.datetime | None = None,
        include_unknown: bool = True) -> list[ItemInfo]:
    """Items the engine may act on now, in order: pending, failed whose retry time has come,
    and (to be looked up) unknown; each with every dependency sent."""
    now = now or utcnow()
    states = [PENDING, FAILED] + ([UNKNOWN] if include_unknown else [])
    stmt = select(OutboxItem).where(OutboxItem.status.in_(states))
    if session_id is not None:
        stmt = stmt.where(OutboxItem.session_id == session_id)
    rows = list(s.scalars(stmt.order_by(OutboxItem.seq)))
    ids = {uuid.UUID(d) for r in rows for d in r.depends_on or ()}
    dep_status = dict(s.execute(select(OutboxItem.id, OutboxItem.status)
                                .where(OutboxItem.id.in_(ids))).all()) if ids else {}
    out = []
    for r in rows:
        if r.status == FAILED and r.next_attempt_at is not None and r.next_attempt_at > now:
            continue
        if any(dep_status.get(uuid.UUID(d), SENT) not in DONE for d in r.depends_on or ()):
            continue
        out.append(info(r))
    return out


def all_items(s: Session, *, states: Iterable[str] | None = None,
              session_id: uuid.UUID | None = None) -> list[OutboxItem]:
    stmt = select(OutboxItem)
    if states is not None:
        stmt = stmt.where(OutboxItem.status.in_(tuple(states)))
    if session_id is not None:
        stmt = stmt.where(OutboxItem.session_id == session_id)
    return list(s.scalars(stmt.order_by(OutboxItem.seq)))


def find_item(s: Session, ref: str) -> ItemInfo:
    """An item by its id or the first characters of it; an ambiguous prefix lists candidates."""
    text = (ref or "").strip().lower().replace("-", "")
    if len(text) < 4:
        raise ValidationError("Give at least 4 characters of the item id.")
    rows = [i for i in s.scalars(select(OutboxItem)) if i.id.hex.startswith(text)]
    if not rows:
        raise NotFound("No outbox item “{ref}”.", ref=ref)
    if len(rows) > 1:
        raise ValidationError("“{ref}” fits several items: {ids}", ref=ref,
                              ids=", ".join(str(r.id)[:8] for r in rows[:10]))
    return info(rows[0])


def get(s: Session, item_id: uuid.UUID) -> ItemInfo:
    return info(_get(s, item_id))


def unsynced_count(s: Session, session_id: uuid.UUID | None = None) -> int:
    stmt = select(func.count()).select_from(OutboxItem).where(OutboxItem.status.in_(UNFINISHED))
    if session_id is not None:
        stmt = stmt.where(OutboxItem.session_id == session_id)
    return s.scalar(stmt) or 0


def counts_by_session(s: Session) -> dict[uuid.UUID | None, dict[str, int]]:
    """Per session, how many items are in each state (only states that occur)."""
    out: dict[uuid.UUID | None, dict[str, int]] = {}
    rows = s.execute(select(OutboxItem.session_id, OutboxItem.status, func.count())
                     .group_by(OutboxItem.session_id, OutboxItem.status))
    for session_id, status, n in rows:
        out.setdefault(session_id, {})[status] = n
    return out


# --- the local↔remote id map -----------------------------------------------------------------


def remember(s: Session, platform: str, entity_type: str, local_id: uuid.UUID, remote: str, *,
             how: str = "created") -> None:
    """Record that ``local_id`` is ``remote`` on ``platform``. Idempotent; a conflicting second
    answer is refused (two local rows cannot be one remote object).

    One query, without flushing what the transaction holds (a push records a run of answers in
    one commit); rows added earlier in the same transaction are checked in memory."""
    remote = str(remote)
    pending = [r for r in s.new if isinstance(r, RemoteId) and r.platform == platform
               and r.entity_type == entity_type and (r.local_id == local_id or r.remote_id == remote)]
    with s.no_autoflush:
        stored = list(s.scalars(select(RemoteId).where(
            RemoteId.platform == platform, RemoteId.entity_type == entity_type,
            (RemoteId.local_id == local_id) | (RemoteId.remote_id == remote))))
    for row in pending + stored:
        if row.local_id == local_id and row.remote_id == remote:
            return
        if row.local_id == local_id:
            raise InvalidTransition("This item is already linked to another object on the platform.")
        raise InvalidTransition("This object on the platform is already linked to another item.")
    s.add(RemoteId(platform=platform, entity_type=entity_type, local_id=local_id,
                   remote_id=remote, how=how, recorded_at=utcnow()))


def remote_id(s: Session, platform: str, entity_type: str, local_id: uuid.UUID) -> str | None:
    return s.scalar(select(RemoteId.remote_id).where(RemoteId.platform == platform,
                                                     RemoteId.entity_type == entity_type,
                                                     RemoteId.local_id == local_id))


def local_id_for(s: Session, platform: str, entity_type: str, remote: str) -> uuid.UUID | None:
    return s.scalar(select(RemoteId.local_id).where(RemoteId.platform == platform,
                                                    RemoteId.entity_type == entity_type,
                                                    RemoteId.remote_id == str(remote)))


def newest_numeric_remote_id(s: Session, platform: str, entity_type: str, before: dt.datetime) -> int | None:
    """The highest numeric remote id recorded for ``platform`` before ``before``. Decidim numbers
    its records in creation order, so an object created by a later request has a higher id:
    looking for it can stop there."""
    rows = s.scalars(select(RemoteId.remote_id).where(RemoteId.platform == platform,
                                                      RemoteId.entity_type == entity_type,
                                                      RemoteId.recorded_at < before))
    numbers = [int(r) for r in rows if r.isdigit()]
    return max(numbers) if numbers else None


def remote_ids(s: Session, platform: str, entity_type: str) -> dict[uuid.UUID, str]:
    return dict(s.execute(select(RemoteId.local_id, RemoteId.remote_id)
                          .where(RemoteId.platform == platform,
                                 RemoteId.entity_type == entity_type)).all())


# --- the sync log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogLine:
    seq: int
    at: dt.datetime
    item_id: uuid.UUID | None
    session_id: uuid.UUID | None
    platform: str | None
    operation: str
    entity_type: str | None
    entity_id: uuid.UUID | None
    attempt: int
    event: str
    message: str
    http_status: int | None


LOG_COLUMNS = ("seq", "at", "event", "operation", "entity_type", "entity_id", "attempt",
               "http_status", "message", "platform", "session_id", "item_id")


def sync_log(s: Session, *, session_id: uuid.UUID | None = None, item_id: uuid.UUID | None = None,
             limit: int | None = None) -> list[LogLine]:
    """The log, oldest first (the last ``limit`` lines when given)."""
    stmt = select(SyncLogEntry)
    if session_id is not None:
        stmt = stmt.where(SyncLogEntry.session_id == session_id)
    if item_id is not None:
        stmt = stmt.where(SyncLogEntry.item_id == item_id)
    stmt = stmt.order_by(SyncLogEntry.seq.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = list(s.scalars(stmt))[::-1]
    return [LogLine(r.seq, r.at, r.item_id, r.session_id, r.platform, r.operation, r.entity_type,
                    r.entity_id, r.attempt, r.event, r.message, r.http_status) for r in rows]


def export_log(s: Session, path: str | Path, *, session_id: uuid.UUID | None = None) -> int:
    """Write the log to ``path``: JSON when it ends in ``.json``, otherwise CSV (``;``, UTF-8
    with BOM so spreadsheet programs read it). Messages were scrubbed of secrets when logged."""
    lines = sync_log(s, session_id=session_id)
    path = Path(path)
    records = [{c: _plain(getattr(line, c)) for c in LOG_COLUMNS} for line in lines]
    tmp = path.with_name(path.name + ".part")
    try:
        if path.suffix.lower() == ".json":
            tmp.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        else:
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, delimiter=";", lineterminator="\n")
                writer.writerow(LOG_COLUMNS)
                for rec in records:
                    writer.writerow([_safe_cell(rec[c]) for c in LOG_COLUMNS])
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return len(records)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


# --- internals -------------------------------------------------------------------------------


def _get(s: Session, item_id: uuid.UUID) -> OutboxItem:
    with s.no_autoflush:  # the item's own pending changes are on the object itself
        item = s.scalar(select(OutboxItem).where(OutboxItem.id == item_id))
    if item is None:
        raise NotFound()
    return item


def _move(s: Session, item: OutboxItem, new: str, message: str, *,
          http_status: int | None = None, force: bool = False) -> None:
    if not force and new not in TRANSITIONS.get(item.status, frozenset()):
        raise InvalidTransition("An outbox item cannot go from {old} to {new}.",
                                old=item.status, new=new)
    item.status = new
    item.updated_at = utcnow()
    _log(s, item, new, message, http_status=http_status)


def _log(s: Session, item: OutboxItem, event_name: str, message: str = "", *,
         http_status: int | None = None, platform: str | None = None) -> None:
    s.add(SyncLogEntry(at=utcnow(), item_id=item.id, session_id=item.session_id,
                       platform=platform or item.platform, operation=item.operation,
                       entity_type=item.entity_type, entity_id=item.entity_id,
                       attempt=item.attempts or 0, event=event_name, message=scrub(message),
                       http_status=http_status))
