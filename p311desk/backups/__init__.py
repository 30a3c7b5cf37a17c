"""The whole database out of the app: an XLSX export with one sheet per table.

This is the package's public surface; other packages, the CLI and the UI use only these names."""

from __future__ import annotations

from p311desk.backups.export import (
    export_database,
)

__all__ = [
    "export_database",
]
