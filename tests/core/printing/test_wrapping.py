"""Lists print whole: e-mails, organisations and places wrap at sensible points, never cut mid-word
when a break point exists; read back from the PDF (issue 21 §3)."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest

from p311desk import printing
from p311desk.printing.flow import break_lines, break_pieces

pdfplumber = pytest.importorskip("pdfplumber")

EMAIL = "marianna.puigdollers-vilaseca@ajuntament-santcugatdelvalles.cat"
ORG = "Associació_Veïnal_del_Barri_de_Can_Mas_i_la_Floresta"
PLACE = "Centre Cívic Can Mas-Sala Polivalent/Edifici-de-les-Antigues-Escoles-Municipals-del-Poble"


def test_break_points():
    assert break_pieces(EMAIL) == ["marianna", ".puigdollers-", "vilaseca@", "ajuntament-", "santcugatdelvalles",
                                   ".cat"]
    assert "".join(break_pieces(ORG)) == ORG
    lines = break_lines(EMAIL, "Helvetica", 9, 90)
    assert "".join(lines) == EMAIL and len(lines) > 1
    for line in lines[:-1]:  # each line ends at a break point, or the next starts with "."
        nxt = lines[lines.index(line) + 1]
        assert line[-1] in "@-_/" or nxt.startswith("."), lines
    assert "".join(break_lines("x" * 80, "Helvetica", 9, 50)) == "x" * 80  # no point at all: cut, nothing lost


def _column(pdf: bytes, start: str, end: str) -> list[str]:
    """The text lines of one table column, between the header words ``start`` and ``end``."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        for ch in page.chars:  # nothing drawn outside the page
            assert -0.5 <= ch["x0"] and ch["x1"] <= page.width + 0.5
        words = {w["text"]: w for w in page.extract_words()}
        name = words["Nom"]  # the header row's band (its words may wrap onto two lines)
        top = min(r["bottom"] for r in page.rects if r["top"] <= name["top"] and r["bottom"] >= name["bottom"]) + 1
        left, right = words[start]["x0"] - 2, words[end]["x0"] - 2
        bottom = words["Pàgina"]["top"] - 1  # above the footer
        text = page.crop((left, top, right, bottom)).extract_text() or ""
    return [unicodedata.normalize("NFC", line) for line in text.splitlines()]


def _all_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return unicodedata.normalize("NFC", doc.pages[0].extract_text() or "")


def _sample(db):
    from p311desk import participants, sessions

    with db.write() as s:
        sid = sessions.create_session(s, title="Consell de barri", place=PLACE).id
        sessions.open_session(s, sid)
        p = participants.add_participant(s, given_name="Marianna", family_name="Puigdollers Vilaseca",
                                         email=EMAIL, organisation=ORG, phone="600000001")
        participants.register(s, sid, p.id)
    return sid


@pytest.mark.parametrize("kind", ["absent", "signatures"])
@pytest.mark.parametrize("paper", ["A4", "A5"])
def test_lists_print_emails_organisations_and_places_whole(db, kind, paper):
    sid = _sample(db)
    buf = io.BytesIO()
    with db.read() as s:
        printing.render(s, sid, printing.PrintOptions(kind, lang="ca", paper=paper), buf)
    pdf = buf.getvalue()
    # the place, in the header, is whole (it wraps at its spaces and break points)
    assert PLACE.replace(" ", "") in re.sub(r"\s+", "", _all_text(pdf))
    org = _column(pdf, "Entitat", "Codi" if kind == "absent" else "Signatura")
    assert "".join(org).replace(" ", "") == ORG, org
    sensible = paper == "A4"  # on A5 a piece alone wider than its column is cut where it must
    if sensible:
        assert all(line[-1] in "@-_/" for line in org[:-1]), org  # broken after "_", not mid-word
    if kind == "absent":
        email = _column(pdf, "Correu", "Entitat")
        assert "".join(email) == EMAIL, email
        assert len(email) > 1
        for line, following in zip(email, email[1:]):
            assert not sensible or line[-1] in "@-_/" or following.startswith("."), email
