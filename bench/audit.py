"""Audit log benchmarks: what per-row state digests cost, and how long verification takes.

    PYTHONPATH=. .venv/bin/python bench/audit.py [N]

On a database with N participants (default 50,000) imported and registered for one session
(N participants + N registrations covered by one event), then 300 check-ins (one event each):
- the import's commit with state digests, next to the same import with digests switched off
  (the anchor, measured in the same run);
- a check-in's median latency with the audit log as it is;
- a full ``verify`` (every event's HMAC and every audited row's digest) and an incremental one.
The last line is a one-line summary.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    folder = Path(tempfile.mkdtemp(prefix="p311desk-bench-audit-"))
    os.environ["P311DESK_KEY_DIR"] = str(folder / "keys")
    from p311desk import attendance, audit, participants, sessions
    from p311desk.db import Database
    from p311desk.spreadsheets.reader import read_table

    path = folder / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Nom", "Cognoms", "Correu", "Data de naixement", "DNI"])
        for i in range(n):
            w.writerow([f"Persona{i}", "Puig Soler", f"p{i}@example.org", "1980-01-01",
                        f"{i:08d}" + "TRWAGMYFPDXBNJZSQVHLCKE"[i % 23]])
    table = read_table(path)

    def import_into(db, digests: bool) -> float:
        with db.write() as s:
            sid = sessions.create_session(s, title="Bench", starts_at=dt.datetime(2026, 11, 23, 18, tzinfo=dt.timezone.utc)).id
            sessions.open_session(s, sid)
        saved = audit._states_of
        if not digests:
            audit._states_of = lambda _s, _key, _wanted: {}
        try:
            with db.write() as s:
                plan = participants.preview(s, table, session_id=sid)
            t0 = time.perf_counter()
            with db.write() as s:
                participants.commit(s, plan, accept_warnings=True)
            return sid, time.perf_counter() - t0
        finally:
            audit._states_of = saved

    anchor_db = Database(folder / "anchor.db")
    _sid, t_anchor = import_into(anchor_db, digests=False)
    anchor_db.close()
    db = Database(folder / "bench.db")
    sid, t_import = import_into(db, digests=True)

    with db.read() as s:
        codes = [p.checkin_code for p in participants.list_participants(s, session_id=sid)][:300] \
            if hasattr(participants, "list_participants") else None
    if codes is None:
        from sqlalchemy import select

        from p311desk.models import Participant

        with db.read() as s:
            codes = list(s.scalars(select(Participant.checkin_code).limit(300)))
    lat = []
    for code in codes:
        t0 = time.perf_counter()
        with db.write() as s:
            attendance.check_in(s, sid, code)
        lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    with db.read() as s:
        full = audit.verify(s)
    t_full = time.perf_counter() - t0
    with db.write() as s:
        attendance.undo_last(s, sid)
    t0 = time.perf_counter()
    with db.read() as s:
        inc = audit.verify(s, incremental=True)
    t_inc = time.perf_counter() - t0
    db.close()
    assert full.ok and inc.ok, (full, inc)
    print(f"import commit of {n:,} people + registrations: {t_import:.2f} s with state digests, "
          f"{t_anchor:.2f} s without (anchor, same run)")
    print(f"check-in median {statistics.median(lat) * 1000:.1f} ms over {len(lat)}")
    print(f"verify: full {t_full:.2f} s ({full.checked} events, {full.entities_checked:,} records); "
          f"incremental {t_inc:.2f} s")
    print(f"SUMMARY audit n={n} import={t_import:.2f}s anchor={t_anchor:.2f}s "
          f"checkin_median={statistics.median(lat) * 1000:.1f}ms verify_full={t_full:.2f}s "
          f"verify_incremental={t_inc:.2f}s")


if __name__ == "__main__":
    main()
