"""``sync push|files|reconcile|log`` and ``sync status --json`` through ``p311desk-cli``, for both
profiles; then a scan of the database, logs and every written file for secrets and tokens."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sync.fake_decidim import API_KEY, API_SECRET, USER_EMAIL, USER_PASSWORD, start
from sync.fake_decidim.writes import admin_close_meeting, admin_import_proposals
from tests.sync.test_cli import run

TITLES = ("Bancs nous a la plaça Major, a l'ombra", "Més arbres al carrer de l'Escola Nova")


def prepare(capsys, monkeypatch, fake, data, secret, *login):
    assert run(capsys, "platforms", "add", "Vilaprova", fake.url, data_dir=data)[0] == 0
    code, out, err = run(capsys, "sync", "login", "Vilaprova", *login, data_dir=data, secret=secret,
                         monkeypatch=monkeypatch)
    assert code == 0, err
    assert run(capsys, "sync", "pull", data_dir=data, monkeypatch=monkeypatch)[0] == 0
    code, out, _ = run(capsys, "sessions", "create", "Trobada de barri", data_dir=data)
    session = out.strip().split()[-1][:8]
    assert run(capsys, "sessions", "link", session, "--platform", "Vilaprova", "--component", "11",
               "--meeting", "502", data_dir=data)[0] == 0
    assert run(capsys, "sessions", "open", session, data_dir=data)[0] == 0
    for title in TITLES:
        code, out, err = run(capsys, "proposals", "add", session, title, "--body", "Dita a la sala.", data_dir=data)
        assert code == 0, err
    assert run(capsys, "sessions", "close", session, data_dir=data)[0] == 0
    return session


def scan_for_secrets(roots: list[Path], secrets: list[str]) -> list[str]:
    found = []
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {s[:6]}…" for s in secrets if s.encode() in data]
    return found


def test_push_status_log_by_api_then_no_secret_anywhere(tmp_path, capsys, monkeypatch, memory_keyring):
    with start("0.32", proposals=10) as fake:
        data = tmp_path / "data"
        session = prepare(capsys, monkeypatch, fake, data, API_SECRET, "--api-key", API_KEY)
        code, out, err = run(capsys, "sync", "push", "Vilaprova", "--session", session, data_dir=data,
                             monkeypatch=monkeypatch)
        sent, found = (int(x) for x in re.search(r"(\d+) sent, (\d+) found", out).groups())
        assert code == 0 and sent + found == 3, out + err
        assert sum(1 for p in fake.store.proposals.values() if p.title.get("ca") in TITLES) == 2
        assert fake.store.meetings["502"].closed
        code, out, _ = run(capsys, "sync", "status", "--json", data_dir=data)
        [row] = json.loads(out)
        assert list(row["sessions"].values()) == [{"sent": 3}]
        code, out, _ = run(capsys, "sync", "log", "--session", session, data_dir=data)
        assert code == 0 and "create_proposal  sent" in out and "close_meeting  sent" in out
        export = tmp_path / "log.csv"
        code, out, _ = run(capsys, "sync", "log", "--export", str(export), data_dir=data)
        assert code == 0 and export.exists()
        code, out, _ = run(capsys, "sync", "push", "Vilaprova", "--json", data_dir=data, monkeypatch=monkeypatch)
        assert json.loads(out)["sent"] == 0
        secrets = [API_SECRET, *fake.issued_tokens]
        assert secrets[1:], "a token was issued"
        assert scan_for_secrets([data, export], secrets) == []


def test_files_admin_import_reconcile_and_nothing_twice(tmp_path, capsys, monkeypatch, memory_keyring):
    with start("0.27", proposals=10) as fake:
        data = tmp_path / "data"
        session = prepare(capsys, monkeypatch, fake, data, USER_PASSWORD, "--email", USER_EMAIL)
        out_dir = tmp_path / "for-admin"
        code, out, err = run(capsys, "sync", "push", "Vilaprova", "--files-dir", str(out_dir), data_dir=data,
                             monkeypatch=monkeypatch)
        assert code == 0 and "3 waiting" in out and "proposals-import.csv" in out, out + err
        code, out, _ = run(capsys, "sync", "files", "Vilaprova", "--session", session, str(tmp_path / "again"),
                           data_dir=data)
        assert code == 0 and "2 proposals left out" in out and "proposals-import.csv" not in out
        created = admin_import_proposals(fake.store, "11", out_dir / "proposals-import.csv")
        report = (out_dir / "closing-report-ca.txt").read_text(encoding="utf-8")
        admin_close_meeting(fake.store, "502", {"ca": report}, 0, created)
        code, out, err = run(capsys, "sync", "reconcile", "Vilaprova", "--session", session, data_dir=data,
                             monkeypatch=monkeypatch)
        assert code == 0 and "2 proposals found" in out and "closed" in out, out + err
        before = list(fake.store.writes)
        code, out, _ = run(capsys, "sync", "push", "Vilaprova", "--json", "--files-dir", str(tmp_path / "third"),
                           data_dir=data, monkeypatch=monkeypatch)
        assert json.loads(out)["files"] == [] and fake.store.writes == before
        code, out, _ = run(capsys, "sync", "status", "--json", data_dir=data)
        assert list(json.loads(out)[0]["sessions"].values()) == [{"sent": 3}]
        assert scan_for_secrets([data, out_dir, tmp_path / "again"], [USER_PASSWORD]) == []
