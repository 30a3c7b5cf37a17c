"""The GraphQL documents p311desk sends, one ``.graphql`` file each, beside this module.

A document written for one schema line is named ``<name>.<line>.graphql`` (``spaces.0.27.graphql``);
one that is valid on every line is ``<name>.graphql``. The tests validate every file against the
schema of each line it is used with (``sync/schemas/``), including the server's depth limit.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from p311desk.paths import app_data
from sync.schemas import LINES

HERE = app_data("sync", "documents")


@cache
def document(name: str, line: str) -> str:
    """The text of document ``name`` for schema ``line`` ("0.27" or "0.32")."""
    if line not in LINES:
        raise ValueError(f"unknown schema line {line!r}")
    for candidate in (HERE / f"{name}.{line}.graphql", HERE / f"{name}.graphql"):
        if candidate.exists():
            return candidate.read_text(encoding="utf-8")
    raise KeyError(f"no GraphQL document {name!r} for {line}")


def all_documents() -> dict[Path, tuple[str, ...]]:
    """Every document file and the schema lines it is used with."""
    result: dict[Path, tuple[str, ...]] = {}
    for path in sorted(HERE.glob("*.graphql")):
        parts = path.name.removesuffix(".graphql").split(".", 1)
        result[path] = (parts[1],) if len(parts) == 2 else tuple(LINES)
    return result
