"""Printing benchmarks: 1,000 personal credentials (8 per A4, name + QR) with the file size,
500 ballots (issued and signed by votes, three codes each), and the minutes of a 300-person session.

    PYTHONPATH=. .venv/bin/python bench/printing.py

Goals (issue 10): credentials ≤ 1.5 s, ballots ≤ 1.5 s, minutes ≤ 1 s. Anchors measured in the
same run: reportlab's own QrCodeWidget per credential (the naive way, timed on 100 and scaled
to 1,000) and segno with its automatic mask choice (1,000 encodings). The last line is a one-line
summary.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TMP = tempfile.mkdtemp(prefix="p311desk-bench-print-")
os.environ.setdefault("P311DESK_CACHE_DIR", TMP + "/cache")
os.environ.setdefault("P311DESK_KEY_DIR", TMP + "/keys")

from p311desk import attendance, participants, printing, proposals, sessions, settings, votes  # noqa: E402
from p311desk.db import Database  # noqa: E402

GIVEN = ["Núria", "Jordi", "Marta", "Pere", "Laia", "Marcel·lí", "Anna", "Joan", "Montse", "Àlex",
         "Iñaki", "Pau", "Mercè", "Roser", "Xavier", "Lluís", "Aina", "Bernat", "Carme", "Dolors"]
FAMILY = ["Puig", "Soler", "Vidal", "Bosch", "Roca", "Martí", "Ferrer", "Garcia", "Gal·la", "Pérez",
          "Sánchez", "Riera", "Casals", "Vilà", "Serra", "Font", "Camps", "Pujol", "Torrent", "Comas"]


def make_session(db: Database, people: int, present: int, n_proposals: int, rnd: random.Random):
    with db.write() as s:
        cfg = settings.load(s)
        cfg.municipality = "Ajuntament de Vilaprova del Vallès"
        settings.save(s, cfg)
        info = sessions.create_session(s, title=f"Assemblea de {people} persones",
                                       starts_at=dt.datetime(2026, 11, 24, 18, tzinfo=dt.timezone.utc))
        sessions.open_session(s, info.id)
        codes = []
        for i in range(people):
            p = participants.add_participant(
                s, given_name=rnd.choice(GIVEN), family_name=f"{rnd.choice(FAMILY)} {rnd.choice(FAMILY)}",
                birth_year=rnd.randint(1940, 2010), organisation=rnd.choice([None, "AV Can Puig", "Esplai"]))
            participants.register(s, info.id, p.id)
            codes.append(p.checkin_code)
        for code in codes[:present]:
            attendance.check_in(s, info.id, code)
        for i in range(n_proposals):
            proposals.add_proposal(s, info.id, title=f"Proposta {i + 1}: millorar la plaça Major",
                                   supports=rnd.randint(0, 80))
    return info.id


class Timing:
    """Wall-clock and CPU seconds of one call. On a shared machine the CPU time is the figure to
    compare; the wall time is what a user waits on an idle laptop only when the two agree."""

    def __init__(self, fn) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        self.wall, self.cpu = time.perf_counter() - wall, time.process_time() - cpu

    def __str__(self) -> str:
        return f"{self.cpu:.2f} s CPU ({self.wall:.2f} s wall)"


def timed(fn) -> Timing:
    return Timing(fn)


def anchor_widget(n: int = 100) -> float:
    """reportlab's QrCodeWidget drawn per credential, 8 per page (the naive way)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from p311desk import codes

    c = Canvas(io.BytesIO(), pagesize=A4)
    start = time.process_time()
    for i in range(n):
        widget = QrCodeWidget(codes.new_code(), barLevel="M")
        d = Drawing(80, 80)
        d.add(widget)
        renderPDF.draw(d, c, 50 + (i % 2) * 250, 50 + (i // 2 % 4) * 190)
        c.drawString(50, 40, f"Persona {i}")
        if i % 8 == 7:
            c.showPage()
    c.save()
    return time.process_time() - start


def anchor_segno_auto(n: int = 1000) -> float:
    import segno

    from p311desk import codes

    data = [codes.new_code() for _ in range(n)]
    start = time.process_time()
    for d in data:
        segno.make_qr(d, error="m")
    return time.process_time() - start


def main() -> None:
    rnd = random.Random(7)
    db = Database(Path(TMP) / "bench.db")
    big = make_session(db, 1000, 0, 0, rnd)
    room = make_session(db, 300, 260, 60, rnd)

    with db.read() as s:
        printing.render(s, room, printing.PrintOptions("minutes", lang="ca"), io.BytesIO())  # fonts, catalogs
    out = Path(TMP) / "credentials.pdf"
    with db.read() as s:
        t_cred = timed(lambda: printing.render(s, big, printing.PrintOptions("credentials", lang="ca"), out))
    size = out.stat().st_size
    minutes = io.BytesIO()
    with db.read() as s:
        t_min = timed(lambda: printing.render(s, room, printing.PrintOptions("minutes", lang="ca"), minutes))
    odt = io.BytesIO()
    with db.read() as s:
        t_odt = timed(lambda: printing.render(s, room, printing.PrintOptions("minutes", lang="ca", format="odt"), odt))
    with db.write() as s:
        q = votes.create_question(s, room, "Aprovem el pressupost participatiu?", method="yes_no")
        votes.open_question(s, q.id)
    ballots = Path(TMP) / "ballots.pdf"
    with db.write() as s:
        t_ballots = timed(lambda: printing.render(
            s, room, printing.PrintOptions("ballots", lang="ca", question_id=q.id, count=500), ballots))
    ballots_size = ballots.stat().st_size
    t_widget = anchor_widget(100) * 10
    t_auto = anchor_segno_auto(1000)
    print(f"credentials: 1,000 people, 8 per A4 (125 pages): {t_cred}, {size / 1e6:.2f} MB")
    print(f"minutes of a 300-person session (260 present, 60 proposals): PDF {t_min} "
          f"({minutes.tell() / 1e3:.0f} kB), ODT {t_odt}")
    print(f"ballots: 500 yes/no/abstain, 8 per A4 (63 pages, 1,500 signed option codes), issued and drawn: "
          f"{t_ballots}, {ballots_size / 1e6:.2f} MB")
    print(f"anchor (CPU): reportlab QrCodeWidget per credential {t_widget:.1f} s per 1,000 (100 timed, issue: 24.7 s); "
          f"segno automatic mask {t_auto:.2f} ms per code (issue: 1.5 ms)")
    print(f"SUMMARY CPU s: credentials 1000 {t_cred.cpu:.2f} (goal 1.5, {size / 1e6:.2f} MB); ballots 500 "
          f"{t_ballots.cpu:.2f} (goal 1.5); minutes 300 {t_min.cpu:.2f} (goal 1.0); anchor QrCodeWidget "
          f"{t_widget:.1f} s/1000 (issue 24.7)")
    db.close()


if __name__ == "__main__":
    main()
