"""Writing what was pulled from a platform into the local cache.

``sync`` maps the platform's answers to the plain records below; these functions store them.
Rules:

- A cached row is found by (platform, kind, remote id) and only written when something the
  platform says about it changed, so pulling twice changes nothing.
- Never overwrite local work that has not reached the platform: a pulled proposal edited here
  whose change is still in the outbox (or was edited after the pull and never sent) keeps the
  local version, and the pull reports a conflict instead.
- A proposal created here and pushed earlier (part 2 records its remote id) is matched by that
  id, not pulled in a second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk import outbox
from p311desk.models import Component, Meeting, OutboxItem, Proposal, RemoteId, Space, Taxonomy, utcnow

SETTLED_OUTBOX = outbox.DONE
SPACE_TYPES = {"process": "participatory_process", "assembly": "assembly"}


@dataclass(frozen=True)
class RemoteTaxonomy:
    kind: str  # category | scope | taxonomy
    remote_id: str
    name: dict[str, str]
    parent_id: str | None = None


@dataclass(frozen=True)
class RemoteComponent:
    remote_id: str
    manifest: str  # proposals | meetings | budgets | ...
    name: dict[str, str]
    weight: int = 0
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class RemoteSpace:
    kind: str  # process | assembly
    remote_id: str
    slug: str | None
    title: dict[str, str]
    updated_at: dt.datetime | None
    components: tuple[RemoteComponent, ...] = ()
    taxonomies: tuple[RemoteTaxonomy, ...] = ()
    starts_on: dt.date | None = None  # a process's start, an assembly's creation
    ends_on: dt.date | None = None    # a process's end, an assembly's closing
    subtitle: dict[str, str] | None = None


@dataclass(frozen=True)
class RemoteMeeting:
    remote_id: str
    reference: str | None
    title: dict[str, str]
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    address: str
    location: dict[str, str]
    closed: bool
    withdrawn: bool
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class RemoteProposal:
    remote_id: str
    reference: str | None
    title: dict[str, str]
    body: dict[str, str]
    state: str | None
    withdrawn: bool
    address: str
    latitude: float | None
    longitude: float | None
    category_id: str | None  # remote ids (0.27: category/scope; 0.31+: first two taxonomies)
    scope_id: str | None
    updated_at: dt.datetime | None


@dataclass
class Applied:
    """What one batch changed in the cache."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: Applied) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.conflicts.extend(other.conflicts)


def _set(row: Any, values: dict[str, Any]) -> bool:
    """Assign the values that differ; True if any did."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _count(result: Applied, created: bool, changed: bool) -> None:
    if created:
        result.new += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1


def apply_spaces(s: Session, host: str, spaces: list[RemoteSpace]) -> dict[str, Applied]:
    """Store spaces with their components and taxonomies; returns what changed per kind."""
    now = utcnow()
    out = {"spaces": Applied(), "components": Applied(), "taxonomies": Applied()}
    existing = {(r.space_type, r.decidim_id): r for r in s.scalars(select(Space).where(Space.platform_host == host))}
    comps = {(r.manifest_name, r.decidim_id): r
             for r in s.scalars(select(Component).where(Component.platform_host == host))}
    taxes = {(r.kind, r.decidim_id): r for r in s.scalars(select(Taxonomy).where(Taxonomy.platform_host == host))}
    for remote in spaces:
        space_type = SPACE_TYPES.get(remote.kind, remote.kind)
        row = existing.get((space_type, remote.remote_id))
        created = row is None
        if created:
            row = Space(id=uuid.uuid4(), platform_host=host, decidim_id=remote.remote_id, space_type=space_type,
                        fetched_at=now)
            s.add(row)
            existing[(space_type, remote.remote_id)] = row
        changed = _set(row, {"slug": remote.slug, "title": dict(remote.title),
                             "remote_updated_at": remote.updated_at, "starts_on": remote.starts_on,
                             "ends_on": remote.ends_on, "subtitle": dict(remote.subtitle) if remote.subtitle else None})
        if changed and not created:
            row.fetched_at = now
        _count(out["spaces"], created, changed)
        for rc in remote.components:
            comp = comps.get((rc.manifest, rc.remote_id))
            c_created = comp is None
            if c_created:
                comp = Component(id=uuid.uuid4(), space_id=row.id, platform_host=host, decidim_id=rc.remote_id,
                                 manifest_name=rc.manifest, fetched_at=now)
                s.add(comp)
                comps[(rc.manifest, rc.remote_id)] = comp
            settings = dict(comp.settings or {})
            settings["weight"] = rc.weight
            c_changed = _set(comp, {"space_id": row.id, "name": dict(rc.name), "settings": settings,
                                    "remote_updated_at": rc.updated_at})
            _count(out["components"], c_created, c_changed)
        for rt in remote.taxonomies:
            tax = taxes.get((rt.kind, rt.remote_id))
            t_created = tax is None
            if t_created:
                tax = Taxonomy(id=uuid.uuid4(), platform_host=host, kind=rt.kind, decidim_id=rt.remote_id)
                s.add(tax)
                taxes[(rt.kind, rt.remote_id)] = tax
            # Categories belong to their space; scopes and taxonomies to the organisation.
            owner = row.id if rt.kind == "category" else None
            t_changed = _set(tax, {"space_id": owner, "name": dict(rt.name), "parent_decidim_id": rt.parent_id})
            _count(out["taxonomies"], t_created, t_changed)
    return out


def apply_meetings(s: Session, host: str, component_remote_id: str, meetings: list[RemoteMeeting]) -> Applied:
    now = utcnow()
    result = Applied()
    component = s.scalar(select(Component).where(Component.platform_host == host, Component.manifest_name == "meetings",
                                                 Component.decidim_id == component_remote_id))
    ids = [m.remote_id for m in meetings]
    existing = {r.decidim_id: r for r in s.scalars(select(Meeting).where(Meeting.platform_host == host,
                                                                          Meeting.decidim_id.in_(ids)))}
    for remote in meetings:
        row = existing.get(remote.remote_id)
        created = row is None
        if created:
            row = Meeting(id=uuid.uuid4(), platform_host=host, decidim_id=remote.remote_id, fetched_at=now)
            s.add(row)
        changed = _set(row, {
            "component_id": component.id if component else None, "reference": remote.reference,
            "title": dict(remote.title), "starts_at": remote.starts_at, "ends_at": remote.ends_at,
            "address": remote.address or "", "location": dict(remote.location), "closed": remote.closed,
            "withdrawn": remote.withdrawn, "remote_updated_at": remote.updated_at})
        if changed and not created:
            row.fetched_at = now
        _count(result, created, changed)
    return result


def _unsynced(s: Session, rows: list[Proposal]) -> set[uuid.UUID]:
    """Proposals with local work that has not reached the platform."""
    if not rows:
        return set()
    ids = [r.id for r in rows]
    items = s.execute(select(OutboxItem.entity_id, OutboxItem.status).where(OutboxItem.entity_id.in_(ids))).all()
    open_items = {eid for eid, status in items if status not in SETTLED_OUTBOX}
    sent = {eid for eid, status in items if status == "sent"}
    edited = {r.id for r in rows if r.pulled_at and r.updated_at and r.updated_at > r.pulled_at and r.id not in sent}
    return open_items | edited


def apply_proposals(s: Session, host: str, component_remote_id: str, proposals: list[RemoteProposal],
                    *, taxonomy_kinds: tuple[str, str] = ("category", "scope")) -> Applied:
    """Store one page of a component's published proposals."""
    now = utcnow()
    result = Applied()
    component = s.scalar(select(Component).where(
        Component.platform_host == host, Component.manifest_name == "proposals",
        Component.decidim_id == component_remote_id))
    ids = [p.remote_id for p in proposals]
    existing = {r.decidim_id: r for r in s.scalars(select(Proposal).where(Proposal.platform_host == host,
                                                                           Proposal.decidim_id.in_(ids)))}
    # Proposals made here and pushed before (sync part 2 keeps the local<->remote id map).
    pushed = dict(s.execute(select(RemoteId.remote_id, RemoteId.local_id).where(
        RemoteId.platform == host, RemoteId.entity_type == "proposal", RemoteId.remote_id.in_(ids))).all())
    missing = [pushed[i] for i in ids if i not in existing and i in pushed]
    if missing:
        for row in s.scalars(select(Proposal).where(Proposal.id.in_(missing))):
            existing[row.decidim_id or ""] = row
            for rid, lid in pushed.items():
                if lid == row.id:
                    existing[rid] = row
    wanted = {t for p in proposals for t in (p.category_id, p.scope_id) if t}
    tax_ids = {(k, d): i for i, k, d in s.execute(select(Taxonomy.id, Taxonomy.kind, Taxonomy.decidim_id).where(
        Taxonomy.platform_host == host, Taxonomy.decidim_id.in_(wanted))).all()} if wanted else {}
    unsynced = _unsynced(s, list(existing.values()))
    for remote in proposals:
        row = existing.get(remote.remote_id)
        values = {
            "title": dict(remote.title), "body": dict(remote.body), "decidim_reference": remote.reference,
            "decidim_state": remote.state, "status": "withdrawn" if remote.withdrawn else "published",
            "address": remote.address or "", "latitude": remote.latitude, "longitude": remote.longitude,
            "category_id": tax_ids.get((taxonomy_kinds[0], remote.category_id)),
            "scope_id": tax_ids.get((taxonomy_kinds[1], remote.scope_id)),
            "component_id": component.id if component else None, "remote_updated_at": remote.updated_at,
        }
        if row is None:
            row = Proposal(id=uuid.uuid4(), session_id=None, platform_host=host, decidim_id=remote.remote_id,
                           source="decidim", author_kind="organisation", created_at=now, updated_at=now,
                           pulled_at=now, **values)
            s.add(row)
            result.new += 1
            continue
        if remote.updated_at is not None and row.remote_updated_at == remote.updated_at and row.platform_host == host:
            result.unchanged += 1  # the platform has not changed it since the last pull
            continue
        if all(getattr(row, k) == v for k, v in values.items()) and row.platform_host == host:
            result.unchanged += 1
            continue
        if row.id in unsynced:
            result.conflicts.append({"kind": "proposal", "remote_id": remote.remote_id,
                                     "reference": remote.reference, "local_id": str(row.id)})
            continue
        _set(row, {**values, "platform_host": host, "decidim_id": remote.remote_id})
        row.updated_at = now
        row.pulled_at = now
        result.updated += 1
    return result
