"""A session to print: people with Catalan and Spanish names, check-ins, proposals, a logo."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest

NAMES = [("Núria", "Vallès i Gràcia"), ("Marçal", "Pujol Llull"), ("Íñigo", "Muñoz Peña"),
         ("Agnès", "Castellà «la Petita»"), ("Jordi", "Ferrer"), ("Laia", "Sabaté Ortiz"),
         ("Pau", "Domènech Cortès"), ("Úrsula", "Garcia"), ("Ot", "Bellver"), ("Carme", "Ribó"),
         ("Aleix", "Fuster"), ("Mireia", "Coll")]


@dataclass
class Sample:
    session_id: object
    codes: dict  # full name -> check-in code
    present: set  # full names checked in


def png_logo() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (120, 60), (200, 30, 40))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


SVG_LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40" viewBox="0 0 80 40">'
            b'<rect width="80" height="40" fill="#c81e28"/><circle cx="20" cy="20" r="12" fill="#fff"/></svg>')


def make_sample(db, *, logo: bytes | None = None, logo_name: str = "logo.png") -> Sample:
    from p311desk import attendance, participants, printing, proposals, sessions, settings

    with db.write() as s:
        cfg = settings.load(s)
        cfg.municipality = "Ajuntament de Sant Llorenç d'Hortons"
        if logo:
            cfg.municipality_logo = printing.logo_data_uri(logo, logo_name)
        settings.save(s, cfg)
        info = sessions.create_session(
            s, title="Sessió de pressupostos: plaça de l'Església", place="Casal d'Avis",
            starts_at=dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.timezone.utc),
            ends_at=dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.timezone.utc))
        sessions.open_session(s, info.id)
        codes = {}
        for i, (given, family) in enumerate(NAMES):
            p = participants.add_participant(s, given_name=given, family_name=family,
                                             organisation="Associació de Veïns" if i % 3 == 0 else None,
                                             phone=f"6000000{i:02d}", birth_year=1950 + i * 5 if i % 2 else None)
            participants.register(s, info.id, p.id)
            codes[p.full_name] = p.checkin_code
        present = set()
        for name in list(codes)[:5]:
            assert attendance.check_in(s, info.id, codes[name]).ok
            present.add(name)
        proposals.add_proposal(s, info.id, title="Més ombra i bancs a la plaça", supports=12)
        proposals.add_proposal(s, info.id, title="Il·luminació del carrer Major: 2.000 €", supports=7,
                               author_kind="collective", author_name="Taula 3")
    return Sample(info.id, codes, present)


@pytest.fixture
def sample(db):
    return make_sample(db, logo=png_logo())
