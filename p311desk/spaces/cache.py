"""Participatory spaces and their components as cached from the platform (read side).

The sync feature fills the cache; sessions link to a space, its proposals component and a
Decidim meeting so that what happens in the room lands in the right place.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from p311desk.errors import NotFound, ValidationError
from p311desk.i18n import _, pick_localized
from p311desk.models import Component, Meeting, Platform, Proposal, Space, Taxonomy


@dataclass(frozen=True)
class ComponentInfo:
    id: uuid.UUID
    manifest_name: str
    name: str
    decidim_id: str | None
    settings: dict


@dataclass(frozen=True)
class SpaceInfo:
    id: uuid.UUID
    title: str
    space_type: str
    decidim_id: str | None
    components: tuple[ComponentInfo, ...]
    slug: str | None = None
    platform_host: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    subtitle: str = ""

    def kind_name(self) -> str:
        return _("Assembly") if self.space_type == "assembly" else _("Process")

    def dates(self) -> str:
        if self.starts_on and self.ends_on:
            return f"{self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y}"
        if self.starts_on:
            return _("since {date}").format(date=f"{self.starts_on:%d/%m/%Y}")
        return ""

    def label(self) -> str:
        """What tells it apart in a list: its kind, title and dates."""
        return " · ".join(x for x in (self.kind_name(), self.title, self.dates()) if x)

    @property
    def url_path(self) -> str | None:
        """The space's page on its Decidim platform, relative to the host (``/processes/slug``)."""
        if not self.slug:
            return None
        folder = "assemblies" if self.space_type == "assembly" else "processes"
        return f"/{folder}/{self.slug}"

    def components_of(self, manifest: str) -> list[ComponentInfo]:
        return [c for c in self.components if c.manifest_name == manifest]


@dataclass(frozen=True)
class TaxonomyInfo:
    id: uuid.UUID
    kind: str
    name: str
    decidim_id: str | None


def list_spaces(s: Session) -> list[SpaceInfo]:
    spaces = list(s.scalars(select(Space)))
    components = list(s.scalars(select(Component)))
    result = []
    for space in spaces:
        comps = tuple(
            ComponentInfo(c.id, c.manifest_name, pick_localized(c.name), c.decidim_id, dict(c.settings or {}))
            for c in components if c.space_id == space.id
        )
        result.append(SpaceInfo(space.id, pick_localized(space.title), space.space_type, space.decidim_id, comps,
                                space.slug, space.platform_host, space.starts_on, space.ends_on,
                                pick_localized(space.subtitle) if space.subtitle else ""))
    return sorted(result, key=lambda x: x.title.casefold())


def space_labels(items: list[SpaceInfo]) -> dict[uuid.UUID, str]:
    """A label per space that no other space in the list shares: kind, title and dates, then the
    subtitle, then the slug or the platform's id where two are still alike."""
    labels = {sp.id: sp.label() for sp in items}
    for extra in (lambda sp: sp.subtitle, lambda sp: sp.slug or "", lambda sp: f"#{sp.decidim_id or sp.id.hex[:6]}"):
        seen: dict[str, int] = {}
        for text in labels.values():
            seen[text] = seen.get(text, 0) + 1
        for sp in items:
            if seen[labels[sp.id]] > 1 and extra(sp):
                labels[sp.id] = f"{labels[sp.id]} ({extra(sp)})"
    return labels


def taxonomies(s: Session, space_id: uuid.UUID | None, kind: str | None = None) -> list[TaxonomyInfo]:
    stmt = select(Taxonomy)
    if space_id is not None:
        # A space's own categories, plus its platform's scopes and taxonomies (organisation-wide).
        host = s.scalar(select(Space.platform_host).where(Space.id == space_id))
        own = Taxonomy.space_id == space_id
        stmt = stmt.where(or_(own, and_(Taxonomy.space_id.is_(None), Taxonomy.platform_host == host))
                          if host else own)
    if kind:
        stmt = stmt.where(Taxonomy.kind == kind)
    rows = [TaxonomyInfo(t.id, t.kind, pick_localized(t.name), t.decidim_id) for t in s.scalars(stmt)]
    return sorted(rows, key=lambda t: t.name.casefold())


@dataclass(frozen=True)
class MeetingInfo:
    id: uuid.UUID
    platform_host: str
    decidim_id: str
    title: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    address: str
    closed: bool
    withdrawn: bool
    component_decidim_id: str | None


def list_meetings(s: Session, host: str | None = None, *, component_id: uuid.UUID | None = None,
                  space_id: uuid.UUID | None = None) -> list[MeetingInfo]:
    """Cached meetings, soonest first (of one platform, component or space when given)."""
    stmt = select(Meeting, Component.decidim_id).outerjoin(Component, Meeting.component_id == Component.id)
    if host:
        stmt = stmt.where(Meeting.platform_host == host)
    if component_id is not None:
        stmt = stmt.where(Meeting.component_id == component_id)
    if space_id is not None:
        stmt = stmt.where(Component.space_id == space_id)
    rows = [MeetingInfo(m.id, m.platform_host, m.decidim_id, pick_localized(m.title), m.starts_at, m.ends_at,
                        m.address, m.closed, m.withdrawn, comp) for m, comp in s.execute(stmt)]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(rows, key=lambda m: (m.starts_at or far, int(m.decidim_id) if m.decidim_id.isdigit() else 0))


@dataclass(frozen=True)
class LinkInfo:
    """What a session is linked to, in words, so a wrong link is visible."""

    platform: str | None
    space: str | None
    component: str | None
    meeting: str | None
    meeting_starts_at: dt.datetime | None
    meeting_decidim_id: str | None


def resolve_link(s: Session, host: str, component: str, meeting: str | None = None) -> dict:
    """The session fields for a link to a cached proposals component (and meeting) of ``host``:
    ``{"space_id", "component_id", "decidim_meeting_id"}``. Ids are the platform's ids."""
    comp = s.scalar(select(Component).where(Component.platform_host == host, Component.decidim_id == str(component),
                                            Component.manifest_name == "proposals"))
    if comp is None:
        other = s.scalar(select(Component).where(Component.platform_host == host,
                                                 Component.decidim_id == str(component)))
        if other is not None:
            raise ValidationError("Component {id} is not a proposals component ({manifest}).",
                                  id=component, manifest=other.manifest_name)
        raise NotFound("Component {id} is not in the cache of {host}: pull first.", id=component, host=host)
    meeting_id = None
    if meeting:
        row = s.scalar(select(Meeting).where(Meeting.platform_host == host, Meeting.decidim_id == str(meeting)))
        if row is None:
            raise NotFound("Meeting {id} is not in the cache of {host}: pull first.", id=meeting, host=host)
        if row.component_id is not None:
            owner = s.get(Component, row.component_id)
            if owner is not None and owner.space_id != comp.space_id:
                raise ValidationError("Meeting {id} belongs to another participatory space.", id=meeting)
        meeting_id = row.decidim_id
    return {"space_id": comp.space_id, "component_id": comp.id, "decidim_meeting_id": meeting_id}


def describe_link(s: Session, space_id: uuid.UUID | None, component_id: uuid.UUID | None,
                  decidim_meeting_id: str | None) -> LinkInfo:
    space = s.get(Space, space_id) if space_id else None
    comp = s.get(Component, component_id) if component_id else None
    host = space.platform_host if space else None
    platform = s.scalar(select(Platform.name).where(Platform.host == host)) if host else None
    meeting = None
    if decidim_meeting_id and host:
        meeting = s.scalar(select(Meeting).where(Meeting.platform_host == host,
                                                 Meeting.decidim_id == decidim_meeting_id))
    return LinkInfo(platform or host, pick_localized(space.title) if space else None,
                    pick_localized(comp.name) if comp else None,
                    pick_localized(meeting.title) if meeting else None,
                    meeting.starts_at if meeting else None, decidim_meeting_id)


def cache_counts(s: Session, host: str) -> dict[str, int]:
    """How much of ``host`` is cached: spaces, components, taxonomies, meetings, proposals."""
    def count(model, *where):
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {"spaces": count(Space, Space.platform_host == host),
            "components": count(Component, Component.platform_host == host),
            "taxonomies": count(Taxonomy, Taxonomy.platform_host == host),
            "meetings": count(Meeting, Meeting.platform_host == host),
            "proposals": count(Proposal, Proposal.platform_host == host)}
