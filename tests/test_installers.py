"""The frozen builds' entry script picks the program by the name it was started by."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

LAUNCHER = Path(__file__).resolve().parents[1] / "installers" / "launcher.py"


@pytest.fixture()
def launcher():
    spec = importlib.util.spec_from_file_location("p311desk_launcher", LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines wants_cli; runs nothing (not __main__)
    return module


@pytest.mark.parametrize(("argv0", "executable", "cli"), [
    ("/home/t/.local/bin/p311desk-cli", "/home/t/.local/opt/p311desk/p311desk", True),  # Linux symlink
    ("p311desk-cli", "/Applications/p311desk.app/Contents/MacOS/p311desk", True),
    (r"C:\Users\t\AppData\Local\Programs\p311desk\p311desk-cli.exe",
     r"C:\Users\t\AppData\Local\Programs\p311desk\p311desk-cli.exe", True),
    ("P311DESK-CLI.EXE", "P311DESK-CLI.EXE", True),
    ("/home/t/.local/bin/p311desk", "/home/t/.local/opt/p311desk/p311desk", False),
    (r"C:\Programs\p311desk\p311desk.exe", r"C:\Programs\p311desk\p311desk.exe", False),
    ("", "/opt/p311desk/p311desk", False),
])
def test_the_name_picks_the_program(launcher, monkeypatch, argv0, executable, cli):
    monkeypatch.setattr(sys, "argv", [argv0, "--help"])
    monkeypatch.setattr(sys, "executable", executable)
    assert launcher.wants_cli() is cli
