"""Every GraphQL document p311desk sends, as built for each schema line, validates against that
line's schema within the server's limits (depth ≤ 15; at most 5 aliases on 0.31+); a fork that
adds or drops fields gets documents that fit it."""

from __future__ import annotations

import copy

import graphql
import pytest

from sync.capabilities import line_of
from sync.documents import NotAvailable, available, build, document, names, wanted
from sync.schemas import LINES, MAX_ALIASES, MAX_DEPTH, TypeMap, from_introspection, line_of_version, type_map
from sync.schemas import build as build_schema

DOCUMENTS = [(name, line) for name in names() for line in LINES]
WRITE_API = {"create_proposal", "update_proposal", "withdraw_proposal", "close_meeting"}


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


def test_the_four_schemas_build_without_errors():
    for line in LINES:
        assert graphql.validate_schema(build_schema(line)) == []


@pytest.mark.parametrize(("name", "line"), DOCUMENTS, ids=[f"{n}@{ln}" for n, ln in DOCUMENTS])
def test_document_built_for_a_line_validates_against_it_within_limits(name, line):
    try:
        text = document(name, line)
    except NotAvailable:
        assert name in WRITE_API and line != "0.32"  # only the write API is missing before 0.31
        return
    parsed = graphql.parse(text)
    errors = graphql.validate(build_schema(line), parsed)
    assert errors == [], [e.message for e in errors]
    for op in parsed.definitions:
        depth, aliases = depth_and_aliases(op)
        assert depth <= MAX_DEPTH
        assert len(aliases) <= MAX_ALIASES


def test_the_write_api_exists_on_0_32_only_and_comments_on_every_line():
    for line in LINES:
        assert available("add_comment", line) and available("comments", line)
        assert available("create_proposal", line) == (line == "0.32")
        assert available("close_meeting", line) == (line == "0.32")


def test_reads_fit_each_line_field_by_field():
    # The table of ../shared/decidim/README.md: what a pull asks for on each line.
    p27, p30, p32 = (document("proposals", line) for line in ("0.27", "0.30", "0.32"))
    assert "category" in p27 and "taxonomies" not in p27 and "endorsementsCount" in p27 and "url" not in p27
    assert "category" not in p30 and "taxonomies" in p30 and "endorsementsCount" in p30
    assert "likesCount" not in p30 and "url" not in p30
    assert "likesCount" in p32 and "endorsementsCount" not in p32 and "url" in p32
    s30 = document("spaces", "0.30")
    assert "scope" not in s30 and "updatedAt name" not in s30.replace("\n", " ")
    def component_fields(text):
        return text.split("components {")[1].split("}")[0]
    assert "updatedAt" in component_fields(document("spaces", "0.32"))
    assert "updatedAt" not in component_fields(document("spaces", "0.30"))
    # Organisation names: a plain string up to 0.28, translated from 0.29.
    assert "name {" not in document("who_am_i", "0.28").split("organization")[1]
    assert "translations" in document("who_am_i", "0.30").split("organization")[1]


def test_every_document_built_for_0_30_is_refused_by_no_line_it_is_sent_to():
    # The reproduction: 0.32 documents sent to a 0.30 server ("Cannot query field 'updatedAt' on
    # type 'ComponentInterface'"), 0.27 ones asking for `category`. Built for 0.30 they validate.
    wrong = graphql.validate(build_schema("0.30"), graphql.parse(document("spaces", "0.32")))
    assert any("updatedAt" in e.message or "url" in e.message for e in wrong)
    wrong = graphql.validate(build_schema("0.30"), graphql.parse(document("proposals", "0.27")))
    assert any("category" in e.message for e in wrong)
    for name in ("spaces", "proposals", "meetings", "who_am_i", "recent_proposals", "meeting_state"):
        assert graphql.validate(build_schema("0.30"), graphql.parse(document(name, "0.30"))) == []


def _fork(line: str, drop: dict[str, list[str]] = {}, add: dict[str, dict[str, str]] = {}) -> tuple[TypeMap, str]:
    """A fork's schema: ``line`` with fields dropped and added (as a TypeMap and as SDL)."""
    sdl_schema = build_schema(line)
    types = copy.deepcopy(type_map(line).types)
    for type_name, fields in drop.items():
        for f in fields:
            types[type_name]["fields"].pop(f)
    for type_name, fields in add.items():
        for f, t in fields.items():
            types[type_name]["fields"][f] = {"type": t, "args": {}}
    sdl = graphql.print_schema(sdl_schema)
    for type_name, fields in drop.items():
        for f in fields:
            sdl = _edit_type(sdl, type_name, lambda body: "\n".join(
                ln for ln in body.split("\n") if not ln.strip().startswith(f + ":") and not ln.strip().startswith(f + "(")))
    for type_name, fields in add.items():
        for f, t in fields.items():
            sdl = _edit_type(sdl, type_name, lambda body: body + f"\n  {f}: {t}")
    return TypeMap(types, "fork"), sdl


def _edit_type(sdl: str, type_name: str, edit) -> str:
    import re

    match = re.search(r"(type " + type_name + r"\b[^{]*\{)(.*?)(\n\})", sdl, re.S)
    return sdl[:match.start(2)] + edit(match.group(2)) + sdl[match.end(2):]


def test_a_fork_that_drops_endorsements_or_adds_url_still_gets_a_valid_pull():
    import re

    schema, sdl = _fork("0.30", drop={"Proposal": ["endorsementsCount"]}, add={"Proposal": {"url": "String"}})
    sdl = re.sub(r"(type Proposal implements[^{]*?) & EndorsableInterface", r"\1", sdl)
    text = build(wanted("proposals"), schema)
    assert "endorsementsCount" not in text and "url" in text
    assert graphql.validate(graphql.build_schema(sdl), graphql.parse(text)) == []


def test_the_line_is_named_from_the_schema_not_from_a_version_string():
    assert [line_of(type_map(line)) for line in LINES] == list(LINES)
    assert (line_of_version("0.30.7"), line_of_version("0.29.2"), line_of_version("0.26.8"),
            line_of_version("0.31.0"), line_of_version("1.0")) == ("0.30", "0.28", "0.27", "0.32", None)


def test_an_introspection_answer_gives_the_same_map_as_the_sdl():
    # What the server answers to schema.graphql, read back, names the same fields as the SDL.
    for line in ("0.27", "0.30"):
        result = graphql.graphql_sync(build_schema(line), document("schema", line))
        assert result.errors is None
        introspected = from_introspection(result.data["__schema"])
        assert line_of(introspected) == line
        assert document("proposals", line) == build(wanted("proposals"), introspected)
