"""Opening the database: engine (WAL, foreign keys, synchronous=FULL), migrations, units of work.

Writes go through :meth:`Database.write`, a unit of work that starts with ``BEGIN IMMEDIATE``
(SQLite has one writer; taking the lock up front means a write never fails half-way because
another writer slipped in) and commits before returning: when ``write()`` returns, the change is
on disk. Reads use :meth:`Database.read`, a deferred transaction that never blocks a writer.
"""

from __future__ import annotations

import ast
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from p311desk import audit  # also installs the audit log's unit-of-work listeners
from p311desk.errors import DatabaseTooNew
from p311desk.models import Setting, Tracked

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # The driver must not open transactions on its own: we issue BEGIN ourselves below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def _revision_graph() -> dict[str, set[str]]:
    """revision -> its down revisions, read from the migration files without importing Alembic
    (Alembic costs ~0.15 s to import; start-up only needs to know whether to call it)."""
    graph: dict[str, set[str]] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revision = ast.literal_eval(found["revision"].strip())
        down = ast.literal_eval(found.get("down_revision", "None").strip())
        graph[revision] = set(down if isinstance(down, tuple | list) else [down] if down else [])
    return graph


def migration_heads() -> set[str]:
    graph = _revision_graph()
    referenced = set().union(*graph.values()) if graph else set()
    return set(graph) - referenced


def _known_revisions() -> set[str]:
    return set(_revision_graph())


def _current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
        conn.rollback()
    return {r[0] for r in rows}


def upgrade(engine: Engine, target: str = "heads") -> None:
    """Bring the schema to ``target`` (all heads by default). Refuses a database that is newer."""
    current = _current_revisions(engine)
    unknown = current - _known_revisions()
    if unknown:
        raise DatabaseTooNew()
    if current and current == migration_heads() and target == "heads":
        return  # fast path: nothing to do, and Alembic stays unimported at start-up
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), target)


class Database:
    """One SQLite database file, migrated on open, with read and write units of work."""

    def __init__(self, path: str | os.PathLike, *, migrate: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = _make_engine(self.path)
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        if migrate:
            upgrade(self.engine)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        self.device_id = self._ensure_device_id() if migrate else ""

    def _ensure_device_id(self) -> str:
        with self.read() as s:
            row = s.get(Setting, "device_id")
            legacy = s.get(Setting, audit.LEGACY_FLAG) is not None
            if row is not None and not legacy:
                return str(row.value)
        if legacy:
            self.device_id = str(row.value) if row is not None else ""
            with self.write() as s:  # a chain written before the audit key existed: seal it once
                if s.get(Setting, "device_id") is None:
                    s.add(Setting(key="device_id", value=str(uuid.uuid4())))
                    s.flush()
                audit.adopt_legacy_chain(s)
        with self.write() as s:
            row = s.get(Setting, "device_id")
            if row is None:
                row = Setting(key="device_id", value=str(uuid.uuid4()))
                s.add(row)
            return str(row.value)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends, rolls everything back on an exception."""
        session = self._writer()
        session.info["device_id"] = getattr(self, "device_id", "") or "unknown"
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._reader()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


@event.listens_for(Session, "before_flush")
def _stamp_origin(session: Session, _ctx, _instances) -> None:
    device = session.info.get("device_id")
    for obj in session.new:
        if isinstance(obj, Tracked) and not obj.origin_device:
            if not device:
                raise RuntimeError("writes must go through Database.write()")
            obj.origin_device = device


def open_database(data_dir: str | os.PathLike | None = None) -> Database:
    from p311desk.paths import database_path

    return Database(database_path(data_dir))
