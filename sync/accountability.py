"""Pulling accountability components: every result (parents and children) of each component, on
every schema line, into a plan of the accountability capability.

All pages of a component are read first and then written in one unit of work, because a result
missing from the platform can only be told once the whole list is known (and removing it must
not depend on how far a cut connection got). Pulling twice changes nothing. The document is
pruned to the server's schema like every other (``sync/documents``): category and scope up to
0.29, taxonomies from 0.30.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from p311desk import accountability
from p311desk.db import Database
from sync.client import DecidimClient
from sync.mappers import texts

MANIFEST = "accountability"


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _progress(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(100.0, number))


def result(node: dict[str, Any]) -> accountability.RemoteResult:
    """A result node as the accountability capability stores it."""
    status = node.get("status") or None
    classification: list[dict[str, Any]] = []
    for kind in ("category", "scope"):
        item = node.get(kind)
        if item:
            classification.append({"kind": kind, "id": str(item.get("id")), "name": texts(item.get("name"))})
    for item in node.get("taxonomies") or []:
        if item:
            classification.append({"kind": "taxonomy", "id": str(item.get("id")), "name": texts(item.get("name"))})
    parent = node.get("parent") or {}
    return accountability.RemoteResult(
        remote_id=str(node["id"]), parent_id=str(parent["id"]) if parent.get("id") else None,
        title=texts(node.get("title")), description=texts(node.get("description")),
        reference=node.get("reference"), progress=_progress(node.get("progress")),
        start_date=_date(node.get("startDate")), end_date=_date(node.get("endDate")),
        weight=int(node.get("weight") or 0),
        status=({"id": str(status.get("id")), "key": status.get("key"), "name": texts(status.get("name")),
                 "progress": status.get("progress")} if status else {}),
        classification=tuple(classification), commentable_type=node.get("type") or None)


def pull_components(db: Database, client: DecidimClient, host: str, components: list[tuple[str, dict[str, str]]],
                    *, language: str = "ca", check_cancel: Callable[[], None] = lambda: None,
                    progress: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Pull the results of each ``(component id, name)``; returns the counts of what changed."""
    totals = {"plans": 0, "new": 0, "updated": 0, "removed": 0, "kept": 0}
    for remote_id, name in components:
        nodes: list[dict[str, Any]] = []
        for page in client.pages("accountability_results", remote_id, "results"):
            nodes.extend(page)
            progress(f"{len(nodes)}")
            check_cancel()
        with db.write() as s:
            applied = accountability.apply_results(s, host, remote_id, [result(n) for n in nodes], name=name,
                                                   language=language)
        totals["plans"] += 1
        totals["new"] += applied.created
        totals["updated"] += applied.updated
        totals["removed"] += applied.removed
        totals["kept"] += len(applied.kept)
    return totals
