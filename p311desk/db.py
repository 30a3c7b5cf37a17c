"""Opening the database: engine (WAL, foreign keys, synchronous=FULL), migrations, units of work.

Writes go through :meth:`Database.write`, a unit of work that starts with ``BEGIN IMMEDIATE``
(SQLite has one writer; taking the lock up front means a write never fails half-way because
another writer slipped in) and commits before returning: when ``write()`` returns, the change is
on disk. Reads use :meth:`Database.read`, a deferred transaction on connections that run
``PRAGMA query_only``: a read never writes, and it ends with a rollback, never a commit.

A writer that finds the database busy (another program or process is writing) waits and
retries for :data:`BUSY_TIMEOUT_S` seconds, then raises :class:`DatabaseBusy`, a sentence.

Migrations (:func:`upgrade`) are found through Alembic's script directory (source or compiled
files alike). Before an existing database is upgraded, a consistent copy is taken next to it
(:func:`snapshot`); the upgrade runs in one transaction with foreign keys off (so rebuilding a
parent table never cascades into its children), and commits only if ``PRAGMA foreign_key_check``
finds nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from p311desk import audit  # also installs the audit log's unit-of-work listeners
from p311desk.errors import DatabaseBusy, DatabaseTooNew, DatabaseUnsafe, DomainError, UpgradeFailed
from p311desk.models import Setting, Tracked
from p311desk.paths import app_data
from p311desk.text import CONTROL_CHARACTERS, strip_controls

log = logging.getLogger(__name__)

MIGRATIONS_DIR = app_data("p311desk", "migrations")
BUSY_TIMEOUT_S = 8.0  # how long a writer waits for another one before saying the database is busy


def _configure_connection(dbapi_conn: sqlite3.Connection, *, query_only: bool) -> None:
    # The driver must not open transactions on its own: we issue BEGIN ourselves below.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    try:
        # The busy handler first: switching a new file to WAL needs a lock another process may hold.
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        if query_only:
            cur.execute("PRAGMA query_only=ON")
        # Read the settings back: a folder whose file system cannot do WAL (some network shares)
        # silently keeps the old journal, and we would rather say so than run unsafely.
        synchronous = cur.execute("PRAGMA synchronous").fetchone()[0]
    except sqlite3.OperationalError as err:
        if is_busy(err):
            raise DatabaseBusy() from err
        raise
    finally:
        cur.close()
    if str(mode).lower() != "wal" or synchronous != 2:
        folder = Path(dbapi_conn.execute("PRAGMA database_list").fetchone()[2]).parent
        raise DatabaseUnsafe(folder=str(folder))


def _make_engine(path: Path, *, query_only: bool = False) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        _configure_connection(dbapi_conn, query_only=query_only)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_busy(err: BaseException) -> bool:
    """True for SQLite's "database is locked/busy" (another connection holds the write lock)."""
    orig = getattr(err, "orig", err)
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(orig).lower()
    return "locked" in text or "busy" in text


@contextmanager
def _busy_is_a_sentence() -> Iterator[None]:
    try:
        yield
    except OperationalError as err:
        if is_busy(err):
            raise DatabaseBusy() from err
        raise


# -- migrations --------------------------------------------------------------------------------

def _alembic_config(connection=None, location: Path | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(location or MIGRATIONS_DIR))
    # Find revisions in compiled files too: a packaged build may ship no .py sources.
    cfg.set_main_option("sourceless", "true")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.lru_cache(maxsize=4)
def _script_directory(location: str):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(location=Path(location)))


def script_directory():
    """Alembic's view of the migrations this build ships (cached per process)."""
    return _script_directory(str(MIGRATIONS_DIR))


def migration_heads() -> set[str]:
    return set(script_directory().get_heads())


def _known_revisions() -> set[str]:
    return {script.revision for script in script_directory().walk_revisions()}


# Importing Alembic costs more than opening the database. Its answer (the heads) is remembered in
# the cache folder under a fingerprint of the migration files (names, sizes, times), so an
# up-to-date database opens without it; any new, changed or removed file asks Alembic again.

def _migrations_fingerprint() -> str:
    import hashlib

    versions = Path(MIGRATIONS_DIR) / "versions"
    entries = []
    for folder in (versions, versions / "__pycache__"):
        if folder.is_dir():
            for entry in os.scandir(folder):
                st = entry.stat()
                entries.append(f"{folder.name}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def _heads_cache() -> Path:
    from p311desk.paths import cache_dir

    return cache_dir() / "migration-heads.json"


def _cached_heads(fingerprint: str) -> set[str] | None:
    import json

    try:
        data = json.loads(_heads_cache().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint:
        return None
    return set(data.get("heads") or []) or None


def _remember_heads(fingerprint: str, heads: set[str]) -> None:
    import json

    path = _heads_cache()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "heads": sorted(heads)}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # only a cache
        tmp.unlink(missing_ok=True)


def _current_revisions(engine: Engine) -> set[str]:
    with _busy_is_a_sentence(), engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            conn.rollback()
            return set()
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
        conn.rollback()
    return {r[0] for r in rows}


PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_mode(path: str | os.PathLike, mode: int = PRIVATE_FILE) -> None:
    """Make ``path`` readable only by the user (where the platform has modes: not on Windows,
    whose per-user folders are private already)."""
    if os.name == "nt":
        return
    try:
        os.chmod(path, mode)
    except FileNotFoundError:
        pass


def _private_file(path: Path) -> None:
    """The database (and SQLite's -wal/-shm, which take the database's mode) private: created
    0600 before SQLite first opens it, and set back to 0600 if it was more open."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        os.close(fd)
    except OSError:
        return  # SQLite will say what is wrong with the place
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            private_mode(candidate)


def create_private(path: str | os.PathLike) -> None:
    """Create the empty file ``path`` readable only by the user (it must not exist)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.close(fd)
    private_mode(path)  # a umask cannot widen O_CREAT's mode, but an inherited ACL might


def snapshot(source: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """A consistent copy of the database ``source`` at ``dest`` (``VACUUM INTO``), on disk when
    this returns: written beside ``dest`` first, flushed, then renamed into place, so a crash
    never leaves a half-written copy under the final name. Writers may keep working meanwhile."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        create_private(tmp)  # VACUUM INTO writes into an empty file and keeps its mode
    except OSError:
        pass  # e.g. /proc: VACUUM INTO will say why it cannot write there
    con = sqlite3.connect(Path(source), isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("VACUUM INTO ?", (str(tmp),))
    except sqlite3.OperationalError as err:
        tmp.unlink(missing_ok=True)
        if is_busy(err):
            raise DatabaseBusy() from err
        raise
    finally:
        con.close()
    # VACUUM INTO does not sync the file it writes.
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dest)
    _fsync_dir(dest.parent)
    return dest


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; its rename is durable already
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


KEEP_BEFORE_UPGRADE = 3
_STAMPED = re.compile(r"-(\d{8}T\d{6}Z)$")


def prune_pre_upgrade_copies(db_path: Path, keep: int = KEEP_BEFORE_UPGRADE) -> list[Path]:
    """Delete all but the newest ``keep`` copies taken before upgrades (by the time in their name)."""
    found = []
    for path in db_path.parent.glob(f"{db_path.stem}.before-upgrade-*{db_path.suffix}"):
        m = _STAMPED.search(path.name[: -len(db_path.suffix)] if db_path.suffix else path.name)
        if m and path.is_file():
            found.append((m.group(1), path))
    old = [path for _stamp, path in sorted(found, reverse=True)[keep:]]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def pre_upgrade_snapshot_path(db_path: Path, current: set[str]) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    revision = "-".join(sorted(current)) or "empty"
    return db_path.with_name(f"{db_path.stem}.before-upgrade-{revision}-{stamp}{db_path.suffix}")


def upgrade(engine: Engine, target: str = "heads", *, report: dict | None = None) -> Path | None:
    """Bring the schema to ``target`` (all heads by default). Refuses a database that is newer.

    An existing database is copied next to itself first (the copy's path is returned, None when
    nothing had to change or the database was new). The migrations run in one transaction with
    foreign keys off and commit only if ``PRAGMA foreign_key_check`` reports nothing; on any
    failure the database is left as it was and :class:`UpgradeFailed` names the copy.
    """
    current = _current_revisions(engine)
    if report is not None:
        report["from"] = set(current)  # what this open found (before any migration ran)
    fingerprint = _migrations_fingerprint()
    if current and target == "heads" and current == _cached_heads(fingerprint):
        return None  # up to date, known without importing Alembic
    if current - _known_revisions():
        raise DatabaseTooNew()
    heads = migration_heads()
    _remember_heads(fingerprint, heads)
    if current and current == heads and target == "heads":
        return None  # nothing to do
    db_path = Path(engine.url.database)
    copy = None
    if current:
        copy = pre_upgrade_snapshot_path(db_path, current)
        try:
            snapshot(db_path, copy)
        except (OSError, sqlite3.Error) as err:
            raise UpgradeFailed("The database could not be copied before upgrading it, so it was "
                                "not upgraded and nothing was changed: {reason}", reason=str(err)) from err
        log.info("copied the database to %s before upgrading it from %s", copy, sorted(current))
        prune_pre_upgrade_copies(db_path)
    try:
        _run_migrations(engine, target)
    except DatabaseBusy:
        raise
    except Exception as err:
        reason = err.message() if isinstance(err, DomainError) else f"{type(err).__name__}: {err}"
        log.error("upgrade of %s failed: %s", db_path, reason, exc_info=not isinstance(err, DomainError))
        if copy is None:
            raise UpgradeFailed("The database could not be created: {reason}", reason=reason) from err
        raise UpgradeFailed(backup=str(copy), reason=reason) from err
    return copy


def _run_migrations(engine: Engine, target: str) -> None:
    from alembic import command

    with _busy_is_a_sentence(), engine.execution_options(sqlite_begin="IMMEDIATE").connect() as conn:
        raw = conn.connection.driver_connection
        # Only takes effect outside a transaction, hence on the raw connection before BEGIN.
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            if raw.execute("PRAGMA foreign_keys").fetchone()[0] != 0:
                raise RuntimeError("could not turn foreign keys off for the migration")
            with conn.begin():
                # Alembic reads the current revision again under the write lock: a process that
                # upgraded meanwhile leaves nothing to do.
                command.upgrade(_alembic_config(conn), target)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    table, _rowid, parent, _fk = broken[0]
                    raise UpgradeFailed(
                        "The upgrade would leave rows pointing at rows that do not exist "
                        "({n} in all; the first in “{table}”, pointing at “{parent}”), so it was not done.",
                        n=len(broken), table=table, parent=parent)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


class Database:
    """One SQLite database file, migrated on open, with read and write units of work."""

    def __init__(self, path: str | os.PathLike, *, migrate: bool = True) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            private_mode(self.path.parent, PRIVATE_FOLDER)
        self.engine = _make_engine(self.path)
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read_engine = _make_engine(self.path, query_only=True)
        self.upgrade_snapshot: Path | None = None  # the copy taken before an upgrade on open
        self._migrated: dict = {}
        if migrate:
            _private_file(self.path)
            self.upgrade_snapshot = upgrade(self.engine, report=self._migrated)
        self._reader = sessionmaker(bind=self._read_engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        self.device_id = self._ensure_device_id() if migrate else ""

    def _ensure_device_id(self) -> str:
        """The database's own id (its anchor's and document key's name; stamped on the rows it
        makes). Made once, for a database that has no audit log yet: a database whose id was
        deleted behind the log's back gets none (``audit verify`` names the deleted setting),
        so deleting it never makes a fresh start."""
        migrated_from = self._migrated.get("from") or set()
        with self.read() as s:
            row = s.get(Setting, "device_id")
            legacy = s.get(Setting, audit.LEGACY_FLAG) is not None
            has_log = audit.head(s).count > 0 or audit._next_seq(s) > 1
            if row is not None and not legacy:
                return str(row.value)
        legacy = legacy and bool(migrated_from) and migrated_from <= audit.LEGACY_REVISIONS
        if legacy:  # only when this very open has just run the migration that flags it
            self.device_id = str(row.value) if row is not None else ""
            with self.write() as s:  # a chain written before the audit key existed: seal it once
                if s.get(Setting, "device_id") is None:
                    s.add(Setting(key="device_id", value=str(uuid.uuid4())))
                    s.flush()
                audit.adopt_legacy_chain(s, just_migrated_from=migrated_from)
        with self.write() as s:
            row = s.get(Setting, "device_id")
            if row is None:
                if has_log and not legacy:
                    log.warning("the database's device_id setting is missing but it has an audit log; "
                                "not making a new one")
                    return ""
                s.info["audit.defer_to_first_event"] = True
                row = Setting(key="device_id", value=str(uuid.uuid4()))
                s.add(row)
            return str(row.value)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends, rolls everything back on an exception.
        Waits up to :data:`BUSY_TIMEOUT_S` for another writer, then raises :class:`DatabaseBusy`."""
        session = self._writer()
        session.info["device_id"] = getattr(self, "device_id", "") or "unknown"
        try:
            with _busy_is_a_sentence(), session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: a snapshot of the database that ends with a rollback.
        Its connection runs ``PRAGMA query_only``, so an accidental write raises at once."""
        session = self._reader()
        session.info["read_only"] = True
        try:
            with _busy_is_a_sentence():
                yield session
        finally:
            session.close()  # rolls back; loaded objects stay usable (detached, not expired)

    def reload(self) -> None:
        """After the file's content was replaced underneath (a restore): drop pooled connections,
        upgrade the content if it is older, and read its device id again."""
        self.engine.dispose()
        self._read_engine.dispose()
        self._migrated = {}
        self.upgrade_snapshot = upgrade(self.engine, report=self._migrated)
        self.device_id = ""
        self.device_id = self._ensure_device_id()

    def snapshot(self, dest: str | os.PathLike) -> Path:
        """A consistent copy of this database at ``dest`` (see :func:`snapshot`)."""
        return snapshot(self.path, dest)

    def close(self) -> None:
        audit.flush_anchors()  # an anchor deferred by the anchoring pace is written now
        self.engine.dispose()
        self._read_engine.dispose()


@event.listens_for(Session, "before_flush")
def _stamp_origin(session: Session, _ctx, _instances) -> None:
    device = session.info.get("device_id")
    for obj in session.new:
        if isinstance(obj, Tracked) and not obj.origin_device:
            if not device:
                raise RuntimeError("writes must go through Database.write()")
            obj.origin_device = device


_NOT_CLEANED = frozenset({"audit_event", "audit_state", "outbox"})  # hashed or frozen as written


def _clean_value(value):
    if isinstance(value, str):
        return strip_controls(value) if CONTROL_CHARACTERS.search(value) else value
    if isinstance(value, dict):
        # A text made only of control characters or escape sequences is no text: its entry goes,
        # as if it had never been typed (a translation {"ca": ""} would differ from {} on import).
        out = {}
        for k, v in value.items():
            cleaned = _clean_value(v)
            if isinstance(v, str) and v and not cleaned:
                continue
            out[k] = cleaned
        return out
    if isinstance(value, list):
        return [_clean_value(v) for v in value]
    return value


@event.listens_for(Session, "before_flush")
def _drop_invisible_controls(session: Session, _ctx, _instances) -> None:
    """Every text typed or imported reaches the file without control characters, terminal
    escape sequences or bidirectional overrides (:func:`p311desk.text.strip_controls`), whatever
    door it came through: a title that reads one way on screen and another in the file, or that
    rewrites a terminal, is never stored."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        mapper = state.mapper
        if mapper.local_table.name in _NOT_CLEANED:
            continue
        fresh = obj in session.new
        for prop in mapper.column_attrs:
            key = prop.key
            if not fresh and not state.attrs[key].history.has_changes():
                continue
            value = getattr(obj, key)
            if isinstance(value, (str, dict, list)):
                cleaned = _clean_value(value)
                if cleaned != value:
                    setattr(obj, key, cleaned)


def open_database(data_dir: str | os.PathLike | None = None) -> Database:
    from p311desk.paths import database_path

    return Database(database_path(data_dir))
