"""Protection against formula injection in every CSV/XLSX cell we write.

A text cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return, which some
spreadsheet programs strip before evaluating) would run as a formula when an administrator opens
the file in Excel or LibreOffice. Such text gets a leading apostrophe, as Decidim's own exporter
does. Numbers, dates and booleans are written as they are. Control characters are dropped: XLSX
cannot hold them (older data may still carry one).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from p311desk.text import strip_controls

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    if value and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    """A Python value as a spreadsheet cell: safe text, or a plain number/date/bool."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        # Spreadsheets have no time zones: write UTC, and say so in the header.
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return safe_text(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return safe_text(strip_controls(str(value)))
