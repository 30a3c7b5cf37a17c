"""The demo database: a fictional municipality with one process, two sessions and 300 people.

It lets a newcomer (or a trainer) see a populated app at once. All names and places are invented;
names are Catalan and Spanish as found in the province of Barcelona. Generation is seeded, so two
demo databases hold the same people.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import select

from p311desk.db import Database
from p311desk.models import Component, ParticipationSession, Proposal, Space, Taxonomy
from p311desk import attendance
from p311desk import audit
from p311desk import participants
from p311desk import sessions
from p311desk import settings as settings_service
from p311desk.text import fold

MUNICIPALITY = "Ajuntament de Vilaprova del Vallès"

GIVEN = [
    "Núria", "Jordi", "Montserrat", "Joan", "Mercè", "Pere", "Laia", "Marc", "Anna", "Pau",
    "Marta", "Oriol", "Gemma", "Xavier", "Roser", "Albert", "Cristina", "Josep", "Elisenda",
    "Arnau", "Meritxell", "Quim", "Neus", "Ramon", "Ariadna", "Sergi", "Txell", "Eduard", "Aina",
    "Guillem", "Carme", "Lluís", "Queralt", "Ferran", "Iolanda", "Àlex", "Maria", "Miquel",
    "Mireia", "Bernat", "Rosa", "Antonio", "Carmen", "Francisco", "Lucía", "Manuel", "Fatima",
    "Youssef", "Ngozi", "Wei",
]
FAMILY = [
    "Puig", "Vila", "Soler", "Ferrer", "Serra", "Font", "Roca", "Pujol", "Vidal", "Costa",
    "Martí", "Bosch", "Riera", "Casals", "Sala", "Coll", "Prat", "Camps", "Mas", "Torrent",
    "Llobet", "Sabaté", "Gispert", "Palau", "Bertran", "Cabré", "Collell", "Estruch", "Gil",
    "Garcia", "Martínez", "López", "Sánchez", "Fernández", "Ruiz", "Moreno", "Jiménez",
    "Castells", "Paella", "Agulló", "Ballester", "Pallarès", "Rovira", "Solà", "Noguera",
]
CATEGORIES = [
    ({"ca": "Espai públic", "es": "Espacio público", "en": "Public space"}, "1"),
    ({"ca": "Mobilitat", "es": "Movilidad", "en": "Mobility"}, "2"),
    ({"ca": "Medi ambient", "es": "Medio ambiente", "en": "Environment"}, "3"),
    ({"ca": "Cultura i lleure", "es": "Cultura y ocio", "en": "Culture and leisure"}, "4"),
]
SCOPES = [
    ({"ca": "Vilaprova Centre", "es": "Vilaprova Centro", "en": "Vilaprova Centre"}, "11"),
    ({"ca": "Barri de la Riera", "es": "Barrio de la Riera", "en": "La Riera quarter"}, "12"),
    ({"ca": "Can Prova", "es": "Can Prova", "en": "Can Prova"}, "13"),
]
PROPOSALS = [
    ("Més ombra i bancs a la plaça Major", "Plantar arbres i posar bancs nous a la plaça."),
    ("Carril bici segregat fins a l'institut", "Un carril protegit des de l'estació fins a l'institut."),
    ("Fonts d'aigua al parc de la Riera", "Només hi ha una font per a tot el parc."),
    ("Horaris més amplis a la biblioteca", "Obrir també els dissabtes a la tarda."),
    ("Pas de vianants elevat al carrer Nou", "Els cotxes hi passen massa ràpid."),
    ("Espai per a joves al casal", "Una sala oberta al vespre per a joves de 14 a 18 anys."),
]


def create_demo(db: Database, *, people: int = 300, seed: int = 311) -> dict[str, int]:
    """Fill ``db`` with the demo data (once: a second call changes nothing)."""
    rnd = random.Random(seed)
    with db.read() as s:
        if s.scalar(select(Space.id).where(Space.slug == "pressupostos-2027")) is not None:
            return {"created": 0}
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    with db.write() as s:
        # Checked again under the write lock: another process may have created it meanwhile.
        if s.scalar(select(Space.id).where(Space.slug == "pressupostos-2027")) is not None:
            return {"created": 0}
        cfg = settings_service.load(s)
        cfg.municipality = cfg.municipality or MUNICIPALITY
        settings_service.save(s, cfg)
        space = Space(id=uuid.uuid4(), platform_host=None, decidim_id="8", slug="pressupostos-2027",
                      space_type="participatory_process",
                      title={"ca": "Pressupostos participatius 2027",
                             "es": "Presupuestos participativos 2027",
                             "en": "Participatory budgeting 2027"})
        s.add(space)
        s.flush()
        component = Component(id=uuid.uuid4(), space_id=space.id, decidim_id="12",
                              manifest_name="proposals",
                              name={"ca": "Propostes", "es": "Propuestas", "en": "Proposals"},
                              settings={"proposal_length": 500, "title_min": 15, "title_max": 150})
        s.add(component)
        s.add(Component(id=uuid.uuid4(), space_id=space.id, decidim_id="13",
                        manifest_name="meetings",
                        name={"ca": "Trobades", "es": "Encuentros", "en": "Meetings"}))
        cats = []
        for name, ref in CATEGORIES:
            cat = Taxonomy(id=uuid.uuid4(), space_id=space.id, kind="category", decidim_id=ref, name=name)
            s.add(cat)
            cats.append(cat)
        for name, ref in SCOPES:
            s.add(Taxonomy(id=uuid.uuid4(), space_id=space.id, kind="scope", decidim_id=ref, name=name))
        s.flush()

        today = sessions.create_session(
            s, title="Assemblea de barri: pressupostos 2027", kind="meeting",
            starts_at=now, ends_at=now + dt.timedelta(hours=2),
            place="Casal de Cultura, Plaça Major 1", language="ca")
        later = sessions.create_session(
            s, title="Consell de participació — sessió ordinària", kind="assembly",
            starts_at=now + dt.timedelta(days=7), ends_at=now + dt.timedelta(days=7, hours=2),
            place="Sala de plens de l'Ajuntament", language="ca")
        for row_id in (today.id, later.id):
            row = s.get(ParticipationSession, row_id)
            row.space_id, row.component_id = space.id, component.id

        people_rows = []
        used = set()
        for _ in range(people):
            while True:
                given = rnd.choice(GIVEN)
                family = f"{rnd.choice(FAMILY)} {rnd.choice(FAMILY)}"
                if (given, family) not in used:
                    used.add((given, family))
                    break
            email_local = fold(f"{given}.{family.split()[0]}")
            email = None if rnd.random() < 0.15 else (
                "".join(c for c in email_local if c.isascii() and (c.isalnum() or c == "."))
                + f"{rnd.randint(1, 99)}@example.org")
            born = dt.date(rnd.randint(1940, 2009), rnd.randint(1, 12), rnd.randint(1, 28))
            people_rows.append(participants.add_participant(
                s, given_name=given, family_name=family, email=email, birth_date=born,
                postal_code=f"08{rnd.randint(100, 999)}", source="demo", consent_version="demo"))
        for p in people_rows[:180]:
            participants.register(s, today.id, p.id, source="demo")
        for p in people_rows[150:270]:
            participants.register(s, later.id, p.id, source="demo")
        sessions.open_session(s, today.id)
        for p in people_rows[:64]:
            attendance.check_in(s, today.id, p.checkin_code, method="qr")
        for i, (title, body) in enumerate(PROPOSALS):
            prop = Proposal(id=uuid.uuid4(), session_id=today.id, title={"ca": title},
                            body={"ca": body}, author_kind="session", author_name="",
                            category_id=cats[i % len(cats)].id, supports=rnd.randint(0, 25),
                            position=i + 1, component_id=component.id)  # numbered from #1
            s.add(prop)
            s.flush()
            audit.record(s, "proposal.created", session_id=today.id, entity_type="proposal",
                         entity_id=prop.id, payload={"title": title})
    return {"created": 1, "participants": people, "sessions": 2}
