"""The database kernel: every connection's safety pragmas, reads that cannot write, a busy
database that makes a writer wait and then say so, and processes starting together."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from p311desk import db as db_module
from p311desk.db import Database
from p311desk.errors import DatabaseBusy
from p311desk.models import Setting

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "attendance"


def _pragmas(session) -> tuple[str, int, int, int]:
    conn = session.connection()
    return tuple(conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                 for name in ("journal_mode", "synchronous", "foreign_keys", "query_only"))


def test_every_connection_runs_wal_and_full_sync(db):
    """Read the pragmas back from several simultaneous read connections and from the writer,
    including connections opened by other threads."""
    seen = []
    with ExitStack() as stack:
        readers = [stack.enter_context(db.read()) for _ in range(3)]
        seen += [_pragmas(s) for s in readers]
        assert len({id(s.connection().connection.driver_connection) for s in readers}) == 3
    with db.write() as s:
        writer = _pragmas(s)

    def in_thread():
        with db.read() as s:
            seen.append(_pragmas(s))

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    assert all(p == ("wal", 2, 1, 1) for p in seen), seen  # WAL, FULL, foreign keys, read-only
    assert writer == ("wal", 2, 1, 0)


def test_a_read_cannot_write_and_ends_without_commit(db):
    with pytest.raises(OperationalError, match="readonly"):
        with db.read() as s:
            s.add(Setting(key="sneaky", value=1))
            s.flush()
    with db.read() as s:
        assert s.get(Setting, "sneaky") is None
    # Objects read stay usable after the read ends (it closes, it does not expire them).
    with db.read() as s:
        row = s.get(Setting, "device_id")
    assert row.value == db.device_id


def test_an_import_preview_on_a_new_database_needs_no_write(tmp_path):
    """The document-id salt used by a preview exists from the moment the database is opened."""
    from p311desk import participants
    from p311desk.spreadsheets.reader import read_table

    db = Database(tmp_path / "fresh.db")
    try:
        with db.read() as s:
            plan = participants.preview(s, read_table(FIX / "spanish_excel_cp1252.csv"))
        assert plan.rows
    finally:
        db.close()


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    return con


def test_a_busy_database_makes_a_writer_wait_then_say_so(db, monkeypatch):
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.5)
    busy = Database(db.path)  # new connections pick up the shorter wait
    blocker = _hold_write_lock(db.path)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy) as refused:
            with busy.write() as s:
                s.add(Setting(key="late", value=1))
        waited = time.monotonic() - started
        with busy.read() as s:  # readers are never blocked by a writer
            assert s.get(Setting, "device_id") is not None
    finally:
        blocker.rollback()
        blocker.close()
    assert 0.4 <= waited < 5, waited
    assert "busy" in refused.value.message()
    with busy.write() as s:  # the lock is free again: the same write goes through
        s.add(Setting(key="late", value=1))
    busy.close()


def test_a_writer_waits_for_a_short_lock(db):
    blocker = _hold_write_lock(db.path)
    threading.Timer(0.3, blocker.rollback).start()
    with db.write() as s:
        s.add(Setting(key="patient", value=1))
    blocker.close()
    with db.read() as s:
        assert s.get(Setting, "patient").value == 1


def test_cli_dry_run_import_takes_no_write_lock(tmp_path, capsys, monkeypatch):
    from p311desk.cli import main

    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.5)
    assert main(["--data-dir", str(tmp_path), "init"]) == 0
    blocker = _hold_write_lock(tmp_path / "p311desk.db")
    try:
        # A file with warnings, no --yes: checked and reported while another writer holds the lock.
        code = main(["--data-dir", str(tmp_path), "participants", "import", str(FIX / "titled_merged.xlsx")])
        out = capsys.readouterr()
        assert code == 1 and "--yes" in out.out and "busy" not in out.err
        # With --yes it has to write: it waits, then says the database is busy (exit 1).
        code = main(["--data-dir", str(tmp_path), "participants", "import", str(FIX / "titled_merged.xlsx"), "--yes"])
        out = capsys.readouterr()
        assert code == 1 and "The database is busy" in out.err
    finally:
        blocker.rollback()
        blocker.close()


@pytest.mark.slow
def test_processes_starting_together_on_an_empty_folder(tmp_path):
    """init, demo and sessions list, 8 processes at once on an empty folder: all succeed, the
    demo is created exactly once, and the audit log is consistent."""
    commands = [["init"], ["demo"], ["sessions", "list"], ["demo"],
                ["init"], ["sessions", "list"], ["demo"], ["init"]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "p311desk.cli", "--data-dir", str(tmp_path), *cmd],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cmd in commands]
    results = [(cmd, p.wait(timeout=120), *p.communicate()) for cmd, p in zip(commands, procs)]
    failed = [(cmd, code, err) for cmd, code, _out, err in results if code != 0]
    assert not failed, failed
    created = [out for cmd, _code, out, _err in results if cmd == ["demo"] and "Demo data created" in out]
    assert len(created) == 1, results

    from p311desk import audit
    from p311desk.models import ParticipationSession, Space

    db = Database(tmp_path / "p311desk.db")
    try:
        with db.read() as s:
            assert len(s.scalars(select(Space)).all()) == 1
            assert len(s.scalars(select(ParticipationSession)).all()) == 2
            report = audit.verify(s)
    finally:
        db.close()
    assert report.ok, report
