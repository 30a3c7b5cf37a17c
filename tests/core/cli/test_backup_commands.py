"""``p311desk-cli backup`` and ``restore``, run in-process: a dry run describes, --yes restores."""

from __future__ import annotations

import json

from p311desk.cli import main


def _run(capsys, data, *args):
    code = main(["--data-dir", str(data), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _titles(capsys, data):
    code, out, _err = _run(capsys, data, "sessions", "list")
    assert code == 0
    return sorted(line.split("  ")[-1] for line in out.splitlines())


def test_backup_then_restore_with_a_dry_run_first(tmp_path, capsys):
    data = tmp_path / "data"
    assert _run(capsys, data, "sessions", "create", "Consell de barri")[0] == 0
    code, out, _err = _run(capsys, data, "backup")
    assert code == 0 and "Backup written:" in out and "1 session, 0 people" in out
    (default,) = (data / "backups").glob("p311desk-*-manual.p311bak")
    copy = tmp_path / "copy.db"
    assert _run(capsys, data, "backup", str(copy))[0] == 0
    code, _out, err = _run(capsys, data, "backup", str(copy))
    assert code == 1 and "already exists" in err

    assert _run(capsys, data, "sessions", "create", "Assemblea nova")[0] == 0
    code, out, _err = _run(capsys, data, "restore", str(copy))  # dry run
    assert code == 0
    assert "It holds 1 session, 0 people, 0 check-ins, 0 proposals." in out
    assert "Consell de barri" in out and "Nothing was changed" in out
    assert _titles(capsys, data) == ["Assemblea nova", "Consell de barri"]

    code, out, _err = _run(capsys, data, "restore", str(copy), "--json")
    described = json.loads(out)
    assert code == 0 and described["sessions"] == 1 and described["latest_sessions"][0]["title"] == "Consell de barri"

    code, out, _err = _run(capsys, data, "restore", str(copy), "--yes")
    assert code == 0 and "Restored copy.db" in out
    (kept,) = (data / "backups").glob("p311desk-*-before-restore.p311bak")
    assert str(kept) in out
    assert _titles(capsys, data) == ["Consell de barri"]
    code, out, _err = _run(capsys, data, "audit", "verify")
    assert code == 0, out
    assert default.exists()


def test_restore_refuses_what_is_not_a_backup(tmp_path, capsys):
    data = tmp_path / "data"
    assert _run(capsys, data, "sessions", "create", "Consell de barri")[0] == 0
    junk = tmp_path / "notes.db"
    junk.write_text("hello")
    for args in (["restore", str(junk)], ["restore", str(junk), "--yes"]):
        code, _out, err = _run(capsys, data, *args)
        assert code == 1 and "“notes.db” is not a p311desk database." in err
    code, _out, err = _run(capsys, data, "--lang", "ca", "restore", str(tmp_path / "nowhere.db"))
    assert code == 1 and "No hi ha cap fitxer" in err
    assert _titles(capsys, data) == ["Consell de barri"]


def test_closing_a_session_takes_a_backup(tmp_path, capsys):
    data = tmp_path / "data"
    code, out, _err = _run(capsys, data, "sessions", "create", "Consell de barri")
    sid = out.split()[-1][:8]
    assert _run(capsys, data, "sessions", "open", sid)[0] == 0
    code, out, _err = _run(capsys, data, "sessions", "close", sid)
    (copy,) = (data / "backups").glob("p311desk-*-session-closed.p311bak")
    assert code == 0 and str(copy) in out


def test_portable_backup_from_the_environment_or_standard_input(capsys, tmp_path, monkeypatch):
    import io

    data = tmp_path / "data"
    assert _run(capsys, data, "sessions", "create", "Consell")[0] == 0
    monkeypatch.setenv("P311DESK_PASSPHRASE", "correct horse battery staple")
    code, out, _err = _run(capsys, data, "backup", "--portable", str(tmp_path / "p.p311bak"))
    assert code == 0 and "Portable backup written" in out
    monkeypatch.delenv("P311DESK_PASSPHRASE")
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong passphrase here\n"))
    code, _out, err = _run(capsys, data, "restore", str(tmp_path / "p.p311bak"), "--yes")
    assert code == 1 and "passphrase does not open" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    code, out, _err = _run(capsys, data, "restore", str(tmp_path / "p.p311bak"))
    assert code == 0 and "1 session" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _out, err = _run(capsys, data, "backup", "--portable", str(tmp_path / "q.p311bak"))
    assert code == 1 and "at least 8 characters" in err and not (tmp_path / "q.p311bak").exists()
