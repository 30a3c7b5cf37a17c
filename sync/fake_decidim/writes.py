"""The fake Decidim's write side (sync part 2).

- 0.32 API (``Mutation.component``): ``ProposalsMutation.createProposal`` creates and publishes a
  proposal (title and body stored under ``input.locale``; ``taxonomies`` ids); ``proposal(id)``
  gives ``update`` and ``withdraw``; ``MeetingsMutation.meeting(id).close`` closes a meeting with
  its report, attendees count and linked proposals, refused (as upstream) when the meeting is
  already closed or withdrawn. Validation errors come back as GraphQL errors with Decidim's codes.
- The administrator's side, for every version (what a person does in ``/admin`` with the files
  p311desk writes): :func:`admin_import_proposals` reads a proposals import file (CSV ``;``, JSON
  or XLSX) with Decidim's rules (``title/<default locale>`` and ``body/<default locale>``
  required; ``category/id`` up to 0.30, ``taxonomies/ids`` from 0.31; ``scope/id``, ``address``,
  ``latitude``, ``longitude``) and publishes every row, refusing the whole file on any error;
  :func:`admin_close_meeting` closes a meeting from its form.

``counts`` on the server records each write (``write:createProposal`` ...) so tests can prove
nothing was created twice.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import graphql

from sync.fake_decidim import graph
from sync.fake_decidim.data import Proposal, Store

DEFAULT_LOCALE = "ca"
TITLE_MIN, TITLE_MAX = 15, 150


def _error(message: str, code: str = "VALIDATION_ERROR") -> graphql.GraphQLError:
    return graphql.GraphQLError(message, extensions={"code": code})


def _as_html(text: str) -> str:
    import html

    parts = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=False).replace(chr(10), '<br>')}</p>" for p in parts)


def _check_proposal(store: Store, component_id: str, attrs: dict[str, Any]) -> None:
    title = (attrs.get("title") or "").strip()
    if not (TITLE_MIN <= len(title) <= TITLE_MAX):
        raise _error(f"Title is too short or too long ({len(title)} characters)", "ATTRIBUTE_VALIDATION_ERROR")
    if not (attrs.get("body") or "").strip():
        raise _error("Body can't be blank", "ATTRIBUTE_VALIDATION_ERROR")
    for tid in attrs.get("taxonomies") or []:
        if str(tid) not in store.taxonomies:
            raise _error(f"Taxonomy {tid} not found", "ATTRIBUTE_VALIDATION_ERROR")


def create_proposal(ctx: graph.Context, component, _info, input: dict) -> dict:
    store = ctx.store
    attrs = dict(input.get("attributes") or {})
    locale = input.get("locale") or DEFAULT_LOCALE
    _check_proposal(store, component.id, attrs)
    with store.lock:
        pid = store.next_id()
        now = store.now()
        # Decidim sanitises what it stores: the body as HTML paragraphs, entities escaped, runs of
        # spaces kept as typed inside the paragraph.
        p = Proposal(pid, component.id, {locale: attrs["title"].strip()}, {locale: _as_html(attrs["body"])},
                     now, now, address=attrs.get("address"), latitude=attrs.get("latitude"),
                     longitude=attrs.get("longitude"),
                     taxonomy_ids=[str(t) for t in attrs.get("taxonomies") or []])
        store.proposals[pid] = p
        store.writes.append(("createProposal", pid))
    return graph.proposal_view(ctx, p)


def proposal_mutation(ctx: graph.Context, component, _info, id: str) -> dict | None:
    store = ctx.store
    p = store.proposals.get(str(id))
    if p is None or p.component_id != component.id or not p.published_at:
        return None

    def update(_info, input: dict) -> dict:
        attrs = dict(input.get("attributes") or {})
        locale = input.get("locale") or DEFAULT_LOCALE
        _check_proposal(store, component.id, attrs)
        with store.lock:
            p.title = {**p.title, locale: attrs["title"].strip()}
            p.body = {**p.body, locale: attrs["body"].strip()}
            p.address, p.latitude, p.longitude = attrs.get("address"), attrs.get("latitude"), attrs.get("longitude")
            p.taxonomy_ids = [str(t) for t in attrs.get("taxonomies") or []]
            p.updated_at = store.now()
            store.writes.append(("updateProposal", p.id))
        return graph.proposal_view(ctx, p)

    def withdraw(_info, input: dict | None = None) -> dict:
        with store.lock:
            if not p.withdrawn:
                p.withdrawn = True
                p.updated_at = store.now()
                store.writes.append(("withdrawProposal", p.id))
        return graph.proposal_view(ctx, p)

    return {"update": update, "withdraw": withdraw}


def close(store: Store, meeting_id: str, report: dict[str, str], attendees: int, proposal_ids: list[str],
          closed_at: str | None = None) -> None:
    """Close a meeting (the API mutation and the admin form share this)."""
    with store.lock:
        m = store.meetings[meeting_id]
        if m.closed or m.withdrawn:
            raise _error("The meeting is already closed" if m.closed else "The meeting is withdrawn",
                         "MUTATION_NOT_AUTHORIZED_ERROR")
        unknown = [i for i in proposal_ids if str(i) not in store.proposals]
        if unknown:
            raise _error(f"Proposals not found: {', '.join(map(str, unknown))}", "ATTRIBUTE_VALIDATION_ERROR")
        m.closed = True
        m.closing_report = dict(report)
        m.attendees_count = attendees
        m.proposal_ids = [str(i) for i in proposal_ids]
        m.closed_at = closed_at or store.now()
        m.updated_at = store.now()
        store.writes.append(("closeMeeting", meeting_id))


def meeting_mutation(ctx: graph.Context, component, _info, id: str) -> dict | None:
    store = ctx.store
    m = store.meetings.get(str(id))
    if m is None or m.component_id != component.id:
        return None

    def close_meeting(_info, input: dict) -> dict:
        attrs = dict(input.get("attributes") or {})
        locale = input.get("locale") or DEFAULT_LOCALE
        if attrs.get("attendeesCount") is None or attrs["attendeesCount"] < 0:
            raise _error("Attendees count is invalid", "ATTRIBUTE_VALIDATION_ERROR")
        close(store, m.id, {locale: attrs.get("closingReport") or ""}, int(attrs["attendeesCount"]),
              list(attrs.get("proposalIds") or []), attrs.get("closedAt"))
        return graph.meeting_view(ctx, m)

    return {"close": close_meeting, "update": None, "withdraw": None}


def install() -> None:
    """Register the write fields with the GraphQL layer (idempotent)."""
    graph.MUTATION_FIELDS.setdefault("createProposal", create_proposal)
    graph.MUTATION_FIELDS.setdefault("proposal", proposal_mutation)
    graph.MUTATION_FIELDS.setdefault("meeting", meeting_mutation)


# --- the administrator's side ---------------------------------------------------------------


class AdminImportRefused(ValueError):
    """The admin import refused the file (Decidim shows the errors and imports nothing)."""


def _rows(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            raise AdminImportRefused("a BOM makes the first header unreadable")
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8")), delimiter=";"))
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise AdminImportRefused("the JSON must be an array of objects")
        out = []
        for obj in data:
            flat: dict[str, Any] = {}

            def walk(node, prefix=""):
                for key, value in node.items():
                    if isinstance(value, dict):
                        walk(value, f"{prefix}{key}/")
                    else:
                        flat[f"{prefix}{key}"] = value
            walk(obj)
            out.append(flat)
        keys = list(out[0]) if out else []  # Decidim: the first object's keys are the columns
        return [{k: row.get(k) for k in keys} for row in out]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            return []
        head = [str(h) for h in rows[0]]
        return [dict(zip(head, r)) for r in rows[1:] if any(v not in (None, "") for v in r)]
    raise AdminImportRefused(f"unknown file type {suffix}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def admin_import_proposals(store: Store, component_id: str, path: str | Path,
                           locales: tuple[str, ...] | None = None) -> list[str]:
    """Decidim's "Import proposals from a file"; returns the new proposals' ids."""
    rows = _rows(Path(path))
    locales = tuple(locales or store.locales)
    default = store.default_locale if store.default_locale in locales else locales[0]
    # 0.31+: taxonomies/ids only. 0.30: the 0.30.0.dev creator reads category/id; whether 0.30.x
    # reads taxonomies/ids is not known (IMPORTS.md), so this fake reads either.
    new_columns = store.version == "0.32"
    either = store.version == "0.30"
    planned = []
    for n, row in enumerate(rows, start=2):
        missing = [h for h in (f"title/{default}", f"body/{default}") if h not in row]
        if missing:
            raise AdminImportRefused(f"Missing headers: {' and '.join(missing)}")
        title = {loc: _text(row.get(f"title/{loc}")) for loc in locales if _text(row.get(f"title/{loc}"))}
        body = {loc: _text(row.get(f"body/{loc}")) for loc in locales if _text(row.get(f"body/{loc}"))}
        if not title.get(default) or not body.get(default):
            raise AdminImportRefused(f"row {n}: title and body in {default} are required")
        if either:
            tax = [t.strip() for t in _text(row.get("taxonomies/ids")).split(",") if t.strip()]
            if any(t not in store.taxonomies for t in tax):
                raise AdminImportRefused(f"row {n}: unknown taxonomy")
            category = _text(row.get("category/id")) or None
            if category and category not in store.categories:
                raise AdminImportRefused(f"row {n}: unknown category {category}")
        elif new_columns:
            if "category/id" in row:
                raise AdminImportRefused("category/id is not read from 0.31 on (use taxonomies/ids)")
            tax = [t.strip() for t in _text(row.get("taxonomies/ids")).split(",") if t.strip()]
            if any(t not in store.taxonomies for t in tax):
                raise AdminImportRefused(f"row {n}: unknown taxonomy")
            category = None
        else:
            if "taxonomies/ids" in row:
                raise AdminImportRefused("taxonomies/ids is not read before 0.31")
            tax = []
            category = _text(row.get("category/id")) or None
            if category and category not in store.categories:
                raise AdminImportRefused(f"row {n}: unknown category {category}")
        scope = _text(row.get("scope/id")) or None
        lat, lon = _text(row.get("latitude")), _text(row.get("longitude"))
        planned.append(dict(title=title, body=body, category_id=category, scope_id=scope, taxonomy_ids=tax,
                            address=_text(row.get("address")) or None,
                            latitude=float(lat) if lat else None, longitude=float(lon) if lon else None))
    created = []
    with store.lock:
        for plan in planned:
            pid = store.next_id()
            now = store.now()
            store.proposals[pid] = Proposal(pid, component_id, plan.pop("title"), plan.pop("body"), now, now,
                                            official=True, **plan)
            store.writes.append(("adminImport", pid))
            created.append(pid)
    return created


def admin_close_meeting(store: Store, meeting_id: str, report: dict[str, str], attendees: int,
                        proposal_ids: list[str] = ()) -> None:
    """The administrator closes the meeting by hand, pasting the report."""
    close(store, meeting_id, report, attendees, list(proposal_ids))
