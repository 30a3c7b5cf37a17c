"""Backups: taken on demand and automatically (one a day, the last 7 kept), described before a
restore, refused when they are not ours, damaged or newer, restored without losing the present."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import create_engine, select

from p311desk import audit, backups, sessions
from p311desk.db import Database, upgrade
from p311desk.errors import ValidationError
from p311desk.models import ParticipationSession

UTC = dt.timezone.utc


def _session(db, title):
    with db.write() as s:
        return sessions.create_session(s, title=title).id


def _titles(db):
    with db.read() as s:
        return sorted(s.scalars(select(ParticipationSession.title)))


def test_a_backup_is_a_complete_copy_that_describes_itself(db, tmp_path):
    _session(db, "Assemblea de Gràcia")
    path = backups.take_backup(db, tmp_path / "copy.db")
    summary = backups.describe_backup(path)
    assert summary.session_count == 1 and summary.sessions[0].title == "Assemblea de Gràcia"
    assert summary.people == 0 and not summary.needs_upgrade
    assert abs(summary.taken_at - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)
    assert summary.last_change is not None
    with pytest.raises(ValidationError, match="already exists"):
        backups.take_backup(db, path)
    with pytest.raises(ValidationError, match="over the database"):
        backups.take_backup(db, db.path)


def test_daily_backups_once_a_day_and_only_the_last_seven(db):
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for day in range(10):
        when = start + dt.timedelta(days=day)
        assert backups.automatic_backup(db, "daily", now=when) is not None
        assert backups.automatic_backup(db, "daily", now=when + dt.timedelta(hours=3)) is None
    manual = backups.take_backup(db)
    closed = backups.automatic_backup(db, "session-closed")
    daily = [b for b in backups.list_backups(db) if b.kind == "daily"]
    assert len(daily) == backups.KEEP
    assert daily[0].taken_at == start + dt.timedelta(days=9)  # newest first; the oldest went
    assert daily[-1].taken_at == start + dt.timedelta(days=3)
    assert manual.exists() and closed.exists()
    assert all(b.path.parent == db.path.parent / "backups" for b in backups.list_backups(db))


def test_restore_brings_the_backup_back_and_keeps_the_present(db, tmp_path):
    _session(db, "Abans")
    copy = backups.take_backup(db, tmp_path / "copy.db")
    _session(db, "Després")
    assert _titles(db) == ["Abans", "Després"]

    result = backups.restore_backup(db, copy)
    assert _titles(db) == ["Abans"]
    assert result.restored.session_count == 1
    assert result.kept.parent == db.path.parent / "backups" and "before-restore" in result.kept.name
    assert sorted(s.title for s in backups.describe_backup(result.kept).sessions) == ["Abans", "Després"]
    with db.read() as s:
        report = audit.verify(s)
        kinds = [e.kind for e in audit_events(s)]
    assert report.ok, report
    assert kinds[-1] == "database.restored"
    # Writing goes on as usual afterwards.
    _session(db, "Més tard")
    assert _titles(db) == ["Abans", "Més tard"]


def audit_events(s):
    from p311desk.models import AuditEvent

    return s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def test_restoring_an_older_backup_upgrades_it(db, tmp_path):
    old = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{old}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO participation_session (id, title, kind, status, place, language, notes, "
            "enforce_min_age, min_age, created_at, updated_at, origin_device) VALUES "
            "('0123456789abcdef0123456789abcdef', 'Assemblea antiga', 'meeting', 'closed', '', 'ca', '', "
            "1, 14, '2025-01-10 18:00:00.000000', '2025-01-10 18:00:00.000000', 'old-laptop')")
    engine.dispose()
    summary = backups.describe_backup(old)
    assert summary.needs_upgrade and summary.revision == "0001"
    backups.restore_backup(db, old)
    assert _titles(db) == ["Assemblea antiga"]
    with db.read() as s:
        assert audit.verify(s).ok
    # upgraded in a scratch copy before it went in: no plaintext copy is left behind
    assert not [p for p in db.path.parent.rglob("*") if ".tmp" in p.name or "before-upgrade" in p.name]


def test_files_that_are_not_our_backups_are_refused_with_a_sentence(db, tmp_path):
    _session(db, "Intacta")
    text = tmp_path / "notes.db"
    text.write_text("not a database at all\n" * 100)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.commit()
    con.close()
    newer = db.snapshot(tmp_path / "newer.db")  # plain SQLite backups, as older versions wrote them
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    damaged = db.snapshot(tmp_path / "damaged.db")
    data = bytearray(damaged.read_bytes())
    page = 4096
    data[2 * page:3 * page] = b"\xff" * page  # a table page scribbled over
    damaged.write_bytes(bytes(data))

    expected = {
        text: "not a p311desk database",
        other: "not a p311desk database",
        tmp_path / "missing.db": "There is no file",
        newer: "newer version of p311desk",
        damaged: "damaged",
    }
    for path, sentence in expected.items():
        with pytest.raises(ValidationError, match=sentence):
            backups.restore_backup(db, path)
    assert _titles(db) == ["Intacta"]
    assert not [b for b in backups.list_backups(db) if b.kind == "before-restore"], \
        "a refused restore keeps no extra copy either"
    with pytest.raises(ValidationError, match="database in use"):
        backups.restore_backup(db, db.path)


def test_a_restore_is_seen_by_another_open_database(db, tmp_path):
    """Another window or process with the database open sees the restored content."""
    _session(db, "Abans")
    copy = backups.take_backup(db, tmp_path / "copy.db")
    _session(db, "Després")
    other = Database(db.path)
    try:
        assert _titles(other) == ["Abans", "Després"]
        backups.restore_backup(db, copy)
        assert _titles(other) == ["Abans"]
    finally:
        other.close()


def test_restore_then_push_looks_up_what_may_have_been_sent_since(db, tmp_path):
    """The break test's 'restore, then push sends everything twice': an item pending in the backup
    and sent afterwards comes back from the restore as 'unknown' (looked up before any send), in the
    restore's own step — never as 'pending'."""
    import uuid

    from p311desk import outbox
    from p311desk.models import OutboxItem

    with db.write() as s:
        item = outbox.enqueue(s, "proposal", uuid.uuid4(), "create_proposal", {"title": "Bancs a l'ombra"})
        item_id = item.id
    copy = backups.take_backup(db, tmp_path / "copy.db")
    with db.write() as s:  # pushed after the backup was taken
        outbox.begin_sending(s, item_id, {"title": "Bancs a l'ombra"}, platform="Prova")
    with db.write() as s:
        outbox.record_sent(s, item_id, "123")

    backups.restore_backup(db, copy)
    with db.read() as s:
        status = s.scalar(select(OutboxItem.status).where(OutboxItem.id == item_id))
        report = audit.verify(s)
    assert status == outbox.UNKNOWN
    assert report.ok, report
