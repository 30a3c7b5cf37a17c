"""The audit log proves something: each tampering the issue lists is detected, by a test each.

Tamperings are done the way an attacker with the database file would: plain SQL through
sqlite3, outside the application.
"""

import datetime as dt
import sqlite3
import uuid

import pytest
from sqlalchemy import select

from p311desk import attendance, audit, i18n, keys, sessions
from p311desk import proposals as P
from p311desk.models import AuditEvent, AuditState
from p311desk.participants import add_participant, register

START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.timezone.utc)


def _append(db, n):
    with db.write() as s:
        for i in range(n):
            audit.record(s, "test.event", entity_type="x", entity_id=uuid.uuid4(), payload={"i": i})


def _verify(db, **kw):
    with db.read() as s:
        return audit.verify(s, **kw)


def _sql(db, *statements):
    con = sqlite3.connect(db.path)
    for st in statements:
        con.execute(st)
    con.commit()
    con.close()


@pytest.fixture
def room(db):
    """An open session, one person checked in, one proposal with supports."""
    with db.write() as s:
        sid = sessions.create_session(s, title="Assemblea", starts_at=START).id
        sessions.open_session(s, sid)
        person = add_participant(s, given_name="Núria", family_name="Puig", birth_date=dt.date(1980, 1, 1))
        register(s, sid, person.id)
    with db.write() as s:
        attendance.check_in(s, sid, person.checkin_code)
    with db.write() as s:
        prop = P.add_proposal(s, sid, title="Més arbres a la plaça")
        P.set_supports(s, prop.id, 12)
    assert _verify(db).ok
    return {"session": sid, "person": person.id, "proposal": prop.id}


def _hex(u):
    return uuid.UUID(str(u)).hex


# --- the chain -----------------------------------------------------------------------------------


def test_chain_verifies_and_head_is_anchored(db):
    _append(db, 50)
    report = _verify(db)
    assert report.ok and report.checked == 50 and report.message() == ""
    with db.read() as s:
        head = audit.head(s)
        last = s.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    assert head == audit.Head(50, last)
    assert keys.get_value(f"audit-head:{db.device_id}") == f"50:{last}"


def test_tampered_payload_is_found(db):
    _append(db, 10)
    _sql(db, "UPDATE audit_event SET payload='{\"i\":999}' WHERE seq=7")
    report = _verify(db)
    assert (report.reason, report.broken_seq, report.checked) == ("content", 7, 6)
    assert report.message() == ("Audit event #7 was changed after it was written, or written without "
                                "this computer's key.")


def test_deleted_event_in_the_middle_is_found(db):
    _append(db, 10)
    _sql(db, "DELETE FROM audit_event WHERE seq=4")
    report = _verify(db)
    assert (report.reason, report.broken_seq) == ("missing", 5)
    assert "from #3 to #5" in report.message()


def test_reordered_events_are_found(db):
    _append(db, 5)
    _sql(db, "UPDATE audit_event SET seq=100 WHERE seq=2", "UPDATE audit_event SET seq=2 WHERE seq=3",
         "UPDATE audit_event SET seq=3 WHERE seq=100")
    assert _verify(db).broken_seq == 2


def test_deleting_the_last_events_is_found_and_their_numbers_are_not_reused(db):
    _append(db, 10)
    _sql(db, "DELETE FROM audit_event WHERE seq > 7")
    report = _verify(db)
    assert report.reason == "truncated" and report.anchored == 10
    assert "ends at event #7" in report.message() and "#10" in report.message()
    _append(db, 1)  # the next event does not take number 8
    with db.read() as s:
        assert s.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) == 11
    assert _verify(db).reason == "missing"


def test_deleting_the_last_events_and_the_counter_is_found_by_the_anchor(db):
    _append(db, 10)
    _sql(db, "DELETE FROM audit_event WHERE seq > 7", "UPDATE sqlite_sequence SET seq=7 WHERE name='audit_event'")
    report = _verify(db)
    assert report.reason == "truncated" and report.anchored == 10


def test_deleting_every_event_is_found(db, room):
    _sql(db, "DELETE FROM audit_event", "DELETE FROM audit_state", "DELETE FROM sqlite_sequence")
    report = _verify(db)
    assert report.reason == "truncated" and report.checked == 0


def test_rebuilding_the_chain_with_the_projects_own_code_but_not_the_key_is_found(db, room):
    """The attacker edits a proposal and re-seals every event with audit.py's own functions —
    without this device's key (they only have the database file)."""
    _sql(db, f"UPDATE proposal SET supports=99 WHERE id='{_hex(room['proposal'])}'")
    forged_key = b"attacker guesses" * 2
    with db.write() as s:
        prev = audit.GENESIS
        states = {}
        for st in s.scalars(select(AuditState)):
            states.setdefault(st.seq, {})[(st.entity_type, st.entity_id)] = st.digest
        for event in s.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            event.prev_hash = prev
            event.hash = audit._event_mac(forged_key, event, audit._state_list(states.get(event.seq, {})))
            prev = event.hash
    report = _verify(db)
    assert (report.reason, report.broken_seq, report.checked) == ("content", 1, 0)


def test_the_legacy_unkeyed_digest_is_not_accepted(db):
    """Sealing with the old SHA-256 (what the code did before the key) fails at the first event."""
    _append(db, 3)
    with db.write() as s:
        prev = audit.GENESIS
        for row in s.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings():
            digest = audit._legacy_digest({**row, "prev_hash": prev})
            s.execute(AuditEvent.__table__.update().where(AuditEvent.seq == row["seq"])
                      .values(prev_hash=prev, hash=digest))
            prev = digest
    assert (_verify(db).reason, _verify(db).broken_seq) == ("content", 1)


def test_a_database_from_another_computer_says_so(db, room, tmp_path, monkeypatch):
    monkeypatch.setenv("P311DESK_KEY_DIR", str(tmp_path / "other-laptop"))
    keys.forget_cache()
    report = _verify(db)
    assert report.reason == "no_key" and report.broken_seq == 1 and "another computer" in report.message()


# --- the rows ------------------------------------------------------------------------------------


def test_changed_check_in_time_is_found(db, room):
    _sql(db, "UPDATE attendance SET checked_in_at='2026-11-23 17:00:00.000000'")
    report = _verify(db)
    assert (report.reason, report.entity_type) == ("state_changed", "attendance")
    assert report.message().startswith("Check-in ") and "without an audit event" in report.message()


def test_changed_proposal_title_is_found(db, room):
    _sql(db, f"""UPDATE proposal SET title='{{"ca": "Menys arbres"}}' WHERE id='{_hex(room["proposal"])}'""")
    report = _verify(db)
    assert (report.reason, report.entity_type, report.entity_id) == ("state_changed", "proposal", room["proposal"])
    assert str(room["proposal"])[:8] in report.message()


def test_changed_supports_are_found(db, room):
    _sql(db, f"UPDATE proposal SET supports=13 WHERE id='{_hex(room['proposal'])}'")
    report = _verify(db)
    assert (report.reason, report.entity_id) == ("state_changed", room["proposal"])


def test_deleted_attendance_row_is_found(db, room):
    _sql(db, "DELETE FROM attendance")
    report = _verify(db)
    assert (report.reason, report.entity_type) == ("state_deleted", "attendance")
    assert "deleted without an audit event" in report.message()


def test_row_added_behind_the_logs_back_is_found(db, room):
    con = sqlite3.connect(db.path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(proposal)")]
    select_cols = ", ".join("'" + uuid.uuid4().hex + "'" if c == "id" else c for c in cols)
    con.execute(f"INSERT INTO proposal ({', '.join(cols)}) SELECT {select_cols} FROM proposal")
    con.commit()
    con.close()
    report = _verify(db)
    assert (report.reason, report.entity_type, report.broken_seq) == ("state_unrecorded", "proposal", None)
    assert "exists without any audit event" in report.message()


def test_legitimate_changes_verify_including_undo_and_deletion(db, room):
    with db.write() as s:
        attendance.undo_last(s, room["session"])
    with db.write() as s:
        P.set_supports(s, room["proposal"], 3)
        P.delete_proposal(s, room["proposal"])
    with db.write() as s:
        sessions.close_session(s, room["session"])
    report = _verify(db)
    assert report.ok, report.message()
    with db.read() as s:
        last = s.scalars(select(AuditState).where(AuditState.entity_id == room["proposal"])
                         .order_by(AuditState.seq.desc())).first()
    assert last.digest is None  # the deletion is recorded


def test_unrecorded_orm_change_is_sealed_at_commit(db, room):
    """A change made through the ORM after the last event of a unit of work still gets its
    digest: one audit.state_recorded event at commit."""
    from p311desk.models import Proposal

    with db.write() as s:
        s.get(Proposal, room["proposal"]).address = "Plaça Major"
    with db.read() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last.kind == "audit.state_recorded"
    assert _verify(db).ok


def test_unaudited_entity_types_get_no_row_digest(db):
    """A secret ballot is never audited per row: its type is not registered."""
    assert set(audit.audited_entities()) == {"session", "participant", "registration", "attendance",
                                             "proposal", "body", "body_member", "delegation",
                                             "vote_question", "evaluation_form", "accountability_plan",
                                             "accountability_item", "accountability_question", "setting",
                                             "outbox_item", "remote_id", "platform", "session_closing",
                                             "import_mapping"}
    assert not any(m.__tablename__ in ("ballot", "vote_participation", "evaluation_box",
                                       "evaluation_respondent", "evaluation_slip")
                   for m in audit.audited_entities().values())
    assert set(audit.audited_entities()) <= set(audit.ENTITY_NAMES)  # each has a name for messages
    with db.write() as s:
        audit.record(s, "vote.ballot_cast", entity_type="ballot", entity_id=uuid.uuid4())
    with db.read() as s:
        assert s.scalar(select(AuditState).where(AuditState.entity_type == "ballot").limit(1)) is None


def test_incremental_verify_walks_only_new_events(db, room):
    assert _verify(db).ok  # a full walk leaves a checkpoint
    _sql(db, "UPDATE audit_event SET payload='{}' WHERE seq=1")  # before the checkpoint
    with db.write() as s:
        P.set_supports(s, room["proposal"], 20)
    assert _verify(db, incremental=True).ok  # an incremental check trusts what it already checked
    assert _verify(db).broken_seq == 1  # the full walk does not


def test_verify_messages_are_translated(db, room):
    _sql(db, "DELETE FROM attendance")
    i18n.set_language("ca")
    message = _verify(db).message()
    assert message.startswith("Acreditació ") and "s’ha esborrat sense cap esdeveniment" in message


def test_rolled_back_change_leaves_no_event_and_no_anchor(db):
    with pytest.raises(RuntimeError):
        with db.write() as s:
            audit.record(s, "test.event")
            raise RuntimeError("crash before commit")
    with db.read() as s:
        assert s.query(AuditEvent).count() == 0
    assert keys.get_value(f"audit-head:{db.device_id}") is None
    assert _verify(db).ok


# --- adopting a chain written before the key -----------------------------------------------------


def _legacy_database(path, *, tamper=False):
    """A database as release 0002 left it: a session and an unkeyed SHA-256 chain of 3 events."""
    from sqlalchemy import create_engine

    from p311desk.db import upgrade

    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0002")
    sid = uuid.uuid4()
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO setting (key, value) VALUES ('device_id', '\"old-laptop\"')")
        conn.exec_driver_sql(
            "INSERT INTO participation_session (id, title, kind, status, place, language, notes, "
            "enforce_min_age, min_age, created_at, updated_at, origin_device) VALUES "
            f"('{sid.hex}', 'Assemblea antiga', 'meeting', 'open', '', 'ca', '', "
            "1, 14, '2026-01-10 18:00:00.000000', '2026-01-10 18:00:00.000000', 'old-laptop')")
        prev = audit.GENESIS
        for seq in (1, 2, 3):
            row = {"id": uuid.uuid4(), "occurred_at": dt.datetime(2026, 1, 10, 18, seq),
                   "device_id": "old-laptop", "session_id": sid, "kind": "session.created",
                   "entity_type": "session", "entity_id": sid, "payload": "{}", "prev_hash": prev}
            digest = audit._legacy_digest({**row, "occurred_at": row["occurred_at"].replace(tzinfo=dt.timezone.utc)})
            conn.exec_driver_sql(
                "INSERT INTO audit_event (seq, id, occurred_at, device_id, session_id, kind, "
                "entity_type, entity_id, payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (seq, row["id"].hex, f"2026-01-10 18:0{seq}:00.000000", "old-laptop", sid.hex,
                 row["kind"], "session", sid.hex, "{}" if not (tamper and seq == 2) else '{"x":1}',
                 prev, digest))
            prev = digest
    engine.dispose()


@pytest.mark.parametrize("tamper", [False, True])
def test_an_older_database_is_resealed_once_and_verifies(tmp_path, tamper):
    from p311desk.db import Database

    _legacy_database(tmp_path / "old.db", tamper=tamper)
    db = Database(tmp_path / "old.db")
    try:
        with db.read() as s:
            report = audit.verify(s)
            events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        if tamper:  # the re-keying is on record: a history that was broken before the key stays broken
            assert (report.reason, report.broken_seq) == ("rekeyed_broken", 4)
            assert "broken at #2" in report.message() and "#4" in report.message()
        else:
            assert report.ok, report.message()
            assert len(report.notices()) == 1 and "event #4" in report.notices()[0]
        assert [e.seq for e in events] == [1, 2, 3, 4] and events[-1].kind == "audit.rekeyed"
        assert events[-1].payload == ('{"legacy_chain":"broken at #2","legacy_events":3}' if tamper
                                      else '{"legacy_chain":"intact","legacy_events":3}')
        assert tamper or report.entities_checked == 2  # the old session and the database's id
    finally:
        db.close()
    # Opening again does not re-seal; a flag planted in the file later is ignored.
    _sql(db, "INSERT INTO setting (key, value) VALUES ('audit.legacy_chain', '\"0005\"')")
    db = Database(tmp_path / "old.db")
    try:
        with db.read() as s:
            assert s.query(AuditEvent).count() == 4  # not re-sealed
            planted = audit.verify(s)
        # ... and the planted flag is itself a finding: settings are audited rows.
        assert (planted.reason, planted.entity_type, planted.entity_key) == (
            ("rekeyed_broken", None, "") if tamper else ("state_changed", "setting", "audit.legacy_chain"))
    finally:
        db.close()


def test_writes_after_a_truncation_do_not_hide_it(db):
    _append(db, 10)
    _sql(db, "DELETE FROM audit_event WHERE seq > 7", "UPDATE sqlite_sequence SET seq=7 WHERE name='audit_event'")
    _append(db, 5)  # numbers 8..12 again, linked to #7: only the anchor remembers the old #10
    report = _verify(db)
    assert (report.reason, report.broken_seq) == ("anchor_mismatch", 10)
    assert "#10" in report.message()
    assert keys.get_value(f"audit-head:{db.device_id}").startswith("10:")


def test_a_restored_backup_rewinds_the_anchor_on_the_record(db):
    _append(db, 3)
    backup = db.path.with_name("backup.db")
    con = sqlite3.connect(db.path)
    con.execute(f"VACUUM INTO '{backup}'")
    con.close()
    _append(db, 4)
    audit.flush_anchors()  # the anchoring pace may have deferred the last one
    anchor_before = keys.get_value(f"audit-head:{db.device_id}")
    db.close()
    backup.replace(db.path)
    from p311desk.db import Database

    restored = Database(db.path)
    try:
        with restored.read() as s:
            assert audit.verify(s).reason == "truncated"
        with restored.write() as s:
            event = audit.rewind_anchor(s, payload={"file": "backup.db"})
        assert event.seq == 4 and anchor_before in event.payload
        with restored.read() as s:
            assert audit.verify(s).ok
    finally:
        restored.close()


def test_restoring_an_older_backup_verifies_and_records_the_replaced_head(db, tmp_path):
    from p311desk import backups

    _append(db, 3)
    copy = backups.take_backup(db, tmp_path / "copy.db")
    _append(db, 4)
    with db.read() as s:
        before = audit.head(s)
    backups.restore_backup(db, copy)
    with db.read() as s:
        report = audit.verify(s)
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert report.ok, report.message()
    assert last.kind == "database.restored" and f"{before.count}:{before.hash}" in last.payload
