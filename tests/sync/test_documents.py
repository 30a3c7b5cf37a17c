"""Every GraphQL document p311desk sends validates against each schema line it is used with,
within the server's limits (depth ≤ 15; at most 5 aliases on 0.31+)."""

from __future__ import annotations

import graphql
import pytest

from sync.documents import all_documents, document
from sync.schemas import LINES, MAX_ALIASES, MAX_DEPTH, build

DOCUMENTS = [(path, line) for path, lines in all_documents().items() for line in lines]


def depth_and_aliases(node, level=0):
    """Field nesting depth (inline fragments do not count) and alias names, as Decidim counts."""
    deepest, aliases = level, set()
    for sel in getattr(getattr(node, "selection_set", None), "selections", None) or []:
        if isinstance(sel, graphql.FieldNode):
            if sel.alias:
                aliases.add(sel.alias.value)
            d, a = depth_and_aliases(sel, level + 1)
        else:
            d, a = depth_and_aliases(sel, level)
        deepest, aliases = max(deepest, d), aliases | a
    return deepest, aliases


@pytest.fixture(scope="module")
def schemas():
    return {line: build(line) for line in LINES}


def test_schemas_build_without_errors(schemas):
    for schema in schemas.values():
        assert graphql.validate_schema(schema) == []


def test_every_line_has_every_read_document():
    for name in ("who_am_i", "capabilities", "spaces", "meetings", "proposals"):
        for line in LINES:
            assert "query" in document(name, line)


@pytest.mark.parametrize(("path", "line"), DOCUMENTS, ids=[f"{p.name}@{ln}" for p, ln in DOCUMENTS])
def test_document_validates_within_limits(schemas, path, line):
    parsed = graphql.parse(path.read_text(encoding="utf-8"))
    errors = graphql.validate(schemas[line], parsed)
    assert errors == [], [e.message for e in errors]
    for op in parsed.definitions:
        depth, aliases = depth_and_aliases(op)
        assert depth <= MAX_DEPTH
        assert len(aliases) <= MAX_ALIASES


def test_the_0_27_proposals_document_is_refused_by_the_0_32_schema(schemas):
    # The two lines really differ: category/scope are gone on 0.31+, so one document cannot serve both.
    errors = graphql.validate(schemas["0.32"], graphql.parse(document("proposals", "0.27")))
    assert any("category" in e.message for e in errors)
