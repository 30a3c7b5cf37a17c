"""Benchmark of accountability sessions.

Presentation part: a plan of N actions (default 300) under 10 objectives on the room display's
view at 1024×768, offscreen; each → switches objective (or page of a long one) and the view
is painted (``repaint``: the whole paint, synchronously). Prints the median and worst switch
in ms (goal ≤ 50 ms). Anchor, measured in the same run: painting a blank QWidget of the same
size, i.e. what any repaint costs on this machine.

Pull part: the fake Decidim (0.32 profile) serves an accountability component with R results
(default 2,000: an objective for every 20, its actions as children); ``sync pull --component``
brings them into a fresh database. Prints results/s and the requests made against the minimum
(the sign-in, the spaces query, the pages of the space's meetings and ⌈R / 50⌉ pages of
results), goal ≤ 1.1×. Anchor, measured in the same run: paging through the same results with
the client alone (no database).

    .venv/bin/python bench/accountability.py [--actions 300] [--results 2000] [--part present|pull|all]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def big_plan(n: int, objectives: int, folder: Path):
    from p311desk import accountability
    from p311desk.db import Database

    db = Database(folder / "plan.db")
    try:
        results = [accountability.RemoteResult(str(o + 1), None, {"ca": f"Objectiu estratègic número {o + 1}"})
                   for o in range(objectives)]
        results += [accountability.RemoteResult(str(1000 + i), str(i % objectives + 1),
                                                {"ca": f"Actuació {i}: una actuació amb un títol força llarg del PAM"},
                                                progress=float(i % 101)) for i in range(n)]
        with db.write() as s:
            accountability.apply_results(s, "bench", "1", results)
        with db.read() as s:
            return accountability.plan_view(s, accountability.find_plan(s, None).id)
    finally:
        db.close()


def present(n: int) -> str:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QWidget

    from ui.room.accountability_view import AccountabilityView

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        plan = big_plan(n, 10, Path(tmp))
    view = AccountabilityView()
    view.resize(1024, 768)
    view.show()
    view.set_plan(plan)
    app.processEvents()
    times = []
    for _round in range(3):
        view.home()
        view.repaint()
        for _ in range(len(view.slides) - 1):
            t0 = time.perf_counter()
            view.handle_key(Qt.Key_Right)
            view.repaint()
            times.append((time.perf_counter() - t0) * 1000)
    blank = QWidget()
    blank.resize(1024, 768)
    blank.show()
    app.processEvents()
    anchor = []
    for _ in range(len(times)):
        t0 = time.perf_counter()
        blank.repaint()
        anchor.append((time.perf_counter() - t0) * 1000)
    med, worst = statistics.median(times), max(times)
    print(f"present: {n} actions, {len(view.slides)} slides, {len(times)} switches: median {med:.2f} ms, "
          f"worst {worst:.2f} ms (goal ≤ 50 ms); anchor blank repaint median {statistics.median(anchor):.2f} ms")
    return f"switch median {med:.2f} ms / worst {worst:.2f} ms for {n} actions (goal ≤ 50)"


def pull(n: int) -> str:
    import math

    from p311desk import spaces
    from p311desk.db import Database
    from sync.client import Credentials, DecidimClient
    from sync.fake_decidim import API_KEY, API_SECRET, start
    from sync.fake_decidim import accountability as fake_results
    from sync.pull import pull as sync_pull

    def client(url: str) -> DecidimClient:
        return DecidimClient(url, credentials=Credentials("api", API_KEY, API_SECRET), line="0.32",
                             timeout=(2.0, 5.0), backoff=(0.02, 0.2), attempts=8)

    fake = start("0.32", proposals=5, force_auth=True)
    try:
        fake_results.seed(fake.store, n)
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(Path(tmp) / "pull.db")
            with db.write() as s:
                spaces.add_platform(s, "Bench", fake.url, fake.url.split("://")[1], capabilities={"line": "0.32"})
            started = time.perf_counter()
            summary = sync_pull(db, "Bench", component=fake_results.COMPONENT_ID, client=client(fake.url))
            seconds = time.perf_counter() - started
            db.close()
        got = summary["accountability"]["new"]
        pages = math.ceil(n / 50)
        meeting_pages = math.ceil(len(fake.store.component_meetings("12")) / 50)
        minimum = pages + meeting_pages + 1 + 1
        ratio = summary["requests"] / minimum
        print(f"pull: {got} results in {seconds:.2f} s = {got / seconds:,.0f} results/s; {summary['requests']} "
              f"requests for a minimum of {minimum} ({pages} pages of results) = {ratio:.2f}x (goal ≤ 1.1x)")
        assert summary["complete"] and got == n
        c = client(fake.url)
        c.sign_in()
        started = time.perf_counter()
        count = sum(len(page) for page in c.pages("accountability_results", fake_results.COMPONENT_ID, "results"))
        anchor = time.perf_counter() - started
        c.close()
        print(f"anchor: paging {count} results with the client alone, no database: {anchor:.2f} s = "
              f"{count / anchor:,.0f} results/s")
    finally:
        fake.stop()
    return f"pull {got} results {ratio:.2f}x the minimal requests, {got / seconds:,.0f}/s (anchor {count / anchor:,.0f}/s)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--results", type=int, default=2000)
    parser.add_argument("--part", choices=("present", "pull", "all"), default="all")
    args = parser.parse_args()
    lines = []
    if args.part in ("present", "all"):
        lines.append(present(args.actions))
    if args.part in ("pull", "all"):
        lines.append(pull(args.results))
    print("accountability: " + "; ".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
