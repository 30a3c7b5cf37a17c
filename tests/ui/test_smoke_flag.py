"""``p311desk --smoke`` (what installers/smoke.sh runs on a build) passes on a working app and
fails on an error in the log. Each run is a fresh process: the flag starts the real app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def smoke(tmp_path: Path, prelude: str = "", *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "P311DESK_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    code = f"import sys\n{prelude}\nimport main\nsys.exit(main.gui_main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "--smoke", "--data-dir", str(tmp_path / "data"), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=240)


def test_smoke_opens_the_demo_and_paints_every_page(tmp_path):
    from ui.main_window import PAGES

    result = smoke(tmp_path, "", "--lang", "ca")
    assert result.returncode == 0, result.stderr
    for page_id, _label, _target in PAGES:
        assert f"smoke: page {page_id} painted" in result.stdout
    assert "smoke: ok" in (tmp_path / "data" / "logs" / "p311desk.log").read_text(encoding="utf-8")


def test_smoke_fails_on_an_error_logged_by_a_page(tmp_path):
    prelude = (
        "import logging, ui.pages.votes as v\n"
        "_activate = v.VotesPage.activate\n"
        "def activate(self):\n"
        "    logging.getLogger('ui.pages.votes').error('the votes page broke')\n"
        "    _activate(self)\n"
        "v.VotesPage.activate = activate\n"
    )
    result = smoke(tmp_path, prelude)
    assert result.returncode == 1
    assert "smoke: FAILED: log ERROR: ui.pages.votes: the votes page broke" in result.stderr
    assert "smoke: page votes painted" not in result.stdout
    assert "smoke: FAILED" in (tmp_path / "data" / "logs" / "p311desk.log").read_text(encoding="utf-8")


def test_smoke_fails_when_a_worker_raises(tmp_path):
    prelude = (
        "import p311desk.demo as d\n"
        "def broken(db, **kw):\n"
        "    raise RuntimeError('demo broke')\n"
        "d.create_demo = broken\n"
    )
    result = smoke(tmp_path, prelude)
    assert result.returncode == 1
    assert "worker failed" in result.stderr
