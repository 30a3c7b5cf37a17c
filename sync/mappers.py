"""From the platform's GraphQL answers to the plain records the local cache stores.

One place knows both shapes: the 0.27 line (categories, scopes) and the 0.32 line (taxonomies).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from p311desk.spaces import RemoteComponent, RemoteMeeting, RemoteProposal, RemoteSpace, RemoteTaxonomy

MANIFESTS = {"Proposals": "proposals", "Meetings": "meetings", "Budgets": "budgets", "Surveys": "surveys",
             "Accountability": "accountability", "Debates": "debates", "Blogs": "blogs", "Pages": "pages"}


def when(value: str | None) -> dt.datetime | None:
    """An ISO 8601 time from the API as an aware UTC datetime (None stays None)."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def day(value: str | None) -> dt.date | None:
    """A ``Date`` (or a DateTime) from the API as a date."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def texts(field: dict | None) -> dict[str, str]:
    """A TranslatedField's ``translations`` as ``{locale: text}`` (empty texts dropped)."""
    if not field:
        return {}
    return {t["locale"]: t["text"] for t in (field.get("translations") or []) if t and t.get("text")}


def plain(html_text: str) -> str:
    """Decidim's stored rich text (``<p>…</p>``, ``<br>``, entities) as the plain text typed."""
    import html
    import re

    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", html_text or "")
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def _taxonomies(node: dict, owner_kind: str) -> list[RemoteTaxonomy]:
    found: list[RemoteTaxonomy] = []
    for cat in node.get("categories") or []:
        found.append(RemoteTaxonomy("category", str(cat["id"]), texts(cat.get("name")),
                                    str((cat.get("parent") or {}).get("id") or "") or None))
    scope = node.get("scope")
    if scope:
        found.append(RemoteTaxonomy("scope", str(scope["id"]), texts(scope.get("name"))))
    for tax in node.get("taxonomies") or []:
        found.append(RemoteTaxonomy("taxonomy", str(tax["id"]), texts(tax.get("name")),
                                    str((tax.get("parent") or {}).get("id") or "") or None))
    return found


def spaces(data: dict[str, Any]) -> list[RemoteSpace]:
    result = []
    for key, kind in (("participatoryProcesses", "process"), ("assemblies", "assembly")):
        for node in data.get(key) or []:
            comps = tuple(
                RemoteComponent(str(c["id"]), MANIFESTS.get(c.get("__typename") or "", "other"),
                                texts(c.get("name")), int(c.get("weight") or 0), when(c.get("updatedAt")))
                for c in (node.get("components") or []) if c)
            start = node.get("startDate") if kind == "process" else node.get("creationDate")
            end = node.get("endDate") if kind == "process" else node.get("closingDate")
            result.append(RemoteSpace(kind, str(node["id"]), node.get("slug"), texts(node.get("title")),
                                      when(node.get("updatedAt")), comps, tuple(_taxonomies(node, kind)),
                                      day(start), day(end), texts(node.get("subtitle")) or None))
    return result


def meeting(node: dict[str, Any]) -> RemoteMeeting:
    return RemoteMeeting(
        str(node["id"]), node.get("reference"), texts(node.get("title")), when(node.get("startTime")),
        when(node.get("endTime")), node.get("address") or "", texts(node.get("location")),
        bool(node.get("closed")), bool(node.get("isWithdrawn") or node.get("withdrawn")), when(node.get("updatedAt")))


def proposal(node: dict[str, Any]) -> RemoteProposal:
    coords = node.get("coordinates") or {}
    if "taxonomies" in node:
        taxes = [str(t["id"]) for t in (node.get("taxonomies") or []) if t]
        category, scope = (taxes[0] if taxes else None), (taxes[1] if len(taxes) > 1 else None)
    else:
        category = str((node.get("category") or {}).get("id") or "") or None
        scope = str((node.get("scope") or {}).get("id") or "") or None
    return RemoteProposal(
        str(node["id"]), node.get("reference"), texts(node.get("title")),
        {k: plain(v) for k, v in texts(node.get("body")).items()},
        node.get("state"), bool(node.get("withdrawn")), node.get("address") or "",
        coords.get("latitude"), coords.get("longitude"), category, scope, when(node.get("updatedAt")))
