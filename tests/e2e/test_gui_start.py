"""`p311desk --demo` starts the real application offscreen, loads the demo data and quits cleanly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUI = Path(sys.executable).with_name("p311desk")


@pytest.mark.slow
def test_gui_starts_with_demo_and_quits(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "P311DESK_DATA_DIR": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([str(GUI), "--demo", "--lang", "ca", "--quit-after", "4"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # the window logs to the data folder's rotating log, like the CLI
    from p311desk import logs

    assert logs.log_path(tmp_path).read_text(encoding="utf-8").strip()
    from p311desk.db import Database
    from p311desk import sessions

    db = Database(tmp_path / "p311desk.db")
    with db.read() as s:
        assert len(sessions.list_sessions(s)) == 2
    db.close()
