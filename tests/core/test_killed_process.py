"""A killed process loses nothing that was confirmed: SIGKILL a writer mid-stream, then reopen.

This is a process kill, not a power cut: the operating system still flushes what the process had
handed to it. Surviving a power cut also needs every connection to run ``synchronous=FULL`` in WAL
mode, which tests/core/test_db.py reads back from each connection.
"""

import os
import random
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from p311desk.db import Database
from p311desk.models import Attendance
from p311desk import audit
from p311desk import participants
from p311desk import sessions

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, uuid
from p311desk.db import Database
from p311desk import attendance
db = Database(sys.argv[1])
session_id = uuid.UUID(sys.argv[2])
codes = [line.strip() for line in open(sys.argv[3]) if line.strip()]
for code in codes:
    with db.write() as s:  # one scan = one check-in, as at the door
        result = attendance.check_in(s, session_id, code, method="qr")
    # Only now, after the commit returned, is the check-in shown as confirmed.
    print("confirmed", result.attendance_id, flush=True)
print("done", flush=True)
"""


@pytest.mark.slow
def test_sigkill_loses_no_confirmed_record(tmp_path):
    path = tmp_path / "crash.db"
    db = Database(path)
    with db.write() as s:
        sid = sessions.create_session(s, title="Crash test").id
        sessions.open_session(s, sid)
        people = [participants.add_participant(s, given_name=f"P{i}", age_confirmed=True).checkin_code
                  for i in range(1000)]
    db.close()
    (tmp_path / "people.txt").write_text("\n".join(people))

    kill_after = random.Random().randint(50, 900)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(sid), str(tmp_path / "people.txt")],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    confirmed: list[uuid.UUID] = []
    for line in proc.stdout:
        if line.startswith("confirmed"):
            confirmed.append(uuid.UUID(line.split()[1]))
            if len(confirmed) >= kill_after:
                os.kill(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    # The pipe may still hold confirmations written just before the kill: they count too.
    for line in proc.stdout:
        if line.startswith("confirmed"):
            confirmed.append(uuid.UUID(line.split()[1]))
    assert proc.returncode == -signal.SIGKILL

    db = Database(path)
    with db.read() as s:
        stored = {a.id for a in s.query(Attendance)}
        report = audit.verify(s)
    db.close()
    assert set(confirmed) <= stored, f"{len(set(confirmed) - stored)} confirmed records lost"
    assert len(stored) <= len(confirmed) + 1  # at most the one in flight when killed
    assert report.ok, report
