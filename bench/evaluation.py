"""Evaluation benchmarks: keying paper forms, and the results of a long series.

    .venv/bin/python bench/evaluation.py [--forms 500] [--answers 10000]

Goals (issue 18): 500 paper forms keyed through the CLI path (``evaluation answer SESSION 4 3 4 4
--form-id ID``: the command's own function on an open database, so what is timed is parsing the
digits, the checks, rewriting the ballot box, the commit with a full sync, and truncating the
write-ahead log) ≤ 5 ms each to commit; the results of a series holding 10,000 answers (its
trend and its free texts) ≤ 200 ms, and one session's results. Anchors measured in the same run:
a bare SQLite insert + commit (WAL, synchronous=FULL) in the same folder, an audited no-op write
(the kernel's floor for any audited change: the event, the commit, the anchored head), and a bare
``json.loads`` of the series' boxes. The last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from p311desk import evaluation, sessions  # noqa: E402
from p311desk.cli import CliContext  # noqa: E402
from p311desk.cli.evaluation_commands import cmd_answer  # noqa: E402
from p311desk.db import Database  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bench_keying(folder: Path, n: int) -> tuple[list[float], list[float]]:
    db = Database(folder / "p311desk.db")
    with db.write() as s:
        sid = sessions.create_session(s, title="Dijous GOmunicipal", series="Dijous GOmunicipal",
                                      starts_at=dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone.utc)).id
        sessions.open_session(s, sid)
        evaluation.attach_form(s, sid, "gomunicipal")
        ids = evaluation.issue_slips(s, sid, n)
    ctx = CliContext(data_dir=str(folder), out=io.StringIO(), _db=db)
    rnd = random.Random(18)
    times = []
    for form_id in ids:
        args = argparse.Namespace(session=str(sid)[:8], digits=[str(rnd.randint(1, 5)), str(rnd.randint(1, 5)),
                                                                str(rnd.randint(1, 4)), str(rnd.randint(1, 4))],
                                  form_id=form_id, text=["Més exemples"] if rnd.random() < 0.2 else [])
        t0 = time.perf_counter()
        assert cmd_answer(args, ctx) == 0
        times.append((time.perf_counter() - t0) * 1000)
    with db.read() as s:
        assert evaluation.get_form(s, sid).answers == n
    db.close()
    # anchor: a bare insert + commit with the same durability, in the same folder
    con = sqlite3.connect(folder / "anchor.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)")
    anchor = []
    for i in range(n):
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO t VALUES (?, ?)", (uuid.uuid4().hex, "[4, 3, 4, 4, null]"))
        con.execute("COMMIT")
        anchor.append((time.perf_counter() - t0) * 1000)
    con.close()
    # anchor: the kernel's floor for any audited write (one audit event: chain, commit, head anchor)
    from p311desk import audit

    db = Database(folder / "p311desk.db")
    audited = []
    for _i in range(min(n, 200)):
        t0 = time.perf_counter()
        with db.write() as s:
            audit.record(s, "bench.noop", payload={})
        audited.append((time.perf_counter() - t0) * 1000)
    db.close()
    return times, anchor, audited


def bench_series(folder: Path, total: int, per_session: int = 500) -> tuple[list[float], list[float], list[float], int]:
    """A series of sessions holding ``total`` answers. The boxes are filled in bulk (setup, not
    timed); the timed part is what the page, the CLI and the minutes read."""
    from p311desk.models import EvaluationBox, EvaluationForm

    db = Database(folder / "series.db")
    rnd = random.Random(7)
    n_sessions = max(1, total // per_session)
    with db.write() as s:
        sids = []
        for i in range(n_sessions):
            sid = sessions.create_session(s, title=f"Dijous GOmunicipal {i + 1}", series="Dijous GOmunicipal",
                                          starts_at=dt.datetime(2025, 1, 30, 10, tzinfo=dt.timezone.utc)
                                          + dt.timedelta(days=28 * i)).id
            sessions.open_session(s, sid)
            form = evaluation.attach_form(s, sid, "gomunicipal")
            answers = sorted(([uuid.uuid4().hex[:16], [rnd.randint(1, 5), rnd.randint(1, 5), rnd.randint(1, 4),
                                                       rnd.choice([None, 1, 2, 3, 4]),
                                                       "Proposta" if rnd.random() < 0.1 else None]]
                              for _ in range(per_session)), key=lambda a: a[0])
            box = s.get(EvaluationBox, form.id)
            box.answers, box.count = answers, len(answers)
            s.get(EvaluationForm, form.id).closed_at = dt.datetime.now(dt.timezone.utc)
            sids.append(sid)
    runs, anchor, single = [], [], []
    answers = 0
    for _ in range(7):
        t0 = time.perf_counter()
        with db.read() as s:  # the series' results: the trend chart and the proposals of the series
            tr = evaluation.trend(s, "Dijous GOmunicipal", "ca")
            evaluation.series_texts(s, "Dijous GOmunicipal", "ca")
        runs.append((time.perf_counter() - t0) * 1000)
        answers = tr.answers
        t0 = time.perf_counter()
        with db.read() as s:  # one session's results (the page, the minutes)
            evaluation.results(s, sids[-1], "ca")
        single.append((time.perf_counter() - t0) * 1000)
        raw = sqlite3.connect(folder / "series.db")
        t0 = time.perf_counter()
        for (blob,) in raw.execute("SELECT answers FROM evaluation_box"):
            json.loads(blob)
        anchor.append((time.perf_counter() - t0) * 1000)
        raw.close()
    db.close()
    return runs, anchor, single, answers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", type=int, default=500)
    ap.add_argument("--answers", type=int, default=10_000)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="p311desk-bench-eval-") as tmp:
        folder = Path(tmp)
        times, anchor, audited = bench_keying(folder, opts.forms)
        k_med, k_p95, k_max = statistics.median(times), pct(times, 95), max(times)
        a_med, w_med = statistics.median(anchor), statistics.median(audited)
        print(f"{opts.forms} paper forms keyed through the CLI path: median {k_med:.2f} ms, p95 {k_p95:.2f} ms, "
              f"max {k_max:.2f} ms per form (goal ≤ 5 ms); anchors: bare SQLite insert+commit (WAL, FULL) "
              f"median {a_med:.2f} ms, an audited no-op write (one audit event) median {w_med:.2f} ms")
        runs, janchor, single, answers = bench_series(folder, opts.answers)
        r_med, s_med = statistics.median(runs), statistics.median(single)
        print(f"results of a series of {answers:,} answers (trend + the series' free texts): median {r_med:.1f} ms, "
              f"max {max(runs):.1f} ms of 7 runs (goal ≤ 200 ms); one session's results median {s_med:.1f} ms; "
              f"anchor bare json.loads of the boxes {statistics.median(janchor):.1f} ms")
    print(f"SUMMARY keying median {k_med:.2f} ms p95 {k_p95:.2f} ms (≤5; bare commit {a_med:.2f} ms, audited no-op "
          f"{w_med:.2f} ms) | series of {answers:,} answers {r_med:.1f} ms (≤200; bare json "
          f"{statistics.median(janchor):.1f} ms) | one session {s_med:.1f} ms")


if __name__ == "__main__":
    main()
