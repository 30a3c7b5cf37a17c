"""Where p311desk keeps its files: the data directory (database), cache, and bundled resources.

The data directory comes from ``--data-dir``, else ``P311DESK_DATA_DIR``, else the platform's
per-user data directory. Nothing else in the core decides paths.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from p311desk.errors import ValidationError

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
    if path.exists() and not path.is_dir():
        raise ValidationError("The data folder {path} is a file, not a folder. Choose a folder with "
                              "--data-dir.", path=str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValidationError("The data folder {path} cannot be created: {reason}", path=str(path),
                              reason=err.strerror or str(err)) from None
    _private_folder(path)
    return path


def _private_folder(path: Path) -> None:
    """The data folder is the user's alone (0700) where the platform has modes."""
    if os.name == "nt":
        return
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError:  # a folder owned by someone else: its owner decides
        pass


def check_output_file(path: str | os.PathLike, suffixes: Iterable[str], data_folder: Path | None) -> Path:
    """Refuse to write ``path`` unless it has one of ``suffixes``, its folder exists, and it is
    not the database or any other file in the data folder (backups, keys, logs live there)."""
    path = Path(path)
    suffixes = tuple(suffixes)
    if path.suffix.lower() not in suffixes:
        raise ValidationError("This export writes {formats} files, not “{file}”. Give the file one of "
                              "those extensions.", formats=", ".join(suffixes), file=path.name)
    folder = path.parent
    if not folder.is_dir():
        raise ValidationError("The folder {folder} does not exist. Create it first or choose another one.",
                              folder=str(folder))
    if path.is_dir():
        raise ValidationError("{file} is a folder. Give the name of a file to write.", file=str(path))
    if data_folder is not None:
        target, data = path.resolve(), Path(data_folder).resolve()
        if target == data or data in target.parents:
            raise ValidationError("{file} is inside the data folder ({folder}), where the database and its "
                                  "backups live. Choose a file outside it.", file=str(path), folder=str(data))
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


def app_data(*parts: str) -> Path:
    """A file or folder the app ships, by its path from the project root: ``app_data("resources")``,
    ``app_data("p311desk", "migrations")``, ``app_data("sync", "schemas")``.

    From source or an installed wheel the packages sit side by side, so the root is the folder
    above ``p311desk/``; in a PyInstaller build it is the bundle's data folder (``sys._MEIPASS``,
    ``_internal/`` beside the executable), where the spec file puts the same tree. The only place
    that knows the difference: code never does ``__file__`` arithmetic to find its data.
    """
    if getattr(sys, "frozen", False):
        root = Path(getattr(sys, "_MEIPASS", Path(sys.executable).resolve().parent))
    else:
        root = Path(__file__).resolve().parent.parent
    return root.joinpath(*parts)


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (icons, translation catalogs, consent texts)."""
    return app_data("resources")
