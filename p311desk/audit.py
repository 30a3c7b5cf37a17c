"""The audit log: a keyed, append-only chain of every state change, that proves something.

What it proves, and how:

- **Events are not changed, removed or reordered.** Each event stores the previous event's hash;
  its own hash is an HMAC-SHA256 over that link, the event's canonical JSON and the state digests
  it records (below). The key is per database (``audit:<device id>``) and lives outside the
  database, in :mod:`p311desk.keys` (OS keyring or a 0600 key file): someone who edits the file
  cannot rebuild the chain, not even with this module's own code.
- **Rows are not changed behind the log's back.** Tables opt in to per-row *state digests* by
  naming their entity type on the model: ``__audit_entity__ = "proposal"`` (see
  :func:`audited_entities`). Every committed change to such a row records, in an event, an HMAC
  of the row's state after it (``audit_state``: event seq, entity type, id, digest; ``NULL`` when
  the row was deleted). :func:`record` records the named entity and every audited row the unit
  of work changed through the ORM so far; rows written with raw SQL are passed as ``covers``;
  anything changed after the last event of a unit of work is recorded at commit by one
  ``audit.state_recorded`` event. :func:`verify` recomputes every audited row's digest and names
  the first entity whose row differs from its last event, that exists with no event, or that is
  gone without a deletion event.
  Registered today: session, participant, registration, attendance, proposal; votes registers
  body, body_member, delegation, vote_question (and a check of its ballot boxes, see
  :func:`register_check`). A capability registers its tables
  the same way (and names them in ``ENTITY_NAMES`` for messages); a table whose rows must stay unlinkable (secret ballots)
  never registers: the votes package audits counts and a digest of the sorted ballot set instead.
  A migration that adds a column with a non-null default to an audited table changes every
  row's digest: it must be followed by :func:`reseal` (which records why).
- **Nothing is cut off the end.** Event numbers never go back (``AUTOINCREMENT``; ``verify``
  also compares with SQLite's own counter) and the head — :func:`head`, ``(count, hash)`` — is
  anchored in the key store after every committed write, printed on minutes and in the sync
  closing report. Deleting the last events, or all of them, leaves the anchor pointing past the
  end.

Events are appended in the same transaction as the change they describe, so a change and its
audit record are committed together or not at all. Secret votes must never put the voter in an
event: callers pass only what may be disclosed. Old databases (unkeyed SHA-256 chain, before
migration 0005) are adopted once by :func:`adopt_legacy_chain`: the whole chain is re-sealed
with the key and an ``audit.rekeyed`` event records whether the old chain was intact.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from p311desk import keys
from p311desk.i18n import N_, _
from p311desk.models import AuditEvent, Base, Setting, utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_INFO = "audit.tx"  # per-unit-of-work bookkeeping in Session.info
_CHUNK = 500


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


# --- which tables are audited per row ---------------------------------------------------------

_registry: dict[str, type] | None = None


def audited_entities() -> dict[str, type]:
    """entity type -> model class, for every model that declares ``__audit_entity__``."""
    global _registry
    if _registry is None:
        found: dict[str, type] = {}
        for mapper in Base.registry.mappers:
            name = mapper.class_.__dict__.get("__audit_entity__")
            if name:
                if name in found:
                    raise RuntimeError(f"two models claim audit entity {name!r}")
                found[name] = mapper.class_
        _registry = found
    return _registry


def _excluded(model: type) -> frozenset[str]:
    return frozenset(getattr(model, "__audit_exclude__", ()))


# --- keys, digests -----------------------------------------------------------------------------


def database_device(s: Session) -> str:
    """The id this database was created with; names its audit key and anchor."""
    device = s.info.get("audit.device")
    if device is None:
        row = s.get(Setting, "device_id")
        device = str(row.value) if row is not None else ""
        s.info["audit.device"] = device
    return device


def _key(s: Session) -> bytes:
    return keys.secret(f"audit:{database_device(s)}")


def _anchor_name(s: Session) -> str:
    return f"audit-head:{database_device(s)}"


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _ref(entity_id: uuid.UUID | str) -> str:
    """An entity id in its stored form (32 hex digits), as audit_state and the digests use it."""
    return entity_id.hex if isinstance(entity_id, uuid.UUID) else uuid.UUID(str(entity_id)).hex


def _scan(s: Session, key: bytes, etype: str, ids: list[str] | None = None):
    """(stored id, state digest) of the rows of an audited type (all, or those in ``ids``).

    The digest covers each non-null column as stored in the file (no type conversion: what is
    on disk is what is proven, and it is several times faster), by column name, so a new
    nullable column or a different column order leaves digests unchanged."""
    model = audited_entities()[etype]
    table = model.__table__.name
    skip = _excluded(model)
    conn = s.connection()
    chunks = [None] if ids is None else [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    for chunk in chunks:
        if chunk is None:
            result = conn.exec_driver_sql(f"SELECT * FROM {table}")
        else:
            marks = ",".join("?" * len(chunk))
            result = conn.exec_driver_sql(f"SELECT * FROM {table} WHERE id IN ({marks})", tuple(chunk))
        names = list(result.keys())
        order = sorted((name, i) for i, name in enumerate(names) if name not in skip)
        id_at = names.index("id")
        digest = hmac.digest
        for row in result:
            text_ = "\x1e".join(f"{name}\x1f{row[i]!r}" for name, i in order if row[i] is not None)
            yield row[id_at], digest(key, text_.encode("utf-8"), "sha256").hex()


def _states_of(s: Session, key: bytes, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """Current state digest (None = no such row) of each (entity type, stored id)."""
    by_type: dict[str, list[str]] = {}
    for etype, ref in wanted:
        by_type.setdefault(etype, []).append(ref)
    out: dict[tuple[str, str], str | None] = {}
    for etype, refs in by_type.items():
        refs = list(dict.fromkeys(refs))
        for ref, digest in _scan(s, key, etype, refs):
            out[(etype, ref)] = digest
        for ref in refs:
            out.setdefault((etype, ref), None)
    return out


def _event_mac(key: bytes, event: AuditEvent, states: list[list[Any]]) -> str:
    body = canonical_json(
        {
            "id": str(event.id),
            "seq": event.seq,
            "occurred_at": event.occurred_at.isoformat(),
            "device_id": event.device_id,
            "session_id": str(event.session_id) if event.session_id else None,
            "kind": event.kind,
            "entity_type": event.entity_type,
            "entity_id": str(event.entity_id) if event.entity_id else None,
            "payload": event.payload,
            "states": states,
        }
    )
    return _mac(key, event.prev_hash + body)


def _state_list(states: Mapping[tuple[str, Any], str | None]) -> list[list[Any]]:
    return sorted([etype, _ref(eid), digest] for (etype, eid), digest in states.items())


# --- recording ---------------------------------------------------------------------------------


def _tx(s: Session) -> dict[str, Any]:
    info = s.info.get(_INFO)
    if info is None:
        info = s.info[_INFO] = {"pending": set(), "head": None}
    return info


def record(
    s: Session,
    kind: str,
    *,
    session_id: uuid.UUID | None = None,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
    covers: Mapping[str, Iterable[uuid.UUID]] | None = None,
) -> AuditEvent:
    """Append an event to the chain inside the caller's unit of work.

    Records the state digest of the named entity (if its type is audited), of every audited row
    this unit of work changed through the ORM since the last event, and of ``covers`` (entity type
    -> ids; for rows written with raw SQL, e.g. bulk imports)."""
    s.flush()  # the state after the change; and the previous event is visible
    info = _tx(s)
    registry = audited_entities()
    wanted = set(info["pending"])
    if entity_type in registry and entity_id is not None:
        wanted.add((entity_type, _ref(entity_id)))
    for etype, ids in (covers or {}).items():
        if etype not in registry:
            raise ValueError(f"{etype!r} is not an audited entity type")
        wanted.update((etype, _ref(i)) for i in ids)
    key = _key(s)
    states = _states_of(s, key, wanted) if wanted else {}
    last = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    event = AuditEvent(
        seq=_next_seq(s),  # never a number used before, even by a deleted event
        id=uuid.uuid4(),
        occurred_at=utcnow(),
        device_id=s.info.get("device_id") or database_device(s) or "unknown",
        session_id=session_id,
        kind=kind,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=canonical_json(payload or {}),
        prev_hash=last[1] if last else GENESIS,
    )
    event.hash = _event_mac(key, event, _state_list(states))
    s.add(event)
    s.flush()
    if states:
        s.connection().exec_driver_sql(
            "INSERT INTO audit_state (seq, entity_type, entity_id, digest) VALUES (?, ?, ?, ?)",
            [(event.seq, etype, ref, digest) for (etype, ref), digest in states.items()])
    info["pending"].clear()
    info["head"] = (event.seq, event.hash)
    return event


def _next_seq(s: Session) -> int:
    """The first number after every event ever written (also after all were deleted)."""
    used = s.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'audit_event'")).scalar()
    return int(used or 0) + 1


@sa_event.listens_for(Session, "after_flush")
def _note_changed_rows(session: Session, _ctx) -> None:
    registry = audited_entities()
    if not registry:
        return
    by_class = {model: etype for etype, model in registry.items()}
    pending = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        etype = by_class.get(type(obj))
        if etype is not None:
            if pending is None:
                pending = _tx(session)["pending"]
            pending.add((etype, obj.id.hex))


@sa_event.listens_for(Session, "before_commit")
def _record_leftover_states(session: Session) -> None:
    session.flush()
    info = session.info.get(_INFO)
    if info and info["pending"]:
        record(session, "audit.state_recorded")
    if info and info["head"] is not None and not info.get("rewind"):
        # The anchor only moves forward, along the chain it anchors: after the last events were
        # deleted, new writes must not make the truncation disappear.
        anchored = _anchored(session)
        if anchored is not None and anchored[0]:
            at = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchored[0]))
            if at != anchored[1] or info["head"][0] <= anchored[0]:
                log.warning("audit head not anchored: the chain does not extend the anchored head")
                info["head"] = None


@sa_event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    info = session.info.pop(_INFO, None)
    if not info or info["head"] is None:
        return
    seq, hash_ = info["head"]
    try:
        keys.set_value(_anchor_name(session), f"{seq}:{hash_}")
    except (keys.KeyStoreError, OSError):  # committed anyway; a lagging anchor is still a prefix
        log.warning("could not anchor the audit head at event %s", seq)


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_INFO, None)


# --- the head ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The end of the chain: how many events, and the last one's hash (GENESIS when empty)."""

    count: int
    hash: str

    def short(self) -> str:
        """For print: ``#1234 · 3f9a2c…e01b`` (enough to compare with another copy)."""
        return f"#{self.count} · {self.hash[:16]}"


def head(s: Session) -> Head:
    row = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return Head(row[0], row[1]) if row else Head(0, GENESIS)


def rewind_anchor(s: Session, kind: str = "backup.restored", payload: dict[str, Any] | None = None) -> AuditEvent:
    """Accept that this database's chain now ends before the anchored head — a backup was
    restored on purpose — and say so in the chain: the event records the head it replaces. The
    only way the anchor moves back; the backups package calls it after a restore."""
    anchored = _anchored(s)
    event = record(s, kind, payload={**(payload or {}),
                                     "replaced_head": f"{anchored[0]}:{anchored[1]}" if anchored else None})
    _tx(s)["rewind"] = True
    return event


def _anchored(s: Session) -> tuple[int, str] | None:
    value = keys.get_value(_anchor_name(s))
    if not value or ":" not in value:
        return None
    seq, _sep, hash_ = value.partition(":")
    return int(seq), hash_


# --- verifying ---------------------------------------------------------------------------------

ENTITY_NAMES = {
    "session": N_("Session"),
    "participant": N_("Participant"),
    "registration": N_("Registration"),
    "attendance": N_("Check-in"),
    "proposal": N_("Proposal"),
    "body": N_("Voting body"),
    "body_member": N_("Member of a voting body"),
    "delegation": N_("Delegation"),
    "vote_question": N_("Voting"),
    "evaluation_form": N_("Evaluation form"),
    "accountability_plan": N_("Municipal action plan"),
    "accountability_item": N_("Action or objective of a plan"),
    "accountability_question": N_("Question about an action"),
}

_REASONS = {
    "content": N_("Audit event #{seq} was changed after it was written, or written without this "
                  "computer's key."),
    "link": N_("Audit event #{seq} does not follow the event before it: events were removed or "
               "reordered."),
    "missing": N_("Audit events before #{seq} are missing (the log jumps from #{after} to #{seq})."),
    "gone": N_("Audit event #{seq} was deleted."),
    "truncated": N_("The audit log ends at event #{count}, but this computer recorded #{anchored}: "
                    "the last events were deleted."),
    "state_changed": N_("{entity} {id} was changed without an audit event (its last event is "
                        "#{seq})."),
    "state_unrecorded": N_("{entity} {id} exists without any audit event."),
    "state_deleted": N_("{entity} {id} was deleted without an audit event (its last event is "
                        "#{seq})."),
    "no_anchor": N_("This audit log was sealed on another computer, or this computer's audit key "
                    "is missing: it cannot be verified here."),
}


# --- checks registered by capabilities ---------------------------------------------------------

# A capability whose records are proven by a digest of its own (the votes package: ballot boxes,
# eligibility snapshots, paper ballots, each sealed by a keyed digest on an audited row) registers
# a check here; :func:`verify` runs them after the chain and the rows are found intact. A check
# yields (entity type, entity id, sentence in the user's language) for each record that differs.
Check = Callable[[Session], Iterable[tuple[str, "uuid.UUID | None", str]]]
_checks: list[Check] = []


def register_check(check: Check) -> Check:
    if check not in _checks:
        _checks.append(check)
    return check


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify` found. ``reason`` is a code (see ``message()`` for the sentence)."""

    checked: int
    broken_seq: int | None = None
    reason: str = ""
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    anchored: int | None = None
    entities_checked: int = 0
    detail: str = ""  # a registered check's own sentence (reason "check")

    @property
    def ok(self) -> bool:
        return not self.reason

    def message(self) -> str:
        """The finding in the user's language (empty when the log is intact)."""
        if self.ok:
            return ""
        if self.reason == "check":
            return self.detail
        entity = _(ENTITY_NAMES[self.entity_type]) if self.entity_type in ENTITY_NAMES else (
            self.entity_type or "")
        return _(_REASONS[self.reason]).format(
            seq=self.broken_seq, after=self.anchored,
            count=self.checked, anchored=self.anchored, entity=entity,
            id=str(self.entity_id)[:8] if self.entity_id else "")


# Chains verified in this process: (database file, device) -> (seq, hash) of the last good event.
_checkpoints: dict[tuple[str, str], tuple[int, str]] = {}


def _checkpoint_key(s: Session) -> tuple[str, str]:
    return (str(s.get_bind().url.database), database_device(s))


def verify(
    s: Session,
    progress: Callable[[int, int, str], None] | None = None,
    *,
    incremental: bool = False,
) -> ChainReport:
    """Check the chain, the anchored head and every audited row; report the first problem.

    ``incremental`` starts the chain walk after the last event this process found intact (the
    rows are always all checked); the CLI and the app's start-up walk the whole chain."""
    key = _key(s)
    total = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    start_seq, prev, prev_seq = 0, GENESIS, 0
    checkpoint = _checkpoints.get(_checkpoint_key(s)) if incremental else None
    if checkpoint is not None:
        stored = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == checkpoint[0]))
        if stored == checkpoint[1]:
            start_seq, prev, prev_seq = checkpoint[0], checkpoint[1], checkpoint[0]
    checked = start_seq
    # Latest state per entity: older ones first, newer events overwrite.
    latest: dict[tuple[str, str], tuple[int, str | None]] = {}
    conn = s.connection()
    state_sql = "SELECT seq, entity_type, entity_id, digest FROM audit_state WHERE seq {} ? ORDER BY seq"
    for seq, etype, ref, digest in conn.exec_driver_sql(state_sql.format("<="), (start_seq,)):
        latest[(etype, ref)] = (seq, digest)

    states_rows = iter(conn.exec_driver_sql(state_sql.format(">"), (start_seq,)).fetchall())
    pending_state = next(states_rows, None)
    stmt = (select(AuditEvent).where(AuditEvent.seq > start_seq).order_by(AuditEvent.seq)
            .execution_options(yield_per=2000))
    for event in s.scalars(stmt):
        if event.seq != prev_seq + 1:
            return ChainReport(checked, event.seq, "missing", anchored=prev_seq)
        if event.prev_hash != prev:
            return ChainReport(checked, event.seq, "link")
        states: dict[tuple[str, str], str | None] = {}
        while pending_state is not None and pending_state[0] <= event.seq:
            if pending_state[0] == event.seq:
                states[(pending_state[1], pending_state[2])] = pending_state[3]
            pending_state = next(states_rows, None)
        if not hmac.compare_digest(_event_mac(key, event, _state_list(states)), event.hash):
            return ChainReport(checked, event.seq, "no_anchor" if checked == 0 and _anchored(s) is None
                               else "content")
        for ent, digest in states.items():
            latest[ent] = (event.seq, digest)
        prev, prev_seq = event.hash, event.seq
        checked += 1
        if progress and checked % 2000 == 0:
            progress(checked, total, "")

    anchored = _anchored(s)
    if anchored is None:
        if checked:
            return ChainReport(checked, 1, "no_anchor")
    elif anchored[0] > prev_seq:
        return ChainReport(checked, None, "truncated", anchored=anchored[0])
    else:
        at = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchored[0])) if anchored[0] else GENESIS
        if at != anchored[1]:
            return ChainReport(checked, anchored[0], "content")
    if _next_seq(s) - 1 > prev_seq:
        return ChainReport(checked, None, "truncated", anchored=_next_seq(s) - 1)
    if pending_state is not None:  # states recorded by an event that is not there any more
        return ChainReport(checked, pending_state[0], "gone")
    if prev_seq:
        _checkpoints[_checkpoint_key(s)] = (prev_seq, prev)

    bad, seen = _check_rows(s, key, latest)
    if bad is not None:
        reason, etype, eid, seq = bad
        return ChainReport(checked, seq, reason, entity_type=etype, entity_id=eid, entities_checked=seen)
    for check in _checks:
        for etype, eid, sentence in check(s):
            return ChainReport(checked, None, "check", entity_type=etype, entity_id=eid, entities_checked=seen,
                               detail=sentence)
    return ChainReport(checked, entities_checked=seen)


_NO_EVENT = 2**62  # sorts a row with no event after every row whose last event is known


def _check_rows(s: Session, key: bytes, latest: dict[tuple[str, str], tuple[int, str | None]]):
    """The first audited row that does not match its last event (ordered by that event)."""
    problems: list[tuple[int, str, str, str]] = []
    seen = 0
    for etype in audited_entities():
        for ref, digest in _scan(s, key, etype):
            seen += 1
            last = latest.pop((etype, ref), None)
            if last is None:
                problems.append((_NO_EVENT, "state_unrecorded", etype, ref))
            elif last[1] != digest:
                problems.append((last[0], "state_changed", etype, ref))
    for (etype, ref), (seq, digest) in latest.items():
        if digest is not None and etype in audited_entities():
            problems.append((seq, "state_deleted", etype, ref))
    if not problems:
        return None, seen
    seq, reason, etype, ref = min(problems)
    return (reason, etype, uuid.UUID(ref), None if seq == _NO_EVENT else seq), seen


# --- re-sealing --------------------------------------------------------------------------------


def reseal(s: Session, kind: str, payload: dict[str, Any] | None = None) -> AuditEvent:
    """Record the current state of every audited row in one event (after a migration changed
    what a row's digest covers, or when a legacy chain is adopted). The event says why."""
    covers = {etype: [ref for ref, _digest in _scan(s, b"", etype)] for etype in audited_entities()}
    return record(s, kind, payload=payload, covers=covers)


def _legacy_digest(row: Mapping[str, Any]) -> str:
    """The unkeyed SHA-256 of events written before migration 0005."""
    occurred = row["occurred_at"]
    body = canonical_json(
        {
            "id": str(row["id"]),
            "occurred_at": occurred.isoformat(),
            "device_id": row["device_id"],
            "session_id": str(row["session_id"]) if row["session_id"] else None,
            "kind": row["kind"],
            "entity_type": row["entity_type"],
            "entity_id": str(row["entity_id"]) if row["entity_id"] else None,
            "payload": row["payload"],
        }
    )
    return hashlib.sha256((row["prev_hash"] + body).encode("utf-8")).hexdigest()


LEGACY_FLAG = "audit.legacy_chain"


def adopt_legacy_chain(s: Session) -> AuditEvent | None:
    """Re-seal a chain written before the key existed (once, after migration 0005 flagged it).

    The old SHA-256 chain is checked first; every event is then re-hashed with this database's
    key, in order, and an ``audit.rekeyed`` event records how many events were adopted, whether
    the old chain was intact (or where it broke) and the state of every audited row. Refused
    when this computer already anchored a head for the database: a sealed chain is never
    re-sealed by flipping a flag in the file."""
    flag = s.get(Setting, LEGACY_FLAG)
    if flag is None:
        return None
    if _anchored(s) is not None:
        s.delete(flag)
        s.flush()
        log.warning("legacy audit flag found on a chain this computer already sealed; ignored")
        return None
    table = AuditEvent.__table__
    rows = list(s.execute(select(table).order_by(table.c.seq)).mappings())
    prev, broken = GENESIS, None
    for row in rows:
        if broken is None and (row["prev_hash"] != prev or _legacy_digest(row) != row["hash"]):
            broken = row["seq"]
        prev = row["hash"]
    key = _key(s)
    prev = GENESIS
    for event in s.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        event.prev_hash = prev
        event.hash = _event_mac(key, event, [])
        prev = event.hash
    s.delete(flag)
    s.flush()
    return reseal(s, "audit.rekeyed", {
        "legacy_events": len(rows),
        "legacy_chain": "intact" if broken is None else f"broken at #{broken}",
    })
