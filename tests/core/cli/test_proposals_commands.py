"""``p311desk-cli proposals``: add, list, supports, merge, export, import (report, --yes)."""

import io
from pathlib import Path

import pytest

from p311desk.cli import main

SAMPLES = Path(__file__).parents[2] / "fixtures" / "decidim"  # copies of Decidim's samples


def run(tmp_path, capsys, *argv):
    code = main(["--data-dir", str(tmp_path / "data"), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def session(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, "sessions", "create", "Assemblea de prova")
    assert code == 0
    sid = out.strip().rsplit(" ", 1)[1][:8]
    assert run(tmp_path, capsys, "sessions", "open", sid)[0] == 0
    return sid


def test_add_list_supports_merge(tmp_path, capsys, session):
    code, out, _ = run(tmp_path, capsys, "proposals", "add", session, "Més bancs a la plaça Major",
                       "--author", "Taula 3", "--paper-form", "F-1", "--supports", "4")
    assert code == 0 and "Proposal added" in out
    code, _, err = run(tmp_path, capsys, "proposals", "add", session, "Més bancs a la plaça Nova",
                       "--paper-form", "F-1")
    assert code == 1 and "F-1" in err
    assert run(tmp_path, capsys, "proposals", "add", session, "Més bancs a la plaça Nova",
               "--paper-form", "F-1", "--force", "--supports", "2")[0] == 0
    code, _, err = run(tmp_path, capsys, "proposals", "add", session, "Curt")
    assert code == 1 and "too short" in err
    code, out, _ = run(tmp_path, capsys, "proposals", "supports", "F-1", "+1")
    assert code == 1  # two proposals carry form F-1: ambiguous
    code, out, _ = run(tmp_path, capsys, "proposals", "list", session, "--ranked")
    lines = out.strip().splitlines()
    assert "Major" in lines[0] and "Nova" in lines[1]
    first, second = lines[0].split()[1], lines[1].split()[1]
    assert run(tmp_path, capsys, "proposals", "supports", second, "10")[0] == 0
    code, out, _ = run(tmp_path, capsys, "proposals", "merge", first, second)
    assert code == 0 and "14 supports" in out
    code, out, _ = run(tmp_path, capsys, "proposals", "list", session)
    assert "merged" in out


def test_export_then_import_with_report(tmp_path, capsys, session):
    run(tmp_path, capsys, "proposals", "add", session, "Més bancs a la plaça Major")
    out_file = tmp_path / "p.xlsx"
    assert run(tmp_path, capsys, "proposals", "export", session, str(out_file))[0] == 0
    dec = tmp_path / "d.csv"
    code, out, _ = run(tmp_path, capsys, "proposals", "export", session, str(dec), "--format",
                       "decidim-csv", "--decidim-version", "0.32")
    assert code == 0 and dec.read_text(encoding="utf-8").startswith("title/ca;body/ca;taxonomies/ids;")
    code, out, _ = run(tmp_path, capsys, "sessions", "create", "Una altra")
    other = out.strip().rsplit(" ", 1)[1][:8]
    run(tmp_path, capsys, "sessions", "open", other)
    code, out, _ = run(tmp_path, capsys, "proposals", "import", str(dec), "--session", other)
    assert code == 0 and "--yes" in out
    code, out, _ = run(tmp_path, capsys, "proposals", "list", other)
    assert "No proposals." in out
    code, out, _ = run(tmp_path, capsys, "proposals", "import", str(dec), "--session", other, "--yes")
    assert code == 0 and "1 new" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("title/ca;body/ca\nMassa curt;x\nAquesta sí que és prou llarga;x\n", encoding="utf-8")
    code, out, _ = run(tmp_path, capsys, "proposals", "import", str(bad), "--session", other, "--yes")
    assert code == 1 and "error" in out and "Nothing was imported" in out
    code, out, _ = run(tmp_path, capsys, "proposals", "list", other)
    assert "prou llarga" not in out


def test_import_decidim_export(tmp_path, capsys, session):
    sample = str(SAMPLES / "proposals_export.0.32.csv")
    code, out, _ = run(tmp_path, capsys, "proposals", "import", sample, "--session", session, "--yes")
    assert code == 0 and "2 new" in out
    code, out, _ = run(tmp_path, capsys, "proposals", "import", sample, "--session", session, "--yes")
    assert code == 0 and "2 updated" in out
    code, out, _ = run(tmp_path, capsys, "proposals", "list", session, "--ranked")
    assert "VP-PROP-2025-05-101" in out.splitlines()[0]
