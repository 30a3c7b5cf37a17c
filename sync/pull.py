"""Pulling from a platform into the local cache: spaces and their components, categories/scopes
or taxonomies, meetings, and the published proposals of chosen components.

Paginated within the server's page size (and a smaller one if the server finds a page too
complex). Each page is written in its own unit of work, so a cancel or a lost network keeps what
was already stored and a later pull carries on. Pulling twice changes nothing; a change on the
platform (its ``updatedAt``) updates the cached row, unless local work on it has not been synced
yet: then the pull reports a conflict and keeps the local version. No Qt: the UI runs this in a
worker with ``progress`` and ``cancel``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from p311desk import spaces
from p311desk.db import Database
from p311desk.errors import Cancelled, NotFound
from sync import accountability as accountability_sync
from sync import mappers
from sync.capabilities import probe
from sync.client import DecidimClient
from sync.platforms import ClientFactory, client_for, credentials
from sync.schemas import type_map

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


def _counts(applied: spaces.Applied) -> dict[str, int]:
    return {"new": applied.new, "updated": applied.updated, "unchanged": applied.unchanged}


def pull(db: Database, ref: str | None = None, *, space: str | None = None, component: str | None = None,
         secret: str | None = None, progress: Progress | None = None, cancel: threading.Event | None = None,
         client_factory: ClientFactory = DecidimClient, client: DecidimClient | None = None) -> dict[str, Any]:
    """Pull platform ``ref`` (the default one when empty); returns the summary it also records."""
    started = time.perf_counter()
    progress = progress or (lambda done, total, message="": None)
    with db.read() as s:
        info = spaces.get_platform(s, ref)
    own_client = client is None
    if client is None:
        client = client_for(info, credentials(info, secret=secret), client_factory)
    totals = {k: spaces.Applied() for k in ("spaces", "components", "taxonomies", "meetings", "proposals")}
    summary: dict[str, Any] = {"platform": info.name, "host": info.host, "complete": False}

    def check_cancel() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()

    try:
        if not client.line:
            probe(client)
        if client.credentials and client.credentials.secret and not client.signed_in:
            client.sign_in()
        progress(0, 1, info.name)
        remote_spaces = mappers.spaces(client.query("spaces"))
        if space:
            wanted = space.strip().casefold()
            remote_spaces = [r for r in remote_spaces if wanted in (r.remote_id, (r.slug or "").casefold())]
            if not remote_spaces:
                raise NotFound("No participatory space “{space}” on {host}.", space=space, host=info.host)
        with db.write() as s:
            for kind, applied in spaces.apply_spaces(s, info.host, remote_spaces).items():
                totals[kind].add(applied)
        check_cancel()
        meeting_components = [c.remote_id for r in remote_spaces for c in r.components if c.manifest == "meetings"]
        proposal_components = [c.remote_id for r in remote_spaces for c in r.components if c.manifest == "proposals"]
        if component:
            known = {c.remote_id: c.manifest for r in remote_spaces for c in r.components}
            if component not in known:
                raise NotFound("No component {id} on {host}.", id=component, host=info.host)
            # That component, and the meetings of its space (to link sessions to).
            home = next(r for r in remote_spaces if any(c.remote_id == component for c in r.components))
            proposal_components = [component] if known[component] == "proposals" else []
            meeting_components = [c.remote_id for c in home.components if c.manifest == "meetings"]
        results_components = [(c.remote_id, c.name) for r in remote_spaces for c in r.components
                              if c.manifest == accountability_sync.MANIFEST]
        if component:
            results_components = [c for c in results_components if c[0] == component]
        total = 1 + len(meeting_components) + len(proposal_components) + len(results_components)
        step = 1
        progress(step, total, info.name)
        for remote_id in meeting_components:
            for nodes in client.pages("meetings", remote_id, "meetings"):
                with db.write() as s:
                    totals["meetings"].add(spaces.apply_meetings(s, info.host, remote_id,
                                                                 [mappers.meeting(n) for n in nodes]))
                check_cancel()
            step += 1
            progress(step, total, info.name)
        schema = client.schema or type_map(client.line or "0.27")
        kinds = ("taxonomy", "taxonomy") if schema.has("Proposal", "taxonomies") else ("category", "scope")
        for remote_id in proposal_components:
            fetched = 0
            for nodes in client.pages("proposals", remote_id, "proposals"):
                with db.write() as s:
                    totals["proposals"].add(spaces.apply_proposals(
                        s, info.host, remote_id, [mappers.proposal(n) for n in nodes], taxonomy_kinds=kinds))
                fetched += len(nodes)
                progress(step, total, f"{info.name}: {fetched}")
                check_cancel()
            step += 1
            progress(step, total, info.name)
        if results_components:
            summary["accountability"] = accountability_sync.pull_components(
                db, client, info.host, results_components, language=_language(db), check_cancel=check_cancel,
                progress=lambda fetched: progress(step, total, f"{info.name}: {fetched}"))
            step += len(results_components)
            progress(step, total, info.name)
        summary["complete"] = True
    finally:
        summary.update({k: _counts(v) for k, v in totals.items()})
        summary["conflicts"] = [c for v in totals.values() for c in v.conflicts]
        summary["requests"] = client.stats["requests"]
        summary["retries"] = client.stats["retries"]
        summary["seconds"] = round(time.perf_counter() - started, 3)
        if own_client:
            client.close()
        if summary["requests"]:
            with db.write() as s:
                spaces.record_pull(s, info.id, summary)
        log.info("pull %s: %s", info.host, {k: summary[k] for k in ("complete", "requests", "retries", "seconds")})
    return summary


def _language(db: Database) -> str:
    from p311desk import settings

    with db.read() as s:
        return settings.load(s).language or "ca"


def changed(summary: dict[str, Any]) -> int:
    """How many cached rows a pull created or updated."""
    return sum(summary.get(k, {}).get("new", 0) + summary.get(k, {}).get("updated", 0)
               for k in ("spaces", "components", "taxonomies", "meetings", "proposals", "accountability"))
