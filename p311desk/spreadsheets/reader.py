"""Reading real-world spreadsheets: XLSX, XLS, ODS (python-calamine), CSV/TXT and Decidim JSON.

Files made by people are messy. This module turns any of them into a :class:`Table`: one header
row and data rows of plain Python values, each with the row number the user sees in their
spreadsheet program, so a report can say "row 14, column Correu".

- Title rows above the header are skipped: the header is the row among the first ones that looks
  most like a header (known column names, then most filled text cells).
- Merged cells: the value of the top-left cell is copied into the whole merged area of the data
  (a merged "Barri" cell spanning five people belongs to all five).
- Blank rows are dropped (each kept row remembers its number); cells are kept as they are: the
  mapping trims them and collapses inner white space.
- CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252, as
  Spanish Excel writes), and the delimiter (``;``, ``,``, tab or ``|``) is sniffed outside quotes.
  Quoted fields may contain newlines.
- What would garble the data silently is refused with a sentence instead: a header naming the same
  column twice, CSV rows with more fields than the header (an unquoted separator inside a value),
  a CSV mixing ``;`` and ``,`` rows, a UTF-16 file cut in the middle of a character.
- JSON (Decidim's exports): a list of objects; nested objects become ``a/b`` columns, lists stay
  lists (:func:`cell_text` joins them with ``, ``).
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
from p311desk.text import CONTROL_CHARACTERS, strip_controls

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

    def records(self) -> list[dict[str, Any]]:
        """The data rows as ``{header: value}`` (one per row, in :attr:`row_numbers` order)."""
        return [dict(zip(self.headers, row)) for row in self.rows]


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(strip_controls(str(value)).replace("\u00a0", " ").split())


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


def build_table(grid: list[list[Any]], *, first_row_number: int = 1, detect_header: bool = True,
                **meta: Any) -> Table:
    """A :class:`Table` from a raw grid (header detection, blank rows, padding, header names).

    ``detect_header=False``: the first non-blank row is the header (files we or Decidim wrote)."""
    if not grid:
        raise ValidationError("The file has no data.")
    if detect_header:
        h = detect_header_row(grid)
    else:
        h = next((i for i, r in enumerate(grid) if any(not _is_blank(c) for c in r)), None)
        if h is None:
            raise ValidationError("The file has no data.")
    raw_headers = grid[h]
    if meta.get("delimiter"):
        _check_csv_rows(grid, h, first_row_number, meta["delimiter"])
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
            # Two columns with one name: whichever the mapping picked, the other would be lost.
            raise ValidationError(
                "The column “{column}” appears twice in the header (columns {first} and {second}): "
                "rename one of them and try again.", column=name, first=seen[name] + 1, second=i + 1)
        seen[name] = i
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


def _check_csv_rows(grid: list[list[Any]], h: int, first_row_number: int, delimiter: str) -> None:
    """Refuse a CSV whose rows do not line up with its header (the values would shift columns)."""
    header = grid[h]
    width = len(header)
    while width and _is_blank(header[width - 1]):
        width -= 1
    others = [d for d in DELIMITERS if d != delimiter]
    mixed: list[int] = []
    longer: list[int] = []
    for offset, row in enumerate(grid[h + 1:], start=h + 1):
        filled = len(row)
        while filled and _is_blank(row[filled - 1]):
            filled -= 1
        if filled == 0:
            continue
        number = first_row_number + offset
        # A line with no separator at all that splits into several values with another one.
        if len(row) == 1 and width > 1 and isinstance(row[0], str) and any(
                sum(1 for c in next(csv.reader([row[0]], delimiter=d), []) if c.strip()) >= 2
                for d in others if d in row[0]):
            mixed.append(number)
        elif filled > width:
            longer.append(number)
    if mixed:
        raise ValidationError(
            "The file mixes separators: the header uses “{delimiter}” but rows {rows} use another one. "
            "Save the file again with one separator.", delimiter=delimiter, rows=_row_list(mixed))
    if longer:
        raise ValidationError(
            "Rows {rows} have more fields than the header ({n} columns): a value probably contains "
            "the separator “{delimiter}” without quotes. Correct the file and try again.",
            rows=_row_list(longer), n=width, delimiter=delimiter)


def _row_list(numbers: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (", …" if len(numbers) > limit else "")


# --- workbooks (calamine) --------------------------------------------------------------------


def _read_workbook(path: Path, sheet: str | int | None, detect_header: bool = True) -> Table:
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
    try:
        grid = ws.to_python(skip_empty_area=True)
    except Exception as err:  # a damaged sheet inside a readable workbook
        raise ValidationError("The file cannot be read as a spreadsheet: {error}", error=str(err)) from err
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
    return build_table(grid, first_row_number=start_row + 1, detect_header=detect_header,
                       sheet=ws.name, source=path.name)


# --- CSV -------------------------------------------------------------------------------------


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: BOMs first, then strict UTF-8, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            # An odd byte count or a lone surrogate: the file was cut or damaged.
            raise ValidationError("The file says it is UTF-16 text but it is damaged or cut short "
                                  "(an incomplete character). Save it again and try again.") from None
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


def _read_csv(path: Path, delimiter: str | None = None, encoding: str | None = None,
              detect_header: bool = True) -> Table:
    data = path.read_bytes()
    if encoding:
        try:
            text, enc = data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as err:
            raise ValidationError("The file cannot be read as {encoding} text: {error}",
                                  encoding=encoding, error=str(err)) from None
    else:
        text, enc = decode_bytes(data)
    if not text.strip():
        raise ValidationError("The file has no data.")
    delim = delimiter or sniff_delimiter(text)
    try:
        grid: list[list[Any]] = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    except csv.Error as err:
        raise ValidationError("The file cannot be read as CSV: {error}", error=str(err)) from err
    return build_table(grid, detect_header=detect_header, encoding=enc, delimiter=delim,
                       source=path.name)


# --- Decidim JSON export ---------------------------------------------------------------------


def flatten_record(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"title": {"ca": "x"}}`` → ``{"title/ca": "x"}``; lists are kept as they are."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_record(value, name + "/"))
        else:
            out[name] = value
    return out


def _read_json(path: Path) -> Table:
    try:
        data = json.loads(decode_bytes(path.read_bytes())[0])
    except (json.JSONDecodeError, RecursionError) as err:
        raise ValidationError("The file cannot be read as JSON: {error}", error=str(err)) from err
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValidationError("The JSON file is not a list of records.")
    flat = [flatten_record(r) for r in data]
    headers: list[str] = []
    for r in flat:
        for k in r:
            if k not in headers:
                headers.append(k)
    grid = [headers] + [[r.get(h) for h in headers] for r in flat]
    return build_table(grid, detect_header=False, source=path.name)


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    detect_header: bool = True,
) -> Table:
    """Read the first data sheet of a spreadsheet file, or a CSV/JSON file, into a Table.

    ``detect_header=False`` takes the first non-blank row as the header instead of looking for
    it below title rows (for files whose layout is known: our own and Decidim's)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError("The file {file} does not exist.", file=str(path))
    try:
        with gc_paused():
            return _read_any(path, sheet=sheet, delimiter=delimiter, encoding=encoding,
                             detect_header=detect_header)
    except OSError as err:
        raise ValidationError("The file cannot be read: {error}", error=err.strerror or str(err)) from None


def _read_any(path: Path, *, sheet: str | int | None, delimiter: str | None, encoding: str | None,
              detect_header: bool) -> Table:
    ext = path.suffix.lower()
    if ext in (".csv", ".txt", ".tsv"):
        return _read_csv(path, delimiter=delimiter or ("\t" if ext == ".tsv" else None), encoding=encoding,
                         detect_header=detect_header)
    if ext == ".json":
        return _read_json(path)
    if ext in (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"):
        return _read_workbook(path, sheet, detect_header)
    # Unknown extension: sniff the content.
    head = path.read_bytes()[:8]
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return _read_workbook(path, sheet, detect_header)
    return _read_csv(path, delimiter=delimiter, encoding=encoding, detect_header=detect_header)


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
    """A cell as text: whole numbers without ``.0``, dates as ISO, white space collapsed, control
    characters dropped (they are invisible and XLSX refuses them)."""
    if type(value) is str:
        # str.split() also splits on non-breaking spaces
        return " ".join((strip_controls(value) if CONTROL_CHARACTERS.search(value) else value).split())
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
    if isinstance(value, list):
        return ", ".join(cell_text(v) for v in value if v is not None)
    return " ".join(strip_controls(str(value)).replace("\u00a0", " ").split())
