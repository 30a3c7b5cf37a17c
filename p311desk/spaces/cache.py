"""Participatory spaces and their components as cached from the platform (read side).

The sync feature fills the cache; sessions link to a space, its proposals component and a
Decidim meeting so that what happens in the room lands in the right place.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk.i18n import pick_localized
from p311desk.models import Component, Space, Taxonomy


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
                                space.slug, space.platform_host))
    return sorted(result, key=lambda x: x.title.casefold())


def taxonomies(s: Session, space_id: uuid.UUID | None, kind: str | None = None) -> list[TaxonomyInfo]:
    stmt = select(Taxonomy)
    if space_id is not None:
        stmt = stmt.where(Taxonomy.space_id == space_id)
    if kind:
        stmt = stmt.where(Taxonomy.kind == kind)
    rows = [TaxonomyInfo(t.id, t.kind, pick_localized(t.name), t.decidim_id) for t in s.scalars(stmt)]
    return sorted(rows, key=lambda t: t.name.casefold())
