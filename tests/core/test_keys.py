"""Device keys live outside the database: a 0600 file per key, or the OS keyring."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from p311desk import keys

ROOT = Path(__file__).resolve().parents[2]


def test_file_store_creates_a_private_key_once(tmp_path, monkeypatch):
    monkeypatch.setenv("P311DESK_KEY_DIR", str(tmp_path / "keys"))
    keys.forget_cache()
    first = keys.secret("audit:device-1")
    keys.forget_cache()
    assert keys.secret("audit:device-1") == first and len(first) == 32
    assert keys.secret("audit:device-2") != first
    files = list((tmp_path / "keys").iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    keys.set_value("audit-head:device-1", "12:abc")
    assert keys.get_value("audit-head:device-1") == "12:abc"
    assert keys.get_value("missing") is None


def test_processes_starting_together_agree_on_one_key(tmp_path):
    env = dict(os.environ, P311DESK_KEY_DIR=str(tmp_path / "keys"))
    code = "from p311desk import keys; print(keys.secret('shared').hex())"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(12)]
    outs = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(outs) == 1 and len(next(iter(outs))) == 64


def test_keyring_is_used_where_one_exists(monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.data = {}

        def get_password(self, service, username):
            return self.data.get((service, username))

        def set_password(self, service, username, password):
            self.data[(service, username)] = password

        def delete_password(self, service, username):
            self.data.pop((service, username), None)

    ring = Memory()
    previous = keyring.get_keyring()
    monkeypatch.delenv("P311DESK_KEY_DIR", raising=False)
    keyring.set_keyring(ring)
    try:
        keys.forget_cache()
        key = keys.secret("ballots:q1")
        assert (keys.KEYRING_SERVICE, "ballots:q1") in ring.data
        keys.forget_cache()
        assert keys.secret("ballots:q1") == key
        assert keys.backend_name().startswith("keyring")
    finally:
        keyring.set_keyring(previous)
        keys.forget_cache()
