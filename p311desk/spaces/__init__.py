"""The local cache of the platform's participatory spaces, components and taxonomies
(categories, scopes) that sessions and proposals link to.

This is the package's public surface; other packages, the CLI and the UI use only these names."""

from __future__ import annotations

from p311desk.spaces.cache import (
    list_spaces,
    taxonomies,
)

__all__ = [
    "list_spaces",
    "taxonomies",
]
