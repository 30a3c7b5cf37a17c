"""Our proposals import files fed to Decidim's own admin import code (readers, Importer,
ProposalsVerifier, ProposalCreator) on Debian's ruby + ruby-activemodel with stubbed models:
``tools/decidim_import_check.rb``. Decidim's sources are not part of this repository: set
``DECIDIM_SOURCES`` to a Decidim checkout (e.g. of the line's release branch) to run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from p311desk import proposals as P
from p311desk import sessions

ROOT = Path(__file__).resolve().parents[2]
SOURCES = os.environ.get("DECIDIM_SOURCES")
pytestmark = pytest.mark.skipif(not (SOURCES and shutil.which("ruby")),
                                reason="needs DECIDIM_SOURCES (a Decidim checkout) and ruby + ruby-activemodel")


def check(path: Path, default="ca", locales="ca,es") -> dict:
    run = subprocess.run(["ruby", str(ROOT / "tools" / "decidim_import_check.rb"), SOURCES, str(path), default,
                          locales], capture_output=True, text=True, timeout=60)
    assert run.stdout, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("fmt", ["decidim-csv", "decidim-json"])
def test_decidims_importer_reads_our_file_with_the_default_language_first(db, tmp_path, fmt):
    with db.write() as s:
        sid = sessions.create_session(s, title="Taller", language="es").id
        sessions.open_session(s, sid)
        P.add_proposal(s, sid, title="Bancos a la sombra & fuentes", body='Corto; con "comillas"')
        P.add_proposal(s, sid, title="Un carril bici hasta la estación")
    ext = fmt.split("-")[1]
    with db.read() as s:
        P.export_session(s, sid, tmp_path / f"ok.{ext}", fmt, decidim_version="0.32", locales=["ca", "es"])
        P.export_session(s, sid, tmp_path / f"es.{ext}", fmt, decidim_version="0.32", locales=["es"])
    got = check(tmp_path / f"ok.{ext}")
    assert got["ok"], got["errors"]
    assert [p["title"]["ca"] for p in got["proposals"]] == ["Bancos a la sombra & fuentes",
                                                           "Un carril bici hasta la estación"]
    assert got["proposals"][0]["body"]["es"] == 'Corto; con "comillas"'
    refused = check(tmp_path / f"es.{ext}")
    assert not refused["ok"] and "Missing headers: title/ca and body/ca" in refused["errors"][0]
