"""Cold start to first shown window, offscreen: p311desk vs a bare PySide6 QMainWindow.

Each run is a fresh interpreter; the time is wall clock from spawning it to the child reporting
that its window is shown and painted once. The p311desk run opens an existing demo database (the
demo is created once beforehand: first-start demo creation is not part of start-up).
Goal (issue #2): median ≤ 2× the bare start.

With ``--frozen DIST`` (a PyInstaller one-folder, installers/build-linux.sh) it also times the
built ``DIST/p311desk`` against the source in the same run, both through the same start-up probe
(``p311desk --startup-probe``: shown, then ready with the data), and reports the folder's size.
Goal (issue #19): frozen ≤ 1.2× the source start-up, ≤ 250 MB unpacked.

    PYTHONPATH=. python bench/startup.py [runs] [--frozen DIST]
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


def measure(code: str | list[str], *args: str) -> tuple[float, float | None]:
    """Seconds to the window shown, and (for the app) to the window filled from the database.
    ``code`` is Python source for a fresh interpreter, or a command (a built program)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "XDG_CONFIG_HOME": os.path.join(tempfile.gettempdir(), "p311desk-bench-config")}
    # A source install has its bytecode cached (pip compiles it): let the warm-up run write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = code if isinstance(code, list) else [sys.executable, "-c", code]
    t0 = time.perf_counter()
    proc = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env, cwd=ROOT)
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


PROBE = "import sys, main; sys.exit(main.gui_main(sys.argv[1:]))"


def folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def median_runs(values) -> str:
    return ", ".join(f"{x:.3f}" for x in values)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=5)
    parser.add_argument("--frozen", type=Path, help="a built one-folder (dist/p311desk) to time against the source")
    args = parser.parse_args()
    runs = args.runs
    frozen = None
    if args.frozen:
        frozen = args.frozen.resolve() / ("p311desk.exe" if sys.platform == "win32" else "p311desk")
        if not frozen.is_file():
            raise SystemExit(f"no built p311desk in {args.frozen}")
    with tempfile.TemporaryDirectory() as data:
        os.environ["P311DESK_CACHE_DIR"] = os.path.join(data, "cache")
        sys.path.insert(0, str(ROOT))
        from p311desk.db import open_database
        from p311desk.demo import create_demo

        db = open_database(data)
        create_demo(db)
        db.close()
        measure(APP, data)  # warm the OS file cache and compile the catalogs once
        if frozen is not None:
            probe = ["--startup-probe", "--data-dir", data, "--lang", "ca"]
            measure(PROBE, *probe)
            measure([str(frozen)], *probe)  # its first start also learns the migration heads
            source, built = [], []
            for _ in range(runs):  # interleaved: a busy moment of the machine hits both alike
                source.append(measure(PROBE, *probe))
                built.append(measure([str(frozen)], *probe))
        bare = [measure(BARE)[0] for _ in range(runs)]
        app = [measure(APP, data) for _ in range(runs)]
    b = statistics.median(bare)
    a = statistics.median(x[0] for x in app)
    r = statistics.median(x[1] for x in app)
    print(f"bare PySide6 QMainWindow shown:      median {b:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in bare)})")
    print(f"p311desk window shown:               median {a:.3f} s  (runs: {', '.join(f'{x[0]:.3f}' for x in app)})")
    print(f"p311desk ready (database open, data): median {r:.3f} s  (runs: {', '.join(f'{x[1]:.3f}' for x in app)})")
    if frozen is None:
        print(f"startup: shown {a:.3f} s vs bare {b:.3f} s = {a / b:.2f}x (goal <= 2.00x); ready with data {r:.3f} s")
        return
    print(f"startup: shown {a:.3f} s vs bare {b:.3f} s = {a / b:.2f}x (goal <= 2.00x); ready with data {r:.3f} s")
    ss, sr = statistics.median(x[0] for x in source), statistics.median(x[1] for x in source)
    fs, fr = statistics.median(x[0] for x in built), statistics.median(x[1] for x in built)
    size = folder_size(frozen.parent) / 1e6
    print(f"source (probe) shown:                median {ss:.3f} s  (runs: {median_runs(x[0] for x in source)})")
    print(f"frozen shown:                        median {fs:.3f} s  (runs: {median_runs(x[0] for x in built)})")
    print(f"source (probe) ready:                median {sr:.3f} s  (runs: {median_runs(x[1] for x in source)})")
    print(f"frozen ready:                        median {fr:.3f} s  (runs: {median_runs(x[1] for x in built)})")
    print(f"frozen startup: shown {fs:.3f} s vs source {ss:.3f} s = {fs / ss:.2f}x, ready {fr:.3f} s vs {sr:.3f} s = "
          f"{fr / sr:.2f}x (goal <= 1.20x); {frozen.parent} {size:.0f} MB unpacked (goal <= 250 MB)")


if __name__ == "__main__":
    main()
