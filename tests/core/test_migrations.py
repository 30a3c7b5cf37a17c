"""The schema Alembic builds matches the models; an older database is upgraded on open without
losing a row (foreign keys off while tables are rebuilt, a copy taken first); one head."""

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


def test_exactly_one_migration_head():
    heads = migration_heads()
    assert len(heads) == 1, f"the migration chain has forked: heads {sorted(heads)}; renumber yours"


# -- a migration that rebuilds parent tables ---------------------------------------------------

REBUILD = '''"""Test only: rebuild two parent tables the way Alembic's batch mode does (copy, drop, rename).

Revision ID: 9001
Revises: {head}
"""
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("participant", "participation_session"):
        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.add_column(sa.Column("rebuilt_for_test", sa.Integer(), nullable=True))


def downgrade() -> None:
    pass
'''


@pytest.fixture
def rebuild_migration(tmp_path, monkeypatch):
    """The real migrations plus one that rebuilds ``participant`` and ``participation_session``
    (call the fixture's value to switch to them)."""
    import shutil

    from p311desk import db as db_module

    (head,) = migration_heads()
    location = tmp_path / "migrations"
    shutil.copytree(db_module.MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    (location / "versions" / "9001_rebuild_parents.py").write_text(REBUILD.format(head=head))

    def ship_it() -> str:
        """From now on the app ships the extra migration; returns the head before it."""
        monkeypatch.setattr(db_module, "MIGRATIONS_DIR", location)
        return head

    return ship_it


def _populated_database(path):
    """A database at the current head with children of both parents: registrations,
    attendance and proposals."""
    from p311desk import attendance, participants, proposals, sessions

    db = Database(path)
    with db.write() as s:
        sid = sessions.create_session(s, title="Assemblea", enforce_min_age=False).id
        sessions.open_session(s, sid)
        people = [participants.add_participant(s, given_name=f"Persona {i}", age_confirmed=True)
                  for i in range(12)]
        for person in people:
            participants.register(s, sid, person.id)
        for person in people[:7]:
            attendance.check_in(s, sid, person.checkin_code, method="qr")
        for i in range(3):
            proposals.add_proposal(s, sid, title=f"Una proposta prou llarga número {i}")
    db.close()
    return sid


CHILDREN = ("registration", "attendance", "proposal", "audit_event")


def _counts(path):
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("participant", "participation_session", *CHILDREN)}
    finally:
        con.close()


def test_rebuilding_parent_tables_keeps_every_child(tmp_path, rebuild_migration):
    path = tmp_path / "p.db"
    _populated_database(path)
    old_head = rebuild_migration()
    before = _counts(path)
    assert before["registration"] == 12 and before["attendance"] == 7 and before["proposal"] == 3

    db = Database(path)  # opening upgrades to 9001
    with db.read() as s:
        current = {r[0] for r in s.connection().exec_driver_sql("SELECT version_num FROM alembic_version")}
        columns = {r[1] for r in s.connection().exec_driver_sql("PRAGMA table_info('participant')")}
        fk_on = s.connection().exec_driver_sql("PRAGMA foreign_keys").scalar()
    snapshot = db.upgrade_snapshot
    db.close()
    assert current == {"9001"} and "rebuilt_for_test" in columns
    assert _counts(path) == before, "a child row was lost while its parent table was rebuilt"
    assert fk_on == 1, "foreign keys must be back on after the upgrade"
    # The copy taken before the upgrade sits next to the database and holds the old schema.
    assert snapshot is not None and snapshot.parent == path.parent and snapshot.exists()
    assert _counts(snapshot) == before
    con = sqlite3.connect(snapshot)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old_head
    con.close()


def test_the_same_rebuild_with_foreign_keys_on_would_cascade(tmp_path, rebuild_migration):
    """The control for the test above: without db.upgrade's care, the rebuild deletes children."""
    from alembic import command

    from p311desk import db as db_module

    path = tmp_path / "p.db"
    _populated_database(path)
    rebuild_migration()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        command.upgrade(db_module._alembic_config(conn), "heads")
    engine.dispose()
    after = _counts(path)
    assert after["registration"] == 0 and after["attendance"] == 0 and after["proposal"] == 0


def test_a_dangling_reference_refuses_the_upgrade_and_changes_nothing(tmp_path, rebuild_migration):
    from p311desk.errors import UpgradeFailed

    path = tmp_path / "p.db"
    _populated_database(path)
    old_head = rebuild_migration()
    con = sqlite3.connect(path)
    # A registration whose person is gone (written by some old version with foreign keys off).
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("UPDATE registration SET participant_id = ? WHERE rowid = "
                "(SELECT min(rowid) FROM registration)", ("f" * 32,))
    con.commit()
    con.close()
    before = _counts(path)

    with pytest.raises(UpgradeFailed) as refused:
        Database(path)
    message = refused.value.message()
    (copy,) = tmp_path.glob("p.before-upgrade-*.db")
    assert str(copy) in message and "registration" in message and "participant" in message
    assert _counts(path) == before and _counts(copy) == before
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old_head
    assert "rebuilt_for_test" not in {r[1] for r in con.execute("PRAGMA table_info('participant')")}
    con.close()


def test_migrations_are_found_without_python_sources(tmp_path, monkeypatch):
    """A packaged build may ship only compiled files: revisions are still found and run."""
    import compileall
    import shutil

    from p311desk import db as db_module

    expected = migration_heads()
    location = tmp_path / "migrations"
    shutil.copytree(db_module.MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    assert compileall.compile_dir(location, legacy=True, quiet=1)
    for source in location.rglob("*.py"):
        source.unlink()
    monkeypatch.setattr(db_module, "MIGRATIONS_DIR", location)
    assert migration_heads() == expected

    current = tmp_path / "current.db"
    Database(current).close()  # created from compiled migrations; reopened: not "too new"
    Database(current).close()
    old = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{old}")
    upgrade(engine, "0001")
    engine.dispose()
    db = Database(old)
    with db.read() as s:
        version = {r[0] for r in s.connection().exec_driver_sql("SELECT version_num FROM alembic_version")}
    db.close()
    assert version == expected


def test_an_up_to_date_database_opens_without_importing_alembic(tmp_path):
    """Alembic's answer is remembered per set of migration files: start-up does not pay for it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import sys; from p311desk.db import Database; Database(sys.argv[1]).close(); "
            "print('alembic' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = lambda: subprocess.run([sys.executable, "-c", code, str(tmp_path / "d.db")], cwd=root, env=env,  # noqa: E731
                                 capture_output=True, text=True, timeout=60).stdout.strip()
    assert run() == "True"  # created: Alembic ran
    assert run() == "False"  # reopened: known to be at the head without it
