"""Render page 1 of every printable document on the demo data to docs/print/<kind>.png.

    .venv/bin/python tools/print_samples.py

Uses a throwaway database (the demo municipality, with a sample logo) so the pictures never show
real people. Look at every picture after running it.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="p311desk-print-samples-"))
os.environ.setdefault("P311DESK_CACHE_DIR", str(TMP / "cache"))
os.environ.setdefault("P311DESK_KEY_DIR", str(TMP / "keys"))

LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60" viewBox="0 0 60 60">'
        b'<path d="M6 4h48v30c0 14-12 20-24 24C18 54 6 48 6 34z" fill="#f2c200" stroke="#7a1f1f" stroke-width="3"/>'
        b'<path d="M14 8v40M24 8v46M34 8v46M44 8v40" stroke="#c8102e" stroke-width="5"/></svg>')


def main() -> None:
    import pypdfium2

    from p311desk import printing, sessions, settings, votes
    from p311desk.db import Database
    from p311desk.demo import create_demo

    out = ROOT / "docs" / "print"
    out.mkdir(parents=True, exist_ok=True)
    db = Database(TMP / "demo.db")
    create_demo(db)
    with db.write() as s:
        cfg = settings.load(s)
        cfg.municipality_logo = printing.logo_data_uri(LOGO, "escut.svg")
        settings.save(s, cfg)
        session = next(x for x in sessions.list_sessions(s) if x.status == "open")
        q = votes.create_question(s, session.id, "Aprovem la proposta guanyadora per a la plaça Major?",
                                  method="yes_no")
        votes.open_question(s, q.id)
    jobs = {
        "handout": dict(url="https://participa311.diba.cat/processes/pressupostos-2027"),
        "credentials": {},
        "ballots": dict(question_id=q.id, count=8),
        "forms": dict(count=1),
        "signatures": {},
        "absent": {},
        "minutes": {},
    }
    for kind, extra in jobs.items():
        buf = io.BytesIO()
        unit = db.write if kind in printing.WRITES else db.read
        with unit() as s:
            printing.render(s, session.id, printing.PrintOptions(kind, **extra), buf)
        doc = pypdfium2.PdfDocument(buf.getvalue())
        doc[0].render(scale=110 / 72).to_pil().save(out / f"{kind}.png", optimize=True)
        doc.close()
        print(out / f"{kind}.png")
    db.close()


if __name__ == "__main__":
    main()
