"""The GraphQL documents p311desk sends, built for the server in front of it.

Each ``<name>.graphql`` beside this module is a *wanted* document: every field p311desk would like,
across all the lines (``category`` and ``taxonomies``, ``endorsementsCount`` and ``likesCount``,
``url``, a translated or a plain organisation name...). :func:`document` prunes it against a
:class:`~sync.schemas.TypeMap` — the server's own schema where introspection is open, else the
SDL of the line the probe named — keeping only the fields, arguments, input fields and fragments
that schema has, and the variables still used. A fork that drops ``endorsementsCount`` or adds
``url`` still pulls; a field the server lacks is simply absent from the answer.

The tests validate every document built for every line against that line's SDL, within the
server's limits (depth ≤ 15; at most 5 aliases on 0.31+).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import graphql
from graphql.language import ast

from p311desk.paths import app_data
from sync.schemas import LEAF_KINDS, LINES, TypeMap, type_map

HERE = app_data("sync", "documents")


class NotAvailable(LookupError):
    """The server's schema has nothing of this document (a write API the line lacks)."""


@cache
def wanted(name: str) -> str:
    path = HERE / f"{name}.graphql"
    if not path.exists():
        raise KeyError(f"no GraphQL document {name!r}")
    return path.read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(p.name.removesuffix(".graphql") for p in HERE.glob("*.graphql"))


def document(name: str, schema: str | TypeMap) -> str:
    """Document ``name`` built for ``schema`` (a line such as ``"0.30"``, or a server's map)."""
    if isinstance(schema, str):
        if schema not in LINES:
            raise ValueError(f"unknown schema line {schema!r}")
        return _for_line(name, schema)
    cache_ = _BUILT.setdefault(id(schema), (schema, {}))[1]
    if name not in cache_:
        cache_[name] = build(wanted(name), schema)
    return cache_[name]


_BUILT: dict[int, tuple[TypeMap, dict[str, str]]] = {}


@cache
def _for_line(name: str, line: str) -> str:
    return build(wanted(name), type_map(line))


def available(name: str, schema: str | TypeMap) -> bool:
    try:
        document(name, schema)
    except NotAvailable:
        return False
    return True


def touched_types(schema: TypeMap) -> set[str]:
    """Every type name the wanted documents reach in ``schema`` (what a profile needs to keep)."""
    seen: set[str] = set()
    for name in names():
        try:
            build(wanted(name), schema, seen=seen)
        except NotAvailable:
            pass
    return seen


# --- pruning -------------------------------------------------------------------------------------


def build(text: str, schema: TypeMap, *, seen: set[str] | None = None) -> str:
    """Prune the wanted document ``text`` to what ``schema`` has; raise :class:`NotAvailable` when
    nothing is left of an operation."""
    doc = graphql.parse(text, no_location=True)
    seen = seen if seen is not None else set()
    definitions = []
    for op in doc.definitions:
        if not isinstance(op, ast.OperationDefinitionNode):
            continue
        root = "Mutation" if op.operation == ast.OperationType.MUTATION else "Query"
        if not schema.has(root):
            raise NotAvailable(root)
        seen.add(root)
        selections = _prune(op.selection_set, root, schema, seen)
        if selections is None:
            name = op.name.value if op.name else "?"
            raise NotAvailable(f"{name}: nothing of it exists in this schema")
        used = _variables(selections)
        var_defs = tuple(v for v in op.variable_definitions or () if v.variable.name.value in used)
        for v in var_defs:
            seen.add(_type_name(v.type))
        definitions.append(ast.OperationDefinitionNode(
            operation=op.operation, name=op.name, variable_definitions=var_defs,
            directives=op.directives or (), selection_set=selections))
    return graphql.print_ast(ast.DocumentNode(definitions=tuple(definitions))) + "\n"


def _type_name(node) -> str:
    while not isinstance(node, ast.NamedTypeNode):
        node = node.type
    return node.name.value


def _prune(selection_set, type_name: str, schema: TypeMap, seen: set[str]):
    kept = []
    for sel in selection_set.selections:
        if isinstance(sel, ast.FieldNode):
            name = sel.name.value
            if name.startswith("__"):  # __typename, and introspection (fixed types): as written
                kept.append(sel)
                continue
            fdef = schema.field(type_name, name)
            if fdef is None:
                continue
            target = fdef["type"]
            seen.add(target)
            args = tuple(a for a in (_prune_arg(a, fdef["args"], schema, seen) for a in sel.arguments or ())
                         if a is not None)
            if schema.kind(target) in LEAF_KINDS:
                kept.append(ast.FieldNode(alias=sel.alias, name=sel.name, arguments=args,
                                          directives=sel.directives or (), selection_set=None))
                continue
            if sel.selection_set is None:
                continue  # an object where the wanted document expected a plain value
            sub = _prune(sel.selection_set, target, schema, seen)
            if sub is None:
                continue
            kept.append(ast.FieldNode(alias=sel.alias, name=sel.name, arguments=args,
                                      directives=sel.directives or (), selection_set=sub))
        elif isinstance(sel, ast.InlineFragmentNode):
            on = sel.type_condition.name.value if sel.type_condition else type_name
            if not schema.has(on):
                continue
            seen.add(on)
            sub = _prune(sel.selection_set, on, schema, seen)
            if sub is None:
                continue
            kept.append(ast.InlineFragmentNode(type_condition=sel.type_condition,
                                               directives=sel.directives or (), selection_set=sub))
        else:
            raise ValueError("wanted documents use fields and inline fragments only")
    if not any(not (isinstance(k, ast.FieldNode) and k.name.value == "__typename") for k in kept):
        return None
    return ast.SelectionSetNode(selections=tuple(kept))


def _prune_arg(arg: ast.ArgumentNode, args: dict, schema: TypeMap, seen: set[str]):
    if arg.name.value not in args:
        return None
    input_type = args[arg.name.value]
    seen.add(input_type)
    value = _prune_value(arg.value, input_type, schema, seen)
    return None if value is None else ast.ArgumentNode(name=arg.name, value=value)


def _prune_value(value, input_type: str, schema: TypeMap, seen: set[str]):
    if isinstance(value, ast.ObjectValueNode) and schema.kind(input_type) == "INPUT_OBJECT":
        fields = []
        for f in value.fields:
            fdef = schema.field(input_type, f.name.value)
            if fdef is None:
                continue
            seen.add(fdef["type"])
            sub = _prune_value(f.value, fdef["type"], schema, seen)
            if sub is not None:
                fields.append(ast.ObjectFieldNode(name=f.name, value=sub))
        return ast.ObjectValueNode(fields=tuple(fields)) if fields or not value.fields else None
    return value


def _variables(node) -> set[str]:
    found: set[str] = set()

    class Visitor(graphql.Visitor):
        def enter_variable(self, var, *_args):
            found.add(var.name.value)

    graphql.visit(node, Visitor())
    return found
