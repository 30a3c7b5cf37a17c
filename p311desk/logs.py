"""The log file: ``logs/p311desk.log`` in the data folder, rotated (5 files of 1 MB).

When something unexpected happens the user gets a sentence naming this file, and whoever helps
them reads the details here. Log lines are English. They never carry secrets or personal data:
exception texts go through :func:`scrub`, which drops SQL parameters (they may hold names, codes
or key material) and anything that looks like a key or a token.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

LOG_FOLDER = "logs"
LOG_FILENAME = "p311desk.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 4

_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\n|$)", re.S)
_SECRETS = re.compile(r"(?i)\b(token|password|secret|key|authorization)(\s*[=:]\s*)\S+")
_LONG_HEX = re.compile(r"\b[0-9a-fA-F]{40,}\b")


def scrub(text: str) -> str:
    """A message or traceback without SQL parameters, secrets or long keys."""
    text = _SQL_PARAMETERS.sub("[parameters hidden]", text)
    text = _SECRETS.sub(r"\1\2[hidden]", text)
    return _LONG_HEX.sub("[hidden]", text)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log file (and each rotated one, which is renamed from it) readable only by the user."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.name != "nt":
            os.chmod(self.baseFilename, 0o600)  # a file an older version left more open
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


class _ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def log_path(data_folder: str | Path) -> Path:
    return Path(data_folder) / LOG_FOLDER / LOG_FILENAME


def setup_file_logging(data_folder: str | Path) -> Path:
    """Send this process's log records to the data folder's rotating log file (once per file)."""
    path = log_path(data_folder)
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == path.resolve():
            return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.name != "nt":
        os.chmod(path.parent, 0o700)
    handler = _PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                          encoding="utf-8", delay=True)
    handler.setFormatter(_ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return path


def stop_file_logging(path: Path | None = None) -> None:
    """Close the log file at ``path`` (all of them if None): a process that serves several data
    folders one after the other (the tests) keeps no handler open on a folder it left."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler) and (
                path is None or Path(handler.baseFilename) == Path(path).resolve()):
            root.removeHandler(handler)
            handler.close()
