"""Writing a plan out: our own XLSX (the columns the import reads, with the figures) and the
results CSV Decidim's accountability admin imports (``decidim-csv``).

``decidim-csv`` follows ``results_csv_importer.rb`` (0.27 to newest): ``;``-separated, columns
``id;parent/id;title/<locale>…;description/<locale>…;start_date;end_date;status/id;progress;
category/id;scope/id;proposal_urls``. A row whose ``id`` is a result of the component updates it;
any other id only ties children to their parent inside the file. Decidim stores ``parent/id`` in
an integer column and matches it again after creating the rows, so ids must be numbers: results
pulled from a platform keep their own id, rows the platform does not have get ``9000000 + n``.
Every title locale is filled (a missing one falls back to the plan's language, since Decidim
falls back only to the organisation's default locale). The responsible unit, SDGs, budget and
code travel as lines of the description, which the import reads back. Text is written exactly
as typed (no protective apostrophe: Decidim would store it).
"""

from __future__ import annotations

import csv
import html
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk.accountability.importing import TEMPORARY_ID_BASE
from p311desk.accountability.service import plan_view
from p311desk.errors import ValidationError
from p311desk.i18n import load_translations
from p311desk.models import AccountabilityItem, AccountabilityPlan
from p311desk.spreadsheets import cell_value

FORMATS = ("xlsx", "decidim-csv")
DECIDIM_TAIL = ["start_date", "end_date", "status/id", "progress", "category/id", "scope/id", "proposal_urls"]
LOCALES = ("ca", "es")


def export_plan(s: Session, plan_id: uuid.UUID, path: str | Path, fmt: str | None = None) -> int:
    """Write the plan to ``path``; returns the number of rows written."""
    path = Path(path)
    fmt = fmt or ("xlsx" if path.suffix.lower() == ".xlsx" else "decidim-csv")
    if fmt not in FORMATS:
        raise ValidationError("Unknown format: {format}", format=fmt)
    want = ".xlsx" if fmt == "xlsx" else ".csv"
    if path.suffix.lower() != want:
        raise ValidationError("A {format} file ends in {suffix}.", format=fmt, suffix=want)
    tmp = path.with_name(path.name + ".part")
    try:
        n = _write_xlsx(s, plan_id, tmp) if fmt == "xlsx" else _write_decidim(s, plan_id, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _ordered(s: Session, plan_id: uuid.UUID) -> list[AccountabilityItem]:
    items = list(s.scalars(select(AccountabilityItem).where(AccountabilityItem.plan_id == plan_id)))
    children: dict[uuid.UUID | None, list[AccountabilityItem]] = {}
    for it in items:
        children.setdefault(it.parent_id, []).append(it)
    out: list[AccountabilityItem] = []

    def walk(parent):
        for it in sorted(children.get(parent, []), key=lambda i: i.position):
            out.append(it)
            walk(it.id)

    walk(None)
    return out


def _money(amount: float) -> str:
    whole = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return whole.removesuffix(",00") + " €"


def _write_decidim(s: Session, plan_id: uuid.UUID, path: Path) -> int:
    plan = s.get(AccountabilityPlan, plan_id)
    view = {a.id: a for a in plan_view(s, plan_id).actions}
    groups = {o.id: o for o in plan_view(s, plan_id).objectives if o.id is not None}
    items = _ordered(s, plan_id)
    found = {loc for it in items for loc in (it.title or {})}
    locales = list(dict.fromkeys([plan.language, *LOCALES, *sorted(found)]))
    labels = {loc: load_translations(loc).gettext for loc in locales}
    ids: dict[uuid.UUID, str] = {}
    for n, it in enumerate(items, start=1):
        ids[it.id] = it.decidim_id if (it.decidim_id and it.decidim_id.isdigit()) else str(TEMPORARY_ID_BASE + n)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(["id", "parent/id", *[f"title/{loc}" for loc in locales],
                    *[f"description/{loc}" for loc in locales], *DECIDIM_TAIL])
        for it in items:
            fallback = it.title.get(plan.language) or next(iter(it.title.values()), "")
            titles = [it.title.get(loc) or fallback for loc in locales]
            descriptions = []
            for loc in locales:
                _ = labels[loc]
                lines = []
                text = (it.description or {}).get(loc) or (it.description or {}).get(plan.language) or ""
                if text:
                    lines.append(text if text.lstrip().startswith("<") else f"<p>{html.escape(text, quote=False)}</p>")
                if it.code:
                    lines.append(f"<p>{_('Code')}: {html.escape(it.code, quote=False)}</p>")
                if it.responsible:
                    lines.append(f"<p>{_('Responsible unit')}: {html.escape(it.responsible, quote=False)}</p>")
                if it.sdgs:
                    lines.append(f"<p>{_('SDGs')}: {', '.join(str(x) for x in it.sdgs)}</p>")
                if it.budget is not None:
                    lines.append(f"<p>{_('Budget')}: {_money(it.budget)}</p>")
                descriptions.append("".join(lines))
            progress = it.progress
            if it.id in groups:  # an objective: its figure (Decidim recomputes parents from children anyway)
                progress = groups[it.id].figures.progress
            elif it.id not in view and it.number is None:
                progress = None
            status = (it.status or {}).get("id") or ""
            category = next((c.get("id") for c in it.classification or [] if c.get("kind") == "category"), "")
            w.writerow([ids[it.id], ids.get(it.parent_id, "") if it.parent_id else "", *titles, *descriptions,
                        it.start_date.isoformat() if it.start_date else "",
                        it.end_date.isoformat() if it.end_date else "", status,
                        "" if progress is None else _number(progress), category or "", "", ""])
    return len(items)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def _write_xlsx(s: Session, plan_id: uuid.UUID, path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    plan = s.get(AccountabilityPlan, plan_id)
    _ = load_translations(plan.language).gettext
    view = plan_view(s, plan_id)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Plan")[:31]
    ws.append([plan.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("Figures on {date}").format(date=view.on.strftime("%d/%m/%Y"))])
    ws.append([])
    header = [_("Code"), _("Strategic objective"), _("Specific objective"), _("Action"), _("Responsible unit"),
              _("SDGs"), _("Start date"), _("End date"), _("Progress"), _("Planned progress"), _("Budget"),
              _("Status"), _("Number")]
    ws.append(header)
    for cell in ws[4]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F3B57")
    items = {i.id: i for i in s.scalars(select(AccountabilityItem).where(AccountabilityItem.plan_id == plan_id))}
    rows = 0
    for o in view.objectives:
        for a in o.actions:
            it = items[a.id]
            spec = items.get(it.parent_id) if it.parent_id and it.parent_id != o.id else None
            ws.append([cell_value(it.code or None), cell_value(_joined(items.get(o.id) if o.id else None, plan.language)),
                       cell_value(_joined(spec, plan.language)), cell_value(a.title),
                       cell_value(a.responsible or None), cell_value(", ".join(str(x) for x in a.sdgs) or None),
                       a.start_date, a.end_date, a.progress, it.planned, a.budget, cell_value(a.status or None),
                       a.number])
            rows += 1
    for col, width in zip("ABCDEFGHIJKLM", (8, 34, 34, 48, 24, 10, 12, 12, 10, 10, 14, 14, 8)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=5):
        for cell in row[6:8]:
            cell.number_format = "DD/MM/YYYY"
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    summary = wb.create_sheet(_("Figures")[:31])
    summary.append([_("Objective"), _("Actions"), _("Progress"), _("Planned progress"), _("Deviation (points)"),
                    _("Weighted by")])
    for o in [*view.objectives, None]:
        f = view.figures if o is None else o.figures
        name = _("Whole plan") if o is None else _joined(items.get(o.id), plan.language) if o.id else o.title
        summary.append([cell_value(name), f.actions, round(f.progress, 2),
                        None if f.planned is None else round(f.planned, 2),
                        None if f.deviation is None else round(f.deviation, 2),
                        _("budget") if f.by_budget else _("action")])
    wb.save(path)
    return rows


def _joined(item: AccountabilityItem | None, lang: str) -> str | None:
    if item is None:
        return None
    title = item.title.get(lang) or next(iter(item.title.values()), "")
    return f"{item.code} {title}" if item.code else title
