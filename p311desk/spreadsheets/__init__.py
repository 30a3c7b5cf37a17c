"""Spreadsheets in and out: reading messy files (``reader``), column mapping (``mapping``) and
formula-injection protection for every file we write (``safe``).

The one reader of tabular files for every import (participants, proposals): this package's
public surface."""

from p311desk.spreadsheets.reader import (
    SPREADSHEET_EXTENSIONS,
    Table,
    cell_text,
    flatten_record,
    read_table,
)
from p311desk.spreadsheets.safe import DANGEROUS_PREFIXES, cell_value, safe_text

__all__ = [
    "DANGEROUS_PREFIXES",
    "SPREADSHEET_EXTENSIONS",
    "Table",
    "cell_text",
    "cell_value",
    "flatten_record",
    "read_table",
    "safe_text",
]
