"""Fixtures for the sync tests: fake Decidim servers on 127.0.0.1 and a keyring in memory.

No test touches the real OS keyring: ``memory_keyring`` installs an in-memory backend, and
``no_keyring`` the 'fail' backend a headless server has."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from keyring.backend import KeyringBackend

from sync.client import Credentials, DecidimClient
from sync.fake_decidim import API_KEY, API_SECRET, USER_EMAIL, USER_PASSWORD, start


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.data.get((service, username))

    def set_password(self, service, username, password):
        self.data[(service, username)] = password

    def delete_password(self, service, username):
        self.data.pop((service, username), None)


@contextmanager
def keyring_backend(backend):
    """Use ``backend`` as the keyring for a while (never the real OS keyring in tests)."""
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def memory_keyring():
    with keyring_backend(MemoryKeyring()) as ring:
        yield ring


@pytest.fixture
def no_keyring(memory_keyring):
    from keyring.backends import fail

    with keyring_backend(fail.Keyring()):
        yield


@pytest.fixture(params=["0.27", "0.28", "0.30", "0.32"])
def fake(request):
    server = start(request.param, proposals=120)
    yield server
    server.stop()


def credentials_for(version: str) -> Credentials:
    if version == "0.32":
        return Credentials("api", API_KEY, API_SECRET)
    return Credentials("session", USER_EMAIL, USER_PASSWORD)


def fast_client(url: str, **kwargs) -> DecidimClient:
    """A client with short timeouts and backoff, so fault tests stay quick."""
    kwargs.setdefault("timeout", (1.0, 0.3))
    kwargs.setdefault("backoff", (0.01, 0.05))
    kwargs.setdefault("attempts", 8)
    return DecidimClient(url, **kwargs)
