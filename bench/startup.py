"""Cold start to first shown window, offscreen: p311desk vs a bare PySide6 QMainWindow.

Each run is a fresh interpreter; the time is wall clock from spawning it to the child reporting
that its window is shown and painted once. The p311desk run opens an existing demo database (the
demo is created once beforehand: first-start demo creation is not part of start-up).
Goal (issue #2): median ≤ 2× the bare start.

    PYTHONPATH=. python bench/startup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print("shown", flush=True)
"""

APP = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import ui.main_window as mw
show, attach = mw.MainWindow.show, mw.MainWindow.attach
def shown(self):
    show(self); QApplication.processEvents(); print("shown", flush=True)
def attached(self, ctx):
    attach(self, ctx); QApplication.processEvents(); print("ready", flush=True)
    QTimer.singleShot(0, self.close)
mw.MainWindow.show, mw.MainWindow.attach = shown, attached
from ui.app import run
run(data_dir=sys.argv[1], lang="ca")
"""


def measure(code: str, *args: str) -> tuple[float, float | None]:
    """Seconds to the window shown, and (for the app) to the window filled from the database."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "XDG_CONFIG_HOME": os.path.join(tempfile.gettempdir(), "p311desk-bench-config")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    line = proc.stdout.readline()
    shown = time.perf_counter() - t0
    ready = None
    if args:
        ready_line = proc.stdout.readline()
        ready = time.perf_counter() - t0
        if ready_line.strip() != "ready":
            raise SystemExit(f"child failed: {ready_line!r}")
    proc.wait(timeout=60)
    if line.strip() != "shown":
        raise SystemExit(f"child failed: {line!r}")
    return shown, ready


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as data:
        os.environ["P311DESK_CACHE_DIR"] = os.path.join(data, "cache")
        sys.path.insert(0, str(ROOT))
        from p311desk.db import open_database
        from p311desk.demo import create_demo

        db = open_database(data)
        create_demo(db)
        db.close()
        measure(APP, data)  # warm the OS file cache and compile the catalogs once
        bare = [measure(BARE)[0] for _ in range(runs)]
        app = [measure(APP, data) for _ in range(runs)]
    b = statistics.median(bare)
    a = statistics.median(x[0] for x in app)
    r = statistics.median(x[1] for x in app)
    print(f"bare PySide6 QMainWindow shown:      median {b:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in bare)})")
    print(f"p311desk window shown:               median {a:.3f} s  (runs: {', '.join(f'{x[0]:.3f}' for x in app)})")
    print(f"p311desk ready (database open, data): median {r:.3f} s  (runs: {', '.join(f'{x[1]:.3f}' for x in app)})")
    print(f"startup: shown {a:.3f} s vs bare {b:.3f} s = {a / b:.2f}x (goal <= 2.00x); ready with data {r:.3f} s")


if __name__ == "__main__":
    main()
