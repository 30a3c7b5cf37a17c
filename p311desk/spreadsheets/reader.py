"""Reading real-world spreadsheets: XLSX, XLS, ODS (python-calamine), CSV/TXT and Decidim JSON.

Files made by people are messy. This module turns any of them into a :class:`Table`: one header
row and data rows of plain Python values, each with the row number the user sees in their
spreadsheet program, so a report can say "row 14, column Correu".

- Title rows above the header are skipped: the header is the row among the first ones that looks
  most like a header (known column names, then most filled text cells).
- Merged cells: the value of the top-left cell is copied into the whole merged area of the data
  (a merged "Barri" cell spanning five people belongs to all five).
- Blank rows are dropped; cells are trimmed and inner white space collapsed later, by the mapping.
- CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252, as
  Spanish Excel writes), and the delimiter (``;``, ``,``, tab or ``|``) is sniffed outside quotes.
  Quoted fields may contain newlines.
- Dates: cells typed as dates come back as ``datetime.date``; Excel serial numbers and
  ``dd/mm/yyyy`` text are converted by :func:`parse_date` when a column is known to hold dates.

Heavy libraries are imported inside functions: the GUI imports this module at start-up.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from p311desk.bulk import gc_paused
from p311desk.errors import ValidationError

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv", ".json")
HEADER_SCAN_ROWS = 30
DELIMITERS = (";", ",", "\t", "|")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Any]]          # data rows, each padded to len(headers)
    row_numbers: list[int]         # 1-based row number of each data row in the file
    header_row: int                # 1-based row number of the header
    sheet: str = ""
    encoding: str = ""
    delimiter: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\u00a0", " ").split())


# --- header detection ------------------------------------------------------------------------


def _header_score(row: list[Any], known: set[str]) -> tuple[int, int, int]:
    from p311desk.spreadsheets.mapping import normalize_header

    texts = [c for c in row if isinstance(c, str) and c.strip()]
    numbers = sum(1 for c in row if isinstance(c, int | float | dt.date) and not isinstance(c, bool))
    hits = sum(1 for c in texts if normalize_header(c) in known)
    return hits, len(texts) - numbers, -numbers


def detect_header_row(rows: list[list[Any]]) -> int:
    """Index (0-based, in ``rows``) of the header row among the first rows of a sheet."""
    from p311desk.spreadsheets.mapping import known_header_names

    known = known_header_names()
    best, best_score = None, None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        filled = [c for c in row if not _is_blank(c)]
        if not filled:
            continue
        hits, texts, _neg = _header_score(row, known)
        # A header has at least two text cells (a title row usually has one).
        if texts < 2 and hits == 0:
            continue
        score = (hits, texts)
        if best_score is None or score > best_score:
            best, best_score = index, score
    if best is None:
        best = next((i for i, r in enumerate(rows) if any(not _is_blank(c) for c in r)), None)
    if best is None:
        raise ValidationError("The file has no data.")
    return best


def build_table(grid: list[list[Any]], *, first_row_number: int = 1, **meta: Any) -> Table:
    """A :class:`Table` from a raw grid (header detection, blank rows, padding, header names)."""
    if not grid:
        raise ValidationError("The file has no data.")
    h = detect_header_row(grid)
    raw_headers = grid[h]
    # Drop trailing columns that have neither a header nor data.
    width = max(len(r) for r in grid[h:])
    while width > 0 and _is_blank(raw_headers[width - 1] if width - 1 < len(raw_headers) else None) and all(
        _is_blank(r[width - 1]) if width - 1 < len(r) else True for r in grid[h + 1:]
    ):
        width -= 1
    headers: list[str] = []
    seen: dict[str, int] = {}
    for i in range(width):
        name = header_text(raw_headers[i]) if i < len(raw_headers) else ""
        if not name:
            name = f"#{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        headers.append(name)
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for offset, row in enumerate(grid[h + 1:], start=h + 1):
        if len(row) < width:
            row = list(row) + [None] * (width - len(row))
        elif len(row) > width:
            row = row[:width]
        if all(_is_blank(c) for c in row):
            continue
        rows.append(row)
        numbers.append(first_row_number + offset)
    return Table(headers=headers, rows=rows, row_numbers=numbers, header_row=first_row_number + h, **meta)


# --- workbooks (calamine) --------------------------------------------------------------------


def _read_workbook(path: Path, sheet: str | int | None) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises its own error types for damaged files
        raise ValidationError("The file cannot be read as a spreadsheet: {error}", error=str(err)) from err
    names = wb.sheet_names
    if not names:
        raise ValidationError("The file has no data.")
    if isinstance(sheet, str):
        if sheet not in names:
            raise ValidationError("The file has no sheet named “{sheet}”.", sheet=sheet)
        ws = wb.get_sheet_by_name(sheet)
    else:
        index = sheet or 0
        # Pick the first sheet that has data unless one was asked for.
        ws = wb.get_sheet_by_index(index)
        if sheet is None and ws.height == 0:
            for i in range(1, len(names)):
                candidate = wb.get_sheet_by_index(i)
                if candidate.height:
                    ws = candidate
                    break
    grid = ws.to_python(skip_empty_area=True)
    start_row, start_col = ws.start or (0, 0)
    merged = getattr(ws, "merged_cell_ranges", None) or []
    blank_rows = {i for i, row in enumerate(grid) if all(_is_blank(c) for c in row)} if merged else set()
    for (r0, c0), (r1, c1) in merged:
        r0, r1, c0, c1 = r0 - start_row, r1 - start_row, c0 - start_col, c1 - start_col
        if r0 < 0 or c0 < 0 or r0 >= len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else None
        if r1 == r0:
            # A merged range on one row is a title or a group header: leave it alone.
            continue
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            if r in blank_rows:
                continue  # a blank row stays blank (and is dropped)
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if _is_blank(row[c]):
                    row[c] = value
    # Normalise calamine's cell types: whole floats stay floats (mapping decides), strings as is.
    return build_table(grid, first_row_number=start_row + 1, sheet=ws.name, source=path.name)


# --- CSV -------------------------------------------------------------------------------------


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: BOMs first, then strict UTF-8, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records most consistently (quotes respected)."""
    sample = text[:64 * 1024]
    best, best_score = ";", (-1, -1)
    for delim in DELIMITERS:
        counts: list[int] = []
        try:
            reader = csv.reader(io.StringIO(sample), delimiter=delim)
            for row in reader:
                if any(c.strip() for c in row):
                    counts.append(len(row))
                if len(counts) >= 30:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        # Skip title lines: judge by the most common field count among multi-field records.
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        common = max(set(multi), key=multi.count)
        score = (multi.count(common), common)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(path: Path, delimiter: str | None = None, encoding: str | None = None) -> Table:
    data = path.read_bytes()
    if encoding:
        text, enc = data.decode(encoding), encoding
    else:
        text, enc = decode_bytes(data)
    if not text.strip():
        raise ValidationError("The file has no data.")
    delim = delimiter or sniff_delimiter(text)
    try:
        grid: list[list[Any]] = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    except csv.Error as err:
        raise ValidationError("The file cannot be read as CSV: {error}", error=str(err)) from err
    return build_table(grid, encoding=enc, delimiter=delim, source=path.name)


# --- Decidim JSON export ---------------------------------------------------------------------


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "/"))
        elif isinstance(value, list):
            out[name] = ", ".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def _read_json(path: Path) -> Table:
    try:
        data = json.loads(decode_bytes(path.read_bytes())[0])
    except json.JSONDecodeError as err:
        raise ValidationError("The file cannot be read as JSON: {error}", error=str(err)) from err
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValidationError("The JSON file is not a list of records.")
    flat = [_flatten(r) for r in data]
    headers: list[str] = []
    for r in flat:
        for k in r:
            if k not in headers:
                headers.append(k)
    grid = [headers] + [[r.get(h) for h in headers] for r in flat]
    return build_table(grid, source=path.name)


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Table:
    """Read the first data sheet of a spreadsheet file, or a CSV/JSON file, into a Table."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError("The file {file} does not exist.", file=str(path))
    with gc_paused():
        return _read_any(path, sheet=sheet, delimiter=delimiter, encoding=encoding)


def _read_any(path: Path, *, sheet: str | int | None, delimiter: str | None, encoding: str | None) -> Table:
    ext = path.suffix.lower()
    if ext in (".csv", ".txt", ".tsv"):
        return _read_csv(path, delimiter=delimiter or ("\t" if ext == ".tsv" else None), encoding=encoding)
    if ext == ".json":
        return _read_json(path)
    if ext in (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"):
        return _read_workbook(path, sheet)
    # Unknown extension: sniff the content.
    head = path.read_bytes()[:8]
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return _read_workbook(path, sheet)
    return _read_csv(path, delimiter=delimiter, encoding=encoding)


# --- values ----------------------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_ISO_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


class BadDate(ValueError):
    """The text looks like a date but is not a real one (31/02/1990)."""


def parse_date(value: Any, *, today: dt.date | None = None) -> dt.date | None:
    """A date from a cell: a date/datetime, an Excel serial number, ``dd/mm/yyyy`` (also with
    ``-`` or ``.``, two-digit years) or ISO ``yyyy-mm-dd``. ``None`` for a blank cell; raises
    :class:`BadDate` for anything else."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise BadDate(str(value))
    if isinstance(value, int | float):
        serial = float(value)
        if not (1 <= serial < 2958466):
            raise BadDate(str(value))
        return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    text = str(value).strip()
    if not text:
        return None
    m = _ISO_TEXT.match(text)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = _DATE_TEXT.match(text)
        if m:
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                pivot = (today or dt.date.today()).year % 100
                year += 2000 if year <= pivot else 1900
            return dt.date(year, month, day)
    except ValueError as err:
        raise BadDate(text) from err
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return parse_date(float(text), today=today)
    raise BadDate(text)


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates as ISO, white space collapsed."""
    if type(value) is str:
        return " ".join(value.split())  # str.split() also splits on non-breaking spaces
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).replace("\u00a0", " ").split())
