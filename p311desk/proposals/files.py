"""Proposals to and from files: our own XLSX/CSV, Decidim's proposals export, Decidim's import.

Formats written (``export_session``):

* ``xlsx`` / ``csv``: every proposal of the session with all its fields (``NATIVE_HEAD``,
  ``title/<l>``, ``body/<l>``, ``NATIVE_TAIL``), for administrators and for moving a session to another laptop.
  Importing such a file into a fresh database gives the same proposals.
* ``decidim-csv`` / ``decidim-json`` / ``decidim-xlsx``: exactly what Decidim's admin "Import
  proposals from a file" reads (``title/<l>``, ``body/<l>`` for the organisation's default
  language first, then the session's; ``category/id`` up to 0.29, ``taxonomies/ids`` from 0.31,
  both on 0.30; ``scope/id``, ``address``, ``latitude``, ``longitude``), for instances whose API
  cannot create proposals; the line and the default language come from the linked platform's
  profile (:func:`import_target`). CSV is ``;``-separated UTF-8 without BOM.

Formula injection: in our own CSV/XLSX every text cell goes through
:func:`p311desk.spreadsheets.safe.safe_text` (a leading apostrophe before ``= + - @``), and text
that itself starts with an apostrophe gets one more, so the importer can always remove exactly
one and the round trip is exact. Decidim's importer does not remove apostrophes, so Decidim-import
files are NOT escaped that way (the proposal would reach the platform with a stray ``'``):
``decidim-xlsx`` stores every text as a typed string cell, which spreadsheet programs never
evaluate; ``decidim-json`` is not a spreadsheet; ``decidim-csv`` keeps the text exact and the
export reports the rows whose text starts with a formula character, so the user is warned not to
open that file in a spreadsheet program before uploading it.

Files read (``preview_import`` / ``import_file``): our own export, Decidim's import layout (read
as new proposals), and Decidim's admin proposals export (CSV ``;``/JSON/XLSX, 0.26–0.27 and
0.30+/newest layouts) whose proposals are kept as platform proposals (``source="decidim"``) so the
room can see them offline; importing the same export again updates them. Imports validate every
row first and write nothing unless every row is valid.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk.errors import Cancelled, DomainError, ValidationError
from p311desk.i18n import N_, _, format_message, pick_localized
from p311desk.models import Participant, ParticipationSession, Proposal, Taxonomy
from p311desk import audit
from p311desk.proposals import service as P
from p311desk.settings import DECIDIM_VERSIONS
from p311desk.spreadsheets import DANGEROUS_PREFIXES, Table, read_table, safe_text
from p311desk.text import clean

Progress = Callable[[int, int, str], None]

FORMATS = ("xlsx", "csv", "decidim-csv", "decidim-json", "decidim-xlsx")
LOCALE_ORDER = ("ca", "es", "en")

# Our own layout; title/<l> and body/<l> come after ``paper_form_id``.
NATIVE_HEAD = ["id", "position", "paper_form_id"]
NATIVE_TAIL = ["author_kind", "author_name", "author_code", "category/id", "category/kind",
               "scope/id", "scope/kind", "tags", "address", "latitude", "longitude", "supports",
               "status", "source", "merged_into/id", "decidim/id", "decidim/reference",
               "decidim/state", "local_supports"]
NATIVE_MARKER = "author_kind"


# One message per kind: the kind is part of the sentence, so it is translated with it.
UNKNOWN_TAXONOMY = {
    "category": N_("Unknown category id {id} (update the platform data first)."),
    "scope": N_("Unknown scope id {id} (update the platform data first)."),
    "taxonomy": N_("Unknown taxonomy id {id} (update the platform data first)."),
}


def _unknown_taxonomy(kind: str, ref: str) -> ValidationError:
    msgid = UNKNOWN_TAXONOMY.get(kind, UNKNOWN_TAXONOMY["taxonomy"])
    return ValidationError(msgid, id=ref)


# --- small helpers -------------------------------------------------------------------------


def _minor(version: str | None) -> tuple[int, int] | None:
    if not version:
        return None
    try:
        major, minor = (int(x) for x in str(version).split(".")[:2])
    except ValueError:
        raise ValidationError("Unknown Decidim version: {version}", version=version) from None
    return major, minor


def uses_taxonomies(version: str | None) -> bool:
    """Decidim 0.31+ imports ``taxonomies/ids`` (and no ``category/id``)."""
    v = _minor(version)
    return v is not None and v >= (0, 31)


def classification_columns(version: str | None) -> list[str]:
    """The classification columns each line's ``ProposalCreator`` reads (IMPORTS.md, read from
    ``proposal_creator.rb``): ``category/id`` up to 0.29, ``taxonomies/ids`` from 0.31. On 0.30
    it is not known which one 0.30.x reads (the 0.30.0.dev creator reads ``category/id``), so
    both are written; each importer ignores the column it does not read."""
    v = _minor(version)
    if v is not None and v >= (0, 31):
        return ["taxonomies/ids"]
    if v is not None and v >= (0, 30):
        return ["category/id", "taxonomies/ids"]
    return ["category/id"]


def decidim_import_columns(locales: list[str], version: str | None) -> list[str]:
    """The header Decidim's proposals importer reads, for these organisation locales (the
    organisation's default one first: the importer refuses a file without it)."""
    cols = []
    for loc in locales:
        cols += [f"title/{loc}", f"body/{loc}"]
    return cols + classification_columns(version) + ["scope/id", "address", "latitude", "longitude"]


def import_target(s: Session, session: ParticipationSession) -> tuple[str | None, list[str]]:
    """(Decidim version, locales) of the import file for ``session``: the line of the platform its
    link points to (else the default platform; else the Settings), and the organisation's default
    language from that profile followed by the session's language. The CLI and the push use
    this one function, so both write the same bytes for the same session and line."""
    from p311desk import spaces
    from p311desk import settings as settings_service

    info = spaces.platform_of_component(s, session.component_id)
    version = spaces.import_line(info) or settings_service.load(s).decidim_version
    default = spaces.default_locale(info)
    locales = [loc for loc in dict.fromkeys([default, session.language]) if loc]
    return version, locales


def escape_cell(value: str) -> str:
    """Reversible formula-injection protection for our own files (see the module docstring)."""
    if value.startswith("'"):
        return "'" + value
    return safe_text(value)


def unescape_cell(value: str) -> str:
    return value[1:] if value.startswith("'") else value


_XLSX_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _xlsx_text(value: str) -> str:
    """Literal ``_xHHHH_`` in XLSX text is read back as a character escape: protect it."""
    return _XLSX_ESCAPE.sub(r"_x005F_\1", value)


def _order_locales(found: set[str], first: str) -> list[str]:
    rest = sorted(found - {first}, key=lambda loc: (LOCALE_ORDER.index(loc) if loc in LOCALE_ORDER
                                                    else len(LOCALE_ORDER), loc))
    return [first, *rest]


def _text(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, lists joined like Decidim does."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v is not None)
    return str(value)


# --- reading any table ---------------------------------------------------------------------


def read_proposals_table(path: str | Path) -> Table:
    """The file as a :class:`~p311desk.spreadsheets.Table` through the one shared reader (encoding
    and delimiter detected as for participants); the header is the first row, as we and Decidim
    write it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt"):
        raise ValidationError("Unsupported file type: {suffix} (use .xlsx, .csv or .json).", suffix=suffix)
    return read_table(path, detect_header=False)


def detect_layout(headers: list[str]) -> str:
    """native | decidim-export | decidim-import"""
    hs = set(headers)
    if NATIVE_MARKER in hs:
        return "native"
    if {"reference", "published_at"} & hs or any(h.startswith("author/") for h in hs):
        return "decidim-export"
    if any(h.startswith("title/") for h in hs):
        return "decidim-import"
    raise ValidationError("This file does not look like a proposals file (no title/<language> column).")


# --- export --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    rows: int
    path: str
    format: str
    columns: list[str]
    formula_rows: list[int] = field(default_factory=list)  # decidim-csv rows starting with = + - @


def _taxonomy_refs(s: Session) -> dict[uuid.UUID, tuple[str | None, str]]:
    return {t.id: (t.decidim_id, t.kind) for t in s.scalars(select(Taxonomy))}


def _native_records(s: Session, session: ParticipationSession, rows: list[P.ProposalRow]):
    tax = _taxonomy_refs(s)
    codes = dict(s.execute(select(Participant.id, Participant.checkin_code).where(
        Participant.id.in_({r.author_participant_id for r in rows if r.author_participant_id}))).all())
    local = dict(s.execute(select(Proposal.id, Proposal.local_supports).where(
        Proposal.session_id == session.id, Proposal.local_supports.is_not(None))).all())
    locales = _order_locales({loc for r in rows for loc in (*r.title, *r.body)}, session.language)
    columns = NATIVE_HEAD + [f"{f}/{loc}" for f in ("title", "body") for loc in locales] + NATIVE_TAIL
    records = []
    for r in rows:
        cat = tax.get(r.category_id, (None, "")) if r.category_id else (None, "")
        scope = tax.get(r.scope_id, (None, "")) if r.scope_id else (None, "")
        rec = {"id": str(r.id), "position": r.position, "paper_form_id": r.paper_form_id or "",
               "author_kind": r.author_kind,
               "author_name": r.author_name if r.author_kind in ("collective", "organisation") else "",
               "author_code": codes.get(r.author_participant_id, "") if r.author_participant_id else "",
               "category/id": cat[0] or "", "category/kind": cat[1] if r.category_id else "",
               "scope/id": scope[0] or "", "scope/kind": scope[1] if r.scope_id else "",
               "tags": ", ".join(r.tags), "address": r.address,
               "latitude": r.latitude, "longitude": r.longitude, "supports": r.supports,
               "status": r.status, "source": r.source,
               "merged_into/id": str(r.merged_into_id) if r.merged_into_id else "",
               "decidim/id": r.decidim_id or "", "decidim/reference": r.decidim_reference or "",
               "decidim/state": r.decidim_state or "", "local_supports": local.get(r.id) or None}
        for loc in locales:
            rec[f"title/{loc}"] = r.title.get(loc, "")
            rec[f"body/{loc}"] = r.body.get(loc, "")
        records.append(rec)
    return columns, records


def _decidim_records(s: Session, session: ParticipationSession, rows: list[P.ProposalRow],
                     version: str | None, locales: list[str] | None):
    tax = _taxonomy_refs(s)
    rows = [r for r in rows if r.active and r.source != "decidim"]
    if locales is None:
        locales = _order_locales({loc for r in rows for loc in r.title}, session.language)
    columns = decidim_import_columns(locales, version)
    classification = classification_columns(version)
    records = []
    for r in rows:
        rec: dict[str, Any] = {}
        for loc in locales:
            # The default language's columns must not be empty: a proposal written in the
            # session's language only is given in that language there too.
            title = r.title.get(loc) or r.title.get(session.language) or next(iter(r.title.values()), "")
            rec[f"title/{loc}"] = title
            # Decidim requires a body; a proposal said aloud often has only a title.
            rec[f"body/{loc}"] = r.body.get(loc) or r.body.get(session.language) or title
        cat = tax.get(r.category_id) if r.category_id else None
        scope = tax.get(r.scope_id) if r.scope_id else None
        scope_is_tax = scope is not None and scope[1] != "scope"
        if "taxonomies/ids" in classification:
            # On 0.30 a space's (legacy) category goes in category/id, a taxonomy in taxonomies/ids.
            own_column = "category/id" in classification
            ids = [c[0] for c in (cat, scope) if c and c[0] and (
                (c is cat and (c[1] == "taxonomy" or not own_column)) or (c is scope and scope_is_tax))]
            rec["taxonomies/ids"] = ",".join(dict.fromkeys(ids))
        if "category/id" in classification:
            rec["category/id"] = _int_or_text(cat[0]) if cat and cat[0] and cat[1] != "taxonomy" else None
        rec["scope/id"] = _int_or_text(scope[0]) if scope and scope[0] and not scope_is_tax else None
        rec["address"] = r.address or None
        rec["latitude"], rec["longitude"] = r.latitude, r.longitude
        records.append(rec)
    return columns, records


def _int_or_text(value: str) -> Any:
    return int(value) if value.isdigit() else value


def export_session(
    s: Session,
    session_id: uuid.UUID,
    path: str | Path,
    fmt: str = "xlsx",
    *,
    decidim_version: str | None = None,
    locales: list[str] | None = None,
    only: Collection[uuid.UUID] | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Write the session's proposals to ``path`` (via a temporary file, then renamed); with
    ``only``, just those proposals (e.g. the ones not yet on the platform)."""
    if fmt not in FORMATS:
        raise ValidationError("Unknown export format: {format}", format=fmt)
    session = P.session_row(s, session_id)
    if fmt.startswith("decidim") and (decidim_version is None or locales is None):
        version, target_locales = import_target(s, session)
        decidim_version = decidim_version or version
        if locales is None:
            present = {loc for r in P.list_proposals(s, session_id) for loc in r.title}
            locales = list(dict.fromkeys(target_locales + _order_locales(present, session.language)))
    rows = P.list_proposals(s, session_id)
    if only is not None:
        keep = set(only)
        rows = [r for r in rows if r.id in keep]
    if fmt.startswith("decidim"):
        columns, records = _decidim_records(s, session, rows, decidim_version, locales)
    else:
        columns, records = _native_records(s, session, rows)
    formula_rows = write_table(path, columns, records, fmt, progress=progress, cancel=cancel)
    if progress:
        progress(len(records), len(records), "")
    return ExportResult(len(records), str(path), fmt, columns, formula_rows)


def write_table(path: str | Path, columns: list[str], records: list[dict[str, Any]], fmt: str, *,
                progress: Progress | None = None, cancel: threading.Event | None = None) -> list[int]:
    """Write rows in one of :data:`FORMATS` (``decidim-*``: exactly as Decidim's admin imports
    read them), via a temporary file then renamed. Returns the ``decidim-csv`` rows whose text
    starts with a formula character."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    formula_rows: list[int] = []
    try:
        if fmt == "decidim-json":
            _write_decidim_json(tmp, columns, records)
        elif fmt in ("csv", "decidim-csv"):
            formula_rows = _write_csv(tmp, columns, records, native=(fmt == "csv"), cancel=cancel)
        else:
            _write_xlsx(tmp, columns, records, native=(fmt == "xlsx"), progress=progress, cancel=cancel)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return formula_rows


def _write_decidim_json(path: Path, columns: list[str], records: list[dict[str, Any]]) -> None:
    """One flat object per proposal, keyed by the column names (``"title/ca"``). Decidim's JSON
    reader takes each object's top-level keys as the headers and its verifier wants
    ``title/<default locale>`` among them: nested ``{"title": {"ca": …}}`` is refused with
    "Missing headers: title/ca and body/ca" (checked with tools/decidim_import_check.rb)."""
    out = []
    for rec in records:
        obj: dict[str, Any] = {}
        for col in columns:
            value = rec.get(col)
            if col.startswith(("title/", "body/")):
                value = value or ""
            obj[col] = value
        out.append(obj)
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_csv(path: Path, columns: list[str], records: list[dict[str, Any]], *, native: bool,
               cancel: threading.Event | None) -> list[int]:
    formula_rows = []
    # Our own CSV carries a BOM so spreadsheet programs read UTF-8; Decidim's must not.
    with path.open("w", encoding="utf-8-sig" if native else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(columns)
        for index, rec in enumerate(records, start=1):
            if cancel is not None and index % 500 == 0 and cancel.is_set():
                raise Cancelled()
            line = []
            for col in columns:
                value = rec.get(col)
                if isinstance(value, str):
                    if native:
                        value = escape_cell(value)
                    elif value.startswith(DANGEROUS_PREFIXES) and index not in formula_rows:
                        formula_rows.append(index)
                elif isinstance(value, float):
                    value = repr(value)
                line.append("" if value is None else value)
            writer.writerow(line)
    return formula_rows


def _write_xlsx(path: Path, columns: list[str], records: list[dict[str, Any]], *, native: bool,
                progress: Progress | None, cancel: threading.Event | None) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Proposals")[:31] if native else "proposals")
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="C0C0C0")
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col)
        cell.font, cell.fill = bold, grey
        header.append(cell)
    ws.append(header)
    total = len(records)
    for index, rec in enumerate(records, start=1):
        if index % 500 == 0:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if progress:
                progress(index, total, "")
        line = []
        for col in columns:
            value = rec.get(col)
            if isinstance(value, str):
                if value == "":
                    value = None
                else:
                    text = _xlsx_text(escape_cell(value) if native else value)
                    cell = WriteOnlyCell(ws, value=text)
                    cell.data_type = "s"  # a typed string is never evaluated as a formula
                    value = cell
            line.append(value)
        ws.append(line)
    wb.save(path)


# --- import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowReport:
    line: int
    status: str  # new | update | existing | error
    title: str
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposalImportPreview:
    layout: str  # native | decidim-export | decidim-import
    rows: tuple[RowReport, ...]
    plan: tuple[dict[str, Any], ...] = field(repr=False, default=())

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.status == "error" for r in self.rows)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


@dataclass(frozen=True)
class ProposalImportResult:
    created: int
    updated: int
    unchanged: int


def _str_cell(row: dict[str, Any], key: str, escaped: bool) -> str:
    value = _text(row.get(key))
    return unescape_cell(value) if escaped else value


def _float_cell(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError("Not a number: “{text}”", text=str(value))
    try:
        return float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        raise ValidationError("Not a number: “{text}”", text=str(value)) from None


def _int_cell(row: dict[str, Any], key: str, default: int = 0) -> int:
    value = _float_cell(row, key)
    if value is None:
        return default
    if not value.is_integer():
        raise ValidationError("Not a whole number: “{text}”", text=_text(row.get(key)))
    return int(value)


def _localized_cells(row: dict[str, Any], headers: list[str], name: str, escaped: bool) -> dict[str, str]:
    out = {}
    for h in headers:
        if h.startswith(name + "/"):
            text = _str_cell(row, h, escaped)
            if text.strip():
                out[h[len(name) + 1:]] = text
    return out


class _Taxonomies:
    """Resolves Decidim ids of categories/scopes/taxonomies in the session's space."""

    def __init__(self, s: Session, session: ParticipationSession) -> None:
        self.s, self.space_id = s, session.space_id
        stmt = select(Taxonomy)
        if self.space_id is not None:
            stmt = stmt.where((Taxonomy.space_id == self.space_id) | Taxonomy.space_id.is_(None))
        self.rows = list(s.scalars(stmt))

    def find(self, decidim_id: str, kinds: tuple[str, ...]) -> Taxonomy | None:
        for kind in kinds:
            for t in self.rows:
                if t.decidim_id == decidim_id and t.kind == kind:
                    return t
        return None

    def ensure(self, decidim_id: str, kind: str, name: dict[str, str]) -> Taxonomy:
        found = self.find(decidim_id, (kind,))
        if found is not None:
            if name and not found.name:
                found.name = name
            return found
        t = Taxonomy(id=uuid.uuid4(), space_id=self.space_id, kind=kind, decidim_id=decidim_id,
                     name=name)
        self.s.add(t)
        self.rows.append(t)
        return t


def _ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if v is not None and _text(v)]
    return [p.strip() for p in _text(value).split(",") if p.strip()]


def _plan_native(s, session, table, row, seen_forms, taxes, file_ids) -> dict[str, Any]:
    h = table.headers
    source = _str_cell(row, "source", True) or "import"
    status = _str_cell(row, "status", True) or "draft"
    if source not in P.SOURCES:
        raise ValidationError("Unknown source: {source}", source=source)
    if status not in P.STATUSES:
        raise ValidationError("Unknown status: {status}", status=status)
    values: dict[str, Any] = {
        "title": _localized_cells(row, h, "title", True),
        "body": _localized_cells(row, h, "body", True),
        "author_kind": _str_cell(row, "author_kind", True) or "session",
        "author_name": _str_cell(row, "author_name", True),
        "author_participant_id": None,
        "tags": _str_cell(row, "tags", True),
        "address": _str_cell(row, "address", True),
        "latitude": _float_cell(row, "latitude"),
        "longitude": _float_cell(row, "longitude"),
        "paper_form_id": _str_cell(row, "paper_form_id", True),
        "category_id": None,
        "scope_id": None,
    }
    code = _str_cell(row, "author_code", True)
    if values["author_kind"] == "participant":
        pid = s.scalar(select(Participant.id).where(Participant.checkin_code == code)) if code else None
        if pid is None:
            raise ValidationError("Unknown participant code: {code}", code=code or "—")
        values["author_participant_id"] = pid
    for key, col in (("category_id", "category"), ("scope_id", "scope")):
        ref = _str_cell(row, f"{col}/id", True)
        if ref:
            kind = _str_cell(row, f"{col}/kind", True) or col
            t = taxes.find(ref, (kind,))
            if t is None:
                raise _unknown_taxonomy(kind, ref)
            values[key] = t.id
    supports = _int_cell(row, "supports")
    position = _int_cell(row, "position", 0)
    raw_id = _str_cell(row, "id", True)
    try:
        file_id = uuid.UUID(raw_id) if raw_id else None
    except ValueError:
        raise ValidationError("Not a proposal id: “{text}”", text=raw_id) from None
    merged_raw = _str_cell(row, "merged_into/id", True)
    try:
        merged_into = uuid.UUID(merged_raw) if merged_raw else None
    except ValueError:
        raise ValidationError("Not a proposal id: “{text}”", text=merged_raw) from None
    if merged_into is not None and merged_into == file_id:
        raise ValidationError("A proposal cannot be merged into itself.")
    if merged_into is not None and merged_into not in file_ids:
        target = s.get(Proposal, merged_into)
        if target is None or target.session_id != session.id:
            raise ValidationError("The proposal it was merged into is not in the file or the session.")
    if source == "decidim":
        decidim = {"decidim_id": _str_cell(row, "decidim/id", True) or None,
                   "decidim_reference": _str_cell(row, "decidim/reference", True) or None,
                   "decidim_state": _str_cell(row, "decidim/state", True) or None}
        if not decidim["decidim_id"]:
            raise ValidationError("A platform proposal needs its Decidim id.")
        if not values["title"]:
            raise ValidationError("The title is missing.")
        norm = P._normalize(session.language, values)
        # Marked as coming from the platform, but it is still a file: the same rules as any row.
        P._validate(s, session, norm)
        P._check_supports(supports)
        local = P._check_supports(_int_cell(row, "local_supports", 0))
        if local > supports:
            raise ValidationError("More supports counted in the room ({local}) than in total ({n}).",
                                  local=local, n=supports)
        existing = s.scalar(select(Proposal.id).where(Proposal.session_id == session.id,
                                                      Proposal.source == "decidim",
                                                      Proposal.decidim_id == decidim["decidim_id"]))
        taken = file_id is not None and existing is None and s.get(Proposal, file_id) is not None
        return {"kind": "decidim", "existing": existing, "file_id": None if taken else file_id,
                "map_from": file_id, "values": norm, "supports": supports - local, "local_supports": local,
                "position": position, "status": status, "merged_into": merged_into, **decidim}
    norm = P._normalize(session.language, values)
    P._validate(s, session, norm)
    P._check_supports(supports)
    # A paper form repeated inside the file was accepted when it was typed ("enter anyway"); a
    # form already in this database is a re-entry and is refused.
    form = norm["paper_form_id"]
    existing = s.get(Proposal, file_id) if file_id else None
    if existing is not None and existing.session_id == session.id:
        return {"kind": "existing", "file_id": file_id}
    if existing is not None:
        # Our own file again, into another session: the proposal is already in this database.
        other = s.get(ParticipationSession, existing.session_id)
        return {"kind": "existing", "file_id": None,
                "note": N_("Already in the session “{title}” ({id}): not imported again."),
                "note_params": {"title": other.title if other else "", "id": str(existing.session_id)[:8]}}
    if form and form not in seen_forms:
        P._check_paper_form(s, form, None, False)
    if form:
        seen_forms.add(form)
    return {"kind": "new", "file_id": file_id if existing is None else None, "map_from": file_id,
            "values": norm, "supports": supports, "position": position, "status": status,
            "source": source, "merged_into": merged_into}


def _plan_decidim_import(s, session, table, row, taxes) -> dict[str, Any]:
    h = table.headers
    values: dict[str, Any] = {
        "title": _localized_cells(row, h, "title", False),
        "body": _localized_cells(row, h, "body", False),
        "author_kind": "session", "author_name": "", "author_participant_id": None, "tags": [],
        "address": _str_cell(row, "address", False),
        "latitude": _float_cell(row, "latitude"), "longitude": _float_cell(row, "longitude"),
        "paper_form_id": None, "category_id": None, "scope_id": None,
    }
    for key, kind in (("category_id", "category"), ("scope_id", "scope")):
        ref = _str_cell(row, f"{kind}/id", False)
        if ref:
            t = taxes.find(ref, (kind,))
            if t is None:
                raise _unknown_taxonomy(kind, ref)
            values[key] = t.id
    # A proposal here has one category and one scope: the first taxonomy is the category, the
    # second the scope (unless scope/id gave one); further taxonomies become free tags.
    for ref in _ids(row.get("taxonomies/ids")):
        t = taxes.find(ref, ("taxonomy", "category", "scope"))
        if t is None:
            raise _unknown_taxonomy("taxonomy", ref)
        if values["category_id"] is None:
            values["category_id"] = t.id
        elif values["scope_id"] is None:
            values["scope_id"] = t.id
        else:
            values["tags"].append(pick_localized(t.name) or ref)
    norm = P._normalize(session.language, values)
    P._validate(s, session, norm)
    return {"kind": "new", "file_id": None, "values": norm, "supports": 0, "position": None,
            "status": "draft", "source": "import", "merged_into": None}


_RUBY_HASH = re.compile(r"\{([^{}]*)\}")
_RUBY_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*"((?:[^"\\]|\\.)*)"')


def _ruby_hashes(value: Any) -> list[dict[str, str]]:
    """``taxonomies/name`` of the 0.30+ export: a list of {locale: name} (JSON) or Ruby text (CSV)."""
    if isinstance(value, list):
        return [v if isinstance(v, dict) else {} for v in value]
    return [dict(_RUBY_PAIR.findall(m)) for m in _RUBY_HASH.findall(_text(value))]


def _plan_decidim_export(s, session, table, row, taxes, seen_ids) -> dict[str, Any]:
    h = table.headers
    decidim_id = _str_cell(row, "id", False)
    if not decidim_id:
        raise ValidationError("The Decidim id is missing.")
    if decidim_id in seen_ids:
        raise ValidationError("Decidim proposal {id} appears twice in the file.", id=decidim_id)
    seen_ids.add(decidim_id)
    title = {k: clean(v) for k, v in _localized_cells(row, h, "title", False).items()}
    if not title:
        raise ValidationError("The title is missing.")
    names = _ids(row.get("author/name"))
    urls = _ids(row.get("author/url"))
    single_org = len(names) == 1 and not any("/profiles/" in u for u in urls)
    values: dict[str, Any] = {
        "title": title, "body": _localized_cells(row, h, "body", False),
        "author_kind": "organisation" if single_org else ("collective" if names else "session"),
        "author_name": ", ".join(names)[:P.AUTHOR_NAME_MAX], "author_participant_id": None,
        "tags": [], "address": _str_cell(row, "address", False),
        "latitude": _float_cell(row, "latitude"), "longitude": _float_cell(row, "longitude"),
        "paper_form_id": None, "category_id": None, "scope_id": None,
    }
    supports_key = "supports" if "supports" in row else "votes"
    taxonomy: list[tuple[str, str, dict[str, str]]] = []  # (kind, decidim id, name)
    cat = _str_cell(row, "category/id", False)
    if cat:
        taxonomy.append(("category", cat, _localized_cells(row, h, "category/name", False)))
    scope = _str_cell(row, "scope/id", False)
    tax_ids = _ids(row.get("taxonomies/id"))
    tax_names = _ruby_hashes(row.get("taxonomies/name"))
    for i, ref in enumerate(tax_ids):
        taxonomy.append(("taxonomy", ref, tax_names[i] if i < len(tax_names) else {}))
    if scope:
        taxonomy.append(("scope", scope, _localized_cells(row, h, "scope/name", False)))
    norm = P._normalize(session.language, values)
    if not norm["title"]:
        raise ValidationError("The title is missing.")
    P._validate(s, session, norm)
    supports = P._check_supports(_int_cell(row, supports_key))
    del norm["category_id"], norm["scope_id"]  # from the taxonomy columns, when written
    withdrawn = _text(row.get("withdrawn")).lower() == "true"
    existing = s.scalar(select(Proposal).where(Proposal.session_id == session.id,
                                               Proposal.source == "decidim",
                                               Proposal.decidim_id == decidim_id))
    return {"kind": "decidim", "existing": existing.id if existing else None, "file_id": None,
            "values": norm, "supports": supports, "position": None,
            "status": "withdrawn" if withdrawn else "published", "merged_into": None,
            "taxonomy": taxonomy, "decidim_id": decidim_id,
            "decidim_reference": _str_cell(row, "reference", False) or None,
            "decidim_state": _str_cell(row, "state", False) or None}


def preview_import(s: Session, path: str | Path, session_id: uuid.UUID) -> ProposalImportPreview:
    """Read and validate every row; nothing is written. Messages are in the current language."""
    session = P._writable_session(s, session_id)
    table = read_proposals_table(path)
    layout = detect_layout(table.headers)
    if layout == "decidim-import":
        missing = [f"{f}/{session.language}" for f in ("title",)
                   if f"{f}/{session.language}" not in table.headers]
        if missing:
            raise ValidationError("The file has no column {column} (the session language).",
                                  column=missing[0])
    taxes = _Taxonomies(s, session)
    seen_forms: set[str] = set()
    seen_ids: set[str] = set()
    file_ids = set()
    records = table.records()
    if layout == "native":
        for row in records:
            raw = _str_cell(row, "id", True)
            try:
                file_ids.add(uuid.UUID(raw))
            except ValueError:
                pass
    reports: list[RowReport] = []
    plan: list[dict[str, Any]] = []
    planned: list[int] = []  # index in ``reports`` of each planned row
    for line, row in zip(table.row_numbers, records):
        if not any(_text(v).strip() for v in row.values()):
            continue
        escaped = layout == "native"
        title = pick_localized(_localized_cells(row, table.headers, "title", escaped))
        try:
            if layout == "native":
                item = _plan_native(s, session, table, row, seen_forms, taxes, file_ids)
            elif layout == "decidim-import":
                item = _plan_decidim_import(s, session, table, row, taxes)
            else:
                item = _plan_decidim_export(s, session, table, row, taxes, seen_ids)
        except DomainError as err:
            reports.append(RowReport(line, "error", title, (err.message(),)))
            continue
        status = item["kind"]
        if status == "decidim":
            status = "update" if item.get("existing") else "new"
        notes = (format_message(item["note"], item["note_params"]),) if item.get("note") else ()
        reports.append(RowReport(line, status, title, notes))
        plan.append(item)
        planned.append(len(reports) - 1)
    looping = set(_merge_cycles(s, plan))
    for index in looping:
        at = planned[index]
        reports[at] = RowReport(reports[at].line, "error", reports[at].title,
                                (format_message(N_("The merges in the file go round in a circle "
                                                   "(a proposal merged, through others, into itself)."), {}),))
    plan = [item for i, item in enumerate(plan) if i not in looping]
    return ProposalImportPreview(layout, tuple(reports), tuple(plan))


def _merge_cycles(s: Session, plan: list[dict[str, Any]]) -> list[int]:
    """Indexes of planned rows whose merge chain (in the file, then in the database) loops."""
    into: dict[uuid.UUID, uuid.UUID] = {}
    for item in plan:
        key = item.get("map_from") or item.get("file_id")
        if key and item.get("merged_into"):
            into[key] = item["merged_into"]
    looping = []
    for index, item in enumerate(plan):
        start = item.get("map_from") or item.get("file_id")
        if not start or start not in into:
            continue
        seen = {start}
        node = into[start]
        while node is not None and node not in seen:
            seen.add(node)
            if node in into:
                node = into[node]
            else:
                row = s.get(Proposal, node)
                node = row.merged_into_id if row is not None else None
        if node is not None:
            looping.append(index)
    return looping


def import_file(s: Session, path: str | Path, session_id: uuid.UUID,
                progress: Progress | None = None) -> ProposalImportResult:
    """Validate, then write every row in the caller's unit of work; any error writes nothing."""
    preview = preview_import(s, path, session_id)
    if not preview.ok:
        bad = [r for r in preview.rows if r.status == "error"]
        if not preview.rows:
            raise ValidationError("The file has no proposals.")
        raise ValidationError("{n} rows have errors; nothing was imported. First: line {line}: {message}",
                              n=len(bad), line=bad[0].line, message=bad[0].messages[0])
    return apply_import(s, preview, session_id, progress=progress)


def apply_import(s: Session, preview: ProposalImportPreview, session_id: uuid.UUID,
                 progress: Progress | None = None) -> ProposalImportResult:
    session = P._writable_session(s, session_id)
    taxes = _Taxonomies(s, session)
    id_map: dict[uuid.UUID, uuid.UUID] = {}
    created = updated = unchanged = 0
    merges: list[tuple[uuid.UUID, uuid.UUID]] = []
    withdrawals: list[uuid.UUID] = []
    total = len(preview.plan)
    for index, item in enumerate(preview.plan, start=1):
        if progress and index % 200 == 0:
            progress(index, total, "")
        if item["kind"] == "existing":
            if item["file_id"]:
                id_map[item["file_id"]] = item["file_id"]
            unchanged += 1
            continue
        if item["kind"] == "decidim":
            pid, was_new = _upsert_decidim(s, session, item, taxes)
            created += was_new
            updated += not was_new
        else:
            row = P.add_proposal(s, session.id, source=item["source"], supports=item["supports"],
                                 proposal_id=item["file_id"], position=item["position"] or None,
                                 allow_duplicate_form=True, **item["values"])
            pid = row.id
            created += 1
        for key in ("file_id", "map_from"):
            if item.get(key):
                id_map[item[key]] = pid
        if item.get("merged_into"):
            merges.append((pid, item["merged_into"]))
        if item.get("status") == "withdrawn" and item["kind"] != "decidim":
            withdrawals.append(pid)
    for source_id, target_ref in merges:
        target_id = id_map.get(target_ref, target_ref)
        _attach_merged(s, source_id, target_id)
    for pid in withdrawals:
        P.withdraw(s, pid)
    audit.record(s, "proposal.imported", session_id=session.id, entity_type="session",
                 entity_id=session.id, payload={"layout": preview.layout, "created": created,
                                                "updated": updated, "unchanged": unchanged})
    return ProposalImportResult(created, updated, unchanged)


def _attach_merged(s: Session, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    """Restore a merge recorded in a file: the supports in the file already include it."""
    source, target = s.get(Proposal, source_id), s.get(Proposal, target_id)
    if source is None or target is None or source.merged_into_id == target_id:
        return
    if target.session_id != source.session_id or source_id == target_id:
        raise ValidationError("The proposal it was merged into is not in the file or the session.")
    source.merged_into_id = target_id
    s.flush()
    audit.record(s, "proposal.merged", session_id=source.session_id, entity_type="proposal",
                 entity_id=target_id, payload={"source": str(source_id), "target": str(target_id),
                                               "supports_added": 0, "imported": True})
    P._retire(s, source, "update_proposal")


def _upsert_decidim(s: Session, session: ParticipationSession, item: dict[str, Any],
                    taxes: _Taxonomies) -> tuple[uuid.UUID, bool]:
    """A platform proposal, kept read-only for the room. Re-importing updates it in place."""
    values = dict(item["values"])
    cat_id = scope_id = None
    for kind, ref, name in item.get("taxonomy", []):
        t = taxes.ensure(ref, kind, name)
        if kind == "scope":
            scope_id = t.id
        elif cat_id is None:
            cat_id = t.id
        elif scope_id is None:
            scope_id = t.id
    if "taxonomy" in item:
        values["category_id"], values["scope_id"] = cat_id, scope_id
    else:
        for key, col in (("category_id", "category"), ("scope_id", "scope")):
            values.setdefault(key, None)
    existing_id = item.get("existing")
    p = s.get(Proposal, existing_id) if existing_id else None
    new = p is None
    if new:
        position = item.get("position") or ((s.scalar(
            select(Proposal.position).where(Proposal.session_id == session.id)
            .order_by(Proposal.position.desc()).limit(1)) or 0) + 1)
        p = Proposal(id=item.get("file_id") or uuid.uuid4(), session_id=session.id,
                     source="decidim", position=position, component_id=session.component_id)
        s.add(p)
    # ``item["supports"]`` is what the platform counted; supports added in the room stay.
    local = item.get("local_supports") or None if new else p.local_supports
    changed = []
    fields = {**{k: v for k, v in values.items() if k in P.EDITABLE},
              "supports": item["supports"] + (local or 0), "local_supports": local,
              "status": item["status"], "decidim_id": item["decidim_id"],
              "decidim_reference": item["decidim_reference"], "decidim_state": item["decidim_state"]}
    for key, value in fields.items():
        if getattr(p, key) != value:
            setattr(p, key, value)
            changed.append(key)
    s.flush()
    if new:
        audit.record(s, "proposal.created", session_id=session.id, entity_type="proposal",
                     entity_id=p.id, payload={"source": "decidim", "decidim_id": p.decidim_id})
    elif changed:
        audit.record(s, "proposal.refreshed", session_id=session.id, entity_type="proposal",
                     entity_id=p.id, payload={"fields": sorted(changed), "decidim_id": p.decidim_id})
    return p.id, new
