"""Audit log benchmarks: what per-row state digests cost, and how long verification takes.

    PYTHONPATH=. .venv/bin/python bench/audit.py [N]

On a database with N participants (default 50,000) imported and registered for one session
(N participants + N registrations covered by one event), then 300 check-ins (one event each):
- the import's commit with state digests, next to the same import with digests switched off
  (the anchor, measured in the same run);
- a check-in's median latency with the audit log as it is;
- a full ``verify`` (every event's HMAC and every audited row's digest) and an incremental one.
- what anchoring the audit head costs a check-in, with the file key store and with the Secret
  Service (gnome-keyring under ``dbus-run-session``, run as a child of this script when both are
  installed): the key store round trip itself, and 300 check-ins anchored at every commit
  against the same check-ins at the anchoring pace (every ``ANCHOR_EVERY_EVENTS`` events or
  ``ANCHOR_EVERY_SECONDS`` seconds; always at backup, export, close and exit).
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


def anchor_cost(folder: Path, label: str, people: int = 400, checkins: int = 300) -> dict:
    """Per check-in anchoring cost on the key store in use (set up by the caller's environment)."""
    from sqlalchemy import select

    from p311desk import attendance, audit, keys, participants, sessions
    from p311desk.db import Database
    from p311desk.models import Participant

    trips_set, trips_get = [], []
    for i in range(100):
        t0 = time.perf_counter()
        keys.set_value("audit-head:bench-round-trip", f"{i}:{'0' * 64}")
        trips_set.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        keys.get_value("audit-head:bench-round-trip")
        trips_get.append(time.perf_counter() - t0)

    def door(every_commit: bool) -> list[float]:
        db = Database(folder / f"door-{label}-{every_commit}.db")
        with db.write() as s:
            sid = sessions.create_session(s, title="Porta").id
            sessions.open_session(s, sid)
            for i in range(people):
                person = participants.add_participant(s, given_name=f"Persona{i}", family_name="Vila")
                participants.register(s, sid, person.id)
        with db.read() as s:
            codes = list(s.scalars(select(Participant.checkin_code)))[:checkins]
        saved = audit.ANCHOR_EVERY_EVENTS, audit.ANCHOR_EVERY_SECONDS
        if every_commit:
            audit.ANCHOR_EVERY_EVENTS, audit.ANCHOR_EVERY_SECONDS = 1, 0.0
        lat = []
        spent = [0.0]
        real_set, real_get = keys.set_value, keys.get_value

        def timed(fn):
            def wrapper(*a, **k):
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    spent[0] += time.perf_counter() - t0
            return wrapper

        keys.set_value, keys.get_value = timed(real_set), timed(real_get)
        try:
            for code in codes:
                t0 = time.perf_counter()
                with db.write() as s:
                    attendance.check_in(s, sid, code)
                lat.append(time.perf_counter() - t0)
        finally:
            keys.set_value, keys.get_value = real_set, real_get
            audit.ANCHOR_EVERY_EVENTS, audit.ANCHOR_EVERY_SECONDS = saved
            db.close()
        return lat, spent[0] / len(codes)

    every, every_store = door(True)
    paced, paced_store = door(False)
    return {"backend": label, "set_ms": statistics.median(trips_set) * 1000,
            "get_ms": statistics.median(trips_get) * 1000,
            "every_ms": statistics.median(every) * 1000, "paced_ms": statistics.median(paced) * 1000,
            "every_store_ms": every_store * 1000, "paced_store_ms": paced_store * 1000}


def _secret_service_cost(folder: Path) -> dict | None:
    """Run :func:`anchor_cost` in a child under a private D-Bus session with gnome-keyring."""
    import json
    import shutil
    import subprocess

    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        return None
    script = ("echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
              f"exec {sys.executable} {Path(__file__).resolve()} --secret-service-child {folder}")
    env = {k: v for k, v in os.environ.items() if k != "P311DESK_KEY_DIR"}
    env["HOME"] = str(folder / "home")  # a throwaway login keyring
    (folder / "home").mkdir(exist_ok=True)
    out = subprocess.run(["dbus-run-session", "--", "sh", "-c", script], env=env, capture_output=True,
                         text=True, timeout=900)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    print("secret service run failed:", out.stderr[-800:])
    return None


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--secret-service-child":
        import json

        from p311desk import keys

        if not keys.backend_name().startswith("keyring"):
            raise SystemExit("no Secret Service in this session")
        print(json.dumps(anchor_cost(Path(sys.argv[2]), "secret-service")))
        return
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
    costs = [anchor_cost(folder, "file")]
    secret_service = _secret_service_cost(folder)
    if secret_service is not None:
        costs.append(secret_service)
    for c in costs:
        print(f"anchor on {c['backend']}: key store write {c['set_ms']:.1f} ms, read {c['get_ms']:.1f} ms (median of 100); "
              f"key store time per check-in {c['every_store_ms']:.1f} ms anchoring every commit, "
              f"{c['paced_store_ms']:.2f} ms at the pace (every {audit.ANCHOR_EVERY_EVENTS} events / "
              f"{audit.ANCHOR_EVERY_SECONDS:.0f} s); check-in median {c['every_ms']:.1f} vs {c['paced_ms']:.1f} ms")
    anchors = " ".join(f"anchor[{c['backend']}] every-commit={c['every_store_ms']:.1f}ms "
                       f"paced={c['paced_store_ms']:.2f}ms/check-in" for c in costs)
    print(f"SUMMARY audit n={n} import={t_import:.2f}s anchor={t_anchor:.2f}s "
          f"checkin_median={statistics.median(lat) * 1000:.1f}ms verify_full={t_full:.2f}s "
          f"verify_incremental={t_inc:.2f}s {anchors}")


if __name__ == "__main__":
    main()
