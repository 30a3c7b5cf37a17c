"""The fake's accountability component: results with children, progress, status, dates,
classification (category + scope up to 0.29, taxonomies from 0.30) and reference, served through
``component(id:)`` as ``Accountability { results }``, and commentable on every line
(``Decidim::Accountability::Result``), so the comments the app posts are recorded.

Seeded in the first process (component 14): a small invented action plan. :func:`seed` replaces
it with ``n`` results (objectives with children) for tests and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.fake_decidim import data, graph

COMPONENT_ID = "14"
CLASS_NAME = "Decidim::Accountability::Result"


@dataclass
class Result:
    id: str
    parent_id: str | None
    title: dict[str, str]
    description: dict[str, str]
    progress: float | None
    start_date: str | None
    end_date: str | None
    status: str | None  # key of STATUSES
    weight: int = 0
    category_id: str | None = None
    scope_id: str | None = None
    taxonomy_ids: list[str] = field(default_factory=list)


STATUSES = {
    "1": ("not_started", {"ca": "No iniciada", "es": "No iniciada", "en": "Not started"}, 0),
    "2": ("in_progress", {"ca": "En execució", "es": "En ejecución", "en": "In progress"}, 50),
    "3": ("done", {"ca": "Executada", "es": "Ejecutada", "en": "Done"}, 100),
}

_PLAN = [
    ({"ca": "Una ciutat sostenible", "es": "Una ciudad sostenible"}, [
        ({"ca": "Pacificar el nucli antic", "es": "Pacificar el casco antiguo"}, 75.0, "2025-01-15", "2026-12-31"),
        ({"ca": "Carril bici fins a l'estació", "es": "Carril bici hasta la estación"}, 40.0, "2025-06-01", "2027-06-30"),
        ({"ca": "Recollida porta a porta", "es": "Recogida puerta a puerta"}, 100.0, "2024-03-01", "2025-12-31"),
    ]),
    ({"ca": "Una ciutat cohesionada", "es": "Una ciudad cohesionada"}, [
        ({"ca": "Borsa de lloguer assequible", "es": "Bolsa de alquiler asequible"}, 25.0, "2025-02-01", "2027-05-31"),
        ({"ca": "Casal de gent gran obert el cap de setmana", "es": "Casal de mayores abierto el fin de semana"},
         0.0, "2026-01-01", "2027-03-31"),
    ]),
]


def _status_of(progress: float | None) -> str:
    if not progress:
        return "1"
    return "3" if progress >= 100 else "2"


def seed(store, n: int | None = None) -> None:
    """Put the component in the first process and give it results: the small invented plan, or
    ``n`` results (one objective for every 20, the rest its children)."""
    with store.lock:
        space = store.spaces["1"]
        if COMPONENT_ID not in store.components:
            store.components[COMPONENT_ID] = data.Component(
                COMPONENT_ID, "accountability", "1",
                {"ca": "Pla d'actuació municipal", "es": "Plan de actuación municipal", "en": "Municipal action plan"},
                3, data.iso(data.EPOCH))
            space.component_ids.append(COMPONENT_ID)
        cats = list(space.category_ids)
        results: dict[str, Result] = {}
        next_id = 7000
        if n is None:
            for o, (title, actions) in enumerate(_PLAN):
                next_id += 1
                oid = str(next_id)
                results[oid] = Result(oid, None, title, {"ca": "<p>Objectiu estratègic del PAM (inventat).</p>"},
                                      None, "2024-01-01", "2027-06-30", None, o,
                                      cats[o % len(cats)] if cats else None, "1", ["101"])
                for a, (atitle, progress, start, end) in enumerate(actions):
                    next_id += 1
                    rid = str(next_id)
                    results[rid] = Result(rid, oid, atitle, {"ca": "<p>Actuació inventada.</p>"}, progress, start,
                                          end, _status_of(progress), a, cats[(o + 1) % len(cats)] if cats else None,
                                          "2", [str(101 + a % 4)])
        else:
            parent = None
            for i in range(n):
                next_id += 1
                rid = str(next_id)
                if i % 20 == 0:
                    parent = rid
                    results[rid] = Result(rid, None, {"ca": f"Objectiu {i // 20 + 1}"}, {}, None, "2024-01-01",
                                          "2027-12-31", None, i // 20)
                else:
                    progress = float(i * 7 % 101)
                    results[rid] = Result(rid, parent, {"ca": f"Actuació {i}", "es": f"Actuación {i}"}, {},
                                          progress, "2025-01-01", "2027-12-31", _status_of(progress), i % 20,
                                          cats[i % len(cats)] if cats else None, "1", [str(101 + i % 4)])
        store.extra["results"] = results


def results_of(store, component_id: str) -> list[Result]:
    if component_id != COMPONENT_ID:
        return []
    with store.lock:
        return sorted(store.extra.get("results", {}).values(), key=lambda r: int(r.id))


def result_view(ctx: graph.Context, r: Result) -> dict:
    store = ctx.store
    table = store.extra.get("results", {})
    status = STATUSES.get(r.status or "")
    view = {
        "__typename": "Result", "id": r.id, "reference": f"VP-ACC-RES-{r.id}", "externalId": None,
        "title": graph.translated(r.title), "description": graph.translated(r.description),
        "progress": r.progress, "startDate": r.start_date, "endDate": r.end_date, "weight": r.weight,
        "status": ({"id": r.status, "key": status[0], "name": graph.translated(status[1]), "progress": status[2],
                    "description": graph.translated({}), "createdAt": data.iso(data.EPOCH),
                    "updatedAt": data.iso(data.EPOCH)} if status else None),
        "parent": ({"__typename": "Result", "id": r.parent_id} if r.parent_id in table else None),
        "children": lambda _i, **_a: [result_view(ctx, c) for c in table.values() if c.parent_id == r.id],
        "childrenCount": sum(1 for c in table.values() if c.parent_id == r.id),
        "timelineEntries": [],
        "createdAt": data.iso(data.EPOCH), "updatedAt": data.iso(data.EPOCH),
        "url": f"https://vilaprova.example/processes/pla/f/{COMPONENT_ID}/results/{r.id}",
        "proposals": [],
        **graph.commentable_fields(ctx, CLASS_NAME, r.id),
    }
    if store.taxonomies_enabled:
        view["taxonomies"] = [graph.named(store, store.taxonomies.get(t), store.taxonomies, "children")
                              for t in r.taxonomy_ids if t in store.taxonomies]
    else:
        view["category"] = graph.named(store, store.categories.get(r.category_id or ""), store.categories,
                                       "subcategories")
        view["scope"] = graph.named(store, store.scopes.get(r.scope_id or ""), store.scopes, "children")
    return view


def _fields(ctx: graph.Context, c) -> dict:
    rows = results_of(ctx.store, c.id)
    return {"results": graph.connection(rows, lambda r: result_view(ctx, r)),
            "result": lambda _i, id: next((result_view(ctx, r) for r in rows if r.id == str(id)), None)}


def _commentable(ctx: graph.Context, object_id: str) -> dict | None:
    r = ctx.store.extra.get("results", {}).get(str(object_id))
    return result_view(ctx, r) if r is not None else None


def edit(store, result_id: str, **changes) -> None:
    """A change made on the platform (tests)."""
    with store.lock:
        r = store.extra["results"][result_id]
        for key, value in changes.items():
            setattr(r, key, value)


def install() -> None:
    if seed not in data.SEEDERS:
        data.SEEDERS.append(seed)
    graph.register_component("accountability", graph.ComponentKind("Accountability", _fields))
    graph.register_commentable(CLASS_NAME, _commentable)


