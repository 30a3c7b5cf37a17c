"""The fake Decidim's seeded organisation: spaces, components, categories, scopes, taxonomies,
meetings, proposals and the accounts that may sign in. Everything is invented and deterministic
(the same seed gives the same platform), so tests can compare caches across runs.

The store is plain Python objects guarded by one lock; the GraphQL layer (``graph.py``) reads it
and, in sync part 2, writes to it (created proposals, closed meetings).
"""

from __future__ import annotations

import datetime as dt
import html
import random
import threading
from dataclasses import dataclass, field

UTC = dt.UTC
EPOCH = dt.datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

# Accounts of the fake organisation (invented). Tests scan for these strings after a sign-in.
USER_EMAIL = "tecnica@vilaprova.example"
USER_PASSWORD = "Contrasenya-Fake-311!"
API_KEY = "p311-fake-api-key"
API_SECRET = "fake-api-secret-311-XYZ"

_THEMES = [
    ({"ca": "Mobilitat", "es": "Movilidad", "en": "Mobility"}, None),
    ({"ca": "Medi ambient", "es": "Medio ambiente", "en": "Environment"}, None),
    ({"ca": "Residus", "es": "Residuos", "en": "Waste"}, 1),
    ({"ca": "Cultura", "es": "Cultura", "en": "Culture"}, None),
]
_PLACES = [
    ({"ca": "Vilaprova", "es": "Vilaprova", "en": "Vilaprova"}, None),
    ({"ca": "Barri Nord", "es": "Barrio Norte", "en": "North quarter"}, 0),
    ({"ca": "Barri Sud", "es": "Barrio Sur", "en": "South quarter"}, 0),
]
_WHAT = [("Instal·lar bancs", "Instalar bancos"), ("Plantar arbres", "Plantar árboles"),
         ("Més il·luminació", "Más iluminación"), ("Un carril bici", "Un carril bici"),
         ("Fonts d'aigua", "Fuentes de agua"), ("Un espai per a joves", "Un espacio para jóvenes"),
         ("Pacificar el trànsit", "Pacificar el tráfico"), ("Horts urbans", "Huertos urbanos")]
_WHERE = [("a la plaça Major", "en la plaza Mayor"), ("al carrer de l'Escola", "en la calle de la Escuela"),
          ("al parc del Riu", "en el parque del Río"), ("davant del mercat", "delante del mercado"),
          ("al Barri Nord", "en el Barrio Norte"), ("a la rambla Fictícia", "en la rambla Ficticia")]


def iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Space:
    id: str
    kind: str  # process | assembly
    slug: str
    title: dict[str, str]
    updated_at: str
    scope_id: str | None = None
    component_ids: list[str] = field(default_factory=list)
    category_ids: list[str] = field(default_factory=list)
    taxonomy_ids: list[str] = field(default_factory=list)
    starts_on: str | None = None  # YYYY-MM-DD
    ends_on: str | None = None
    subtitle: dict[str, str] | None = None


@dataclass
class Component:
    id: str
    manifest: str  # proposals | meetings | budgets
    space_id: str
    name: dict[str, str]
    weight: int
    updated_at: str


@dataclass
class Named:
    """A category, scope or taxonomy."""

    id: str
    name: dict[str, str]
    parent_id: str | None = None


@dataclass
class Meeting:
    id: str
    component_id: str
    title: dict[str, str]
    start: str
    end: str
    address: str
    location: dict[str, str]
    updated_at: str
    closed: bool = False
    withdrawn: bool = False
    type_of_meeting: str = "in_person"
    closing_report: dict[str, str] | None = None
    attendees_count: int | None = None
    closed_at: str | None = None
    proposal_ids: list[str] = field(default_factory=list)


@dataclass
class Proposal:
    id: str
    component_id: str
    title: dict[str, str]
    body: dict[str, str]
    updated_at: str
    published_at: str | None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    category_id: str | None = None
    scope_id: str | None = None
    taxonomy_ids: list[str] = field(default_factory=list)
    state: str | None = None
    withdrawn: bool = False
    official: bool = False
    created_in_meeting: bool = False
    meeting_id: str | None = None
    vote_count: int = 0
    likes: int = 0


@dataclass
class Comment:
    id: str
    commentable_type: str  # "Decidim::Proposals::Proposal", "Decidim::Accountability::Result", ...
    commentable_id: str
    body: dict[str, str]
    author: dict
    created_at: str
    alignment: int = 0


# Hooks run at the end of seeding, in order: fn(store). Other capabilities of the fake (e.g. an
# accountability component) add their seeded data here and keep it in ``store.extra``.
SEEDERS: list = []


class Store:
    """The fake platform's data. ``lock`` guards every read and write from request threads."""

    def __init__(self, version: str, *, proposals: int = 120, seed: int = 311) -> None:
        self.version = version
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.spaces: dict[str, Space] = {}
        self.components: dict[str, Component] = {}
        self.categories: dict[str, Named] = {}
        self.scopes: dict[str, Named] = {}
        self.taxonomies: dict[str, Named] = {}
        self.meetings: dict[str, Meeting] = {}
        self.proposals: dict[str, Proposal] = {}
        self.comments: dict[str, Comment] = {}
        self.extra: dict[str, object] = {}  # data of registered extensions (SEEDERS)
        self.default_locale = "ca"
        self.locales = ("ca", "es", "en")
        self.users = {USER_EMAIL: {"id": "7", "name": "Tècnica de participació", "nickname": "tecnica",
                                   "password": USER_PASSWORD}}
        self.api_users = {API_KEY: {"id": "9", "name": "p311desk (API)", "nickname": "p311desk-api",
                                    "secret": API_SECRET}} if version == "0.32" else {}
        self._next_id = 5000
        self.writes: list[tuple[str, str]] = []  # (what, id) of every write, in order (sync part 2)
        self._seed(proposals)
        for seeder in SEEDERS:
            seeder(self)

    @property
    def taxonomies_enabled(self) -> bool:
        """Taxonomies replace categories and scopes on resources from 0.30."""
        return self.version in ("0.30", "0.32")

    @property
    def write_api(self) -> bool:
        return self.version == "0.32"

    @property
    def disclosed_version(self) -> str | None:
        """``decidim { version }``: always up to 0.29, hidden (null) from 0.30."""
        return {"0.27": "0.27.9", "0.28": "0.28.4"}.get(self.version)

    def add_comment(self, commentable_type: str, commentable_id: str, body: str, author: dict,
                    locale: str = "ca", alignment: int = 0) -> Comment:
        """A comment as Decidim stores it: the body under the locale, HTML paragraphs."""
        with self.lock:
            cid = self.next_id()
            text = "".join(f"<p>{html.escape(part.strip(), quote=False)}</p>"
                           for part in body.strip().split("\n\n") if part.strip())
            comment = Comment(cid, commentable_type, str(commentable_id), {locale: text}, dict(author),
                              self.now(), alignment)
            self.comments[cid] = comment
            self.writes.append(("addComment", cid))
            return comment

    def comments_of(self, commentable_type: str, commentable_id: str) -> list[Comment]:
        with self.lock:
            return sorted((c for c in self.comments.values() if c.commentable_type == commentable_type
                           and c.commentable_id == str(commentable_id)), key=lambda c: int(c.id))

    def next_id(self) -> str:
        with self.lock:
            self._next_id += 1
            return str(self._next_id)

    def now(self) -> str:
        return iso(dt.datetime.now(UTC))

    # --- seeding -----------------------------------------------------------------------------
    def _seed(self, proposals: int) -> None:
        rng = self.rng
        for i, (name, parent) in enumerate(_PLACES):
            self.scopes[str(i + 1)] = Named(str(i + 1), name, str(parent + 1) if parent is not None else None)
        roots = {"100": Named("100", {"ca": "Temes", "es": "Temas", "en": "Topics"}),
                 "110": Named("110", {"ca": "Barris", "es": "Barrios", "en": "Quarters"})}
        self.taxonomies.update(roots)
        for i, (name, parent) in enumerate(_THEMES):
            self.taxonomies[str(101 + i)] = Named(str(101 + i), name, str(101 + parent) if parent is not None else "100")
        for i, (name, _parent) in enumerate(_PLACES[1:]):
            self.taxonomies[str(111 + i)] = Named(str(111 + i), name, "110")
        plan = [
            ("1", "process", "pressupostos-2027",
             {"ca": "Pressupostos participatius 2027", "es": "Presupuestos participativos 2027",
              "en": "Participatory budget 2027"}, proposals),
            ("2", "process", "pla-accio-municipal",
             {"ca": "Pla d'acció municipal", "es": "Plan de acción municipal", "en": "Municipal action plan"}, 30),
            # Only the organisation's default language (Catalan), as an administrator may leave it.
            ("3", "assembly", "consell-barri", {"ca": "Consell de Barri de Vilaprova"}, 12),
        ]
        category_id = 200
        for space_id, kind, slug, title, n_proposals in plan:
            space = Space(space_id, kind, slug, title, iso(EPOCH), scope_id="1" if kind == "process" else None,
                          taxonomy_ids=[t for t in self.taxonomies if t != "100" and t != "110"],
                          starts_on={"1": "2026-09-01", "2": "2026-10-15", "3": "2019-03-01"}[space_id],
                          ends_on={"1": "2027-06-30", "2": "2027-12-31", "3": None}[space_id])
            self.spaces[space_id] = space
            local_cats: list[str] = []
            for name, parent in _THEMES:
                category_id += 1
                parent_id = local_cats[parent] if parent is not None else None
                self.categories[str(category_id)] = Named(str(category_id), name, parent_id)
                local_cats.append(str(category_id))
            space.category_ids = local_cats
            base = int(space_id) * 10
            comps = [
                Component(str(base + 1), "proposals", space_id,
                          {"ca": "Propostes", "es": "Propuestas", "en": "Proposals"}, 0, iso(EPOCH)),
                Component(str(base + 2), "meetings", space_id,
                          {"ca": "Trobades", "es": "Encuentros", "en": "Meetings"}, 1, iso(EPOCH)),
            ]
            if kind == "process":
                comps.append(Component(str(base + 3), "budgets", space_id,
                                       {"ca": "Pressupostos", "es": "Presupuestos", "en": "Budgets"}, 2, iso(EPOCH)))
            for c in comps:
                self.components[c.id] = c
                space.component_ids.append(c.id)
            meetings_component = comps[1].id
            for m in range(6 if kind == "process" else 4):
                mid = str(500 + len(self.meetings) + 1)
                start = EPOCH + dt.timedelta(days=14 * m + int(space_id), hours=9)
                self.meetings[mid] = Meeting(
                    mid, meetings_component,
                    {"ca": f"Sessió de barri {m + 1}", "es": f"Sesión de barrio {m + 1}",
                     "en": f"Neighbourhood session {m + 1}"},
                    iso(start), iso(start + dt.timedelta(hours=2)), f"Carrer Fictici {m + 1}, Vilaprova",
                    {"ca": "Centre cívic", "es": "Centro cívico", "en": "Civic centre"}, iso(EPOCH),
                    closed=m == 0)
            for p in range(n_proposals):
                pid = str(1000 + len(self.proposals) + 1)
                what, where = rng.choice(_WHAT), rng.choice(_WHERE)
                published = None if p % 40 == 39 else iso(EPOCH + dt.timedelta(minutes=p))
                self.proposals[pid] = Proposal(
                    pid, comps[0].id,
                    {"ca": f"{what[0]} {where[0]}", "es": f"{what[1]} {where[1]}"},
                    {"ca": f"Proposta recollida a Vilaprova ({pid}). Dades inventades.",
                     "es": f"Propuesta recogida en Vilaprova ({pid}). Datos inventados."},
                    iso(EPOCH + dt.timedelta(minutes=p)), published,
                    address=f"Carrer Fictici {p % 50 + 1}" if p % 3 == 0 else None,
                    latitude=41.38 + p / 10000 if p % 3 == 0 else None,
                    longitude=2.17 + p / 10000 if p % 3 == 0 else None,
                    category_id=local_cats[p % len(local_cats)],
                    scope_id=str(p % 3 + 1),
                    taxonomy_ids=[str(101 + p % 4), str(111 + p % 2)],
                    state=["accepted", "evaluating", None, None][p % 4],
                    vote_count=rng.randint(0, 40), likes=rng.randint(0, 10))

    # --- reading -----------------------------------------------------------------------------
    def published_proposals(self, component_id: str) -> list[Proposal]:
        with self.lock:
            rows = [p for p in self.proposals.values() if p.component_id == component_id and p.published_at]
        return sorted(rows, key=lambda p: int(p.id))

    def component_meetings(self, component_id: str) -> list[Meeting]:
        with self.lock:
            rows = [m for m in self.meetings.values() if m.component_id == component_id]
        return sorted(rows, key=lambda m: int(m.id))

    # --- changes made "on the platform" (tests, demos) -------------------------------------
    def edit_proposal(self, proposal_id: str, **changes) -> Proposal:
        with self.lock:
            p = self.proposals[proposal_id]
            for key, value in changes.items():
                setattr(p, key, value)
            p.updated_at = self.now()
            return p

    def add_proposal(self, component_id: str, title: dict[str, str], body: dict[str, str] | None = None) -> Proposal:
        with self.lock:
            pid = self.next_id()
            now = self.now()
            p = Proposal(pid, component_id, title, body or title, now, now)
            self.proposals[pid] = p
            return p
