"""Backups as users expect them: whole-database copies they can take, list, inspect and restore.

A backup is a consistent SQLite copy of the database (the kernel's :func:`p311desk.db.snapshot`,
``VACUUM INTO``), sealed with AES-256-GCM (:mod:`p311desk.backups.sealed`): with this computer's
backup key from the key store for the app's own copies and "Back up now", or with a passphrase
for a **portable** backup, which also carries the keys the database needs on another computer.
Copies the app takes by itself live in the ``backups`` folder beside the database (0700, files
0600), named by the UTC time they were taken and why (``p311desk-20261124T081500Z-daily.p311bak``):

- ``daily``: when the app opens, at most one a day; the last 7 are kept.
- ``session-closed``: when a session closes; the last 7 are kept.
- ``before-restore``: the database as it was just before a restore replaced it; the last 7 kept.
- ``manual``: "Back up now" without a file name; never deleted by the app.

Plain SQLite backups written by older versions (``.db``) are still listed, described and restored.

Restoring is one step. The backup is opened (decrypted) into a private working copy beside the
database, upgraded there if it is older, and its ``database.restored`` audit event (recording the
head it replaces) is written into that copy; the current database is kept as a ``before-restore``
backup; then the working copy replaces the database's content through SQLite's backup API, in
one transaction — so the content and its audit event land together or not at all, and another
window or process with the database open sees either the old content or the new, never a mix.
The anchor of the audit head moves last; a crash just before it leaves an anchor that the
restore event itself names as the head it replaced, which :func:`p311desk.audit.verify` accepts.
A portable backup's keys are imported before the swap (adding keys changes nothing else).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import secrets
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from p311desk import audit, keys, outbox
from p311desk.backups import sealed
from p311desk.db import (
    BUSY_TIMEOUT_S,
    PRIVATE_FOLDER,
    Database,
    is_busy,
    private_mode,
    script_directory,
    snapshot,
)
from p311desk.errors import DatabaseBusy, ValidationError
from p311desk.i18n import ngettext

FOLDER = "backups"
KEEP = 7
KEEP_BEFORE_UPGRADE = 3
AUTOMATIC_KINDS = ("daily", "session-closed", "before-restore")
KINDS = (*AUTOMATIC_KINDS, "manual")
SUFFIX = ".p311bak"
_NAME = re.compile(r"^p311desk-(\d{8}T\d{6}Z)-([a-z-]+)\.(?:db|p311bak)$")
_STAMP = "%Y%m%dT%H%M%SZ"
# What a database must hold to be one of ours (present since the first migration).
_TABLES = {"alembic_version", "participation_session", "participant", "attendance", "proposal"}


@dataclass(frozen=True)
class SessionLine:
    title: str
    starts_at: dt.datetime | None
    status: str


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds, to show before restoring it."""

    path: Path
    taken_at: dt.datetime  # UTC; from the name of a copy we took, else the file's time
    size: int
    revision: str
    needs_upgrade: bool  # made by an older version: restoring upgrades it
    sessions: list[SessionLine] = field(default_factory=list)  # the latest first, at most 20
    session_count: int = 0
    people: int = 0
    checked_in: int = 0
    proposals: int = 0
    last_change: dt.datetime | None = None  # the time of its last audit event (UTC)
    sealed: str = "plain"  # device (this computer's key) | portable (a passphrase) | plain (older)

    def holds(self) -> str:
        """“2 sessions, 300 people, 64 check-ins, 6 proposals”, in the user's language."""
        return ", ".join((
            ngettext("{n} session", "{n} sessions", self.session_count).format(n=self.session_count),
            ngettext("{n} person", "{n} people", self.people).format(n=self.people),
            ngettext("{n} check-in", "{n} check-ins", self.checked_in).format(n=self.checked_in),
            ngettext("{n} proposal", "{n} proposals", self.proposals).format(n=self.proposals),
        ))


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: str
    taken_at: dt.datetime


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupSummary
    kept: Path  # the database as it was before the restore


def backups_folder(db: Database) -> Path:
    return db.path.parent / FOLDER


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def default_backup_path(db: Database, kind: str = "manual", when: dt.datetime | None = None) -> Path:
    stamp = (when or _now()).astimezone(dt.timezone.utc).strftime(_STAMP)
    return backups_folder(db) / f"p311desk-{stamp}-{kind}{SUFFIX}"


def _private_folder(folder: Path) -> Path:
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
    private_mode(folder, PRIVATE_FOLDER)
    return folder


def _work_file(folder: Path, what: str) -> Path:
    """A private scratch file name beside the database (removed when done; a crash leaves one
    that the next backup or restore sweeps away)."""
    return folder / f".p311desk-{what}-{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _sweep(folder: Path) -> None:
    for stale in folder.glob(".p311desk-*.tmp"):
        try:
            pid = int(stale.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def list_backups(db: Database) -> list[BackupFile]:
    """The copies in the backups folder, newest first."""
    found = []
    folder = backups_folder(db)
    if folder.is_dir():
        for path in folder.iterdir():
            m = _NAME.match(path.name)
            if m and m.group(2) in KINDS and path.is_file():
                when = dt.datetime.strptime(m.group(1), _STAMP).replace(tzinfo=dt.timezone.utc)
                found.append(BackupFile(path, m.group(2), when))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def take_backup(db: Database, dest: str | Path | None = None, *, kind: str = "manual",
                overwrite: bool = False, passphrase: str | None = None) -> Path:
    """Copy the database, sealed, to ``dest`` (default: a new file in the backups folder).
    With ``passphrase`` the copy is a portable backup carrying the database's keys. Refuses to
    write over the database itself, and over an existing file unless ``overwrite`` (the user
    confirmed it in a file dialog); the old file is replaced only once the copy is complete."""
    if kind not in KINDS:
        raise ValueError(f"unknown backup kind {kind!r}")
    if passphrase is not None:
        sealed.check_passphrase(passphrase)
        if not dest:
            raise ValidationError("Say where to write the portable backup.")
    path = Path(dest) if dest else default_backup_path(db, kind)
    if _same_file(path, db.path) or path.name.startswith(db.path.name + "-"):
        raise ValidationError("A backup cannot be written over the database itself: choose another file.")
    if path.exists() and not (overwrite and path.is_file()):
        raise ValidationError("{path} already exists: choose another name (a backup never writes over a file).",
                              path=str(path))
    if path.parent == backups_folder(db):
        _private_folder(path.parent)
    elif not path.parent.is_dir():
        raise ValidationError("The folder {folder} does not exist.", folder=str(path.parent))
    work = _private_folder(backups_folder(db))
    _sweep(work)
    plain = _work_file(work, "copy")
    try:
        audit.anchor_now(db)  # the copy's head is anchored here too, whatever the anchoring pace
        snapshot(db.path, plain)
        carried = None
        if passphrase is not None:
            con = _open_read_only(plain)
            try:
                carried = sealed.carried_keys(con)
            finally:
                con.close()
        return sealed.seal(plain, path, passphrase=passphrase, carried_keys=carried)
    except DatabaseBusy:
        raise
    except (OSError, sqlite3.Error) as err:
        raise ValidationError("The backup could not be written to {path}: {reason}",
                              path=str(path), reason=getattr(err, "strerror", None) or str(err)) from err
    finally:
        plain.unlink(missing_ok=True)


def prune(db: Database, kind: str, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups of ``kind``; returns what went."""
    if kind not in AUTOMATIC_KINDS:
        return []  # manual backups are the user's: never deleted
    old = [b.path for b in list_backups(db) if b.kind == kind][keep:]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def automatic_backup(db: Database, kind: str, *, now: dt.datetime | None = None) -> Path | None:
    """The app's own copies: ``daily`` (at most one per local day) and ``session-closed``.
    Returns the new copy, or None when today's daily copy already exists."""
    if kind not in ("daily", "session-closed"):
        raise ValueError(f"not an automatic backup kind: {kind!r}")
    now = now or _now()
    if kind == "daily":
        today = now.astimezone().date()
        if any(b.kind == "daily" and b.taken_at.astimezone().date() == today for b in list_backups(db)):
            return None
    path = default_backup_path(db, kind, now)
    if path.exists():  # two in the same second
        return path
    path = take_backup(db, path, kind=kind)
    prune(db, kind)
    return path


# --- inspecting a backup --------------------------------------------------------------------------


def _open_read_only(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    return con


def _utc(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


@contextmanager
def opened_backup(path: str | Path, *, passphrase: str | None = None, work_dir: Path | None = None):
    """The backup at ``path`` as a plain, private SQLite file (a scratch copy, removed after
    the block) and what it carries: ``(plain path, sealed.Opened)``. Sentences for a missing,
    foreign, cut-off or altered file, a wrong passphrase or another computer's key."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError("There is no file {path}.", path=str(path))
    folder = _private_folder(Path(work_dir)) if work_dir is not None else Path(tempfile.gettempdir())
    plain = _work_file(folder, "open")
    try:
        try:
            opened = sealed.unseal(path, plain, passphrase=passphrase)
        except sealed.SealedError as err:
            if err.msgid == "“{name}” is not a p311desk backup.":
                raise ValidationError("“{name}” is not a p311desk database.", name=path.name) from None
            raise
        except OSError as err:
            raise ValidationError("{path} cannot be read: {reason}", path=str(path),
                                  reason=err.strerror or str(err)) from err
        yield plain, opened
    finally:
        for leftover in (plain, plain.with_name(plain.name + "-wal"), plain.with_name(plain.name + "-shm"),
                         plain.with_name(plain.name + "-journal")):
            leftover.unlink(missing_ok=True)


def describe_backup(path: str | Path, *, sessions_shown: int = 20, passphrase: str | None = None,
                    work_dir: Path | None = None) -> BackupSummary:
    """What the file holds. Refuses, with a sentence, a file that is missing, not a p311desk
    backup, cut off, altered, damaged, made by a newer version of p311desk, sealed on another
    computer, or portable and opened with a wrong passphrase."""
    with opened_backup(path, passphrase=passphrase, work_dir=work_dir) as (plain, opened):
        summary = _describe_plain(plain, Path(path).name, sessions_shown=sessions_shown)
    path = Path(path)
    return dataclasses.replace(summary, path=path, taken_at=_taken_at(path), size=path.stat().st_size,
                               sealed=opened.kind)


def _describe_plain(path: Path, name: str, *, sessions_shown: int = 20) -> BackupSummary:
    not_ours = ValidationError("“{name}” is not a p311desk database.", name=name)
    try:
        con = _open_read_only(path)
    except sqlite3.Error as err:
        raise not_ours from err
    try:
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as err:
            if is_busy(err):
                raise DatabaseBusy() from err
            raise not_ours from err
        if not _TABLES <= tables:
            raise not_ours
        check = con.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise ValidationError("“{name}” is damaged and cannot be restored (SQLite reports: {detail}).",
                                  name=name, detail=check)
        revisions = {r[0] for r in con.execute("SELECT version_num FROM alembic_version")}
        script = script_directory()
        known = {s.revision for s in script.walk_revisions()}
        if not revisions:
            raise not_ours
        if revisions - known:
            raise ValidationError("“{name}” was made by a newer version of p311desk: update the application "
                                  "to restore it.", name=name)
        count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        sessions = [SessionLine(title, _utc(starts), status) for title, starts, status in con.execute(
            "SELECT title, starts_at, status FROM participation_session "
            "ORDER BY starts_at IS NULL, starts_at DESC LIMIT ?", (sessions_shown,))]
        last = None
        if "audit_event" in tables:
            last = _utc(count("SELECT max(occurred_at) FROM audit_event"))
        return BackupSummary(
            path=path,
            taken_at=_taken_at(path),
            size=path.stat().st_size,
            revision=", ".join(sorted(revisions)),
            needs_upgrade=revisions != set(script.get_heads()),
            sessions=sessions,
            session_count=count("SELECT count(*) FROM participation_session"),
            people=count("SELECT count(*) FROM participant"),
            checked_in=count("SELECT count(*) FROM attendance"),
            proposals=count("SELECT count(*) FROM proposal"),
            last_change=last,
        )
    except sqlite3.DatabaseError as err:
        if is_busy(err):
            raise DatabaseBusy() from err
        raise ValidationError("“{name}” is damaged and cannot be restored (SQLite reports: {detail}).",
                              name=name, detail=str(err)) from err
    finally:
        con.close()


def _taken_at(path: Path) -> dt.datetime:
    m = _NAME.match(path.name)
    if m:
        return dt.datetime.strptime(m.group(1), _STAMP).replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)


# --- restoring ---------------------------------------------------------------------------------


def restore_backup(db: Database, source: str | Path, *, passphrase: str | None = None) -> RestoreResult:
    """Replace the database's content with the backup at ``source``, in one step (see the module
    docstring). The current database is kept first as a ``before-restore`` backup, named in the
    result. A portable backup's keys are imported into this computer's key store."""
    source = Path(source)
    if _same_file(source, db.path):
        raise ValidationError("That file is the database in use: choose a backup.")
    work_dir = _private_folder(backups_folder(db))
    _sweep(work_dir)
    with opened_backup(source, passphrase=passphrase, work_dir=work_dir) as (plain, opened):
        summary = dataclasses.replace(_describe_plain(plain, source.name), path=source,
                                      taken_at=_taken_at(source), size=source.stat().st_size,
                                      sealed=opened.kind)
        if opened.kind == sealed.PORTABLE:
            sealed.import_carried(opened.keys)
        with db.read() as s:
            replaced = audit.anchor_value(s)
            current_id = audit.database_device(s)
        kept = take_backup(db, default_backup_path(db, "before-restore"), kind="before-restore")
        prune(db, "before-restore")
        prepared = Database(plain)  # an older backup is upgraded here, like any older database
        try:
            with prepared.write() as s:
                s.info["audit.no_anchor"] = True  # the anchor moves once the content is in place
                # The chain now ends before the head anchored for the database: on purpose, and
                # said so in the chain (the event records the head it replaces).
                audit.rewind_anchor(s, "database.restored", payload={
                    "file": source.name, "taken_at": summary.taken_at.isoformat(timespec="seconds"),
                    "revision": summary.revision, "kept_as": kept.name}, replaced=replaced)
                # What was not sent in the backup may have been sent since: looked up, never resent.
                outbox.mark_unknown_after_restore(s)
            with prepared.read() as s:
                new_head = audit.head(s)
                new_id = audit.database_device(s)
            with prepared.engine.connect() as conn:  # everything into the file itself
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            prepared.close()
            if prepared.upgrade_snapshot is not None:  # the scratch copy's own pre-upgrade copy
                prepared.upgrade_snapshot.unlink(missing_ok=True)
        if new_id != current_id:
            # Another database's anchor: set it first, so a crash before the swap leaves the
            # current database (anchored under its own id) untouched.
            keys.set_value(f"audit-head:{new_id}", f"{new_head.count}:{new_head.hash}")
        _copy_into(plain, db.path, source.name)
    db.reload()
    with db.read() as s:
        audit.set_anchor(s, f"{new_head.count}:{new_head.hash}")
    return RestoreResult(summary, kept)


def _copy_into(plain: Path, target: Path, name: str) -> None:
    """The whole content of ``plain`` into the database ``target``, in one transaction."""
    src = _open_read_only(plain)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        dst.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        dst.execute("PRAGMA synchronous=FULL")
        if dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            src_size = src.execute("PRAGMA page_size").fetchone()[0]
            dst_size = dst.execute("PRAGMA page_size").fetchone()[0]
            if src_size != dst_size:
                raise ValidationError("“{name}” uses another page size ({size}) and cannot be restored over "
                                      "a database in use.", name=name, size=src_size)
        src.backup(dst)  # one step, under the write lock: others see all of it or none
    except sqlite3.OperationalError as err:
        if is_busy(err):
            raise DatabaseBusy() from err
        raise
    finally:
        src.close()
        dst.close()
