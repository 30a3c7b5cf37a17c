"""Issue 16 §1–§2: the audit log cannot be talked round, and it covers every table that holds what
the user confirmed. One test per forgery path and per tampering, done the way an attacker with
the database file would: plain SQL through sqlite3, outside the application."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid

import pytest
from sqlalchemy import select

from p311desk import audit, keys, outbox, sessions, settings
from p311desk.db import Database
from p311desk.models import AuditEvent, ImportMapping, OutboxItem, Platform, RemoteId, SessionClosing, Setting
from p311desk.spaces import add_platform

START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.timezone.utc)


def _verify(db):
    with db.read() as s:
        return audit.verify(s)


def _sql(path, *statements):
    con = sqlite3.connect(path)
    for st in statements:
        con.execute(*st) if isinstance(st, tuple) else con.execute(st)
    con.commit()
    con.close()


def _events(db):
    with db.read() as s:
        return [(e.seq, e.kind, e.hash) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


@pytest.fixture
def world(db):
    """A session, settings, a platform, outbox items (one sent), a remote id, a closing stage and
    a remembered mapping: one row of each newly covered table."""
    with db.write() as s:
        sid = sessions.create_session(s, title="Consell de barri", starts_at=START).id
        settings.save(s, settings.AppSettings(municipality="Vilanova"))
        platform = add_platform(s, "Participa", "https://participa.example.org", "participa.example.org")
        pending = outbox.enqueue(s, "session", sid, "close_meeting", session_id=sid).id
        sent = outbox.enqueue(s, "session", sid, "close_meeting", {"again": True}, session_id=sid).id
    with db.write() as s:
        outbox.begin_sending(s, sent, {"q": 1}, platform="participa.example.org")
    with db.write() as s:
        outbox.record_sent(s, sent, "42")
    with db.write() as s:
        s.add(SessionClosing(session_id=sid, stage="count", done_by="Secretaria"))
        s.add(ImportMapping(signature="f" * 64, kind="participants", mapping={"given_name": "Nom"}))
        audit.record(s, "test.closing", session_id=sid)
    report = _verify(db)
    assert report.ok, report.message()
    with db.read() as s:
        assert s.scalar(select(RemoteId.remote_id)) == "42"
    return {"session": sid, "pending": pending, "sent": sent, "platform": platform.id}


# --- §1: forgeries --------------------------------------------------------------------------------


def test_deleting_the_device_id_and_planting_the_legacy_flag_does_not_reseal(db, world):
    """The attack of the issue: on the next open nothing is re-signed and verify says why."""
    before = _events(db)
    db.close()
    _sql(db.path, "DELETE FROM setting WHERE key = 'device_id'",
         ("INSERT INTO setting (key, value) VALUES ('audit.legacy_chain', ?)", (json.dumps("0005"),)))
    reopened = Database(db.path)
    try:
        assert _events(reopened) == before  # no audit.rekeyed, no event re-signed
        report = _verify(reopened)
        assert not report.ok
        assert (report.reason, report.entity_type, report.entity_id) == (
            "state_deleted", "setting", uuid.UUID(audit._composite_ref(["device_id"])))
        with reopened.read() as s:
            assert s.get(Setting, "device_id") is None  # no fresh id made for a database with a log
    finally:
        reopened.close()


def test_a_forged_unkeyed_chain_with_the_legacy_flag_is_never_adopted(db, world):
    """Rewriting the whole chain with the old unkeyed SHA-256 and flagging it as legacy: the flag
    is not how adoption is decided, so the chain stays unverifiable."""
    db.close()
    con = sqlite3.connect(db.path)
    con.row_factory = sqlite3.Row
    prev = audit.GENESIS
    for row in con.execute("SELECT * FROM audit_event ORDER BY seq").fetchall():
        values = dict(row)
        values["occurred_at"] = dt.datetime.fromisoformat(values["occurred_at"]).replace(tzinfo=dt.timezone.utc)
        values["id"] = uuid.UUID(values["id"])
        values["session_id"] = uuid.UUID(values["session_id"]) if values["session_id"] else None
        values["entity_id"] = uuid.UUID(values["entity_id"]) if values["entity_id"] else None
        digest = audit._legacy_digest({**values, "prev_hash": prev})
        con.execute("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row["seq"]))
        prev = digest
    con.execute("DELETE FROM audit_state")
    con.execute("INSERT INTO setting (key, value) VALUES ('audit.legacy_chain', '\"0005\"')")
    con.commit()
    con.close()
    reopened = Database(db.path)
    try:
        with reopened.read() as s:
            assert s.scalar(select(AuditEvent).where(AuditEvent.kind == audit.REKEYED)) is None
        report = _verify(reopened)
        assert (report.reason, report.broken_seq) == ("content", 1)
    finally:
        reopened.close()


def test_a_changed_database_id_is_found(db, world):
    _sql(db.path, f"UPDATE setting SET value = '\"{uuid.uuid4()}\"' WHERE key = 'device_id'")
    report = _verify(db)
    assert (report.reason, report.entity_type, report.entity_key) == ("state_changed", "setting", "device_id")
    assert "Setting “device_id” was changed without an audit event" in report.message()


def test_an_event_renamed_to_a_fresh_device_is_not_verifiable(db, world):
    _sql(db.path, "UPDATE audit_event SET device_id = 'fresh-laptop' WHERE seq = 2")
    report = _verify(db)
    assert (report.reason, report.broken_seq) == ("no_key", 2)
    assert keys.secret("audit:fresh-laptop", create=False) is None  # verify never made that key


def test_a_missing_anchor_for_a_database_with_events_is_a_finding(db, world):
    keys.set_value(f"audit-head:{db.device_id}", "")
    report = _verify(db)
    n = len(_events(db))
    assert (report.reason, report.checked, report.broken_seq) == ("no_anchor", n, n)
    assert f"holds {n} events (the last is #{n})" in report.message()


def test_an_anchor_that_does_not_match_names_the_event(db, world):
    with db.read() as s:
        at = audit.head(s)
    keys.set_value(f"audit-head:{db.device_id}", f"{at.count - 1}:{'ab' * 32}")
    report = _verify(db)
    assert (report.reason, report.broken_seq) == ("anchor_mismatch", at.count - 1)
    assert f"event #{at.count - 1} (abababab" in report.message()


def test_the_sealing_key_is_the_key_stores_own(db, world):
    """New events carry this computer's id (from the key store) and are sealed with its key."""
    with db.read() as s:
        devices = set(s.scalars(select(AuditEvent.device_id)))
    assert devices == {keys.device_id()} and keys.device_id() != db.device_id


# --- §2: tamperings of the newly covered tables -----------------------------------------------------


def _found(db, etype, reason="state_changed"):
    report = _verify(db)
    assert (report.reason, report.entity_type) == (reason, etype), report.message()
    return report


def test_outbox_item_set_from_pending_to_sent_is_found(db, world):
    _sql(db.path, f"UPDATE outbox SET status = 'sent' WHERE id = '{world['pending'].hex}'")
    report = _found(db, "outbox_item")
    assert report.entity_id == world["pending"]
    assert report.message().startswith(f"Item bound for the platform {str(world['pending'])[:8]} was changed")


def test_outbox_item_deleted_is_found(db, world):
    _sql(db.path, f"DELETE FROM outbox WHERE id = '{world['pending'].hex}'")
    assert _found(db, "outbox_item", "state_deleted").entity_id == world["pending"]


def test_outbox_item_added_is_found(db, world):
    _sql(db.path, "INSERT INTO outbox (id, created_at, entity_type, entity_id, operation, payload, status, "
                  "attempts, depends_on) VALUES "
                  f"('{uuid.uuid4().hex}', '2026-11-23 18:00:00.000000', 'proposal', '{uuid.uuid4().hex}', "
                  "'create_proposal', '{}', 'sent', 1, '[]')")
    _found(db, "outbox_item", "state_unrecorded")


def test_sent_outbox_item_set_back_to_pending_is_found(db, world):
    _sql(db.path, f"UPDATE outbox SET status = 'pending', remote_id = NULL WHERE id = '{world['sent'].hex}'")
    assert _found(db, "outbox_item").entity_id == world["sent"]


def test_legitimate_outbox_transitions_verify(db, world):
    with db.write() as s:
        outbox.begin_sending(s, world["pending"], {"q": 2}, platform="participa.example.org")
    with db.write() as s:
        outbox.record_unknown(s, world["pending"], "timeout")
    with db.write() as s:
        outbox.record_sent(s, world["pending"])
    assert _verify(db).ok


def test_remote_id_changed_is_found(db, world):
    _sql(db.path, "UPDATE remote_id SET remote_id = '999'")
    _found(db, "remote_id")


def test_remote_id_deleted_is_found(db, world):
    _sql(db.path, "DELETE FROM remote_id")
    _found(db, "remote_id", "state_deleted")


@pytest.mark.parametrize("statement, reason", [
    ("UPDATE setting SET value = '\"Vilaltra\"' WHERE key = 'app.municipality'", "state_changed"),
    ("DELETE FROM setting WHERE key = 'app.municipality'", "state_deleted"),
    ("INSERT INTO setting (key, value) VALUES ('app.planted', 'true')", "state_unrecorded"),
])
def test_settings_tampering_is_found(db, world, statement, reason):
    _sql(db.path, statement)
    _found(db, "setting", reason)


def test_platform_changed_is_found(db, world):
    _sql(db.path, "UPDATE platform SET base_url = 'https://evil.example.org'")
    assert _found(db, "platform").entity_id == world["platform"]


@pytest.mark.parametrize("statement, reason", [
    ("UPDATE session_closing SET done_by = 'Algú altre'", "state_changed"),
    ("DELETE FROM session_closing", "state_deleted"),
])
def test_closing_stage_tampering_is_found(db, world, statement, reason):
    _sql(db.path, statement)
    report = _found(db, "session_closing", reason)
    if reason == "state_changed":
        assert report.entity_key == f"{world['session'].hex} / count"


def test_remembered_mapping_changed_is_found(db, world):
    _sql(db.path, "UPDATE import_mapping SET mapping = '{\"given_name\": \"Cognoms\"}'")
    _found(db, "import_mapping")


def test_verify_names_the_first_bad_record(db, world):
    """Two records edited: the one whose last event is older is named."""
    _sql(db.path, "UPDATE import_mapping SET kind = 'x'",
         f"UPDATE outbox SET status = 'sent' WHERE id = '{world['pending'].hex}'")
    report = _verify(db)
    assert (report.entity_type, report.entity_id) == ("outbox_item", world["pending"])


# --- sqlite_sequence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE sqlite_sequence SET seq = 0 WHERE name = 'audit_event'",
    "UPDATE sqlite_sequence SET seq = 2 WHERE name = 'audit_event'",
    "DELETE FROM sqlite_sequence WHERE name = 'audit_event'",
])
def test_event_counter_set_back_is_found_and_writing_goes_on(db, world, statement):
    n = len(_events(db))
    _sql(db.path, statement)
    report = _verify(db)
    assert report.reason == "counter_reset" and f"reaches #{n}" in report.message()
    with db.write() as s:  # the next event still gets a fresh number: no collision, no traceback
        event = audit.record(s, "test.after")
    assert event.seq == n + 1


def test_a_unit_of_work_keeps_one_event_for_changes_after_it(db, world):
    """An outbox item queued after its change's event is sealed into that event, not a second one."""
    before = len(_events(db))
    with db.write() as s:
        audit.record(s, "test.change", session_id=world["session"])
        outbox.enqueue(s, "session", world["session"], "close_meeting", session_id=world["session"])
    events = _events(db)
    assert len(events) == before + 1 and events[-1][1] == "test.change"
    assert _verify(db).ok
