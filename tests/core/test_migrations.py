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


def test_old_database_is_upgraded_on_open_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")  # a database as the first release left it, with a session in it
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO participation_session (id, title, kind, status, place, language, notes, "
            "enforce_min_age, min_age, created_at, updated_at, origin_device) VALUES "
            "('0123456789abcdef0123456789abcdef', 'Assemblea antiga', 'meeting', 'open', '', 'ca', '', "
            "1, 14, '2026-01-10 18:00:00.000000', '2026-01-10 18:00:00.000000', 'old-laptop')")
        indexes = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list('registration')")}
    engine.dispose()
    assert "ix_registration_session_code" not in indexes
    assert migration_heads() != {"0001"}, "this test needs a migration after 0001"

    db = Database(path)
    with db.engine.connect() as conn:
        current = {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
        indexes = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list('registration')")}
    from p311desk import sessions

    with db.read() as s:
        (old,) = sessions.list_sessions(s)
    db.close()
    assert current == migration_heads()
    assert "ix_registration_session_code" in indexes
    assert old.title == "Assemblea antiga" and old.status == "open"


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
