"""Whole-database export to XLSX, one sheet per entity, for administrators and archiving.

Never exported: columns marked ``info={"private": True}`` in the models (document fingerprints,
keys) and settings rows that hold key material. Keys themselves never are in the database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from p311desk import audit
from p311desk.db import Database
from p311desk.errors import Cancelled
from p311desk.models import Base
from p311desk.spreadsheets.safe import cell_value

Progress = Callable[[int, int, str], None]


def export_database(
    db: Database,
    path: str | Path,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, int]:
    """Write every table to ``path`` (XLSX). Written to a temporary file first, then renamed,
    so a cancelled or failed export never leaves a half-written file behind."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    audit.anchor_now(db)  # an export is a milestone: the audit head is anchored as it leaves
    tables = [t for t in Base.metadata.sorted_tables]
    wb = Workbook(write_only=True)
    counts: dict[str, int] = {}
    bold = Font(bold=True)
    with db.read() as s:
        for index, table in enumerate(tables):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if progress:
                progress(index, len(tables), table.name)
            ws = wb.create_sheet(table.name[:31])
            from openpyxl.cell import WriteOnlyCell

            columns = [c for c in table.columns if not c.info.get("private")]
            header = []
            for col in columns:
                cell = WriteOnlyCell(ws, value=col.name + (" (UTC)" if "DateTime" in repr(col.type) else ""))
                cell.font = bold
                header.append(cell)
            ws.append(header)
            n = 0
            for row in s.execute(select(*columns)).yield_per(2000):
                ws.append([cell_value(v) for v in row])
                n += 1
            counts[table.name] = n
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    if progress:
        progress(len(tables), len(tables), "")
    return counts
