"""Benchmark of accountability sessions.

Presentation part: a plan of N actions (default 300) under 10 objectives on the room display's
view at 1024×768, offscreen; each → switches objective (or page of a long one) and the view
is painted (``repaint``: the whole paint, synchronously). Prints the median and worst switch
in ms (goal ≤ 50 ms). Anchor, measured in the same run: painting a blank QWidget of the same
size, i.e. what any repaint costs on this machine.

    .venv/bin/python bench/accountability.py [--actions 300] [--part present|all]
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--part", choices=("present", "all"), default="all")
    args = parser.parse_args()
    lines = []
    if args.part in ("present", "all"):
        lines.append(present(args.actions))
    print("accountability: " + "; ".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
