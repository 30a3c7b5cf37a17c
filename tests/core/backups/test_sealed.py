"""Issue 16 §4 and §6: backups are encrypted (this computer's key, or a passphrase for a portable
one that carries the keys), a bad file is one sentence and changes nothing, pre-upgrade copies are
pruned, and every file the app writes into the data folder is private."""

from __future__ import annotations

import datetime as dt
import os
import stat
import sqlite3

import pytest
from sqlalchemy import select

from p311desk import attendance, audit, backups, keys, sessions, votes
from p311desk import participants as pi
from p311desk.backups import sealed
from p311desk.db import Database
from p311desk.errors import ValidationError
from p311desk.models import Participant, ParticipationSession

PASS = "correct horse battery staple"
DNI = "12345678Z"


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _titles(db):
    with db.read() as s:
        return sorted(s.scalars(select(ParticipationSession.title)))


def _world(db):
    with db.write() as s:
        sid = sessions.create_session(s, title="Assemblea de Gràcia").id
        sessions.open_session(s, sid)
        person = pi.add_participant(s, given_name="Marcel", family_name="Puig", document_id=DNI)
        pi.register(s, sid, person.id)
    with db.write() as s:
        attendance.check_in(s, sid, person.checkin_code)
    return sid, person.id


def _use_key_store(monkeypatch, folder):
    monkeypatch.setenv("P311DESK_KEY_DIR", str(folder))
    keys.forget_cache()
    audit.forget_anchors()


def test_backups_are_encrypted_and_restore_here(db, tmp_path):
    _world(db)
    path = backups.take_backup(db)
    data = path.read_bytes()
    assert data.startswith(sealed.MAGIC) and b"SQLite format 3" not in data
    assert "Marcel".encode() not in data and "Gràcia".encode() not in data
    assert backups.describe_backup(path).sealed == "device"
    with db.write() as s:
        sessions.create_session(s, title="Després")
    backups.restore_backup(db, path)
    assert _titles(db) == ["Assemblea de Gràcia"]
    with db.read() as s:
        assert audit.verify(s).ok


def test_a_portable_backup_moves_to_another_computer_with_its_keys(db, tmp_path, monkeypatch, capsys):
    """The issue's "must show": restored into a fresh data folder with a different key store,
    verify holds and document fingerprints still match."""
    sid, pid = _world(db)
    with db.write() as s:
        q = votes.create_question(s, sid, "Aprovem el pressupost?", method="yes_no")
    with db.write() as s:
        votes.issue_ballots(s, q.id, 1)
    with db.read() as s:
        fingerprint = s.get(Participant, pid).document_hash
        head_here = audit.head(s)
    portable = backups.take_backup(db, tmp_path / "to-the-other-laptop.p311bak", passphrase=PASS)
    assert backups.describe_backup(portable, passphrase=PASS).sealed == "portable"
    here = keys.device_id()
    device_copy = backups.take_backup(db)

    _use_key_store(monkeypatch, tmp_path / "other-laptop-keys")
    assert keys.device_id() != here and keys.secret(f"audit:{here}", create=False) is None
    other = Database(tmp_path / "other-laptop" / "p311desk.db")
    try:
        with pytest.raises(ValidationError, match="encrypted on another computer"):
            backups.restore_backup(other, device_copy)  # a device backup does not travel
        result = backups.restore_backup(other, portable, passphrase=PASS)
        assert result.restored.sealed == "portable"
        with other.read() as s:
            report = audit.verify(s)
            restored = s.get(Participant, pid)
            same = pi.document_fingerprint(s, "12.345.678-z")
            head_there = audit.head(s)
        assert report.ok, report.message()
        assert restored.document_hash == fingerprint == same
        assert keys.secret(f"ballots:{q.id}", create=False) is not None  # printed ballots still scan there
        # The other laptop goes on writing, sealing with its own key; the log still verifies.
        with other.write() as s:
            pi.add_participant(s, given_name="Núria", family_name="Soler", document_id="X1234567L")
        with other.read() as s:
            after = audit.verify(s)
        assert after.ok, after.message()
        print(f"portable restore: verify ok={report.ok} checked={report.checked} records={report.entities_checked}; "
              f"head here {head_here.short()} -> there {head_there.short()} (+ the restore event); "
              f"fingerprint here {fingerprint[:16]} == there {restored.document_hash[:16]} == recomputed {same[:16]}; "
              f"after a new write there: ok={after.ok} checked={after.checked}")
    finally:
        other.close()
    out = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + out.strip())


@pytest.mark.parametrize("damage", ["wrong passphrase", "truncated", "altered", "header", "appended", "empty"])
def test_a_bad_portable_backup_is_a_sentence_and_changes_nothing(db, tmp_path, damage):
    _world(db)
    portable = backups.take_backup(db, tmp_path / "p.p311bak", passphrase=PASS)
    with db.write() as s:
        sessions.create_session(s, title="Només aquí")
    before = _titles(db)
    data = bytearray(portable.read_bytes())
    passphrase = PASS
    expected = {"wrong passphrase": "passphrase does not open", "truncated": "cut off",
                "altered": "has been altered", "header": "altered", "appended": "has been altered",
                "empty": "not a p311desk database"}[damage]
    if damage == "wrong passphrase":
        passphrase = "correct horse battery stapler"
    elif damage == "truncated":
        portable.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "altered":
        data[len(data) // 2] ^= 0x01
        portable.write_bytes(bytes(data))
    elif damage == "header":
        portable.write_bytes(bytes(data).replace(b'"portable"', b'"device"  ', 1))
    elif damage == "appended":
        portable.write_bytes(bytes(data) + b"\x00" * 20)
    else:
        portable.write_bytes(b"")
    for call in (lambda: backups.describe_backup(portable, passphrase=passphrase),
                 lambda: backups.restore_backup(db, portable, passphrase=passphrase)):
        with pytest.raises(ValidationError, match=expected):
            call()
    assert _titles(db) == before
    assert not [b for b in backups.list_backups(db) if b.kind == "before-restore"]
    assert not list(backups.backups_folder(db).glob(".p311desk-*"))  # no plaintext left behind


def test_a_cut_off_device_backup_is_refused(db):
    _world(db)
    path = backups.take_backup(db)
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(ValidationError, match="cut off"):
        backups.restore_backup(db, path)


def test_a_portable_backup_needs_a_passphrase(db, tmp_path):
    with pytest.raises(ValidationError, match="at least 8 characters"):
        backups.take_backup(db, tmp_path / "p.p311bak", passphrase="short")
    portable = backups.take_backup(db, tmp_path / "p.p311bak", passphrase=PASS)
    with pytest.raises(ValidationError, match="give its passphrase"):
        backups.describe_backup(portable)


def test_older_plain_backups_still_restore(db, tmp_path):
    _world(db)
    plain = db.snapshot(tmp_path / "old-style.db")
    with db.write() as s:
        sessions.create_session(s, title="Després")
    summary = backups.describe_backup(plain)
    assert summary.sealed == "plain"
    backups.restore_backup(db, plain)
    assert _titles(db) == ["Assemblea de Gràcia"]
    with db.read() as s:
        assert audit.verify(s).ok


def test_pre_upgrade_copies_are_pruned_to_the_last_three(tmp_path):
    from sqlalchemy import create_engine

    from p311desk.db import upgrade

    path = tmp_path / "p311desk.db"
    for i in range(5):
        stamp = f"2026010{i + 1}T000000Z"
        (tmp_path / f"p311desk.before-upgrade-0009-{stamp}.db").write_bytes(b"x")
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0009")
    engine.dispose()
    db = Database(path)
    try:
        copies = sorted(p.name for p in tmp_path.glob("p311desk.before-upgrade-*"))
        assert len(copies) == 3 and db.upgrade_snapshot.name in copies
        assert "p311desk.before-upgrade-0009-20260105T000000Z.db" in copies
        assert _mode(db.upgrade_snapshot) == 0o600
    finally:
        db.close()


@pytest.mark.skipif(os.name == "nt", reason="file modes")
def test_the_data_folder_and_what_is_written_there_are_private(tmp_path, monkeypatch, capsys):
    from p311desk.cli import main
    from p311desk.logs import log_path, stop_file_logging

    monkeypatch.setenv("P311DESK_PASSPHRASE", PASS)
    os.umask(0o022)
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo"]) == 0
    assert main(["--data-dir", str(data), "backup"]) == 0
    assert main(["--data-dir", str(data), "backup", "--portable", str(tmp_path / "p.p311bak")]) == 0
    assert main(["--data-dir", str(data), "sessions", "create", "Una més"]) == 0
    stop_file_logging()
    assert _mode(data) == 0o700
    assert _mode(backups.backups_folder(type("D", (), {"path": data / "p311desk.db"})())) == 0o700
    assert _mode(data / "p311desk.db") == 0o600
    assert _mode(log_path(data)) == 0o600 and _mode(log_path(data).parent) == 0o700
    for copy in (data / "backups").iterdir():
        assert _mode(copy) == 0o600, copy
    assert _mode(tmp_path / "p.p311bak") == 0o600
    con = sqlite3.connect(data / "p311desk.db")  # WAL and shared memory take the database's mode
    con.execute("SELECT count(*) FROM participant").fetchone()
    db = Database(data / "p311desk.db")
    with db.write() as s:
        sessions.create_session(s, title="I una altra")
    for suffix in ("-wal", "-shm"):
        side = data / f"p311desk.db{suffix}"
        if side.exists():
            assert _mode(side) == 0o600
    db.close()
    con.close()
    # An existing, more open folder and database are made private when opened.
    os.chmod(data, 0o755)
    os.chmod(data / "p311desk.db", 0o644)
    assert main(["--data-dir", str(data), "sessions", "list"]) == 0
    stop_file_logging()
    assert _mode(data) == 0o700 and _mode(data / "p311desk.db") == 0o600
