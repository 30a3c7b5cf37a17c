"""Shared fixtures: a fresh database per test, offscreen Qt, no access to the user's real data."""

from __future__ import annotations

import os
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if os.environ.get("P311DESK_BLOCK_QT"):
    # CI runs the core and sync tests once with Qt made unimportable (and pytest-qt off):
    # they must pass on a machine where the GUI stack is absent.
    import importlib.abc
    import sys

    class _NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "ui"):
                raise ImportError(f"Qt is blocked in this run: {name}")
            return None

    sys.meta_path.insert(0, _NoQt())

if os.environ.get("P311DESK_WITHOUT_OPTIONAL"):
    # CI also runs the suite as on a fresh machine with only the libraries the README requires:
    # without libpulse0, QtMultimedia (webcam scanner, door sounds) cannot be imported.
    import importlib.abc
    import sys

    class _NoMultimedia(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in ("PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets"):
                raise ImportError(f"libpulse.so.0: cannot open shared object file ({name}, blocked in this run)")
            return None

    sys.meta_path.insert(0, _NoMultimedia())


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """No test touches the user's data or cache folders."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("P311DESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("P311DESK_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    # Device keys (audit, fingerprints, ballots) in a throwaway folder, never the OS keyring.
    monkeypatch.setenv("P311DESK_KEY_DIR", str(base / "keys"))
    from p311desk import keys

    keys.forget_cache()
    yield


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests talk to 127.0.0.1 only: resolving any other host fails at once."""
    import socket

    real = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1", None):
            raise socket.gaierror(f"tests have no network (asked for {host!r})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture(autouse=True)
def _english():
    from p311desk import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def db(tmp_path):
    from p311desk.db import Database

    database = Database(tmp_path / "test.db")
    yield database
    database.close()


@pytest.fixture(autouse=True)
def _no_dangling_threads():
    """Fail a test that leaves a worker thread running."""
    before = set(threading.enumerate())
    yield
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()
                and not t.daemon and not t.name.startswith(("Dummy", "QThread"))]
    for t in leftover:
        t.join(timeout=5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"test left threads running: {still}"
