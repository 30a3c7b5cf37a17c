"""Where save and open dialogs start: the user's Documents folder the first time, then the
folder last used for that kind of file (remembered in the UI settings, one entry per kind).

The dialogs are Qt's static ones (``QFileDialog.getSaveFileName`` / ``getOpenFileName``); the
proposed file name comes from the caller, already in the UI language.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog

KEY = "files/last_folder/{kind}"


def documents_dir() -> Path:
    """The user's Documents folder (their home where the system has none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path = Path(found) if found else Path.home()
    return path if path.is_dir() else Path.home()


def _settings(settings: QSettings | None) -> QSettings:
    return settings if settings is not None else QSettings()


def start_folder(kind: str, settings: QSettings | None = None) -> Path:
    """The folder last used for ``kind`` if it still exists, else Documents."""
    saved = _settings(settings).value(KEY.format(kind=kind), "")
    if saved and Path(str(saved)).is_dir():
        return Path(str(saved))
    return documents_dir()


def remember(kind: str, path: str, settings: QSettings | None = None) -> None:
    if path:
        _settings(settings).setValue(KEY.format(kind=kind), str(Path(path).parent))


def safe_file_name(text: str, suffix: str) -> str:
    """A file name from a title: letters (accents kept), digits, spaces, - and _."""
    safe = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in text).strip()
    return f"{safe[:80] or 'document'}{suffix}"


def save_path(parent, kind: str, title: str, file_name: str, file_filter: str,
              settings: QSettings | None = None) -> str:
    """Ask where to save; "" when cancelled. Starts in the kind's folder with ``file_name``."""
    start = start_folder(kind, settings) / file_name
    path, _chosen = QFileDialog.getSaveFileName(parent, title, str(start), file_filter)
    remember(kind, path, settings)
    return path


def open_path(parent, kind: str, title: str, file_filter: str, settings: QSettings | None = None) -> str:
    """Ask which file to open; "" when cancelled. Starts in the kind's folder."""
    path, _chosen = QFileDialog.getOpenFileName(parent, title, str(start_folder(kind, settings)), file_filter)
    remember(kind, path, settings)
    return path
