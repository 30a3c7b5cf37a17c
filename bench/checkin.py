"""Attendance benchmarks: check-in latency, search as you type, import of a large XLSX.

    PYTHONPATH=. /work/venv/bin/python bench/checkin.py

Goals (issue 3): median scan→committed check-in ≤ 20 ms on 20,000 participants; search as you
type ≤ 30 ms per keystroke on 50,000 participants; import (read + validate + write) of a
50,000-row, 5-column XLSX ≤ 1.5 s, shown next to a bare python-calamine read and an openpyxl
read-only read of the same file. The last line is a one-line summary.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from p311desk.db import Database  # noqa: E402
from p311desk import attendance
from p311desk import participants
from p311desk import sessions
from p311desk.spreadsheets.reader import read_table  # noqa: E402

GIVEN = ["Núria", "Jordi", "Marta", "Pere", "Laia", "Marcel·lí", "Anna", "Joan", "Montse", "Àlex",
         "Iñaki", "Pau", "Mercè", "Roser", "Xavier", "Lluís", "Aina", "Bernat", "Carme", "Dolors"]
FAMILY = ["Puig", "Soler", "Vidal", "Bosch", "Roca", "Martí", "Ferrer", "Garcia", "Gal·la", "Pérez",
          "Sánchez", "Riera", "Casals", "Vilà", "Serra", "Font", "Camps", "Pujol", "Torrent", "Comas"]


def make_xlsx(path: Path, n: int, seed: int = 1) -> None:
    from openpyxl import Workbook

    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Inscrits")
    ws.append(["Nom", "Cognoms", "Correu", "Data de naixement", "Codi postal"])
    for i in range(n):
        ws.append([rnd.choice(GIVEN), f"{rnd.choice(FAMILY)} {rnd.choice(FAMILY)}", f"persona{i}@example.org",
                   dt.date(1940, 1, 1) + dt.timedelta(days=rnd.randrange(0, 23000)),
                   f"08{rnd.randrange(0, 999):03d}"])
    wb.save(path)


def populate(db: Database, xlsx: Path, session: bool) -> tuple[object, float]:
    with db.write() as s:
        sid = sessions.create_session(s, title="Bench", starts_at=dt.datetime(2026, 11, 23, 18, tzinfo=dt.timezone.utc)).id
        sessions.open_session(s, sid)  # check-in happens only in an open session
    t0 = time.perf_counter()
    table = read_table(xlsx)
    with db.write() as s:
        plan = participants.preview(s, table, session_id=sid if session else None)
        participants.commit(s, plan, accept_warnings=True)
    return sid, time.perf_counter() - t0


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="p311bench-"))
    x50 = tmp / "50k.xlsx"
    x20 = tmp / "20k.xlsx"
    make_xlsx(x50, 50_000)
    make_xlsx(x20, 20_000, seed=2)

    # --- import of 50,000 rows: bare reads, then read + validate + write ---------------------
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    CalamineWorkbook.from_path(str(x50)).get_sheet_by_index(0).to_python()
    t_calamine = time.perf_counter() - t0
    from openpyxl import load_workbook

    t0 = time.perf_counter()
    wb = load_workbook(x50, read_only=True)
    for _row in wb.active.iter_rows(values_only=True):
        pass
    wb.close()
    t_openpyxl = time.perf_counter() - t0

    imports = []
    for run in range(3):
        db = Database(tmp / f"import{run}.db")
        _sid, elapsed = populate(db, x50, session=False)
        imports.append(elapsed)
        db.close()
    t_import = statistics.median(imports)
    db = Database(tmp / "import_session.db")
    _sid, t_import_session = populate(db, x50, session=True)
    db.close()
    print(f"import 50,000 rows XLSX into the registry (read+validate+write), median of 3: {t_import:.2f} s (goal ≤ 1.5 s)")
    print(f"  same, also registering all 50,000 for a session: {t_import_session:.2f} s")
    print(f"  bare python-calamine read: {t_calamine:.2f} s; openpyxl read-only read: {t_openpyxl:.2f} s")

    # --- check-in on 20,000 participants ------------------------------------------------------
    db = Database(tmp / "checkin.db")
    sid, _t = populate(db, x20, session=True)
    with db.read() as s:
        from sqlalchemy import select

        from p311desk.models import Participant

        all_codes = list(s.scalars(select(Participant.checkin_code)))
    rnd = random.Random(3)
    sample = rnd.sample(all_codes, 300)
    latencies = []
    kinds = {}
    for code in sample:
        scanned = code.lower() + "\n"  # what a keyboard-wedge scanner types
        t0 = time.perf_counter()
        with db.write() as s:
            result = attendance.check_in(s, sid, scanned)
        latencies.append((time.perf_counter() - t0) * 1000)
        kinds[result.kind] = kinds.get(result.kind, 0) + 1
    t_checkin = statistics.median(latencies)
    print(f"check-in scan→committed on 20,000 participants: median {t_checkin:.1f} ms, p95 {pct(latencies, 95):.1f} ms "
          f"(goal median ≤ 20 ms) {kinds}")
    db.close()

    # --- search as you type on 50,000 participants --------------------------------------------
    db = Database(tmp / "import0.db")
    t0 = time.perf_counter()
    with db.read() as s:
        index = attendance.build_index(s)
    t_build = time.perf_counter() - t0
    queries = ["marcel·li puig", "NURIA VILA", "persona4711", "alex serra", "laia gal·la c", "xyz no match"]
    keystrokes = []
    for q in queries:
        for n in range(1, len(q) + 1):
            t0 = time.perf_counter()
            index.search(q[:n])
            keystrokes.append((time.perf_counter() - t0) * 1000)
    t_search_med, t_search_p95 = statistics.median(keystrokes), pct(keystrokes, 95)
    print(f"search as you type on {len(index):,} participants: {len(keystrokes)} keystrokes, "
          f"median {t_search_med:.1f} ms, p95 {t_search_p95:.1f} ms, max {max(keystrokes):.1f} ms (goal ≤ 30 ms); "
          f"index built once in {t_build:.2f} s")
    db.close()
    print(f"SUMMARY checkin median {t_checkin:.1f} ms (≤20) | search median {t_search_med:.1f} ms p95 {t_search_p95:.1f} ms (≤30) | "
          f"import 50k XLSX {t_import:.2f} s (≤1.5; with session {t_import_session:.2f} s) | bare calamine {t_calamine:.2f} s "
          f"(import = {t_import / t_calamine:.1f}× the bare read, same run; goal ≤ 3×) | "
          f"openpyxl read-only {t_openpyxl:.2f} s")


if __name__ == "__main__":
    main()
