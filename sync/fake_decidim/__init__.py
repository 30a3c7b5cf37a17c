"""A fake Decidim for tests and demos: ``python -m sync.fake_decidim --version 0.27|0.28|0.30|0.32``.

graphql-core executes the project's SDL files (``sync/schemas``) over a seeded, invented
organisation, behind the version's sign-in, page size, depth and complexity limits, with
switchable faults. Tests start it in a thread (:func:`start`); the CLI tests and demos run it as
a process. Sync part 2 adds the write side (``graph.MUTATION_FIELDS``).

Extending it (another capability's side of the platform):

- ``graph.register_component(manifest, graph.ComponentKind(typename, fields))`` serves a kind of
  component through ``component(id:)`` — ``fields(ctx, component)`` returns the extra fields of
  its view (dicts; a callable for a field with arguments, e.g. ``graph.connection(...)``);
- ``graph.register_commentable(class_name, lookup)`` makes objects of that class commentable
  (``lookup(ctx, id)`` returns the object's view; merge ``graph.commentable_fields(...)`` into it);
- ``data.SEEDERS.append(fn)`` seeds more data (``fn(store)``, kept in ``store.extra``).
"""

from __future__ import annotations

from sync.fake_decidim.data import API_KEY, API_SECRET, USER_EMAIL, USER_PASSWORD
from sync.fake_decidim.server import FAULTS, FakeDecidim, parse_faults
from sync.fake_decidim import accountability, writes

writes.install()
accountability.install()


def start(version: str = "0.32", **options) -> FakeDecidim:
    """A fake platform serving on 127.0.0.1 in a background thread; ``stop()`` it when done."""
    return FakeDecidim(version, **options).start()


__all__ = ["API_KEY", "API_SECRET", "FAULTS", "FakeDecidim", "USER_EMAIL", "USER_PASSWORD", "parse_faults", "start"]
