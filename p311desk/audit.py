"""The audit log: a keyed, append-only chain of every state change, that proves something.

What it proves, and how:

- **Events are not changed, removed or reordered.** Each event stores the previous event's hash;
  its own hash is an HMAC-SHA256 over that link, the event's canonical JSON and the state digests
  it records (below). The key is this computer's (``audit:<key store id>``, :func:`keys.device_id`)
  and lives outside the database, in :mod:`p311desk.keys` (OS keyring or a 0600 key file):
  someone who edits the file cannot rebuild the chain, not even with this module's own code. An
  event's ``device_id`` names the computer whose key sealed it; the name of the key that *seals*
  is never read from the database, and :func:`verify` only looks keys up, never makes one, so a
  database edited to name a fresh device cannot get itself re-signed. Keys of other computers
  arrive only with a portable backup (:mod:`p311desk.backups`).
- **Rows are not changed behind the log's back.** Tables opt in to per-row *state digests* by
  naming their entity type on the model: ``__audit_entity__ = "proposal"`` (see
  :func:`audited_entities`). Every committed change to such a row records, in an event, an HMAC
  of the row's state after it (``audit_state``: event seq, entity type, id, digest; ``NULL`` when
  the row was deleted). :func:`record` records the named entity and every audited row the unit
  of work changed through the ORM so far; rows written with raw SQL are passed as ``covers``;
  anything changed after the last event of a unit of work is sealed at commit into that last
  event (still uncommitted, so amending it is safe), or by one ``audit.state_recorded`` event when
  the unit of work recorded none. A table without a UUID ``id`` column is keyed by its primary
  key (a digest of its values, 32 hex digits, as ``entity_id``). :func:`verify` recomputes every audited row's digest and names
  the first entity whose row differs from its last event, that exists with no event, or that is
  gone without a deletion event.
  Registered today: session, participant, registration, attendance, proposal, setting,
  outbox_item (its state transitions included), remote_id, platform, session_closing,
  import_mapping; votes registers body, body_member, delegation, vote_question (and a check of
  its ballot boxes, see :func:`register_check`). A capability registers its tables
  the same way (and names them in ``ENTITY_NAMES`` for messages); a table whose rows must stay unlinkable (secret ballots)
  never registers: the votes package audits counts and a digest of the sorted ballot set instead.
  A migration that adds a column with a non-null default to an audited table changes every
  row's digest: it must be followed by :func:`reseal` (which records why).
- **Nothing is cut off the end.** Event numbers never go back (``AUTOINCREMENT``; ``verify``
  also compares with SQLite's own counter, and a counter set back is a finding) and the head — :func:`head`, ``(count, hash)`` — is
  anchored in the key store after every committed write, printed on minutes and in the sync
  closing report. Deleting the last events, or all of them, leaves the anchor pointing past the
  end.

Events are appended in the same transaction as the change they describe, so a change and its
audit record are committed together or not at all. Secret votes must never put the voter in an
event: callers pass only what may be disclosed. Old databases (unkeyed SHA-256 chain, before
migration 0005) are adopted by :func:`adopt_legacy_chain` only in the process that has just run
that migration on them, never because of a value found in the file, and never once any audit
state or anchor exists; the ``audit.rekeyed`` event it leaves is reported by every
:func:`verify` (a finding, naming the event), so a re-sealed history never passes silently.

:func:`verify` reports, besides the first broken event or record: an anchor that does not match
the chain (unless a ``database.restored`` event records it as the head it replaced), no anchor
for a database that has events, an event counter set back, and every re-keying.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import threading
import time
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
        _by_class.clear()
        _by_class.update({model: etype for etype, model in found.items()})
    return _registry


_by_class: dict[type, str] = {}


def _excluded(model: type) -> frozenset[str]:
    return frozenset(getattr(model, "__audit_exclude__", ()))


def _key_columns(model: type) -> tuple[str, ...]:
    """The columns that name a row: ``id`` (a UUID) where the table has one, else its primary key."""
    table = model.__table__
    if "id" in table.c:
        return ("id",)
    return tuple(c.name for c in table.primary_key.columns)


def _stored(value: Any) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value)


def _composite_ref(values: Iterable[Any]) -> str:
    """32 hex digits for a row named by several (or non-UUID) values, as ``audit_state`` stores ids."""
    return hashlib.sha256("\x1f".join(_stored(v) for v in values).encode("utf-8")).hexdigest()[:32]


def _object_ref(obj: Any) -> str:
    cols = _key_columns(type(obj))
    if cols == ("id",):
        return _stored(obj.id)
    mapper = type(obj).__mapper__
    return _composite_ref(getattr(obj, mapper.get_property_by_column(mapper.local_table.c[c]).key) for c in cols)


# --- keys, digests -----------------------------------------------------------------------------


def database_device(s: Session) -> str:
    """The id this database was created with; names its anchor and its document key."""
    device = s.info.get("audit.device")
    if device is None:
        row = s.get(Setting, "device_id")
        device = str(row.value) if row is not None else ""
        s.info["audit.device"] = device
    return device


def sealing_device() -> str:
    """The computer whose key seals new events: the key store's own id, never the database's."""
    return keys.device_id()


def _sealing_key() -> tuple[str, bytes]:
    device = sealing_device()
    return device, keys.secret(f"audit:{device}")


def device_key(device: str) -> bytes | None:
    """The audit key of ``device`` if this key store holds it (looked up, never created)."""
    if device == sealing_device():
        return _sealing_key()[1]
    return keys.secret(f"audit:{device}", create=False)


def _anchor_name(s: Session) -> str:
    return f"audit-head:{database_device(s)}"


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _ref(entity_id: uuid.UUID | str) -> str:
    """An entity id in its stored form (32 hex digits), as audit_state and the digests use it."""
    return entity_id.hex if isinstance(entity_id, uuid.UUID) else uuid.UUID(str(entity_id)).hex


_SCAN_ALL = 2000  # more wanted rows than this: one scan of the table beats batches of IN (…)


def _rows(s: Session, etype: str, refs: list[str] | None = None):
    """(stored ref, printable key, canonical text) of the rows of an audited type (all, or ``refs``).

    The text covers each non-null column as stored in the file (no type conversion: what is on
    disk is what is proven, and it is several times faster), by column name, so a new nullable
    column or a different column order leaves digests unchanged. Read through the driver's own
    cursor, in the unit of work's transaction: a 50,000-row import records its digests in one
    scan instead of a hundred queries through the ORM's result machinery."""
    model = audited_entities()[etype]
    table = model.__table__.name
    skip = _excluded(model)
    key_cols = _key_columns(model)
    single = key_cols == ("id",)
    wanted = None
    if refs is None:
        queries = [(f"SELECT * FROM {table}", ())]
    elif single and len(refs) <= _SCAN_ALL:
        queries = [(f"SELECT * FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk))
                   for chunk in (refs[i:i + _CHUNK] for i in range(0, len(refs), _CHUNK))]
    else:  # many rows, or rows named by a digest of their key: read the table, keep the wanted
        queries = [(f"SELECT * FROM {table}", ())]
        wanted = set(refs)
    cursor = s.connection().connection.driver_connection.cursor()
    try:
        for sql, params in queries:
            cursor.execute(sql, params)
            names = [d[0] for d in cursor.description]
            order = sorted((name, i) for i, name in enumerate(names) if name not in skip)
            labels = [f"{name}\x1f" for name, _i in order]
            at = [names.index(c) for c in key_cols]
            first = at[0]
            for row in cursor.fetchall():
                if single:
                    ref, label = row[first], ""
                else:
                    values = [row[i] for i in at]
                    ref, label = _composite_ref(values), " / ".join(str(v) for v in values)
                if wanted is not None and ref not in wanted:
                    continue
                text_ = "\x1e".join([lab + repr(row[i]) for lab, (_name, i) in zip(labels, order)
                                      if row[i] is not None])
                yield ref, label, text_
    finally:
        cursor.close()


def _digest(key: bytes, text_: str) -> str:
    return hmac.digest(key, text_.encode("utf-8"), "sha256").hex()


def _states_of(s: Session, key: bytes, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """Current state digest (None = no such row) of each (entity type, stored id)."""
    by_type: dict[str, list[str]] = {}
    for etype, ref in wanted:
        by_type.setdefault(etype, []).append(ref)
    out: dict[tuple[str, str], str | None] = {}
    for etype, refs in by_type.items():
        refs = list(dict.fromkeys(refs))
        for ref, _label, text_ in _rows(s, etype, refs):
            out[(etype, ref)] = _digest(key, text_)
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
    return sorted([etype, eid if isinstance(eid, str) and len(eid) == 32 else _ref(eid), digest]
                  for (etype, eid), digest in states.items())


# --- recording ---------------------------------------------------------------------------------


def _tx(s: Session) -> dict[str, Any]:
    info = s.info.get(_INFO)
    if info is None:
        info = s.info[_INFO] = {"pending": set(), "head": None, "last": None}
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
    device, key = _sealing_key()
    seq = _next_seq(s)  # never a number used before, even by a deleted event
    if seq == 1 and "setting" in registry:
        # The first event of a chain also seals the settings written before it (the database's
        # id above all), which a new database writes before it has anything to record.
        wanted.update(("setting", ref) for ref, _label, _text in _rows(s, "setting"))
    states = _states_of(s, key, wanted) if wanted else {}
    last = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    event = AuditEvent(
        seq=seq,
        id=uuid.uuid4(),
        occurred_at=utcnow(),
        device_id=device,
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
    info["last"] = (event, states)
    return event


def _amend_last(s: Session, info: dict[str, Any]) -> None:
    """Seal the rows changed after this unit of work's last event into that event: it is not
    committed yet, so no one has seen it, and the unit of work keeps one event per action."""
    event, states = info["last"]
    device, key = _sealing_key()
    fresh = _states_of(s, key, info["pending"])
    states = {**states, **fresh}
    event.hash = _event_mac(key, event, _state_list(states))
    s.flush()
    s.connection().exec_driver_sql(
        "INSERT OR REPLACE INTO audit_state (seq, entity_type, entity_id, digest) VALUES (?, ?, ?, ?)",
        [(event.seq, etype, ref, digest) for (etype, ref), digest in fresh.items()])
    info["pending"].clear()
    info["head"] = (event.seq, event.hash)
    info["last"] = (event, states)


def _next_seq(s: Session) -> int:
    """The first number after every event ever written (also after all were deleted, and after
    SQLite's counter was set back behind the log's back)."""
    used = s.execute(text("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_event'), 0), "
                          "coalesce((SELECT max(seq) FROM audit_event), 0))")).scalar()
    return int(used or 0) + 1


@sa_event.listens_for(Session, "after_flush")
def _note_changed_rows(session: Session, _ctx) -> None:
    audited_entities()
    if not _by_class:
        return
    pending = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        etype = _by_class.get(type(obj))
        if etype is not None:
            if pending is None:
                pending = _tx(session)["pending"]
            pending.add((etype, _object_ref(obj)))


@sa_event.listens_for(Session, "before_commit")
def _record_leftover_states(session: Session) -> None:
    session.flush()
    info = session.info.get(_INFO)
    if info and info["pending"]:
        if info.get("last") is not None:
            _amend_last(session, info)
        elif session.info.get("audit.defer_to_first_event") and _next_seq(session) == 1:
            info["pending"].clear()  # a new database's own settings: sealed by its first event
        else:
            record(session, "audit.state_recorded")
    if info and info["head"] is not None and not info.get("rewind"):
        # The anchor only moves forward, along the chain it anchors: after the last events were
        # deleted, new writes must not make the truncation disappear.
        anchored = _anchored(session, fresh=False)
        if anchored is not None and anchored[0]:
            at = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchored[0]))
            if (at != anchored[1] or info["head"][0] <= anchored[0]) and not _restore_explains(session, anchored):
                log.warning("audit head not anchored: the chain does not extend the anchored head")
                info["head"] = None


# --- anchoring pace ------------------------------------------------------------------------------
#
# Writing the anchor costs a key store round trip (a D-Bus call to the Secret Service, or a
# flushed file: ~5 ms; bench/audit.py measures both), more than a check-in should pay. So a process anchors its first commit
# at once, then at most every ANCHOR_EVERY_EVENTS events or ANCHOR_EVERY_SECONDS seconds, and
# always when it takes a backup, exports, closes a session (which takes a backup), closes the
# database or exits (:func:`flush_anchors`). The window this leaves: if the process is killed
# (not closed), the last events written since the last anchor — at most that many events, or
# that many seconds of them — could be cut off without the anchor showing it.

ANCHOR_EVERY_EVENTS = 50
ANCHOR_EVERY_SECONDS = 30.0
_anchors: dict[tuple[str, str], dict[str, Any]] = {}
_anchors_lock = threading.Lock()


def _anchor_state(name: str) -> dict[str, Any]:
    key = (keys.store_id(), name)
    with _anchors_lock:
        state = _anchors.get(key)
        if state is None:
            state = _anchors[key] = {"known": None, "pending": None, "at": None, "seq": None}
        return state


def _write_anchor(name: str, value: str) -> None:
    state = _anchor_state(name)
    try:
        keys.set_value(name, value)
    except (keys.KeyStoreError, OSError):  # committed anyway; a lagging anchor is still a prefix
        log.warning("could not anchor the audit head at event %s", value.partition(":")[0])
        return
    with _anchors_lock:
        state.update(known=value, pending=None, at=time.monotonic(), seq=int(value.partition(":")[0]))


def flush_anchors() -> None:
    """Write every anchor this process has deferred (see the anchoring pace above)."""
    with _anchors_lock:
        pending = [(name, st["pending"]) for (_store, name), st in _anchors.items() if st["pending"]]
    for name, value in pending:
        _write_anchor(name, value)


def anchor_now(db) -> None:
    """Before a backup, an export or the end of a session: the anchor is brought up to date."""
    flush_anchors()


def forget_anchors() -> None:
    """Drop what this process remembers of anchors (tests switch key stores between cases)."""
    with _anchors_lock:
        _anchors.clear()


atexit.register(flush_anchors)


@sa_event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    info = session.info.pop(_INFO, None)
    if not info or info["head"] is None or session.info.get("audit.no_anchor"):
        return
    seq, hash_ = info["head"]
    name = _anchor_name(session)
    value = f"{seq}:{hash_}"
    state = _anchor_state(name)
    due = (info.get("rewind") or state["seq"] is None or seq - state["seq"] >= ANCHOR_EVERY_EVENTS
           or seq < state["seq"] or time.monotonic() - (state["at"] or 0.0) >= ANCHOR_EVERY_SECONDS)
    if due:
        _write_anchor(name, value)
    else:
        with _anchors_lock:
            state["pending"] = value
            state["known"] = value


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


RESTORED_KINDS = ("database.restored", "backup.restored")


def rewind_anchor(s: Session, kind: str = "backup.restored", payload: dict[str, Any] | None = None,
                  *, replaced: str | None = None) -> AuditEvent:
    """Accept that this database's chain now ends before the anchored head — a backup was
    restored on purpose — and say so in the chain: the event records the head it replaces
    (``replaced``: ``"seq:hash"``; by default what this computer anchored for the database). The
    only way the anchor moves back; the backups package calls it when it restores."""
    if replaced is None:
        flush_anchors()
        anchored = _anchored(s)
        replaced = f"{anchored[0]}:{anchored[1]}" if anchored else None
    event = record(s, kind, payload={**(payload or {}), "replaced_head": replaced})
    _tx(s)["rewind"] = True
    return event


def anchor_value(s: Session) -> str | None:
    """What this computer anchored for the database (``"seq:hash"``), or None."""
    flush_anchors()
    value = keys.get_value(_anchor_name(s))
    return value if value and ":" in value else None


def set_anchor(s: Session, value: str) -> None:
    """Anchor ``value`` (``"seq:hash"``) for this session's database (after a restore swapped it in)."""
    _write_anchor(_anchor_name(s), value)


def _anchored(s: Session, *, fresh: bool = True) -> tuple[int, str] | None:
    """The anchored head (``fresh``: as the key store holds it; else what this process last
    wrote or read, which spares a key store round trip on every commit)."""
    name = _anchor_name(s)
    state = _anchor_state(name)
    if not fresh and state["known"] is not None:
        value = state["known"]
    else:
        value = keys.get_value(name)
        with _anchors_lock:
            if state["pending"] is None:
                state["known"] = value or ""
    if not value or ":" not in value:
        return None
    seq, _sep, hash_ = value.partition(":")
    try:
        return int(seq), hash_
    except ValueError:
        return None


def _restore_explains(s: Session, anchored: tuple[int, str]) -> AuditEvent | None:
    """The restore event that records the anchored head as the head it replaced, if any: a
    restore lands before the anchor moves (a crash between the two leaves this)."""
    wanted = f"{anchored[0]}:{anchored[1]}"
    for event in s.scalars(select(AuditEvent).where(AuditEvent.kind.in_(RESTORED_KINDS))
                           .order_by(AuditEvent.seq.desc())):
        try:
            if json.loads(event.payload).get("replaced_head") == wanted:
                return event
        except ValueError:
            continue
    return None


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
    "setting": N_("Setting"),
    "outbox_item": N_("Item bound for the platform"),
    "remote_id": N_("Link to a platform object"),
    "platform": N_("Platform"),
    "session_closing": N_("Closing stage"),
    "import_mapping": N_("Remembered column mapping"),
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
    "no_anchor": N_("This computer has no record of this audit log's head, though the log holds "
                    "{count} events (the last is #{seq}): the log was replaced or sealed elsewhere, "
                    "or this computer's key store was reset. A portable backup carries the keys."),
    "no_key": N_("Audit event #{seq} was sealed on another computer, or this computer's audit key "
                 "is missing: it cannot be verified here. A portable backup carries the keys."),
    "anchor_mismatch": N_("This computer recorded the audit log's head as event #{anchored} "
                          "({hash}), but event #{anchored} of this log is another one: the log "
                          "was rewritten or replaced."),
    "counter_reset": N_("The audit log's event counter was set back to #{anchored}, but the log "
                        "reaches #{count}: event numbers could be reused."),
    "rekeyed_broken": N_("Events before #{seq} were re-sealed by event #{seq} ({when}) from an "
                         "older, unkeyed log that was already broken ({detail})."),
}

_NOTICES = {
    "rekeyed": N_("Events before #{seq} were written before the log had a key; event #{seq} "
                  "({when}) re-sealed them, and the older log was intact then."),
}


@dataclass(frozen=True)
class Finding:
    """Something :func:`verify` reports that does not break the log by itself (a re-keying), with
    the event that explains it."""

    code: str
    seq: int
    params: tuple[tuple[str, str], ...] = ()

    def message(self) -> str:
        return _(_NOTICES[self.code]).format(seq=self.seq, **dict(self.params))


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
    entity_key: str = ""  # the printable key of a row named by its primary key (settings, …)
    detail: str = ""  # a registered check's own sentence (reason "check"), or a finding's detail
    when: str = ""
    findings: tuple[Finding, ...] = ()

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
        shown = f"“{self.entity_key}”" if self.entity_key else (str(self.entity_id)[:8] if self.entity_id else "")
        return _(_REASONS[self.reason]).format(
            seq=self.broken_seq, after=self.anchored,
            count=self.checked, anchored=self.anchored, entity=entity,
            id=shown, hash=self.detail[:16], detail=self.detail, when=self.when)

    def notices(self) -> list[str]:
        """The findings that do not break the log (re-keyings), one sentence each."""
        return [f.message() for f in self.findings]


# Chains verified in this process: (database file, device) -> (seq, hash) of the last good event.
_checkpoints: dict[tuple[str, str], tuple[int, str]] = {}


def _checkpoint_key(s: Session) -> tuple[str, str]:
    return (str(s.get_bind().url.database), database_device(s))


def _legacy_detail(payload: str) -> str:
    try:
        return str(json.loads(payload).get("legacy_chain") or "")
    except ValueError:
        return ""


def verify(
    s: Session,
    progress: Callable[[int, int, str], None] | None = None,
    *,
    incremental: bool = False,
) -> ChainReport:
    """Check the chain, the anchored head and every audited row; report the first problem.

    ``incremental`` starts the chain walk after the last event this process found intact (the
    rows are always all checked); the CLI and the app's start-up walk the whole chain."""
    total = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    # Events written before the log had a key were re-sealed by the first re-keying event, with
    # that event's key (their own device ids are history: kept, not used).
    rekey = s.execute(select(AuditEvent.seq, AuditEvent.device_id, AuditEvent.occurred_at, AuditEvent.payload)
                      .where(AuditEvent.kind == REKEYED).order_by(AuditEvent.seq).limit(1)).first()
    findings: list[Finding] = []
    if rekey is not None:
        detail = _legacy_detail(rekey[3])
        when = rekey[2].astimezone().strftime("%Y-%m-%d %H:%M") if rekey[2] else ""
        if detail and detail != "intact":
            return ChainReport(0, rekey[0], "rekeyed_broken", detail=detail, when=when)
        findings.append(Finding("rekeyed", rekey[0], (("when", when),)))
    key_cache: dict[str, bytes | None] = {}

    def key_of(device: str) -> bytes | None:
        if device not in key_cache:
            key_cache[device] = device_key(device)
        return key_cache[device]

    start_seq, prev, prev_seq = 0, GENESIS, 0
    checkpoint = _checkpoints.get(_checkpoint_key(s)) if incremental else None
    if checkpoint is not None:
        stored = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == checkpoint[0]))
        if stored == checkpoint[1]:
            start_seq, prev, prev_seq = checkpoint[0], checkpoint[1], checkpoint[0]
    checked = start_seq
    # Latest state per entity: older ones first, newer events overwrite. (seq, digest, device)
    latest: dict[tuple[str, str], tuple[int, str | None, str]] = {}
    conn = s.connection()
    state_sql = ("SELECT st.seq, st.entity_type, st.entity_id, st.digest, ev.device_id FROM audit_state st "
                 "LEFT JOIN audit_event ev ON ev.seq = st.seq WHERE st.seq {} ? ORDER BY st.seq")
    for seq, etype, ref, digest, device in conn.exec_driver_sql(state_sql.format("<="), (start_seq,)):
        latest[(etype, ref)] = (seq, digest, device)

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
        device = rekey[1] if rekey is not None and event.seq < rekey[0] else event.device_id
        key = key_of(device)
        if key is None:
            return ChainReport(checked, event.seq, "no_key")
        if not hmac.compare_digest(_event_mac(key, event, _state_list(states)), event.hash):
            return ChainReport(checked, event.seq, "content")
        for ent, digest in states.items():
            latest[ent] = (event.seq, digest, event.device_id)
        prev, prev_seq = event.hash, event.seq
        checked += 1
        if progress and checked % 2000 == 0:
            progress(checked, total, "")

    counter = s.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'audit_event'")).scalar()
    if prev_seq and (counter is None or int(counter) < prev_seq):
        return ChainReport(checked, None, "counter_reset", anchored=int(counter or 0))
    anchored = _anchored(s)
    if anchored is None or (anchored[0] <= prev_seq and anchored[0]
                            and s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchored[0])) != anchored[1]):
        # The anchor is found by the database's id: an id edited behind the log's back is the
        # explanation, so name it first.
        bad, seen = _check_rows(s, key_of, latest, only=("setting", "device_id"), chain_empty=not prev_seq)
        if bad is not None:
            reason, etype, eid, seq, label = bad
            return ChainReport(checked, seq, reason, entity_type=etype, entity_id=eid, entity_key=label)
    if anchored is None:
        if checked:
            return ChainReport(checked, prev_seq, "no_anchor")
    elif anchored[0] > prev_seq and not _restore_explains(s, anchored):
        return ChainReport(checked, None, "truncated", anchored=anchored[0])
    elif anchored[0] <= prev_seq:
        at = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchored[0])) if anchored[0] else GENESIS
        if at != anchored[1] and not _restore_explains(s, anchored):
            return ChainReport(checked, anchored[0], "anchor_mismatch", anchored=anchored[0], detail=anchored[1])
    if int(counter or 0) > prev_seq:
        return ChainReport(checked, None, "truncated", anchored=int(counter))
    if pending_state is not None:  # states recorded by an event that is not there any more
        return ChainReport(checked, pending_state[0], "gone")
    if prev_seq:
        _checkpoints[_checkpoint_key(s)] = (prev_seq, prev)

    bad, seen = _check_rows(s, key_of, latest, chain_empty=not prev_seq)
    if bad is not None:
        reason, etype, eid, seq, label = bad
        return ChainReport(checked, seq, reason, entity_type=etype, entity_id=eid, entities_checked=seen,
                           entity_key=label, findings=tuple(findings))
    for check in _checks:
        for etype, eid, sentence in check(s):
            return ChainReport(checked, None, "check", entity_type=etype, entity_id=eid, entities_checked=seen,
                               detail=sentence, findings=tuple(findings))
    return ChainReport(checked, entities_checked=seen, findings=tuple(findings))


_NO_EVENT = 2**62  # sorts a row with no event after every row whose last event is known


def _check_rows(s: Session, key_of, latest: dict[tuple[str, str], tuple[int, str | None, str]], *,
                chain_empty: bool = False, only: tuple[str, str] | None = None):
    """The first audited row that does not match its last event (ordered by that event);
    ``only``: just the row (entity type, printable key), e.g. the database's id setting."""
    problems: list[tuple[int, str, str, str, str]] = []
    seen = 0
    if only is not None:
        etype, wanted = only
        ref = _composite_ref([wanted])
        latest = {k: v for k, v in latest.items() if k == (etype, ref)}
    for etype in ([only[0]] if only is not None else audited_entities()):
        if etype not in audited_entities():
            continue
        for ref, label, text_ in _rows(s, etype):
            if only is not None and label != only[1]:
                continue
            seen += 1
            last = latest.pop((etype, ref), None)
            if last is None:
                if chain_empty and etype == "setting":
                    continue  # a new database's own settings: its first event seals them
                problems.append((_NO_EVENT, "state_unrecorded", etype, ref, label))
                continue
            key = key_of(last[2]) if last[2] else None
            if key is None or last[1] != _digest(key, text_):
                problems.append((last[0], "state_changed", etype, ref, label))
    for (etype, ref), (seq, digest, _device) in latest.items():
        if digest is not None and etype in audited_entities():
            problems.append((seq, "state_deleted", etype, ref, ""))
    if not problems:
        return None, seen
    seq, reason, etype, ref, label = min(problems)
    return (reason, etype, uuid.UUID(ref), None if seq == _NO_EVENT else seq, label), seen


# --- re-sealing --------------------------------------------------------------------------------


def reseal(s: Session, kind: str, payload: dict[str, Any] | None = None, *,
           only: Iterable[str] | None = None, unrecorded_only: bool = False) -> AuditEvent:
    """Record the current state of every audited row in one event (after a migration changed
    what a row's digest covers, or when a legacy chain is adopted). The event says why.

    ``only`` limits it to some entity types; ``unrecorded_only`` to rows that have no recorded
    state yet (a table newly covered): it never re-records a row whose state is on record, so it
    cannot launder a change made behind the log's back."""
    types = list(only) if only is not None else list(audited_entities())
    covers: dict[str, list[str]] = {}
    for etype in types:
        refs = [ref for ref, _label, _text in _rows(s, etype)]
        if unrecorded_only:
            known = {r[0] for r in s.connection().exec_driver_sql(
                "SELECT DISTINCT entity_id FROM audit_state WHERE entity_type = ?", (etype,))}
            refs = [ref for ref in refs if ref not in known]
        covers[etype] = refs
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
REKEYED = "audit.rekeyed"
LEGACY_REVISIONS = frozenset({"0001", "0002", "0003", "0004"})  # before the keyed chain


def adopt_legacy_chain(s: Session, *, just_migrated_from: Iterable[str] = ()) -> AuditEvent | None:
    """Re-seal a chain written before the key existed — only in the process that has just run
    migration 0005 on it (``just_migrated_from``: the revisions the database had before this
    open's upgrade, all older than 0005), never because of a flag found in the file.

    The old SHA-256 chain is checked first; every event is then re-hashed with this computer's
    key, in order, and an ``audit.rekeyed`` event records how many events were adopted, whether
    the old chain was intact (or where it broke) and the state of every audited row. Refused
    whenever audit state exists already (row digests, a re-keying, an anchor on this computer):
    a sealed chain is never re-sealed. Every later :func:`verify` reports the re-keying."""
    flag = s.get(Setting, LEGACY_FLAG)
    before = set(just_migrated_from)
    if flag is None or not before or not before <= LEGACY_REVISIONS:
        if flag is not None:
            log.warning("legacy audit flag found without the migration that sets it; ignored")
        return None
    table = AuditEvent.__table__
    sealed = (s.connection().exec_driver_sql("SELECT 1 FROM audit_state LIMIT 1").first() is not None
              or s.scalar(select(AuditEvent.seq).where(AuditEvent.kind == REKEYED).limit(1)) is not None
              or _anchored(s) is not None)
    if sealed:
        log.warning("legacy audit flag found on a chain that is already sealed; ignored")
        return None
    rows = list(s.execute(select(table).order_by(table.c.seq)).mappings())
    prev, broken = GENESIS, None
    for row in rows:
        if broken is None and (row["prev_hash"] != prev or _legacy_digest(row) != row["hash"]):
            broken = row["seq"]
        prev = row["hash"]
    _device, key = _sealing_key()
    prev = GENESIS
    for event in s.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        event.prev_hash = prev
        event.hash = _event_mac(key, event, [])
        prev = event.hash
    s.delete(flag)
    s.flush()
    return reseal(s, REKEYED, {
        "legacy_events": len(rows),
        "legacy_chain": "intact" if broken is None else f"broken at #{broken}",
    })
