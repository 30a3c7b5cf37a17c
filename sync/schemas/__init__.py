"""The Decidim API schemas (SDL) p311desk is written against, copied from ``../shared/decidim``.

Four lines, each the schema of a range of Decidim versions:

* ``0.27`` — 0.26 and 0.27: web-session sign-in, categories and scopes, comments are the only write;
* ``0.28`` — 0.28 and 0.29: as 0.27, plus space manifests and attachment titles (0.29: translated
  organisation names, ``withdrawn``);
* ``0.30`` — 0.30 (Participa311 runs 0.30.7): taxonomies replace categories and scopes, the
  version string is hidden, still endorsements, still no write API;
* ``0.32`` — 0.31 and later: API users with a JWT, likes, ``url`` fields, the write API.

Which line a server follows is decided by its own schema (:mod:`sync.capabilities`), never by a
version string alone. :class:`TypeMap` is the compact form of a schema the documents are built
against (:mod:`sync.documents`): from the line's SDL, or from the server's introspection where it
is open (a fork that adds or drops fields is then read as it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from p311desk.paths import app_data

HERE = app_data("sync", "schemas")
LINES = ("0.27", "0.28", "0.30", "0.32")
# The Decidim versions each line stands for.
LINE_VERSIONS = {"0.27": ("0.26", "0.27"), "0.28": ("0.28", "0.29"), "0.30": ("0.30",), "0.32": ("0.31", "0.32")}
PAGE_SIZE = 50  # Decidim's max page size on every version
MAX_DEPTH = 15
MAX_ALIASES = 5  # 0.31+
LEAF_KINDS = ("SCALAR", "ENUM")


def line_of_version(version: str | None) -> str | None:
    """``"0.30.7"`` -> ``"0.30"``; None for anything that is not a known Decidim version."""
    if not version:
        return None
    parts = str(version).strip().split(".")
    if len(parts) < 2:
        return None
    short = f"{parts[0]}.{parts[1]}"
    return next((line for line, versions in LINE_VERSIONS.items() if short in versions), None)


def sdl_path(line: str) -> Path:
    return HERE / f"decidim-{line}.graphql"


def sdl(line: str) -> str:
    return sdl_path(line).read_text(encoding="utf-8")


@cache
def build(line: str):
    """The graphql-core schema of ``line``."""
    import graphql

    return graphql.build_schema(sdl(line))


@dataclass(frozen=True)
class TypeMap:
    """Per type: its kind, and per field its named type and its arguments' named types (input
    objects: their fields). Enough to prune a wanted document down to what a server has."""

    types: dict[str, dict[str, Any]]
    source: str = ""  # "sdl:0.30" or "introspection"

    def kind(self, name: str) -> str | None:
        entry = self.types.get(name)
        return entry["kind"] if entry else None

    def field(self, type_name: str, field_name: str) -> dict[str, Any] | None:
        entry = self.types.get(type_name)
        if not entry:
            return None
        return (entry.get("fields") or {}).get(field_name)

    def has(self, type_name: str, field_name: str | None = None) -> bool:
        return type_name in self.types if field_name is None else self.field(type_name, field_name) is not None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "types": self.types}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TypeMap | None:
        if not data or not isinstance(data.get("types"), dict):
            return None
        return cls(data["types"], data.get("source") or "")

    def restricted(self, names: set[str]) -> TypeMap:
        """Only the types in ``names`` (what the documents touch), to keep a profile small."""
        return TypeMap({k: v for k, v in self.types.items() if k in names}, self.source)


def _named(gtype) -> str:
    while hasattr(gtype, "of_type"):
        gtype = gtype.of_type
    return gtype.name


@cache
def type_map(line: str) -> TypeMap:
    """The :class:`TypeMap` of ``line``'s SDL."""
    import graphql

    schema = build(line)
    types: dict[str, dict[str, Any]] = {}
    for name, gtype in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(gtype, (graphql.GraphQLObjectType, graphql.GraphQLInterfaceType)):
            kind = "OBJECT" if isinstance(gtype, graphql.GraphQLObjectType) else "INTERFACE"
            fields = {f: {"type": _named(d.type), "args": {a: _named(x.type) for a, x in d.args.items()}}
                      for f, d in gtype.fields.items()}
            types[name] = {"kind": kind, "fields": fields}
        elif isinstance(gtype, graphql.GraphQLInputObjectType):
            types[name] = {"kind": "INPUT_OBJECT",
                           "fields": {f: {"type": _named(d.type), "args": {}} for f, d in gtype.fields.items()}}
        elif isinstance(gtype, graphql.GraphQLUnionType):
            types[name] = {"kind": "UNION", "fields": {}}
        elif isinstance(gtype, graphql.GraphQLEnumType):
            types[name] = {"kind": "ENUM"}
        else:
            types[name] = {"kind": "SCALAR"}
    return TypeMap(types, f"sdl:{line}")


def from_introspection(schema_data: dict[str, Any]) -> TypeMap:
    """A :class:`TypeMap` from the answer to ``sync/documents/schema.graphql`` (``__schema``)."""
    def named(ref: dict | None) -> str:
        while ref and ref.get("ofType"):
            ref = ref["ofType"]
        return (ref or {}).get("name") or ""

    types: dict[str, dict[str, Any]] = {}
    for t in (schema_data or {}).get("types") or []:
        name, kind = t.get("name"), t.get("kind")
        if not name or name.startswith("__"):
            continue
        if kind in ("OBJECT", "INTERFACE"):
            types[name] = {"kind": kind, "fields": {
                f["name"]: {"type": named(f.get("type")),
                            "args": {a["name"]: named(a.get("type")) for a in f.get("args") or []}}
                for f in t.get("fields") or []}}
        elif kind == "INPUT_OBJECT":
            types[name] = {"kind": kind, "fields": {f["name"]: {"type": named(f.get("type")), "args": {}}
                                                    for f in t.get("inputFields") or []}}
        else:
            types[name] = {"kind": kind, **({"fields": {}} if kind == "UNION" else {})}
    return TypeMap(types, "introspection")
