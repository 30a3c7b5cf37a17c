"""A whole session through the installed command line, as an administrator scripts it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("p311desk-cli")


def run(*args, data_dir, ok=True):
    env = {**os.environ, "P311DESK_DATA_DIR": str(data_dir)}
    result = subprocess.run([str(CLI), *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def test_demo_then_list(tmp_path):
    assert CLI.exists(), "the project is installed with its console scripts"
    out = run("demo", data_dir=tmp_path).stdout
    assert "Demo data created" in out
    listing = run("sessions", "list", data_dir=tmp_path).stdout.splitlines()
    assert len(listing) == 2
    assert any("Assemblea de barri" in line and "64/180" in line for line in listing)
    assert "already there" in run("demo", data_dir=tmp_path).stdout


def test_session_lifecycle_audit_and_export(tmp_path):
    created = run("sessions", "create", "Consell de Medi Ambient", "--kind", "assembly",
                  "--starts", "2026-12-01 18:30", "--place", "Sala de plens", data_dir=tmp_path).stdout
    sid = created.strip().split()[-1]
    assert "open" in run("sessions", "open", sid[:8], data_dir=tmp_path).stdout
    assert "closed" in run("sessions", "close", sid[:8], data_dir=tmp_path).stdout
    refused = run("sessions", "close", sid[:8], data_dir=tmp_path, ok=False)
    assert refused.returncode == 1 and "Only an open session" in refused.stderr
    assert "intact: 3 events" in run("audit", "verify", data_dir=tmp_path).stdout
    run("export", str(tmp_path / "all.xlsx"), data_dir=tmp_path)
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "all.xlsx", read_only=True)
    assert {"participation_session", "audit_event", "outbox", "participant"} <= set(wb.sheetnames)
    rows = list(wb["participation_session"].iter_rows(values_only=True))
    assert rows[1][rows[0].index("title")] == "Consell de Medi Ambient"


def test_messages_in_catalan(tmp_path):
    result = run("--lang", "ca", "sessions", "create", "  ", data_dir=tmp_path, ok=False)
    assert result.returncode == 1
    assert "Una sessió necessita un títol." in result.stderr


def test_tampered_audit_log_is_reported(tmp_path):
    import sqlite3

    run("sessions", "create", "A", data_dir=tmp_path)
    run("sessions", "create", "B", data_dir=tmp_path)
    con = sqlite3.connect(tmp_path / "p311desk.db")
    con.execute("UPDATE audit_event SET payload='{}' WHERE seq=2")
    con.commit()
    con.close()
    result = run("audit", "verify", data_dir=tmp_path, ok=False)
    assert result.returncode == 1 and "broken at event #2" in result.stdout
