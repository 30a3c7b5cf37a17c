"""Where p311desk keeps its files: the data directory (database), cache, and bundled resources.

The data directory comes from ``--data-dir``, else ``P311DESK_DATA_DIR``, else the platform's
per-user data directory. Nothing else in the core decides paths.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "p311desk"
DB_FILENAME = "p311desk.db"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    if override:
        path = Path(override)
    elif os.environ.get("P311DESK_DATA_DIR"):
        path = Path(os.environ["P311DESK_DATA_DIR"])
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    if os.environ.get("P311DESK_CACHE_DIR"):
        path = Path(os.environ["P311DESK_CACHE_DIR"])
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path(override: str | os.PathLike | None = None) -> Path:
    return data_dir(override) / DB_FILENAME


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (icons, translation catalogs, consent texts)."""
    import resources

    return Path(resources.__file__).parent
