"""Exporting lists of people: a session's attendance list, or the participant registry.

XLSX or CSV (``;``-separated UTF-8 with BOM, which Spanish Excel opens correctly), chosen by the
file's extension. Every text cell goes through :func:`p311desk.spreadsheets.safe.cell_value`, so
a name that starts with ``=``, ``+``, ``-`` or ``@`` never runs as a formula. Times are local.
Document ids are never exported. Files are written to a temporary name and renamed at the end.
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk.errors import ValidationError
from p311desk.i18n import _
from p311desk.models import Participant
from p311desk.attendance.checkin import attendance_list, not_arrived
from p311desk.spreadsheets.safe import cell_value
from p311desk.text import fold



def _method_label(method: str | None) -> str:
    return {"qr": _("code"), "name": _("name"), "walkin": _("walk-in"), "import": _("import")}.get(method or "", method or "")


def attendance_table(s: Session, session_id: uuid.UUID) -> tuple[list[str], list[list[Any]]]:
    header = [_("Name"), _("Surnames"), _("Organisation"), _("Code"), _("Registered"), _("Present"),
              _("Checked in at"), _("Method")]
    rows = []
    for r in attendance_list(s, session_id):
        when = r.checked_in_at.astimezone().replace(tzinfo=None, microsecond=0) if r.checked_in_at else None
        rows.append([r.given_name, r.family_name, r.organisation, r.checkin_code,
                     _("yes") if r.registered else _("no"), _("yes") if when else _("no"),
                     when, _method_label(r.method)])
    return header, rows


def registry_table(s: Session) -> tuple[list[str], list[list[Any]]]:
    header = [_("Name"), _("Surnames"), _("Email"), _("Phone"), _("Postal code"), _("Birth year"),
              _("Organisation"), _("Code"), _("Source")]
    people = s.execute(select(Participant.given_name, Participant.family_name, Participant.email,
                              Participant.phone, Participant.postal_code, Participant.birth_year,
                              Participant.organisation, Participant.checkin_code, Participant.source))
    rows = sorted((list(p) for p in people), key=lambda r: (fold(r[1]), fold(r[0])))
    return header, rows


def write_table(path: str | Path, header: list[str], rows: list[list[Any]], *, sheet: str = "") -> int:
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".xlsx", ".csv"):
        raise ValidationError("Choose a file name ending in .xlsx or .csv.")
    tmp = path.with_name(path.name + ".part")
    if ext == ".csv":
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow([cell_value(h) for h in header])
            for row in rows:
                writer.writerow(["" if v is None else _csv_value(cell_value(v)) for v in row])
    else:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        wb = Workbook(write_only=True)
        ws = wb.create_sheet((sheet or _("Attendance"))[:31])
        bold = Font(bold=True)
        cells = []
        for h in header:
            c = WriteOnlyCell(ws, value=cell_value(h))
            c.font = bold
            cells.append(c)
        ws.append(cells)
        for row in rows:
            ws.append([cell_value(v) for v in row])
        wb.save(tmp)
    tmp.replace(path)
    return len(rows)


def _csv_value(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def export_attendance(s: Session, session_id: uuid.UUID, path: str | Path) -> int:
    header, rows = attendance_table(s, session_id)
    return write_table(path, header, rows, sheet=_("Attendance"))


def export_not_arrived(s: Session, session_id: uuid.UUID, path: str | Path) -> int:
    """Who is registered and has not arrived yet: to phone them, or for the minutes."""
    header = [_("Name"), _("Surnames"), _("Email"), _("Organisation"), _("Code")]
    rows = [[r.given_name, r.family_name, r.email, r.organisation, r.checkin_code]
            for r in not_arrived(s, session_id)]
    return write_table(path, header, rows, sheet=_("Not arrived"))


def export_registry(s: Session, path: str | Path) -> int:
    header, rows = registry_table(s)
    return write_table(path, header, rows, sheet=_("Participants"))
