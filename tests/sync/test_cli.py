"""The sync verbs through ``p311desk-cli``: platforms add/list, sync login/pull/status, sessions
link — in-process against a fake in a thread, and once end to end as processes (the fake too)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from main import cli_main
from sync.fake_decidim import API_KEY, API_SECRET, USER_EMAIL, USER_PASSWORD, start

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv, data_dir, secret=None, monkeypatch=None):
    if monkeypatch is not None:
        if secret is None:
            monkeypatch.delenv("P311DESK_SECRET", raising=False)
        else:
            monkeypatch.setenv("P311DESK_SECRET", secret)
    code = cli_main(["--data-dir", str(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_verbs_with_a_keyring(tmp_path, capsys, monkeypatch, memory_keyring):
    with start("0.27") as fake:
        data = tmp_path / "data"
        code, out, _ = run(capsys, "platforms", "add", "Vilaprova", fake.url, data_dir=data)
        assert code == 0 and "import file" in out and "default" in out
        code, out, err = run(capsys, "sync", "login", "Vilaprova", "--email", USER_EMAIL, data_dir=data,
                             secret=USER_PASSWORD, monkeypatch=monkeypatch)
        assert code == 0 and "Tècnica" in out and "keyring" in out
        assert list(memory_keyring.data.values()) == [USER_PASSWORD]
        assert list(memory_keyring.data)[0][0] == f"p311desk:{fake.url.split('://')[1]}"
        # The secret now comes from the keyring: no P311DESK_SECRET.
        code, out, _ = run(capsys, "sync", "pull", "Vilaprova", data_dir=data, monkeypatch=monkeypatch)
        assert code == 0 and "Proposals: 159 new" in out
        code, out, _ = run(capsys, "sync", "pull", data_dir=data)
        assert code == 0 and "nothing changed" in out
        code, out, _ = run(capsys, "sessions", "create", "Trobada de barri", data_dir=data)
        session = out.strip().split()[-1][:8]
        code, out, _ = run(capsys, "sessions", "link", session, "--platform", "Vilaprova", "--component", "11",
                           "--meeting", "502", data_dir=data)
        assert code == 0 and "Proposals" in out and "Neighbourhood session 2" in out
        code, out, err = run(capsys, "sessions", "link", session, "--platform", "Vilaprova", "--component", "12",
                             data_dir=data)
        assert code == 1 and "not a proposals component" in err
        code, out, _ = run(capsys, "sessions", "list", data_dir=data)
        assert "Vilaprova" in out or code == 0
        code, out, _ = run(capsys, "platforms", "list", data_dir=data)
        assert "* Vilaprova" in out and USER_EMAIL in out
        code, out, _ = run(capsys, "sync", "status", "--json", data_dir=data)
        (row,) = json.loads(out)
        assert row["cache"]["proposals"] == 159 and row["outbox"]["pending"] == 0
        code, out, err = run(capsys, "sync", "login", "Vilaprova", "--email", USER_EMAIL, data_dir=data,
                             secret="wrong", monkeypatch=monkeypatch)
        assert code == 1 and "e-mail or password" in err and "wrong" not in err
        code, out, err = run(capsys, "platforms", "add", "Again", fake.url, data_dir=data)
        assert code == 1 and "already set up" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_end_to_end_as_processes_without_a_keyring(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "P311DESK_LANG": "en"}
    env.pop("P311DESK_SECRET", None)
    server = subprocess.Popen([sys.executable, "-m", "sync.fake_decidim", "--version", "0.32", "--port", str(port),
                               "--faults", "500=0.05"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert "Fake Decidim 0.32" in server.stdout.readline()
        cli = [str(Path(sys.executable).with_name("p311desk-cli")), "--data-dir", str(tmp_path / "data")]

        def call(*argv, secret=None, stdin=None):
            e = dict(env, **({"P311DESK_SECRET": secret} if secret else {}))
            return subprocess.run(cli + list(argv), cwd=ROOT, env=e, capture_output=True, text=True, timeout=120,
                                  input=stdin)

        r = call("platforms", "add", "Prova", f"http://127.0.0.1:{port}")
        assert r.returncode == 0 and "directly" in r.stdout, r.stderr
        # No keyring: the secret comes from standard input and is used once; the account (never
        # the secret) is recorded, so later commands sign in with $P311DESK_SECRET.
        r = call("sync", "login", "Prova", "--api-key", API_KEY, stdin=API_SECRET + "\n")
        assert r.returncode == 0 and "no keyring" in r.stderr and "not remembered (the account is)" in r.stderr
        r = call("platforms", "list", "--json")
        assert json.loads(r.stdout)[0]["account"] == API_KEY
        r = call("sync", "pull", "Prova", "--api-key", API_KEY, "--json", secret=API_SECRET)
        assert r.returncode == 0, r.stderr
        summary = json.loads(r.stdout)
        assert summary["complete"] and summary["proposals"]["new"] == 159
        r = call("sessions", "create", "Assemblea")
        session = r.stdout.strip().split()[-1]
        r = call("sessions", "link", session[:6], "--platform", "Prova", "--component", "21", "--meeting", "507")
        assert r.returncode == 0, r.stderr
        r = call("sync", "status", "--json")
        row = json.loads(r.stdout)[0]
        assert row["last_pull"]["complete"] and not row["secret_remembered"]
        for text in (r.stdout,):
            assert API_SECRET not in text
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
