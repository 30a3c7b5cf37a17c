"""Pushing to the fake Decidim, both profiles: pull → capture offline → push; faults; a kill in
the middle; files → the fake's own import → reconcile → a second push sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from p311desk import attendance, outbox, participants, sessions, spaces
from p311desk import proposals as P
from p311desk.models import Proposal
from sync.fake_decidim import start
from sync.fake_decidim.writes import admin_close_meeting, admin_import_proposals
from sync.platforms import add_platform, login
from sync.pull import pull
from sync.push import push, reconcile, write_files
from tests.sync.conftest import credentials_for, fast_client

TITLES = ["Bancs nous a la plaça Major, a l'ombra", "Més arbres al carrer de l'Escola Nova",
          "Un carril bici fins al mercat del dijous", "Fonts d'aigua noves al parc del Riu"]


def factory(**kwargs):
    return lambda url, **kw: fast_client(url, **{**kw, **kwargs})


def room(db, fake, name="Vilaprova"):
    """Sign in, pull, link a session to component 11 and meeting 502, capture offline, close."""
    add_platform(db, name, fake.url, client_factory=factory())
    creds = credentials_for(fake.version)
    login(db, name, creds.method, creds.account, creds.secret, client_factory=factory())
    pull(db, client_factory=factory())
    with db.write() as s:
        info = sessions.create_session(s, title="Sessió de barri 2")
        host = spaces.get_platform(s, name).host
        sessions.update_session(s, info.id, **spaces.resolve_link(s, host, "11", "502"))
        sessions.open_session(s, info.id)
        for i, title in enumerate(TITLES):
            P.add_proposal(s, info.id, title=title, body=f"Recollida a la sala, taula {i + 1}.", supports=i)
        for n in range(3):
            p = participants.add_participant(s, given_name=f"Persona{n}", family_name="Prova",
                                             organisation="AV Nord" if n == 0 else None)
            attendance.check_in(s, info.id, p.id)
        sessions.close_session(s, info.id)
    return info.id


def on_server(fake) -> list[str]:
    return sorted(p.title.get("ca", "") for p in fake.store.proposals.values() if p.title.get("ca") in TITLES)


def states(db, sid) -> dict[str, int]:
    with db.read() as s:
        return outbox.counts_by_session(s).get(sid, {})


@pytest.fixture
def fake32():
    server = start("0.32", proposals=20)
    yield server
    server.stop()


@pytest.fixture
def fake27():
    server = start("0.27", proposals=20)
    yield server
    server.stop()


def test_push_by_api_creates_each_proposal_once_and_closes_the_meeting(db, fake32, tmp_path):
    sid = room(db, fake32)
    report = push(db, files_dir=tmp_path, client_factory=factory())
    # On a loaded machine a 0.3 s read timeout may strike: that answer is then found by looking.
    assert report.sent + report.found == 5 and not report.failed and not report.rejected, report
    assert on_server(fake32) == sorted(TITLES), fake32.store.writes
    meeting = fake32.store.meetings["502"]
    assert meeting.closed and meeting.attendees_count == 3
    assert sorted(meeting.proposal_ids) == sorted(pid for w, pid in fake32.store.writes if w == "createProposal")
    assert "3" in meeting.closing_report["ca"]
    assert states(db, sid) == {"sent": 5}
    again = push(db, files_dir=tmp_path, client_factory=factory())
    assert again.sent == 0 and [w for w, _ in fake32.store.writes].count("createProposal") == 4
    with db.read() as s:
        log = outbox.sync_log(s, session_id=sid)
    assert [e.event for e in log if e.operation == "close_meeting"][-2:] == ["sending", "sent"]


@pytest.mark.parametrize("fault", ["timeout", "500", "drop_after_write", "expired_token"])
def test_each_fault_ends_with_every_proposal_once_and_one_closure(db, fake32, tmp_path, fault):
    sid = room(db, fake32)
    fake32.faults = {fault: 0.35}
    fake32.fault_delay = 0.35
    report = None
    for _ in range(6):  # what a run leaves unknown or failed, the next run finishes
        report = push(db, files_dir=tmp_path, client_factory=factory(), attempts=6, wait=(0.01, 0.05))
        if states(db, sid) == {"sent": 5}:
            break
    assert states(db, sid) == {"sent": 5}, (report, states(db, sid))
    assert on_server(fake32) == sorted(TITLES)  # each exactly once
    assert [w for w, _ in fake32.store.writes].count("closeMeeting") == 1
    if fault != "expired_token":
        assert fake32.counts[f"fault:{fault}"] > 0


def test_a_push_killed_while_sending_creates_no_duplicate(db, fake32, tmp_path):
    sid = room(db, fake32)
    with db.read() as s:
        first = outbox.session_items(s, sid, operation="create_proposal")[0].id
    # The process dies after the server created the proposal and before the answer was stored:
    # the item stays "sending" in the database.
    with db.write() as s:
        outbox.begin_sending(s, first, {"document": "create_proposal", "variables": {
            "componentId": "11", "input": {"locale": "ca", "attributes": {
                "title": TITLES[0], "body": "Recollida a la sala, taula 1."}}}}, platform=fake32.url[7:])
    fake32.store.add_proposal("11", {"ca": TITLES[0]}, {"ca": "Recollida a la sala, taula 1."})
    report = push(db, files_dir=tmp_path, client_factory=factory())
    assert report.found >= 1 and report.sent + report.found == 5
    assert on_server(fake32) == sorted(TITLES)
    with db.read() as s:
        assert outbox.get(s, first).status == "sent"
        events = [e.event for e in outbox.sync_log(s, item_id=first)]
    assert events[-3:] == ["sending", "unknown", "sent"]


def test_old_platform_files_then_admin_import_then_reconcile_then_nothing_to_send(db, fake27, tmp_path):
    sid = room(db, fake27)
    report = push(db, files_dir=tmp_path / "out", client_factory=factory())
    assert report.sent == 0 and report.files and report.files[0].proposals == 4
    assert states(db, sid) == {"waiting_upload": 5}
    handed = report.files[0]
    # The administrator uploads the proposals file and closes the meeting with the report.
    created = admin_import_proposals(fake27.store, "11", handed.path("proposals"))
    assert len(created) == 4
    report_text = open(next(f.path for f in handed.files if f.path.endswith("closing-report-ca.txt")),
                       encoding="utf-8").read()
    admin_close_meeting(fake27.store, "502", {"ca": report_text}, 3, created)
    result = reconcile(db, None, sid, client_factory=factory())
    assert result.matched == 4 and result.meeting_closed and result.closures_done == 1
    assert states(db, sid) == {"sent": 5}
    before = list(fake27.store.writes)
    second = push(db, files_dir=tmp_path / "again", client_factory=factory())
    assert second.sent == 0 and not second.files and fake27.store.writes == before
    with db.read() as s:  # the pull matched the platform's copies to ours: no local duplicates
        mine = s.scalars(select(Proposal)).all()
        assert sorted(p.title.get("ca") for p in mine if p.title.get("ca") in TITLES) == sorted(TITLES)
    files = write_files(db, None, sid, tmp_path / "third")
    assert files.proposals == 0


def test_killing_the_push_process_and_pushing_again_creates_no_duplicate(tmp_path):
    """A real ``p311desk-cli sync push`` is killed (SIGKILL) while it sends; the next push finishes
    the job and every proposal is on the platform exactly once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from p311desk.db import open_database
    from sync.fake_decidim import API_SECRET, graph

    db = open_database(tmp_path / "data")
    with start("0.32", proposals=10) as fake:
        sid = room(db, fake)
        with db.write() as s:  # more proposals, so the kill lands in the middle
            sessions.open_session(s, sid)
            for i in range(30):
                P.add_proposal(s, sid, title=f"Proposta addicional número {i:03d}", body="Dita a la sala.")
            sessions.close_session(s, sid)
        original = graph.MUTATION_FIELDS["createProposal"]

        def slow(*args, **kwargs):  # the server takes its time, and so a kill finds it mid-push
            time.sleep(0.05)
            return original(*args, **kwargs)

        graph.MUTATION_FIELDS["createProposal"] = slow
        try:
            env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                   "P311DESK_SECRET": API_SECRET}
            root = Path(__file__).resolve().parents[2]
            proc = subprocess.Popen([sys.executable, "-c", "import sys; from main import cli_main; "
                                     "sys.exit(cli_main(sys.argv[1:]))", "--data-dir", str(tmp_path / "data"),
                                     "sync", "push"], cwd=root, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            deadline = time.monotonic() + 60
            while len(fake.store.writes) < 8 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            graph.MUTATION_FIELDS["createProposal"] = original
        created_before = len(fake.store.writes)
        assert 8 <= created_before < 35, proc.stdout.read()
        report = push(db, files_dir=tmp_path, client_factory=factory())
        assert not report.failed and not report.rejected
    mine = [p.title["ca"] for p in fake.store.proposals.values()
            if p.title.get("ca") in TITLES or p.title.get("ca", "").startswith("Proposta addicional")]
    assert len(mine) == len(set(mine)) == 34
    assert states(db, sid) == {"sent": 35, "superseded": 1}  # the closure before the reopening
    db.close()


def test_cancel_stops_between_items_and_leaves_every_item_with_a_state(db, fake32, tmp_path):
    import threading

    sid = room(db, fake32)
    cancel = threading.Event()
    seen = []

    def progress(done, total, message=""):
        seen.append(done)
        if done >= 2:
            cancel.set()

    report = push(db, files_dir=tmp_path, client_factory=factory(), progress=progress, cancel=cancel)
    assert report.cancelled and report.sent + report.found == 2
    counts = states(db, sid)
    assert counts.get("sent") == 2 and counts.get("pending") == 3 and "sending" not in counts
    rest = push(db, files_dir=tmp_path, client_factory=factory())
    assert rest.sent + rest.found == 3 and states(db, sid) == {"sent": 5}
    assert on_server(fake32) == sorted(TITLES)
