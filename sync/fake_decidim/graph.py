"""The fake Decidim's GraphQL layer: graphql-core executing over the project's SDL files, with
the seeded store behind it, and the server's limits (page size, depth, complexity, aliases).

Objects are handed to graphql-core as dicts; a value that needs arguments (a translated field,
a connection) is a callable, which graphql-core's default resolver calls with the arguments.
Part 2 adds the write side by registering mutation fields in :data:`MUTATION_FIELDS`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import graphql

from sync.fake_decidim.data import Component, Meeting, Named, Proposal, Space, Store
from sync.schemas import MAX_ALIASES, MAX_DEPTH, PAGE_SIZE, build

MAX_COMPLEXITY = 5000

# Mutation.component(id) -> extra fields of ProposalsMutation/MeetingsMutation (sync part 2):
# name -> fn(ctx, component, info, **args). Registered at import time by the write side.
MUTATION_FIELDS: dict[str, Callable[..., Any]] = {}


@dataclass
class Context:
    store: Store
    user: dict | None      # the signed-in user, or None when anonymous
    api_user: bool = False  # signed in with an API key (0.31+): may introspect and write


@cache
def schema(line: str) -> graphql.GraphQLSchema:
    return build(line)


# --- views: store objects as graphql-core sources ----------------------------------------------

def translated(values: dict[str, str] | None) -> dict | None:
    if values is None:
        return None

    def translations(_info, locales=None):
        return [{"locale": k, "text": v, "machineTranslated": False}
                for k, v in values.items() if not locales or k in locales]

    return {"locales": list(values), "translation": lambda _info, locale: values.get(locale),
            "translations": translations}


def _cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def _published_window(items: list, filter: dict | None, order: dict | None) -> list:
    """Proposals' ``filter: {publishedSince, publishedBefore}`` and ``order: {publishedAt}``."""
    if filter:
        since, before = filter.get("publishedSince"), filter.get("publishedBefore")
        items = [p for p in items if (not since or (p.published_at or "") >= since)
                 and (not before or (p.published_at or "") < before)]
    if order and order.get("publishedAt"):
        items = sorted(items, key=lambda p: (p.published_at or "", int(p.id)),
                       reverse=order["publishedAt"].lower() == "desc")
    return items


def connection(items: list, view: Callable[[Any], dict], select: Callable | None = None) -> Callable[..., dict]:
    """A Relay connection over ``items`` capped at the page size, with offset cursors."""
    def resolve(_info, first=None, after=None, last=None, before=None, order=None, filter=None):
        rows = select(items, filter, order) if select is not None else items
        start = int(base64.b64decode(after).decode()) if after else 0
        size = min(first or PAGE_SIZE, PAGE_SIZE)
        chunk = rows[start:start + size]
        edges = [{"cursor": _cursor(start + i + 1), "node": view(x)} for i, x in enumerate(chunk)]
        return {"edges": edges, "nodes": [e["node"] for e in edges], "pageInfo": {
            "hasNextPage": start + size < len(rows), "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None}}
    return resolve


def named(store: Store, item: Named | None, table: dict[str, Named], children_key: str) -> dict | None:
    if item is None:
        return None
    return {"id": item.id, "name": translated(item.name),
            "parent": lambda _i: named(store, table.get(item.parent_id or ""), table, children_key),
            children_key: lambda _i, **_a: [named(store, t, table, children_key)
                                             for t in table.values() if t.parent_id == item.id],
            "isRoot": item.parent_id is None}


def proposal_view(ctx: Context, p: Proposal) -> dict:
    store = ctx.store
    coords = {"latitude": p.latitude, "longitude": p.longitude} if p.latitude is not None else None
    return {
        "__typename": "Proposal", "id": p.id, "type": "Decidim::Proposals::Proposal",
        "reference": f"VP-PROP-{p.id}", "url": f"https://vilaprova.example/proposals/{p.id}",
        "title": translated(p.title), "body": translated(p.body),
        "createdAt": p.published_at, "updatedAt": p.updated_at, "publishedAt": p.published_at,
        "state": p.state, "withdrawn": p.withdrawn, "address": p.address, "coordinates": coords,
        "category": named(store, store.categories.get(p.category_id or ""), store.categories, "subcategories"),
        "scope": named(store, store.scopes.get(p.scope_id or ""), store.scopes, "children"),
        "taxonomies": [named(store, store.taxonomies[t], store.taxonomies, "children") for t in p.taxonomy_ids],
        "official": p.official, "createdInMeeting": p.created_in_meeting,
        "meeting": ({"id": p.meeting_id} if p.meeting_id else None),
        "voteCount": p.vote_count, "endorsementsCount": p.likes, "likesCount": p.likes,
        "totalCommentsCount": 0, "answer": None, "answeredAt": None,
        "author": None, "authors": [], "authorsCount": 0,
        **commentable_fields(ctx, "Decidim::Proposals::Proposal", p.id),
        "type": "Decidim::Proposals::Proposal",
    }


def meeting_view(ctx: Context, m: Meeting) -> dict:
    return {
        "__typename": "Meeting", "id": m.id, "type": "Decidim::Meetings::Meeting",
        "reference": f"VP-MEET-{m.id}", "url": f"https://vilaprova.example/meetings/{m.id}",
        "title": translated(m.title), "startTime": m.start, "endTime": m.end, "address": m.address,
        "location": translated(m.location), "locationHints": None, "coordinates": None,
        "typeOfMeeting": m.type_of_meeting, "closed": m.closed, "isWithdrawn": m.withdrawn,
        "withdrawn": m.withdrawn, "updatedAt": m.updated_at, "createdAt": m.updated_at,
        "closingReport": translated(m.closing_report) if m.closed else None,
        "attendeeCount": m.attendees_count, "closedAt": m.closed_at, "onlineMeetingUrl": "",
        "registrationsEnabled": False, "registrationFormEnabled": False, "remainingSlots": None,
        "proposalsFromMeeting": lambda _i: [proposal_view(ctx, ctx.store.proposals[p])
                                            for p in m.proposal_ids if p in ctx.store.proposals],
        **commentable_fields(ctx, "Decidim::Meetings::Meeting", m.id),
        "type": "Decidim::Meetings::Meeting",
    }


@dataclass(frozen=True)
class ComponentKind:
    """How the fake serves one kind of component: its GraphQL type, the fields of its query view
    (``fields(ctx, component) -> dict``) and, on the write API, its mutation type."""

    typename: str
    fields: Callable[[Context, Component], dict] | None = None
    mutation_typename: str | None = None


# manifest -> ComponentKind. Extensions register more (``register_component``).
COMPONENT_KINDS: dict[str, ComponentKind] = {}
# Decidim class name -> fn(ctx, id) -> the object's view (with __typename), for Query.commentable
# and Mutation.commentable. Extensions register more (``register_commentable``).
COMMENTABLES: dict[str, Callable[[Context, str], dict | None]] = {}


def register_component(manifest: str, kind: ComponentKind) -> None:
    COMPONENT_KINDS[manifest] = kind


def register_commentable(class_name: str, lookup: Callable[[Context, str], dict | None]) -> None:
    COMMENTABLES[class_name] = lookup


def _proposals_fields(ctx: Context, c: Component) -> dict:
    store = ctx.store
    return {
        "proposals": connection(store.published_proposals(c.id), lambda p: proposal_view(ctx, p),
                                _published_window),
        "proposal": lambda _i, id: (proposal_view(ctx, store.proposals[id])
                                    if id in store.proposals and store.proposals[id].component_id == c.id
                                    and store.proposals[id].published_at else None),
    }


def _meetings_fields(ctx: Context, c: Component) -> dict:
    store = ctx.store
    return {
        "meetings": connection(store.component_meetings(c.id), lambda m: meeting_view(ctx, m)),
        "meeting": lambda _i, id: (meeting_view(ctx, store.meetings[id])
                                   if id in store.meetings and store.meetings[id].component_id == c.id else None),
    }


register_component("proposals", ComponentKind("Proposals", _proposals_fields, "ProposalsMutation"))
register_component("meetings", ComponentKind("Meetings", _meetings_fields, "MeetingsMutation"))
register_component("budgets", ComponentKind("Budgets"))


def component_view(ctx: Context, c: Component, *, mutation: bool = False) -> dict:
    store = ctx.store
    space = store.spaces[c.space_id]
    kind = COMPONENT_KINDS.get(c.manifest)
    typename = kind.typename if kind else "Component"
    view = {"__typename": typename, "id": c.id, "name": translated(c.name), "weight": c.weight,
            "updatedAt": c.updated_at, "createdAt": c.updated_at, "publishedAt": c.updated_at,
            "url": f"https://vilaprova.example/{space.slug}/f/{c.id}/", "visible": True,
            "participatorySpace": {"__typename": "ParticipatorySpace", "id": space.id,
                                   "title": translated(space.title),
                                   "type": "Decidim::ParticipatoryProcess" if space.kind == "process"
                                   else "Decidim::Assembly"}}
    if mutation:
        view["__typename"] = kind.mutation_typename if kind else None
        for name, fn in MUTATION_FIELDS.items():
            view[name] = (lambda f: lambda info, **args: f(ctx, c, info, **args))(fn)
    elif kind is not None and kind.fields is not None:
        view.update(kind.fields(ctx, c))
    return view


# --- comments (every line) ----------------------------------------------------------------------

def comment_view(ctx: Context, comment) -> dict:
    locale = ctx.store.default_locale
    body = comment.body.get(locale) or next(iter(comment.body.values()), "")
    author = {"__typename": "User", "id": comment.author.get("id"), "name": comment.author.get("name"),
              "nickname": comment.author.get("nickname"), "avatarUrl": "", "profilePath": "",
              "badge": "", "organizationName": None, "deleted": False}
    return {"__typename": "Comment", "id": comment.id, "type": "Decidim::Comments::Comment",
            "body": body, "formattedBody": body, "createdAt": comment.created_at,
            "formattedCreatedAt": comment.created_at, "alignment": comment.alignment, "author": author,
            "sgid": f"sgid-{comment.id}", "upVotes": 0, "upVoted": False, "downVotes": 0, "downVoted": False,
            "alreadyReported": False, "acceptsNewComments": True, "commentsHaveAlignment": True,
            "commentsHaveVotes": True, "comments": lambda _i, **_a: [], "totalCommentsCount": 0,
            "hasComments": False, "userAllowedToComment": ctx.user is not None}


def commentable_fields(ctx: Context, class_name: str, object_id: str) -> dict:
    """The CommentableInterface fields of one object (merged into its view)."""
    def comments(_info, orderBy=None, singleCommentId=None):  # noqa: N803 - GraphQL names
        rows = ctx.store.comments_of(class_name, object_id)
        if singleCommentId:
            rows = [c for c in rows if c.id == str(singleCommentId)]
        return [comment_view(ctx, c) for c in rows]

    count = len(ctx.store.comments_of(class_name, object_id))
    return {"type": class_name, "acceptsNewComments": True, "commentsHaveAlignment": True,
            "commentsHaveVotes": True, "comments": comments, "totalCommentsCount": count,
            "hasComments": count > 0, "userAllowedToComment": ctx.user is not None}


def _proposal_commentable(ctx: Context, object_id: str) -> dict | None:
    p = ctx.store.proposals.get(str(object_id))
    return proposal_view(ctx, p) if p is not None and p.published_at else None


def _meeting_commentable(ctx: Context, object_id: str) -> dict | None:
    m = ctx.store.meetings.get(str(object_id))
    return meeting_view(ctx, m) if m is not None else None


register_commentable("Decidim::Proposals::Proposal", _proposal_commentable)
register_commentable("Decidim::Meetings::Meeting", _meeting_commentable)


def _commentable(ctx: Context, id: str, type: str) -> dict | None:  # noqa: A002 - GraphQL names
    lookup = COMMENTABLES.get(type)
    return lookup(ctx, str(id)) if lookup else None


def space_view(ctx: Context, s: Space) -> dict:
    store = ctx.store

    def components(_info, filter=None, order=None):
        rows = [store.components[c] for c in s.component_ids]
        if filter and filter.get("type"):
            rows = [c for c in rows if c.manifest == filter["type"]]
        return [component_view(ctx, c) for c in rows]

    return {
        "__typename": "ParticipatoryProcess" if s.kind == "process" else "Assembly",
        "id": s.id, "slug": s.slug, "title": translated(s.title), "updatedAt": s.updated_at,
        "createdAt": s.updated_at, "publishedAt": s.updated_at, "reference": f"VP-{s.id}",
        "type": "Decidim::ParticipatoryProcess" if s.kind == "process" else "Decidim::Assembly",
        "components": components,
        "scope": named(store, store.scopes.get(s.scope_id or ""), store.scopes, "children"),
        "categories": lambda _i, filter=None: [named(store, store.categories[c], store.categories, "subcategories")
                                               for c in s.category_ids],
        "taxonomies": [named(store, store.taxonomies[t], store.taxonomies, "children") for t in s.taxonomy_ids],
        "subtitle": translated(s.subtitle) if s.subtitle else None,
        "startDate": s.starts_on if s.kind == "process" else None,
        "endDate": s.ends_on if s.kind == "process" else None,
        "creationDate": s.starts_on if s.kind == "assembly" else None,
        "closingDate": s.ends_on if s.kind == "assembly" else None,
    }


def root(ctx: Context) -> dict:
    store = ctx.store
    user = ctx.user

    def component(_info, id):
        c = store.components.get(str(id))
        return component_view(ctx, c) if c else None

    def spaces(kind):
        return lambda _info, filter=None, order=None: [space_view(ctx, s) for s in store.spaces.values()
                                                       if s.kind == kind]

    org_name = "Ajuntament de Vilaprova (fake)"
    return {
        "participatoryProcesses": spaces("process"),
        "participatoryProcess": lambda _i, id=None, slug=None: next(
            (space_view(ctx, s) for s in store.spaces.values()
             if s.kind == "process" and (s.id == id or s.slug == slug)), None),
        "assemblies": spaces("assembly"),
        "component": component,
        "session": ({"user": {"__typename": "User", **{k: v for k, v in user.items() if k != "password"}}}
                    if user else None),
        "decidim": {"version": store.disclosed_version, "applicationName": "Decidim (p311desk fake)"},
        "commentable": lambda _i, id, type, locale=None, toggleTranslations=None: _commentable(ctx, id, type),
        "organization": {"name": org_name if store.version in ("0.27", "0.28")
                         else translated({loc: org_name for loc in store.locales}),
                         "taxonomies": [named(store, t, store.taxonomies, "children")
                                        for t in store.taxonomies.values() if t.parent_id is None]},
    }


def mutation_root(ctx: Context) -> dict:
    def commentable(_info, id, type, locale=None, toggleTranslations=None):  # noqa: A002, N803
        target = _commentable(ctx, id, type)
        if target is None:
            raise graphql.GraphQLError("Commentable not found", extensions={"code": "NOT_FOUND_ERROR"})

        def add_comment(_info, body, alignment=0, userGroupId=None):  # noqa: N803
            if ctx.user is None:
                raise graphql.GraphQLError("You are not authorized to perform this action",
                                           extensions={"code": "UNAUTHORIZED_OBJECT_ERROR"})
            if not (body or "").strip():
                raise graphql.GraphQLError("Body can't be blank", extensions={"code": "VALIDATION_ERROR"})
            comment = ctx.store.add_comment(type, str(id), body, ctx.user, locale or ctx.store.default_locale,
                                            alignment or 0)
            return comment_view(ctx, comment)

        return {"id": str(id), "addComment": add_comment}

    def component(info, id):
        if not ctx.api_user:
            raise graphql.GraphQLError("You are not authorized to perform this action",
                                       extensions={"code": "MUTATION_NOT_AUTHORIZED_ERROR"})
        c = ctx.store.components.get(str(id))
        if c is None or c.manifest not in ("proposals", "meetings"):
            raise graphql.GraphQLError("Component not found", extensions={"code": "NOT_FOUND_ERROR"})
        return component_view(ctx, c, mutation=True)

    return {"component": component, "commentable": commentable}


# --- limits --------------------------------------------------------------------------------------

def _walk(node, fragments, variables, level, acc):
    """Depth (fields only), distinct aliases, introspection use and graphql-ruby-style complexity."""
    deepest, complexity = level, 0
    for sel in getattr(getattr(node, "selection_set", None), "selections", None) or []:
        if isinstance(sel, graphql.FieldNode):
            if sel.alias:
                acc["aliases"].add(sel.alias.value)
            if sel.name.value.startswith("__") and sel.name.value != "__typename":
                acc["introspection"] = True
            d, c = _walk(sel, fragments, variables, level + 1, acc)
            names = {s.name.value for s in (sel.selection_set.selections if sel.selection_set else [])
                     if isinstance(s, graphql.FieldNode)}
            if names & {"nodes", "edges"}:
                first = next((a.value for a in sel.arguments if a.name.value in ("first", "last")), None)
                if isinstance(first, graphql.VariableNode):
                    size = variables.get(first.name.value) or PAGE_SIZE
                elif isinstance(first, graphql.IntValueNode):
                    size = int(first.value)
                else:
                    size = PAGE_SIZE
                c *= min(int(size), PAGE_SIZE)
            deepest, complexity = max(deepest, d), complexity + 1 + c
        elif isinstance(sel, graphql.InlineFragmentNode):
            d, c = _walk(sel, fragments, variables, level, acc)
            deepest, complexity = max(deepest, d), complexity + c
        elif isinstance(sel, graphql.FragmentSpreadNode) and sel.name.value in fragments:
            d, c = _walk(fragments[sel.name.value], fragments, variables, level, acc)
            deepest, complexity = max(deepest, d), complexity + c
    return deepest, complexity


def execute(ctx: Context, query: str, variables: dict | None, operation: str | None,
            *, max_complexity: int = MAX_COMPLEXITY) -> dict:
    """Run one GraphQL request as Decidim would; returns the JSON body."""
    line = ctx.store.version
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError as err:
        return {"errors": [{"message": err.message}]}
    sdl = schema(line)
    errors = graphql.validate(sdl, document)
    if errors:
        return {"errors": [{"message": e.message} for e in errors]}
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, graphql.FragmentDefinitionNode)}
    ops = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    op = next((o for o in ops if operation is None or (o.name and o.name.value == operation)), None)
    if op is None:
        return {"errors": [{"message": f"No operation named \"{operation}\""}]}
    acc = {"aliases": set(), "introspection": False}
    depth, complexity = _walk(op, fragments, variables or {}, 0, acc)
    if depth > MAX_DEPTH:
        return {"errors": [{"message": f"Query has depth of {depth}, which exceeds max depth of {MAX_DEPTH}"}]}
    if complexity > max_complexity:
        return {"errors": [{"message": f"Query has complexity of {complexity}, which exceeds max complexity "
                                       f"of {max_complexity}"}]}
    if line == "0.32" and len(acc["aliases"]) > MAX_ALIASES:
        return {"errors": [{"message": f"Query has too many aliases ({len(acc['aliases'])}), the maximum is "
                                       f"{MAX_ALIASES}", "extensions": {"code": "TOO_MANY_ALIASES_ERROR"}}]}
    if line == "0.32" and acc["introspection"] and not ctx.api_user:
        return {"errors": [{"message": "Introspection is disabled for this user",
                            "extensions": {"code": "INTROSPECTION_DISABLED_ERROR"}}]}
    is_mutation = op.operation == graphql.OperationType.MUTATION
    with ctx.store.lock:
        result = graphql.execute(sdl, document, root_value=mutation_root(ctx) if is_mutation else root(ctx),
                                 variable_values=variables or {}, operation_name=operation)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [{"message": e.message, **({"extensions": e.extensions} if e.extensions else {})}
                          for e in result.errors]
    return body


def is_mutation(query: str) -> bool:
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError:
        return False
    return any(isinstance(d, graphql.OperationDefinitionNode) and d.operation == graphql.OperationType.MUTATION
               for d in document.definitions)
