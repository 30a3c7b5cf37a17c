"""Device keys and anchors kept outside the database.

Some proofs only hold if a secret is not in the file they protect: the audit chain's HMAC key,
the key that turns document numbers (DNI/NIE) into fingerprints, the keys that sign paper
ballots, and the audit head anchored outside the database. This module is their one store:

- the OS keyring (service ``p311desk:device``) where one exists;
- otherwise one file per key in the user config folder (``<config>/p311desk/keys/``), readable
  only by the user (folder 0700, files 0600);
- ``P311DESK_KEY_DIR`` forces the file store in that folder (tests, portable installs).

:func:`secret` returns a key, creating it on first use (32 random bytes). Creation is race-free
for files (``O_EXCL``: two processes starting at once both end up with the first one's key).
:func:`get_value`/:func:`set_value` keep small non-secret values such as the audit head.

Names are plain strings chosen by callers, e.g. ``audit:<device id>``; the caller decides the
scope. Nothing here is ever logged or written into the database.
"""

from __future__ import annotations

import base64
import os
import re
import secrets as _secrets
import threading
import uuid
from pathlib import Path

from p311desk.paths import APP_NAME

KEYRING_SERVICE = f"{APP_NAME}:device"
KEY_BYTES = 32

_lock = threading.Lock()
_cache: dict[str, bytes] = {}
_ids: dict[str, str] = {}


class KeyStoreError(RuntimeError):
    """The key store could not be read or written (a locked keyring, an unreadable key file)."""


def _key_dir() -> Path:
    override = os.environ.get("P311DESK_KEY_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "keys"


def _safe(name: str) -> str:
    if not name or len(name) > 200:
        raise ValueError("a key name is 1 to 200 characters")
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _keyring():
    """The OS keyring backend, or None where there is none (or the file store is forced)."""
    if os.environ.get("P311DESK_KEY_DIR"):
        return None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - any broken keyring setup means: use the file store
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return backend


def backend_name() -> str:
    """Where keys live on this machine, for Settings and diagnostics (no key material)."""
    ring = _keyring()
    return f"keyring ({type(ring).__name__})" if ring is not None else f"file ({_key_dir()})"


# --- file store ------------------------------------------------------------------------------


def _file_read(name: str) -> str | None:
    path = _key_dir() / _safe(name)
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise KeyStoreError(f"cannot read key file {path.name}") from err


def _file_create(name: str, value: str) -> str:
    """Write ``value`` unless the file exists already; return what the file holds afterwards."""
    folder = _key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)
    except OSError:  # pragma: no cover - e.g. a folder owned by someone else
        pass
    path = folder / _safe(name)
    # The key is written in full to a private temporary file first, then linked into place:
    # link() fails if the name exists, so a process starting at the same moment either wins
    # or reads the winner's complete key, never an empty or half-written file.
    tmp = folder / f".{path.name}.{os.getpid()}.{_secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            existing = _file_read(name)
            if existing:
                return existing
            raise KeyStoreError(f"key file {path.name} is empty") from None
        except OSError:  # a file system without hard links: rename, unless a key is there already
            existing = _file_read(name)
            if existing:
                return existing
            os.replace(tmp, path)
            return _file_read(name) or value
        return value
    finally:
        tmp.unlink(missing_ok=True)


def _file_write(name: str, value: str) -> None:
    folder = _key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe(name)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# --- public API ------------------------------------------------------------------------------


def _store() -> str:
    return str(_key_dir()) if os.environ.get("P311DESK_KEY_DIR") else "default"


def store_id() -> str:
    """Which key store is in use (a folder or the OS keyring), for callers' caches."""
    return _store()


def secret(name: str, *, create: bool = True) -> bytes | None:
    """The key called ``name`` (32 bytes), created on first use; with ``create=False`` None when
    this store does not hold it (verifying never makes a key)."""
    with _lock:
        store = _store()
        cached = _cache.get(store + "\0" + name)
        if cached is not None:
            return cached
        fresh = base64.b64encode(_secrets.token_bytes(KEY_BYTES)).decode("ascii")
        ring = _keyring()
        if ring is not None:
            try:
                stored = ring.get_password(KEYRING_SERVICE, name)
                if not stored and create:
                    ring.set_password(KEYRING_SERVICE, name, fresh)
                    stored = ring.get_password(KEYRING_SERVICE, name) or fresh
            except Exception as err:  # noqa: BLE001 - a locked or broken keyring
                raise KeyStoreError("the OS keyring refused access") from err
        else:
            stored = _file_read(name) or (_file_create(name, fresh) if create else None)
        if not stored:
            return None
        try:
            key = base64.b64decode(stored, validate=True)
        except ValueError as err:
            raise KeyStoreError("a stored key is not readable") from err
        if len(key) < 16:
            raise KeyStoreError("a stored key is too short")
        _cache[store + "\0" + name] = key
        return key


DEVICE_ID = "device-id"


def device_id() -> str:
    """This key store's own id (a UUID made on first use): it names the keys this computer
    makes, such as its audit key (``audit:<device id>``). It lives in the key store, never in a
    database, so nothing edited in a database file can make the app seal with another key."""
    with _lock:
        cached = _ids.get(_store())
    if cached:
        return cached
    fresh = str(uuid.uuid4())
    ring = _keyring()
    if ring is not None:
        try:
            value = ring.get_password(KEYRING_SERVICE, "value:" + DEVICE_ID)
            if not value:
                ring.set_password(KEYRING_SERVICE, "value:" + DEVICE_ID, fresh)
                value = ring.get_password(KEYRING_SERVICE, "value:" + DEVICE_ID) or fresh
        except Exception as err:  # noqa: BLE001
            raise KeyStoreError("the OS keyring refused access") from err
    else:
        value = _file_read("value_" + DEVICE_ID) or _file_create("value_" + DEVICE_ID, fresh)
    with _lock:
        _ids[_store()] = value
    return value


def export_secrets(names) -> dict[str, str]:
    """The keys called ``names`` that this store holds, base64-encoded (for a portable backup,
    encrypted with the user's passphrase; never written anywhere in the clear)."""
    out = {}
    for name in names:
        key = secret(name, create=False)
        if key is not None:
            out[name] = base64.b64encode(key).decode("ascii")
    return out


def import_secrets(items: dict[str, str]) -> list[str]:
    """Store keys brought by a portable backup (``name -> base64``); returns the names written.
    A key this store already holds under the same name is kept when it is the same; when it is
    not, the imported one replaces it (it is the one the restored database was made with) —
    except this computer's own audit key, which never changes."""
    written = []
    own = f"audit:{device_id()}"
    for name, value in items.items():
        raw = base64.b64decode(value, validate=True)
        if len(raw) < 16:
            raise KeyStoreError("an imported key is too short")
        current = secret(name, create=False)
        if current == raw or (name == own and current is not None):
            continue
        _put(name, base64.b64encode(raw).decode("ascii"))
        with _lock:
            _cache[_store() + "\0" + name] = raw
        written.append(name)
    return written


def _put(name: str, value: str) -> None:
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, name, value)
        except Exception as err:  # noqa: BLE001
            raise KeyStoreError("the OS keyring refused access") from err
        return
    _file_write(name, value)


def get_value(name: str) -> str | None:
    """A small non-secret value kept beside the keys (e.g. the audit head), or None."""
    ring = _keyring()
    if ring is not None:
        try:
            return ring.get_password(KEYRING_SERVICE, "value:" + name)
        except Exception as err:  # noqa: BLE001
            raise KeyStoreError("the OS keyring refused access") from err
    return _file_read("value_" + name)


def set_value(name: str, value: str) -> None:
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, "value:" + name, value)
        except Exception as err:  # noqa: BLE001
            raise KeyStoreError("the OS keyring refused access") from err
        return
    _file_write("value_" + name, value)


def forget_cache() -> None:
    """Drop keys cached in memory (tests switch key folders between cases)."""
    with _lock:
        _cache.clear()
        _ids.clear()
