"""Make a database as an older release left it, for installers/smoke.sh (run with the source).

    python installers/old_database.py DATA_DIR [REVISION]

Creates DATA_DIR/p311desk.db at migration REVISION (default 0001, the first release) with one
session in it, so that the build under test must copy it aside and upgrade it when it opens it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import create_engine

from p311desk.db import upgrade
from p311desk.paths import DB_FILENAME


def main(folder: str, revision: str = "0001") -> None:
    path = Path(folder) / DB_FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise SystemExit(f"{path} exists already")
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    with engine.begin() as conn:  # the participation_session columns of 0001
        conn.exec_driver_sql(
            "INSERT INTO participation_session (id, title, kind, status, place, language, notes, "
            "enforce_min_age, min_age, created_at, updated_at, origin_device) VALUES "
            "('0123456789abcdef0123456789abcdef', 'Assemblea d''abans de l''actualització', 'meeting', "
            "'open', '', 'ca', '', 1, 14, '2026-01-10 18:00:00.000000', '2026-01-10 18:00:00.000000', "
            "'old-laptop')")
        (current,) = conn.exec_driver_sql("SELECT version_num FROM alembic_version").one()
    engine.dispose()
    print(f"{path}: a database at migration {current} with one session")


if __name__ == "__main__":
    main(*sys.argv[1:])
