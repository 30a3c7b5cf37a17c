"""The Decidim API schemas (SDL) p311desk is written against, copied from ``../shared/decidim``.

Two lines: ``0.27`` stands for Decidim 0.26 – 0.30 (web-session sign-in, categories and scopes,
no write API) and ``0.32`` for 0.31+ (API users with a JWT, taxonomies, the write API). Which line
a server follows is decided by probing it (:mod:`sync.capabilities`), not by a version string.
"""

from __future__ import annotations

from pathlib import Path

from p311desk.paths import app_data

HERE = app_data("sync", "schemas")
LINES = ("0.27", "0.32")
PAGE_SIZE = 50  # Decidim's max page size on every version
MAX_DEPTH = 15
MAX_ALIASES = 5  # 0.31+


def sdl_path(line: str) -> Path:
    return HERE / f"decidim-{line}.graphql"


def sdl(line: str) -> str:
    return sdl_path(line).read_text(encoding="utf-8")


def build(line: str):
    """The graphql-core schema of ``line`` (graphql-core is imported only here and in the fake)."""
    import graphql

    return graphql.build_schema(sdl(line))
