"""Encrypted backup files: the database (and, in a portable backup, the device keys) sealed with
AES-256-GCM, so a copy on a USB stick tells nothing to whoever finds it.

Two kinds, one format:

- **device** backups (automatic and manual copies) are sealed with a key from this computer's key
  store (``backup:<key store id>``): only this computer's key store opens them.
- **portable** backups are sealed with a key derived from the user's passphrase (scrypt,
  N=2^15, r=8, p=1, 16-byte random salt) and carry, inside the encryption, the keys the database
  needs elsewhere: the audit keys of the devices that sealed its events, its document
  fingerprint key and salt, its ballot keys. Restoring one on another computer imports them.

Layout: ``MAGIC``, a 4-byte header length, the header (JSON: version, kind, key id or scrypt
parameters, nonce prefix), then chunks of at most 1 MiB of plaintext, each a 4-byte length and
its ciphertext with the GCM tag. Each chunk's nonce is the 7-byte random prefix, its 4-byte
number and a last-chunk flag, and the header is authenticated with every chunk: a chunk changed,
swapped, cut off or appended, or a header edited, fails to open — one sentence, nothing changed.
The plaintext is an 8-byte length, the keys (JSON; ``{}`` for a device backup) and the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from p311desk import keys
from p311desk.errors import ValidationError
from p311desk.i18n import N_

MAGIC = b"P311DESK-SEALED\x01"
SQLITE_MAGIC = b"SQLite format 3\x00"
VERSION = 1
CHUNK = 1 << 20
SCRYPT = {"n": 2 ** 15, "r": 8, "p": 1}
DEVICE = "device"
PORTABLE = "portable"
MIN_PASSPHRASE = 8


class SealedError(ValidationError):
    """A sealed file that cannot be opened (wrong passphrase, another computer's key, cut off or
    altered): one sentence."""


@dataclass(frozen=True)
class Opened:
    kind: str  # device | portable | plain
    keys: dict  # what a portable backup carries: {"secrets": {...}, "values": {...}}


def is_sealed(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def kind_of(path: str | os.PathLike) -> str | None:
    """``device``, ``portable``, ``plain`` (an SQLite file, as older versions wrote) or None."""
    try:
        with open(path, "rb") as fh:
            start = fh.read(len(MAGIC))
            if start == SQLITE_MAGIC:
                return "plain"
            if start != MAGIC:
                return None
            header, _raw = _read_header(fh, Path(path).name)
            return header.get("kind")
    except OSError:
        return None


def _device_key() -> tuple[str, bytes]:
    device = keys.device_id()
    return device, keys.secret(f"backup:{device}")


def _passphrase_key(passphrase: str, salt: bytes, params: dict) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=int(params["n"]), r=int(params["r"]),
                          p=int(params["p"]), maxmem=256 * 1024 * 1024, dklen=32)


def check_passphrase(passphrase: str | None) -> str:
    if not passphrase or len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError("A portable backup needs a passphrase of at least {n} characters.", n=MIN_PASSPHRASE)
    return passphrase


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def seal(plain_db: str | os.PathLike, dest: str | os.PathLike, *, passphrase: str | None = None,
         carried_keys: dict | None = None) -> Path:
    """Write ``plain_db`` sealed to ``dest`` (which must not exist; created 0600, written beside
    it first and renamed into place once complete and flushed)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    dest = Path(dest)
    header: dict = {"v": VERSION, "kind": PORTABLE if passphrase is not None else DEVICE,
                    "prefix": base64.b64encode(secrets.token_bytes(7)).decode("ascii")}
    if passphrase is not None:
        salt = secrets.token_bytes(16)
        header["kdf"] = {"name": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode("ascii")}
        key = _passphrase_key(check_passphrase(passphrase), salt, SCRYPT)
        payload_keys = carried_keys or {}
    else:
        header["device"], key = _device_key()
        payload_keys = {}
    raw_header = json.dumps(header, sort_keys=True).encode("utf-8")
    aead = AESGCM(key)
    prefix = base64.b64decode(header["prefix"])
    keys_blob = json.dumps(payload_keys, sort_keys=True).encode("utf-8")
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, open(plain_db, "rb") as src:
            out.write(MAGIC + struct.pack(">I", len(raw_header)) + raw_header)
            pending = struct.pack(">Q", len(keys_blob)) + keys_blob
            index = 0
            chunk = pending + src.read(CHUNK - len(pending)) if len(pending) < CHUNK else pending
            while True:
                following = src.read(CHUNK)
                last = not following
                sealed = aead.encrypt(_nonce(prefix, index, last), chunk, raw_header + struct.pack(">Q", index))
                out.write(struct.pack(">I", len(sealed)) + sealed)
                if last:
                    break
                chunk, index = following, index + 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _read_header(fh, name: str) -> tuple[dict, bytes]:
    size = fh.read(4)
    if len(size) < 4:
        raise SealedError(N_("“{name}” is cut off: it is not a whole backup."), name=name)
    (n,) = struct.unpack(">I", size)
    if n > 65536:
        raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name)
    raw = fh.read(n)
    try:
        header = json.loads(raw)
        if not isinstance(header, dict):
            raise ValueError
    except ValueError:
        raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name) from None
    return header, raw


def unseal(path: str | os.PathLike, dest: str | os.PathLike, *, passphrase: str | None = None) -> Opened:
    """Write the database sealed in ``path`` to ``dest`` (created 0600; must not exist) and return
    what else it carried. A plain SQLite backup (as older versions wrote) is copied as it is.
    Raises :class:`SealedError`, a sentence, and leaves no ``dest`` behind, when it cannot."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path, dest = Path(path), Path(dest)
    name = path.name
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    ok = False
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as fh:
            start = fh.read(len(MAGIC))
            if start == SQLITE_MAGIC:
                out.write(start)
                while block := fh.read(CHUNK):
                    out.write(block)
                ok = True
                return Opened("plain", {})
            if start != MAGIC:
                raise SealedError(N_("“{name}” is not a p311desk backup."), name=name)
            header, raw_header = _read_header(fh, name)
            if header.get("v") != VERSION or header.get("kind") not in (DEVICE, PORTABLE):
                raise SealedError(N_("“{name}” was made by a newer version of p311desk, or has been altered."),
                                  name=name)
            try:
                prefix = base64.b64decode(header["prefix"])
                if header["kind"] == PORTABLE:
                    if passphrase is None:
                        raise NeedsPassphrase(name=name)
                    kdf = header["kdf"]
                    if kdf.get("name") != "scrypt" or int(kdf["n"]) > 2 ** 20:
                        raise ValueError
                    key = _passphrase_key(passphrase, base64.b64decode(kdf["salt"]), kdf)
                    wrong = SealedError(N_("The passphrase does not open “{name}” (or the file has been altered)."),
                                        name=name)
                else:
                    device, key = header["device"], None
                    if device == keys.device_id():
                        key = _device_key()[1]
                    if key is None:
                        raise SealedError(N_("“{name}” was encrypted on another computer and only opens there. To "
                                          "move a database to another computer, make a portable backup."), name=name)
                    wrong = SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name)
            except (KeyError, ValueError, TypeError):
                raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name) from None
            aead = AESGCM(key)
            index, plain_keys, need = 0, None, None
            buffer = b""
            while True:
                size = fh.read(4)
                if len(size) < 4:
                    if index == 0 and not size:
                        raise SealedError(N_("“{name}” is cut off: it is not a whole backup."), name=name)
                    raise SealedError(N_("“{name}” is cut off: it is not a whole backup."), name=name)
                (n,) = struct.unpack(">I", size)
                if n > CHUNK + 16:
                    raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name)
                sealed_chunk = fh.read(n)
                if len(sealed_chunk) < n:
                    raise SealedError(N_("“{name}” is cut off: it is not a whole backup."), name=name)
                aad = raw_header + struct.pack(">Q", index)
                last = None
                for flag in (False, True):
                    try:
                        chunk = aead.decrypt(_nonce(prefix, index, flag), sealed_chunk, aad)
                        last = flag
                        break
                    except InvalidTag:
                        continue
                if last is None:
                    if index == 0:
                        raise wrong
                    raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name)
                if plain_keys is None:
                    buffer += chunk
                    if need is None and len(buffer) >= 8:
                        (need,) = struct.unpack(">Q", buffer[:8])
                        if need > 64 * 1024 * 1024:
                            raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name)
                    if need is not None and len(buffer) >= 8 + need:
                        plain_keys = json.loads(buffer[8:8 + need] or b"{}")
                        out.write(buffer[8 + need:])
                        buffer = b""
                else:
                    out.write(chunk)
                index += 1
                if last:
                    if fh.read(1):
                        raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name)
                    break
            if plain_keys is None:
                raise SealedError(N_("“{name}” has been altered: it cannot be opened."), name=name)
            out.flush()
            os.fsync(out.fileno())
            ok = True
            return Opened(header["kind"], plain_keys if isinstance(plain_keys, dict) else {})
    finally:
        if not ok:
            dest.unlink(missing_ok=True)


class NeedsPassphrase(SealedError):
    """A portable backup was given without a passphrase."""

    def __init__(self, **params) -> None:
        super().__init__(N_("“{name}” is a portable backup: give its passphrase to open it."), **params)


def iter_key_names(con) -> Iterator[tuple[str, str]]:
    """(kind, name) of every key a database needs elsewhere, read from its sqlite3 connection:
    ``secret`` names and ``value`` names in the key store."""
    devices = {r[0] for r in con.execute("SELECT DISTINCT device_id FROM audit_event") if r[0]}
    for device in sorted(devices):
        yield "secret", f"audit:{device}"
    row = con.execute("SELECT value FROM setting WHERE key = 'device_id'").fetchone()
    if row:
        database = json.loads(row[0]) if row[0] and row[0].startswith('"') else row[0]
        yield "secret", f"documents:{database}"
        yield "value", f"document-salt:{database}"
    try:
        for (qid,) in con.execute("SELECT id FROM vote_question"):
            import uuid

            yield "secret", f"ballots:{uuid.UUID(str(qid))}"
    except Exception:  # noqa: BLE001 - an older schema without votes
        return


def carried_keys(con) -> dict:
    names = list(iter_key_names(con))
    values = {}
    for kind, name in names:
        if kind == "value":
            value = keys.get_value(name)
            if value is not None:
                values[name] = value
    return {"secrets": keys.export_secrets([n for k, n in names if k == "secret"]), "values": values}


def import_carried(carried: dict) -> list[str]:
    written = keys.import_secrets(dict(carried.get("secrets") or {}))
    for name, value in (carried.get("values") or {}).items():
        if keys.get_value(name) != value:
            keys.set_value(name, value)
            written.append(name)
    return written
