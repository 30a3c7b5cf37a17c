"""The core and the sync engine never import Qt; the core never touches the network or ui/sync."""

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def __init__(self, names): self.names = names
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in self.names:
            raise ImportError(f'forbidden import: {{name}}')
sys.meta_path.insert(0, Block({blocked!r}))
import pkgutil, importlib
pkg = importlib.import_module({package!r})
names = [pkg.__name__]
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
    if '.migrations' in info.name or info.name.endswith('__main__'):
        continue
    importlib.import_module(info.name)
    names.append(info.name)
print(len(names))
"""


def _import_all(package: str, blocked: set[str]) -> int:
    code = BLOCKER.format(blocked=sorted(blocked), package=package)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stdout.strip().splitlines()[-1])


def test_core_imports_without_qt_network_ui_or_sync():
    assert _import_all("p311desk", {"PySide6", "shiboken6", "ui", "sync", "requests", "keyring", "urllib3"}) > 5


def test_sync_imports_without_qt_or_ui():
    assert _import_all("sync", {"PySide6", "shiboken6", "ui"}) >= 1


def test_import_linter_contracts():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]


def test_startup_does_not_import_heavy_libraries():
    code = ("import sys; import ui.main_window, ui.app, p311desk.db, p311desk.sessions;"
            "heavy=[m for m in ('pandas','openpyxl','reportlab','python_calamine','alembic') if m in sys.modules];"
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
