"""Every Decidim line end to end through ``p311desk-cli`` against the fake: platforms add → sync
login → pull → sessions link → proposals → close → push → (files → the administrator's upload →)
reconcile, and nothing created twice. 0.27, 0.28 and 0.30 write by file (the 0.30 file carries
both classification columns); 0.32 creates by API. The CLI's ``proposals export`` writes the same
bytes as the push for the same session and line."""

from __future__ import annotations

import json
import re

import pytest

from sync.fake_decidim import API_KEY, API_SECRET, USER_EMAIL, USER_PASSWORD, start
from sync.fake_decidim.writes import admin_close_meeting, admin_import_proposals
from tests.sync.conftest import memory_keyring  # noqa: F401 - the fixture: never the real keyring
from tests.sync.test_cli import run

TITLES = ("Bancs nous a la plaça Major, a l'ombra", "Més arbres al carrer de l'Escola Nova")


@pytest.mark.slow
@pytest.mark.parametrize("line", ["0.27", "0.28", "0.30", "0.32"])
def test_a_session_reaches_the_platform_on_every_line(tmp_path, capsys, monkeypatch, memory_keyring, line):
    with start(line, proposals=10) as fake:
        data = tmp_path / "data"
        code, out, err = run(capsys, "platforms", "add", "Vilaprova", fake.url, data_dir=data)
        assert code == 0, err
        assert {"0.27": "Decidim 0.26–0.27 line", "0.28": "Decidim 0.28–0.29 line", "0.30": "Decidim 0.30 line",
                "0.32": "Decidim 0.31+ line"}[line] in out
        login = ("--api-key", API_KEY) if line == "0.32" else ("--email", USER_EMAIL)
        secret = API_SECRET if line == "0.32" else USER_PASSWORD
        code, out, err = run(capsys, "sync", "login", "Vilaprova", *login, data_dir=data, secret=secret,
                             monkeypatch=monkeypatch)
        assert code == 0, err
        code, out, err = run(capsys, "sync", "pull", data_dir=data, monkeypatch=monkeypatch)
        assert code == 0 and "Proposals:" in out, err
        code, out, _ = run(capsys, "platforms", "list", "--json", data_dir=data)
        assert json.loads(out)[0]["capabilities"]["default_locale"] == "ca"  # every title has Catalan
        code, out, _ = run(capsys, "sessions", "create", "Trobada de barri", "--language", "es", data_dir=data)
        session = out.strip().split()[-1][:8]
        assert run(capsys, "sessions", "link", session, "--platform", "Vilaprova", "--component", "11",
                   "--meeting", "502", data_dir=data)[0] == 0
        assert run(capsys, "sessions", "open", session, data_dir=data)[0] == 0
        for title in TITLES:
            code, out, err = run(capsys, "proposals", "add", session, title, "--body", "Dita a la sala.",
                                 data_dir=data)
            assert code == 0, err
        # The CLI's file, before the push, for this session and line (default: the platform's line).
        export = tmp_path / "export.csv"
        assert run(capsys, "proposals", "export", session, str(export), "--format", "decidim-csv",
                   data_dir=data)[0] == 0
        assert run(capsys, "sessions", "close", session, data_dir=data)[0] == 0
        out_dir = tmp_path / "for-admin"
        code, out, err = run(capsys, "sync", "push", "Vilaprova", "--files-dir", str(out_dir), data_dir=data,
                             monkeypatch=monkeypatch)
        assert code == 0, out + err
        sent, found, waiting = (int(x) for x in re.search(r"(\d+) sent, (\d+) found already there, (\d+) waiting",
                                                           out).groups())
        if line == "0.32":
            assert sent + found == 3 and waiting == 0 and fake.store.meetings["502"].closed
        else:
            assert sent == 0 and waiting == 3, out
            written = out_dir / "proposals-import.csv"
            assert written.read_bytes() == export.read_bytes()  # same bytes as `proposals export`
            header = written.read_text(encoding="utf-8").splitlines()[0].split(";")
            # The organisation's default language first (Decidim refuses a file without it), then the session's.
            assert header[:4] == ["title/ca", "body/ca", "title/es", "body/es"]
            assert ("category/id" in header) == (line != "0.32")
            assert ("taxonomies/ids" in header) == (line == "0.30")
            created = admin_import_proposals(fake.store, "11", written)
            report = (out_dir / "closing-report-es.txt").read_text(encoding="utf-8")
            admin_close_meeting(fake.store, "502", {"es": report}, 0, created)
            code, out, err = run(capsys, "sync", "reconcile", "Vilaprova", "--session", session, data_dir=data,
                                 monkeypatch=monkeypatch)
            assert code == 0 and "2 proposals found" in out and "closed" in out, out + err
        assert sum(1 for p in fake.store.proposals.values() if set(p.title.values()) & set(TITLES)) == 2
        before = list(fake.store.writes)
        code, out, _ = run(capsys, "sync", "push", "Vilaprova", "--json", "--files-dir", str(tmp_path / "again"),
                           data_dir=data, monkeypatch=monkeypatch)
        assert json.loads(out)["files"] == [] and fake.store.writes == before  # nothing twice
        code, out, _ = run(capsys, "sync", "status", "--json", data_dir=data)
        assert list(json.loads(out)[0]["sessions"].values()) == [{"sent": 3}]
