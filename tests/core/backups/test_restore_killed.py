"""Issue 16 §3: a restore is one step. ``restore --yes`` killed (SIGKILL) at random moments leaves
either the old database or the restored one, and an audit log that verifies — never the restored
content without its event, nor "the last events were deleted"."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from p311desk import audit, backups, sessions
from p311desk.db import Database
from p311desk.models import ParticipationSession

ROOT = Path(__file__).resolve().parents[3]


def _titles(db):
    with db.read() as s:
        return sorted(s.scalars(select(ParticipationSession.title)))


def _restore(data, backup):
    return subprocess.Popen([sys.executable, "-m", "p311desk.cli", "--data-dir", str(data), "restore", str(backup),
                             "--yes"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_restore_killed_at_random_moments_is_all_or_nothing(tmp_path):
    data = tmp_path / "data"
    db = Database(data / "p311desk.db")
    with db.write() as s:
        sessions.create_session(s, title="Abans")
    backup = backups.take_backup(db)
    restored_titles = ["Abans"]

    def diverge(i):
        with db.write() as s:
            sessions.create_session(s, title=f"Després {i}")

    diverge(0)
    db.close()
    # One restore to its end, timed: the kills fall anywhere within that span.
    started = time.monotonic()
    proc = _restore(data, backup)
    out, err = proc.communicate(timeout=120)
    span = time.monotonic() - started
    assert proc.returncode == 0, err
    db = Database(data / "p311desk.db")
    assert _titles(db) == restored_titles
    with db.read() as s:
        assert audit.verify(s).ok

    rng = random.Random(16)
    outcomes = []
    for i in range(1, 11):
        diverge(i)
        before = _titles(db)
        db.close()
        proc = _restore(data, backup)
        time.sleep(rng.uniform(0.4, 1.15) * span)  # start-up (imports) takes the first part
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        db = Database(data / "p311desk.db")
        after = _titles(db)
        assert after in (before, restored_titles), (i, before, after)
        with db.read() as s:
            report = audit.verify(s)
        assert report.ok, (i, report.message())
        outcomes.append("restored" if after == restored_titles else "old")
    db.close()
    print("kills:", outcomes)
