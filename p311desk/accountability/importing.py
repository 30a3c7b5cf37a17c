"""Importing a municipal action plan (PAM) from a spreadsheet: preview, then all or nothing.

Reads XLSX/ODS/XLS/CSV through the participant import's reader (:mod:`p311desk.spreadsheets`:
encodings, separators, merged cells) in either of two layouts:

- **A PAM sheet** as councils keep them: title rows, then a header row (Catalan, Spanish or
  English names: *Objectiu estratègic*, *Objectiu específic*, *Actuació*, *Àrea responsable*,
  *ODS*, *Inici*, *Final*, *Grau d'execució*, *Pressupost*, a *Codi* column…). The objectives
  come from their own columns (a cell merged down over its actions belongs to each of them) or
  from title rows between the actions ("1. Ciutat sostenible" merged across the sheet, then
  "1.2 Mobilitat", then its actions); codes such as ``1.2.3`` place an action too.
- **Decidim's results CSV** (``id``, ``parent/id``, ``title/<locale>``…), the file
  ``accountability export --format decidim-csv`` writes, so a plan makes the round trip.

Progress is 0–100 (``40``, ``40 %``, a percent-formatted cell) or one of the four steps
(``2/4``, ``Fase 2``). Every row gets a status (new, update, warning, error) with its problems;
:func:`commit` writes the whole plan or nothing. Importing a plan with the same title again
updates it in place (its actions keep their questions).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from html import unescape
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk import audit
from p311desk.accountability import figures as F
from p311desk.accountability.service import renumber
from p311desk.errors import ValidationError
from p311desk.i18n import LANGUAGES, N_, _, format_message
from p311desk.models import AccountabilityItem, AccountabilityPlan, AccountabilityQuestion
from p311desk.spreadsheets import Table, cell_text, read_table
from p311desk.spreadsheets.reader import BadDate, decode_bytes, parse_date
from p311desk.text import fold

TEMPORARY_ID_BASE = 9_000_000  # decidim-csv ids of rows the platform does not have yet (see export)
BUDGET_MAX = 1e12

FIELDS: dict[str, str] = {
    "code": N_("Code"),
    "objective": N_("Strategic objective"),
    "specific": N_("Specific objective"),
    "action": N_("Action"),
    "responsible": N_("Responsible unit"),
    "sdgs": N_("SDGs"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    "progress": N_("Progress"),
    "planned": N_("Planned progress"),
    "budget": N_("Budget"),
    "description": N_("Description"),
    "status": N_("Status"),
}

ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("codi", "codigo", "code", "num", "num.", "numero", "number", "ref", "ref.", "referencia", "id"),
    "objective": ("objectiu estrategic", "objectius estrategics", "objetivo estrategico", "objetivos estrategicos",
                  "strategic objective", "strategic objectives", "eix", "eix estrategic", "eje", "eje estrategico",
                  "linia estrategica", "linea estrategica", "objectiu", "objetivo", "objective", "oe"),
    "specific": ("objectiu especific", "objectius especifics", "objetivo especifico", "objetivos especificos",
                 "specific objective", "specific objectives", "programa", "subobjectiu", "subobjetivo", "oesp"),
    "action": ("actuacio", "actuacions", "actuacion", "actuaciones", "accio", "accions", "accion", "acciones",
               "action", "actions", "mesura", "medida", "projecte", "proyecto", "project", "titol de l'actuacio",
               "titulo de la actuacion", "titol", "titulo", "title"),
    "responsible": ("area responsable", "responsable", "unitat responsable", "unidad responsable", "area",
                    "departament", "departamento", "regidoria", "concejalia", "responsible", "responsible unit",
                    "servei responsable", "servicio responsable", "service"),
    "sdgs": ("ods", "objectius de desenvolupament sostenible", "objetivos de desarrollo sostenible", "sdg", "sdgs",
             "agenda 2030"),
    "start_date": ("inici", "data d'inici", "data inici", "inicio", "fecha de inicio", "fecha inicio", "start",
                   "start date", "start_date", "comencament"),
    "end_date": ("final", "fi", "data de fi", "data final", "data de finalitzacio", "fin", "fecha de fin",
                 "fecha fin", "fecha final", "fecha de finalizacion", "end", "end date", "end_date", "termini", "plazo"),
    "progress": ("grau d'execucio", "grau execucio", "execucio", "% execucio", "avanc", "% avanc", "progres",
                 "grado de ejecucion", "ejecucion", "% ejecucion", "avance", "% avance", "progreso", "progress",
                 "% progress", "estat d'execucio", "nivell d'execucio", "nivel de ejecucion"),
    "planned": ("previst", "% previst", "execucio prevista", "grau previst", "previsto", "% previsto",
                "ejecucion prevista", "planned", "planned progress", "% planned", "planificat", "planificado"),
    "budget": ("pressupost", "pressupost (€)", "pressupost (eur)", "import", "import (€)", "presupuesto",
               "presupuesto (€)", "importe", "importe (€)", "budget", "budget (€)", "cost", "cost (€)", "coste"),
    "description": ("descripcio", "descripcion", "description", "observacions", "observaciones", "notes"),
    "status": ("estat", "estado", "status", "situacio", "situacion"),
}


def _norm(text: Any) -> str:
    folded = fold(cell_text(text)).replace("’", "'")
    return re.sub(r"[\s:*]+$", "", folded)


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            index.setdefault(_norm(alias), name)
    return index


def propose(headers: list[str]) -> dict[str, int]:
    """``{field: column index}`` guessed from the header names."""
    index = _alias_index()
    out: dict[str, int] = {}
    for i, header in enumerate(headers):
        key = _norm(header)
        name = index.get(key)
        if name is None:
            key2 = re.sub(r"\s*\(.*\)$", "", key)  # "Pressupost (€)", "Grau d'execució (%)"
            name = index.get(key2)
        if name is None:
            words = re.split(r"[\s(/,]+", key)
            for n in range(len(words) - 1, 0, -1):
                name = index.get(" ".join(words[:n]))
                if name:
                    break
        if name and name not in out:
            out[name] = i
    return out


# --- the preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    msgid: str
    params: dict[str, Any]
    severity: str  # error | warning

    def message(self) -> str:
        return format_message(self.msgid, self.params)


@dataclass
class Node:
    """An objective or action as read from the file."""

    key: tuple                  # identity inside the plan (for updates)
    depth: int
    parent: Node | None
    row: int
    code: str = ""
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    responsible: str = ""
    sdgs: list[int] = field(default_factory=list)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    progress: float | None = None
    planned: float | None = None
    budget: float | None = None
    status: str = ""
    category: str = ""
    decidim_id: str | None = None
    children: list[Node] = field(default_factory=list)
    match_id: uuid.UUID | None = None
    preview: RowPreview | None = None


@dataclass
class RowPreview:
    row: int
    kind: str                   # objective | specific | action
    title: str
    status: str = "new"         # new | update | warning | error
    problems: list[Problem] = field(default_factory=list)


@dataclass
class PlanImportPreview:
    source: str
    layout: str                 # pam | decidim-csv
    title: str
    language: str
    headers: list[str]
    mapping: dict[str, str]     # field -> header
    rows: list[RowPreview]
    roots: list[Node]
    existing_plan_id: uuid.UUID | None
    removed: list[str]          # titles of actions of the existing plan the file no longer has
    kept: list[str]             # ... of which these are kept (questions were asked about them)
    counts: dict[str, int]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def errors(self) -> int:
        return self.counts.get("error", 0)

    @property
    def warnings(self) -> int:
        return self.counts.get("warning", 0)

    @property
    def actions(self) -> int:
        return sum(1 for r in self.rows if r.kind == "action")


@dataclass(frozen=True)
class PlanImportResult:
    plan_id: uuid.UUID
    created: int
    updated: int
    removed: int
    actions: int


CODE = re.compile(r"^[A-Za-z]{0,4}\s?\d{1,3}(?:[.\-]\d{1,3}){0,4}$")
HEADING = re.compile(r"^\s*(?:(?:eix|eje|oe|objectiu(?: estrat[eè]gic)?|objetivo(?: estrat[eé]gico)?|"
                     r"l[ií]nia|l[ií]nea|programa)\s*)?(\d{1,2}(?:\.\d{1,3}){0,3})[.)]?\s+(\S.*)$", re.I)
LEVEL1_WORDS = re.compile(r"^\s*(eix|eje|objectiu estrat[eè]gic|objetivo estrat[eé]gico|l[ií]nia estrat[eè]gica|"
                          r"l[ií]nea estrat[eé]gica|strategic objective)\b", re.I)
LEVEL2_WORDS = re.compile(r"^\s*(objectiu espec[ií]fic|objetivo espec[ií]fico|programa|specific objective)\b", re.I)


def read_plan_table(path: str | Path) -> tuple[Table, int, str]:
    """The file as a table whose header is the PAM header row (or Decidim's), the index of that
    row in the raw table, and the plan's title from the title rows above it."""
    path = Path(path)
    try:
        raw = read_table(path, detect_header=False)
    except ValidationError:
        if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
            raise
        raw = None
    if raw is None:  # a CSV whose title line is shorter than the header: the reader finds the header
        table = read_table(path)
        lines = decode_bytes(path.read_bytes())[0].splitlines()[:max(0, table.header_row - 1)]
        title = next((" ".join(x.strip(' "\'') for x in re.split(r"[;,\t|]", line) if x.strip(' "\'')) for line in lines
                      if line.strip(' ;,\t|"')), "")
        return table, -1, title or path.stem
    grid = [raw.headers] + raw.rows
    numbers = [raw.header_row] + raw.row_numbers
    index = _alias_index()
    best, best_hits = 0, -1
    for i, row in enumerate(grid[:40]):
        keys = [_norm(c) for c in row if cell_text(c)]
        hits = sum(1 for k in keys if k in index or re.sub(r"\s*\(.*\)$", "", k) in index
                   or k.startswith(("title/", "parent/id")))
        if hits > best_hits and hits >= 2:
            best, best_hits = i, hits
    if best_hits < 2:
        raise ValidationError("No header row found: the sheet needs columns such as “Actuació” (the action), "
                              "“Objectiu estratègic”, “Inici”, “Final” and “Grau d'execució”.")
    title = ""
    for row in grid[:best]:
        texts = [cell_text(c) for c in row if cell_text(c) and not str(c).startswith("#")]
        if texts and not title:
            title = texts[0]
    if not title:
        title = raw.sheet if raw.sheet and fold(raw.sheet) not in ("sheet1", "full1", "hoja1", "feuille1") else path.stem
    headers = [cell_text(c) or f"#{i + 1}" for i, c in enumerate(grid[best])]
    table = Table(headers=headers, rows=grid[best + 1:], row_numbers=numbers[best + 1:], header_row=numbers[best],
                  sheet=raw.sheet, source=raw.source)
    return table, best, title


def preview_file(s: Session, path: str | Path, *, language: str | None = None) -> PlanImportPreview:
    """Read and check a plan file; nothing is written."""
    table, _h, title = read_plan_table(path)
    return preview(s, table, title=title, language=language)


def preview(s: Session, table: Table, *, title: str, language: str | None = None) -> PlanImportPreview:
    headers = [h.strip() for h in table.headers]
    lowered = [h.lower() for h in headers]
    if "parent/id" in lowered and any(h.startswith("title/") for h in lowered):
        p = _preview_decidim(table, headers)
    else:
        p = _preview_pam(table, headers, language or "ca")
    p.title = " ".join(title.split())[:300] or _("Municipal action plan")
    _match_existing(s, p)
    counts = {"new": 0, "update": 0, "warning": 0, "error": 0}
    for r in p.rows:
        if any(x.severity == "error" for x in r.problems):
            r.status = "error"
        elif r.problems:
            r.status = "warning"
        counts[r.status] += 1
    if not any(r.kind == "action" for r in p.rows) and not counts["error"]:
        raise ValidationError("The file has no actions: no row names an action under the “Actuació” column.")
    p.counts = counts
    return p


# --- PAM layout ------------------------------------------------------------------------------------


def _preview_pam(table: Table, headers: list[str], language: str) -> PlanImportPreview:
    cols = propose(headers)
    if "action" not in cols:
        raise ValidationError("No column holds the actions: name it “Actuació” (or “Acción”, “Action”).")
    mapping = {f: headers[i] for f, i in cols.items()}
    fractions = {f: _fraction_column(table, cols[f]) for f in ("progress", "planned") if f in cols}
    roots: list[Node] = []
    rows: list[RowPreview] = []
    l1: Node | None = None
    l2: Node | None = None
    last_heading_level = 0
    by_key: dict[tuple, Node] = {}
    seen_actions: dict[tuple, int] = {}

    def get(raw: list, f: str) -> Any:
        i = cols.get(f)
        return raw[i] if i is not None and i < len(raw) else None

    def text(raw: list, f: str) -> str:
        return cell_text(get(raw, f))

    def objective(level: int, code: str, name: str, rownum: int, parent: Node | None) -> Node:
        key = ("o", level, code or fold(name), parent.key if parent is not None and not code else None)
        node = by_key.get(key)
        if node is None:
            node = Node(key=key, depth=level - 1, parent=parent, row=rownum, code=code, title={language: name})
            by_key[key] = node
            (parent.children if parent is not None else roots).append(node)
            node.preview = RowPreview(rownum, "objective" if level == 1 else "specific", _numbered(code, name))
            rows.append(node.preview)
        return node

    for raw, rownum in zip(table.rows, table.row_numbers):
        if all(not cell_text(c) for c in raw):
            continue
        action_text = text(raw, "action")
        obj_text, spec_text = text(raw, "objective"), text(raw, "specific")
        code = text(raw, "code").rstrip(".")
        if code and not CODE.match(code):
            code = ""  # a title merged across the sheet starts in the code column: it is not a code
        if not action_text:
            filled = [cell_text(c) for c in raw if cell_text(c)]
            if obj_text or spec_text:
                if obj_text:
                    c1, n1 = _split_code(obj_text)
                    if l1 is None or fold(pick(l1)) != fold(n1) or (c1 and c1 != l1.code):
                        l1, l2 = objective(1, c1 or (code if not spec_text else ""), n1, rownum, None), None
                if spec_text:
                    c2, n2 = _split_code(spec_text)
                    l2 = objective(2, c2 or code, n2, rownum, l1)
                last_heading_level = 2 if spec_text else 1
                continue
            heading = " ".join(filled if not code else [f for f in filled if f != code])
            c, name = _split_code(heading)
            c = c or code
            if not name:
                continue
            level = len(c.split(".")) if c else 0
            if level == 0:
                if LEVEL2_WORDS.match(name):
                    level = 2
                elif LEVEL1_WORDS.match(name):
                    level = 1
                else:
                    level = 2 if (last_heading_level == 1 and l1 is not None) else 1
            if level >= 3:  # "1.2.3 Title" with the title in another column: an action row after all
                action_text = name
                code = c
            elif level == 1:
                l1, l2 = objective(1, c, name, rownum, None), None
                last_heading_level = 1
                continue
            else:
                parent = l1 if l1 is not None else (_by_code(by_key, c.rsplit(".", 1)[0]) if c else None)
                l2 = objective(2, c, name, rownum, parent)
                last_heading_level = 2
                continue
        # --- an action
        last_heading_level = 0
        a_code, a_title = _split_code(action_text) if not code else (code, action_text)
        a_title = a_title or action_text
        row = RowPreview(rownum, "action", _numbered(a_code, a_title))

        def problem(f: str, msgid: str, severity: str = "error", **params: Any) -> None:
            row.problems.append(Problem(rownum, mapping.get(f, ""), msgid, params, severity))

        parent1, parent2 = l1, l2
        if obj_text:
            c1, n1 = _split_code(obj_text)
            parent1 = objective(1, c1, n1, rownum, None)
            if l1 is not parent1:
                l1, l2, parent2 = parent1, None, None
        if spec_text:
            c2, n2 = _split_code(spec_text)
            parent2 = objective(2, c2, n2, rownum, parent1)
            l2 = parent2
        if parent1 is None and parent2 is None and a_code and "." in a_code:
            parent2 = _by_code(by_key, a_code.rsplit(".", 1)[0])
            parent1 = parent2.parent if parent2 is not None else _by_code(by_key, a_code.split(".")[0])
        if parent2 is not None and parent1 is not None and parent2.parent is not parent1:
            parent2 = None  # a specific objective of another strategic objective: not this one's
        parent = parent2 or parent1
        rows.append(row)
        if parent is None:
            problem("action", "This action belongs to no objective (no objective column or title row above it).",
                    "warning")
        node = Node(key=("a", a_code or fold(a_title), parent.key if parent is not None and not a_code else None),
                    depth=(parent.depth + 1) if parent else 0, parent=parent, row=rownum, code=a_code,
                    title={language: a_title})
        if len(a_title) > 500:
            problem("action", "The action's title is too long (at most {max} characters).", max=500)
        if node.key in seen_actions:
            problem("action", "Same action as row {row}.", row=seen_actions[node.key])
        seen_actions.setdefault(node.key, rownum)
        node.responsible = text(raw, "responsible")[:300]
        node.status = text(raw, "status")[:100]
        desc = text(raw, "description")
        if desc:
            node.description = {language: desc}
        if "sdgs" in cols:
            try:
                node.sdgs = parse_sdgs(get(raw, "sdgs"))
            except ValueError:
                problem("sdgs", "“{value}” is not a list of SDGs (numbers 1 to 17).", value=text(raw, "sdgs"))
        for f in ("start_date", "end_date"):
            if f in cols:
                try:
                    setattr(node, f, parse_date(get(raw, f)))
                except BadDate:
                    problem(f, "“{value}” is not a real date (use dd/mm/yyyy).", value=text(raw, f))
        if node.start_date and node.end_date and node.end_date < node.start_date:
            problem("end_date", "The action ends before it starts.")
        if not (node.start_date and node.end_date) and "planned" not in cols:
            problem("start_date" if "start_date" in cols else "action",
                    "Without a start and an end date this action has no planned progress.", "warning")
        for f in ("progress", "planned"):
            if f in cols:
                try:
                    setattr(node, f, F.parse_progress(get(raw, f), fractions[f]))
                except ValueError:
                    problem(f, "“{value}” is not a progress (0 to 100 %, or 1/4 to 4/4).", value=text(raw, f))
        if "budget" in cols:
            try:
                node.budget = parse_budget(get(raw, "budget"))
            except ValueError:
                problem("budget", "“{value}” is not an amount in euros.", value=text(raw, "budget"))
        node.preview = row
        (parent.children if parent is not None else roots).append(node)
    _drop_empty(roots, rows)
    return PlanImportPreview(table.source, "pam", "", language, headers, mapping, rows, roots, None, [], [], {})


def _drop_empty(nodes: list[Node], rows: list[RowPreview]) -> None:
    """A title row with no action under it (a note, a footer, an objective still empty) is left
    out, with a warning on its row."""
    for node in list(nodes):
        if node.key[0] != "o":
            continue
        _drop_empty(node.children, rows)
        if not node.children:
            nodes.remove(node)
            if node.preview is not None:
                node.preview.kind = "note"
                node.preview.problems.append(Problem(node.row, "", "A title row with no action under it: left out.",
                                                     {}, "warning"))


def pick(node: Node) -> str:
    return next(iter(node.title.values()), "")


def _by_code(by_key: dict[tuple, Node], code: str) -> Node | None:
    for node in by_key.values():
        if node.code == code:
            return node
    return None


def _split_code(text: str) -> tuple[str, str]:
    m = HEADING.match(text)
    if m:
        return m[1].rstrip("."), m[2].strip()
    return "", text.strip()


def _numbered(code: str, title: str) -> str:
    return f"{code} {title}" if code else title


def _fraction_column(table: Table, index: int) -> bool:
    """A progress column typed as percentages in the spreadsheet holds fractions (0.4 for 40 %)."""
    numbers = [c for r in table.rows if index < len(r) for c in [r[index]]
               if isinstance(c, int | float) and not isinstance(c, bool)]
    return bool(numbers) and all(0 <= n <= 1 for n in numbers) and any(0 < n < 1 for n in numbers)


def parse_sdgs(value: Any) -> list[int]:
    """"3, 11", "ODS 3 · ODS 11", 11.0 → [3, 11]; ValueError for a number outside 1–17."""
    if value is None:
        return []
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise ValueError(str(value))
        numbers = [int(value)]
    else:
        numbers = [int(n) for n in re.findall(r"\d+", str(value))]
    if any(not 1 <= n <= 17 for n in numbers):
        raise ValueError(str(value))
    return sorted(set(numbers))


def parse_budget(value: Any) -> float | None:
    """An amount in euros: 12000, "12.000 €", "12.000,50", "1,2 M€" → float; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int | float):
        amount = float(value)
    else:
        text = str(value).replace("\u00a0", " ").strip().lower()
        if not text or text in ("-", "—"):
            return None
        factor = 1.0
        m = re.fullmatch(r"(.*?)\s*(m|m€|meur|milions?|millones?)\s*(€|eur)?", text)
        if m and re.search(r"\d", m[1]):
            text, factor = m[1], 1e6
        text = re.sub(r"\s*(€|eur|euros?)$", "", text).replace(" ", "")
        if not re.fullmatch(r"\d[\d.,]*", text):
            raise ValueError(text)
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".")
        elif "," in text:
            head, _sep, tail = text.rpartition(",")
            text = (head.replace(",", "") + "." + tail) if len(tail) != 3 or factor != 1 else text.replace(",", "")
        elif text.count(".") > 1 or re.fullmatch(r"\d{1,3}\.\d{3}", text):
            text = text.replace(".", "")
        amount = float(text) * factor
    if not math.isfinite(amount) or amount < 0 or amount > BUDGET_MAX:
        raise ValueError(str(value))
    return round(amount, 2)


# --- Decidim results CSV -------------------------------------------------------------------------

DESCRIPTION_LINE = re.compile(r"<p>\s*(Responsable|Responsible unit|Unitat responsable|Unidad responsable|ODS|SDGs|"
                              r"Pressupost|Presupuesto|Budget|Codi|Código|Code)\s*:\s*(.*?)\s*</p>", re.I)


def _preview_decidim(table: Table, headers: list[str]) -> PlanImportPreview:
    lowered = {h.lower(): i for i, h in enumerate(headers)}
    locales = [h.split("/", 1)[1] for h in lowered if h.startswith("title/")]
    language = next((loc for loc in locales if loc in LANGUAGES), locales[0] if locales else "ca")
    rows: list[RowPreview] = []
    nodes: dict[str, Node] = {}
    order: list[tuple[Node, str]] = []
    for raw, rownum in zip(table.rows, table.row_numbers):
        def cell(name: str) -> str:
            i = lowered.get(name)
            return cell_text(raw[i]) if i is not None and i < len(raw) else ""

        rid = cell("id") or f"row-{rownum}"
        titles = {loc: cell(f"title/{loc}") for loc in locales if cell(f"title/{loc}")}
        descriptions = {loc: cell(f"description/{loc}") for loc in locales if cell(f"description/{loc}")}
        node = Node(key=("d", rid), depth=0, parent=None, row=rownum, title=titles)
        row = RowPreview(rownum, "action", pick(node))
        node.preview = row
        rows.append(row)

        def problem(column: str, msgid: str, severity: str = "error", **params: Any) -> None:
            row.problems.append(Problem(rownum, column, msgid, params, severity))

        if not titles:
            problem(f"title/{language}", "The title is missing.")
        if rid in nodes:
            problem("id", "The id {value} is also used in row {row}.", value=rid, row=nodes[rid].row)
        nodes.setdefault(rid, node)
        # Our own export puts the responsible unit, SDGs, budget and code in the description.
        for loc, html in descriptions.items():
            rest = html
            for label, value in DESCRIPTION_LINE.findall(html):
                key, value = fold(label), unescape(value)
                try:
                    if key in ("responsable", "responsible unit", "unitat responsable", "unidad responsable"):
                        node.responsible = value[:300]
                    elif key in ("ods", "sdgs"):
                        node.sdgs = parse_sdgs(value)
                    elif key in ("pressupost", "presupuesto", "budget"):
                        node.budget = parse_budget(value)
                    elif key in ("codi", "codigo", "code"):
                        node.code = value[:40]
                except ValueError:
                    problem(f"description/{loc}", "“{value}” cannot be read.", "warning", value=value)
            rest = DESCRIPTION_LINE.sub("", rest).strip()
            if rest:
                node.description[loc] = rest
        for f in ("start_date", "end_date"):
            try:
                setattr(node, f, parse_date(cell(f) or None))
            except BadDate:
                problem(f, "“{value}” is not a real date (use dd/mm/yyyy).", value=cell(f))
        if node.start_date and node.end_date and node.end_date < node.start_date:
            problem("end_date", "The action ends before it starts.")
        try:
            node.progress = F.parse_progress(cell("progress") or None)
        except ValueError:
            problem("progress", "“{value}” is not a progress (0 to 100 %, or 1/4 to 4/4).", value=cell("progress"))
        node.category = cell("category/id")
        if rid.isdigit() and int(rid) < TEMPORARY_ID_BASE:
            node.decidim_id = rid
        order.append((node, cell("parent/id")))
    roots: list[Node] = []
    for node, parent_ref in order:
        parent = nodes.get(parent_ref) if parent_ref else None
        row = node.preview
        if parent_ref and parent is None:
            row.problems.append(Problem(node.row, "parent/id", "The parent {value} is not in the file.",
                                        {"value": parent_ref}, "error"))
        anc, loops = parent, 0
        while anc is not None and loops < 50:
            if anc is node:
                row.problems.append(Problem(node.row, "parent/id", "The parents form a loop.", {}, "error"))
                parent = None
                break
            anc, loops = anc.parent, loops + 1
        node.parent = parent
        (parent.children if parent is not None else roots).append(node)
    for node, _p in order:
        d, anc = 0, node.parent
        while anc is not None and d < 50:
            d, anc = d + 1, anc.parent
        node.depth = d
    for node, _p in order:
        if node.children:
            node.preview.kind = "objective" if node.depth == 0 else "specific"
    mapping = {h: h for h in headers}
    return PlanImportPreview(table.source, "decidim-csv", "", language, headers, mapping, rows, roots, None, [], [], {})


# --- matching the plan already here -----------------------------------------------------------------


def _walk(nodes: list[Node]):
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _item_key(it: AccountabilityItem, by_id: dict[uuid.UUID, AccountabilityItem], lang: str) -> tuple:
    parent = by_id.get(it.parent_id) if it.parent_id else None
    title = fold(it.title.get(lang) or next(iter(it.title.values()), ""))
    return (it.depth, it.code or title, _item_key(parent, by_id, lang) if parent is not None and not it.code else None)


def _node_key(node: Node) -> tuple:
    return (node.depth, node.code or fold(pick(node)), _node_key(node.parent) if node.parent and not node.code else None)


def _match_existing(s: Session, p: PlanImportPreview) -> None:
    plan = next((pl for pl in s.scalars(select(AccountabilityPlan).where(AccountabilityPlan.source == "spreadsheet"))
                 if fold(pl.title) == fold(p.title)), None)
    if plan is None:
        return
    p.existing_plan_id = plan.id
    items = list(s.scalars(select(AccountabilityItem).where(AccountabilityItem.plan_id == plan.id)))
    by_id = {i.id: i for i in items}
    existing = {_item_key(i, by_id, plan.language): i for i in items}
    matched: set[uuid.UUID] = set()
    for node in _walk(p.roots):
        hit = existing.get(_node_key(node))
        if hit is not None and hit.id not in matched:
            node.match_id = hit.id
            matched.add(hit.id)
            if node.preview is not None and node.preview.status == "new":
                node.preview.status = "update"
    asked = set(s.scalars(select(AccountabilityQuestion.item_id).join(
        AccountabilityItem, AccountabilityItem.id == AccountabilityQuestion.item_id)
        .where(AccountabilityItem.plan_id == plan.id)))
    for it in items:
        if it.id not in matched and it.number is not None:
            title = it.title.get(plan.language) or next(iter(it.title.values()), "")
            p.removed.append(title)
            if it.id in asked:
                p.kept.append(title)
                p.rows.append(RowPreview(0, "action", title, problems=[Problem(
                    0, "", "“{title}” is no longer in the file, but questions were asked about it in a session: "
                    "keep it in the file.", {"title": title}, "error")]))


# --- commit -------------------------------------------------------------------------------------------


def commit(s: Session, p: PlanImportPreview, *, accept_warnings: bool = False) -> PlanImportResult:
    """Write the previewed plan in the caller's unit of work, all or nothing."""
    if p.errors:
        raise ValidationError("{n} rows have errors: correct the file. Nothing was imported.", n=p.errors)
    if p.warnings and not accept_warnings:
        raise ValidationError("{n} rows have warnings: review and accept them to import.", n=p.warnings)
    plan = s.get(AccountabilityPlan, p.existing_plan_id) if p.existing_plan_id else None
    if plan is None:
        plan = AccountabilityPlan(id=uuid.uuid4(), title=p.title, source="spreadsheet", language=p.language,
                                  source_file=p.source[:300])
        s.add(plan)
        s.flush()
    else:
        plan.source_file = p.source[:300]
    existing = {i.id: i for i in s.scalars(select(AccountabilityItem).where(AccountabilityItem.plan_id == plan.id))}
    keep: set[uuid.UUID] = set()
    created = updated = 0

    def write(node: Node, parent_id: uuid.UUID | None, position: int) -> None:
        nonlocal created, updated
        it = existing.get(node.match_id) if node.match_id else None
        values = dict(parent_id=parent_id, depth=node.depth, position=position, code=node.code, title=node.title,
                      description=node.description, responsible=node.responsible, sdgs=node.sdgs,
                      start_date=node.start_date, end_date=node.end_date, progress=node.progress,
                      planned=node.planned, budget=node.budget,
                      status={"name": {p.language: node.status}} if node.status else {},
                      classification=[{"kind": "category", "id": node.category}] if node.category else [],
                      decidim_id=node.decidim_id)
        if it is None:
            it = AccountabilityItem(id=uuid.uuid4(), plan_id=plan.id, **values)
            s.add(it)
            created += 1
        else:
            changed = False
            for k, v in values.items():
                if getattr(it, k) != v:
                    setattr(it, k, v)
                    changed = True
            updated += changed
        keep.add(it.id)
        s.flush()
        for i, child in enumerate(node.children):
            write(child, it.id, i)

    for i, root in enumerate(p.roots):
        write(root, None, i)
    asked = set(s.scalars(select(AccountabilityQuestion.item_id).where(AccountabilityQuestion.item_id.in_(list(existing)))))
    removed = 0
    gone = [i for i in existing.values() if i.id not in keep]
    # Children first: a parent is deleted after everything under it.
    if any(i.id in asked for i in gone):  # preview refuses this already; checked again under the write lock
        raise ValidationError("The file no longer has actions that questions were asked about; keep them in it.")
    for it in sorted(gone, key=lambda i: -i.depth):
        s.delete(it)
        removed += 1
    s.flush()
    actions = renumber(s, plan.id)
    audit.record(s, "accountability.plan_imported", entity_type="accountability_plan", entity_id=plan.id,
                 payload={"file": p.source, "layout": p.layout, "created": created, "updated": updated,
                          "removed": removed, "actions": actions,
                          "warnings_accepted": p.warnings if accept_warnings else 0})
    return PlanImportResult(plan.id, created, updated, removed, actions)


def report_lines(p: PlanImportPreview, limit: int | None = None) -> list[str]:
    lines = []
    for prob in p.problems[:limit] if limit else p.problems:
        severity = _("error") if prob.severity == "error" else _("warning")
        lines.append(_("Row {row}, column “{column}”: {severity}: {problem}").format(
            row=prob.row, column=prob.column or "—", severity=severity, problem=prob.message()))
    return lines


def count_questions(s: Session, plan_id: uuid.UUID) -> int:
    return s.scalar(select(func.count()).select_from(AccountabilityQuestion).join(
        AccountabilityItem, AccountabilityItem.id == AccountabilityQuestion.item_id)
        .where(AccountabilityItem.plan_id == plan_id)) or 0
