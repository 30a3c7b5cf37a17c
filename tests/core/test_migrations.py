"""The schema Alembic builds matches the models, and an older database is upgraded on open."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from p311desk.db import Database, migration_heads, upgrade
from p311desk.errors import DatabaseTooNew
from p311desk.models import Base


def test_migrations_match_models(tmp_path):
    db = Database(tmp_path / "m.db")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.close()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_old_database_is_upgraded_on_open(tmp_path):
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")  # a database as the first release left it
    engine.dispose()
    db = Database(path)
    with db.engine.connect() as conn:
        current = {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    db.close()
    assert current == migration_heads()


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Database(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    with pytest.raises(DatabaseTooNew):
        Database(path)


def test_pragmas(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
