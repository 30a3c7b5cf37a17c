"""The app finds what it ships through one frozen-aware function (``p311desk.paths.app_data``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from p311desk import paths

ROOT = Path(__file__).resolve().parents[2]


def test_source_tree_root_holds_the_shipped_data():
    assert paths.app_data() == ROOT
    assert (paths.app_data("p311desk", "migrations", "versions") / "0001_initial_schema.py").is_file()
    assert (paths.app_data("sync", "schemas") / "decidim-0.32.graphql").is_file()
    assert (paths.app_data("sync", "documents") / "who_am_i.graphql").is_file()
    assert (paths.resources_dir() / "fonts" / "DejaVuSans.ttf").is_file()
    assert list((paths.resources_dir() / "locale").glob("ca/*.po"))


def test_frozen_build_reads_from_the_bundle(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.app_data("sync", "schemas") == tmp_path / "sync" / "schemas"
    assert paths.resources_dir() == tmp_path / "resources"
    monkeypatch.delattr(sys, "_MEIPASS")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "p311desk"))
    assert paths.app_data("resources") == tmp_path / "bin" / "resources"


def test_no_file_arithmetic_outside_paths():
    """A module finding its data from ``__file__`` breaks in a build that lays files out
    differently; only ``p311desk/paths.py`` may decide."""
    offenders = []
    files = [ROOT / "main.py", *[p for pkg in ("p311desk", "sync", "ui", "resources")
                                  for p in (ROOT / pkg).rglob("*.py")]]
    for path in files:
        if path == ROOT / "p311desk" / "paths.py" or "__pycache__" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b__file__\b", line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "use p311desk.paths.app_data():\n" + "\n".join(offenders)
