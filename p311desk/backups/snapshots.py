"""Backups as users expect them: whole-database copies they can take, list, inspect and restore.

A backup is a consistent SQLite copy of the database (the kernel's :func:`p311desk.db.snapshot`,
``VACUUM INTO``), so it opens in p311desk — or any SQLite tool — exactly as it was. Copies the
app takes by itself live in the ``backups`` folder beside the database, named by the UTC time
they were taken and why (``p311desk-20261124T081500Z-daily.db``):

- ``daily``: when the app opens, at most one a day; the last 7 are kept.
- ``session-closed``: when a session closes; the last 7 are kept.
- ``before-restore``: the database as it was just before a restore replaced it; the last 7 kept.
- ``manual``: "Back up now" without a file name; never deleted by the app.

Restoring checks the file first (a p311desk database, not damaged, not from a newer version),
keeps the current database as a ``before-restore`` backup, then copies the backup in through
SQLite's backup API, so another window or process with the database open sees either the old
content or the new, never a mix. An older backup is upgraded as any older database is. The
restore is recorded in the audit log, which re-anchors the log's head at the restored end.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from p311desk import audit
from p311desk.db import BUSY_TIMEOUT_S, Database, is_busy, script_directory, snapshot
from p311desk.errors import DatabaseBusy, ValidationError
from p311desk.i18n import ngettext

FOLDER = "backups"
KEEP = 7
AUTOMATIC_KINDS = ("daily", "session-closed", "before-restore")
KINDS = (*AUTOMATIC_KINDS, "manual")
_NAME = re.compile(r"^p311desk-(\d{8}T\d{6}Z)-([a-z-]+)\.db$")
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
    return backups_folder(db) / f"p311desk-{stamp}-{kind}.db"


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
                overwrite: bool = False) -> Path:
    """Copy the database to ``dest`` (default: a new file in the backups folder). Refuses to
    write over the database itself, and over an existing file unless ``overwrite`` (the user
    confirmed it in a file dialog); the old file is replaced only once the copy is complete."""
    if kind not in KINDS:
        raise ValueError(f"unknown backup kind {kind!r}")
    path = Path(dest) if dest else default_backup_path(db, kind)
    if _same_file(path, db.path) or path.name.startswith(db.path.name + "-"):
        raise ValidationError("A backup cannot be written over the database itself: choose another file.")
    if path.exists() and not (overwrite and path.is_file()):
        raise ValidationError("{path} already exists: choose another name (a backup never writes over a file).",
                              path=str(path))
    if path.parent == backups_folder(db):
        path.parent.mkdir(exist_ok=True)
    elif not path.parent.is_dir():
        raise ValidationError("The folder {folder} does not exist.", folder=str(path.parent))
    try:
        return snapshot(db.path, path)
    except DatabaseBusy:
        raise
    except (OSError, sqlite3.Error) as err:
        raise ValidationError("The backup could not be written to {path}: {reason}",
                              path=str(path), reason=getattr(err, "strerror", None) or str(err)) from err


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


def describe_backup(path: str | Path, *, sessions_shown: int = 20) -> BackupSummary:
    """What the file holds. Refuses, with a sentence, a file that is missing, not a p311desk
    database, damaged, or made by a newer version of p311desk."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ValidationError("There is no file {path}.", path=str(path))
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


def restore_backup(db: Database, source: str | Path) -> RestoreResult:
    """Replace the database's content with the backup at ``source`` (see the module docstring).
    The current database is kept first as a ``before-restore`` backup, named in the result."""
    source = Path(source)
    if _same_file(source, db.path):
        raise ValidationError("That file is the database in use: choose a backup.")
    summary = describe_backup(source)
    kept = take_backup(db, default_backup_path(db, "before-restore"), kind="before-restore")
    prune(db, "before-restore")
    src = _open_read_only(source)
    dst = sqlite3.connect(db.path, isolation_level=None)
    try:
        dst.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        dst.execute("PRAGMA synchronous=FULL")
        if dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            src_size = src.execute("PRAGMA page_size").fetchone()[0]
            dst_size = dst.execute("PRAGMA page_size").fetchone()[0]
            if src_size != dst_size:
                raise ValidationError("“{name}” uses another page size ({size}) and cannot be restored over "
                                      "a database in use.", name=source.name, size=src_size)
        src.backup(dst)  # one step, under the write lock: others see all of it or none
    except sqlite3.OperationalError as err:
        if is_busy(err):
            raise DatabaseBusy() from err
        raise
    finally:
        src.close()
        dst.close()
    db.reload()  # an older backup is upgraded here, like any older database
    with db.write() as s:
        # The chain now ends before the head anchored outside the database: on purpose, and said
        # so in the chain (the event records the head it replaces).
        audit.rewind_anchor(s, "database.restored", payload={
            "file": source.name, "taken_at": summary.taken_at.isoformat(timespec="seconds"),
            "revision": summary.revision, "kept_as": kept.name})
    return RestoreResult(summary, kept)
