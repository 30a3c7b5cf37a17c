"""The whole database out of the app and back: backups (consistent SQLite copies, automatic and on
demand, inspected and restored) and the XLSX export with one sheet per table.

This is the package's public surface; other packages, the CLI and the UI use only these names."""

from __future__ import annotations

from p311desk.backups.export import (
    export_database,
)
from p311desk.backups.sealed import (
    MIN_PASSPHRASE,
    PORTABLE,
    SealedError,
    check_passphrase,
    kind_of,
)
from p311desk.backups.snapshots import (
    KEEP,
    BackupFile,
    BackupSummary,
    RestoreResult,
    SessionLine,
    automatic_backup,
    backups_folder,
    default_backup_path,
    describe_backup,
    list_backups,
    opened_backup,
    restore_backup,
    take_backup,
)

__all__ = [
    "MIN_PASSPHRASE",
    "PORTABLE",
    "SealedError",
    "check_passphrase",
    "kind_of",
    "KEEP",
    "BackupFile",
    "BackupSummary",
    "RestoreResult",
    "SessionLine",
    "automatic_backup",
    "backups_folder",
    "default_backup_path",
    "describe_backup",
    "export_database",
    "list_backups",
    "opened_backup",
    "restore_backup",
    "take_backup",
]
