"""A push that survives real life — each reproduction of issue 20 §6 and the comments of §7:
restore then push; two pushes at once; no keyring; an expired or revoked sign-in; the look after a
lost answer against sanitised text; credentials in an address; server messages in the user's
language; comments on every line, never twice."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from p311desk import outbox, sessions, spaces
from p311desk import proposals as P
from p311desk.db import Database
from p311desk.i18n import current_language, set_language
from sync.fake_decidim import API_KEY, API_SECRET, start
from sync.messages import explain
from sync.platforms import add_platform, login
from sync.push import PushRunning, push, push_lock
from tests.sync.conftest import credentials_for
from tests.sync.test_cli import run
from tests.sync.test_push import TITLES, factory, on_server, room, states


@pytest.fixture
def fake32():
    server = start("0.32", proposals=20)
    yield server
    server.stop()


def _copy_db(db: Database, target) -> Database:
    """A consistent copy of the database file, as a backup is."""
    src = sqlite3.connect(db.path)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return Database(target)


def signed_client(db, fake):
    """A client signed in before faults are switched on (drop_after_write strikes sign-ins too)."""
    from sync.platforms import client_for

    with db.read() as s:
        info = spaces.get_platform(s, None)
    client = client_for(info, credentials_for(fake.version), factory())
    client.sign_in()
    return client


def test_restore_then_push_sends_nothing_a_second_time(db, fake32, tmp_path):
    sid = room(db, fake32)
    backup = _copy_db(db, tmp_path / "backup.db")  # the backup: every item still pending
    report = push(db, files_dir=tmp_path, client_factory=factory())
    assert report.sent + report.found == 5 and on_server(fake32) == sorted(TITLES)
    creates = [w for w in fake32.store.writes if w[0] == "createProposal"]
    # Restore: the backup comes back; what was not sent in it may have been sent since.
    with backup.write() as s:
        assert outbox.mark_unknown_after_restore(s) == 5  # 4 proposals and the closure
    again = push(backup, files_dir=tmp_path, client_factory=factory())
    assert again.found == 5 and again.sent == 0, again
    assert [w for w in fake32.store.writes if w[0] == "createProposal"] == creates  # none twice
    assert on_server(fake32) == sorted(TITLES)
    assert states(backup, sid) == {"sent": 5}
    backup.close()


def test_restore_then_push_on_a_file_line_looks_before_writing_the_file_again(db, tmp_path):
    from sync.fake_decidim.writes import admin_import_proposals

    with start("0.30", proposals=10) as fake:
        sid = room(db, fake)
        backup = _copy_db(db, tmp_path / "backup.db")
        push(db, files_dir=tmp_path / "a", client_factory=factory())
        admin_import_proposals(fake.store, "11", tmp_path / "a" / "proposals-import.csv")
        with backup.write() as s:
            assert outbox.mark_unknown_after_restore(s) == 5
        report = push(backup, files_dir=tmp_path / "b", client_factory=factory())
        assert report.found == 4, report  # the uploaded proposals are found, not written again
        assert not (tmp_path / "b" / "proposals-import.csv").exists()
        with backup.read() as s:
            closure = outbox.session_items(s, sid, operation="close_meeting")[-1]
        assert closure.status == "waiting_upload"  # the meeting is not closed there: it goes into the files
        backup.close()


def test_two_pushes_at_once_the_second_says_a_push_is_running(fake32, tmp_path, capsys, monkeypatch):
    from p311desk.db import open_database

    db = open_database(tmp_path / "data")
    room(db, fake32)
    with push_lock(db):  # another window (or the command line) is pushing
        with pytest.raises(PushRunning) as err:
            push(db, files_dir=tmp_path, client_factory=factory())
        assert "A push is already running" in err.value.message()
        code, out, errtext = run(capsys, "sync", "push", data_dir=tmp_path / "data", secret=API_SECRET,
                                 monkeypatch=monkeypatch)
        assert code == 1 and "A push is already running" in errtext
        assert fake32.store.writes == []
    assert push(db, files_dir=tmp_path, client_factory=factory()).sent == 5  # free again
    db.close()


def test_without_a_keyring_login_records_the_account_and_a_push_signs_in_with_the_environment(
        tmp_path, capsys, monkeypatch, no_keyring, fake32):
    data = tmp_path / "data"
    assert run(capsys, "platforms", "add", "Vilaprova", fake32.url, data_dir=data)[0] == 0
    code, out, err = run(capsys, "sync", "login", "Vilaprova", "--api-key", API_KEY, data_dir=data,
                         secret=API_SECRET, monkeypatch=monkeypatch)
    assert code == 0 and "no keyring" in err
    code, out, _ = run(capsys, "platforms", "list", "--json", data_dir=data)
    assert __import__("json").loads(out)[0]["account"] == API_KEY  # recorded, the secret is not
    assert run(capsys, "sync", "pull", data_dir=data, secret=API_SECRET, monkeypatch=monkeypatch)[0] == 0
    code, out, _ = run(capsys, "sessions", "create", "Trobada", data_dir=data)
    sid = out.strip().split()[-1][:8]
    run(capsys, "sessions", "link", sid, "--component", "11", data_dir=data)
    run(capsys, "sessions", "open", sid, data_dir=data)
    run(capsys, "proposals", "add", sid, TITLES[0], data_dir=data)
    # Anonymous: stopped with a sentence, nothing marked refused.
    code, out, err = run(capsys, "sync", "push", data_dir=data, monkeypatch=monkeypatch)
    assert code == 1 and "Sign in to" in err and "0 refused" in out, out + err
    code, out, _ = run(capsys, "sync", "status", "--json", data_dir=data)
    assert list(__import__("json").loads(out)[0]["sessions"].values()) == [{"pending": 1}]
    code, out, err = run(capsys, "sync", "push", data_dir=data, secret=API_SECRET, monkeypatch=monkeypatch)
    assert code == 0 and "1 sent" in out, out + err


def test_an_expired_or_revoked_sign_in_is_not_a_refusal(db, fake32, tmp_path):
    sid = room(db, fake32)
    fake32.store.api_users[API_KEY]["secret"] = "revoked"  # revoked on the platform
    fake32.expire_all()
    report = push(db, files_dir=tmp_path, client_factory=factory())
    assert report.sign_in_needed and "sign in again" in report.stopped
    assert report.rejected == 0 and states(db, sid) == {"pending": 5}  # the queue is kept
    fake32.store.api_users[API_KEY]["secret"] = API_SECRET  # fixed: signed in again
    creds = credentials_for("0.32")
    login(db, None, creds.method, creds.account, creds.secret, client_factory=factory())
    assert push(db, files_dir=tmp_path, client_factory=factory()).sent == 5
    assert states(db, sid) == {"sent": 5}


def test_the_look_after_a_lost_answer_matches_the_platforms_sanitised_text(db, fake32, tmp_path):
    sid = room(db, fake32)
    with db.write() as s:
        sessions.open_session(s, sid)
        P.add_proposal(s, sid, title="Voreres & passos   de vianants segurs",
                       body="Primer: més llum.\n\nSegon: <menys> cotxes & soroll.")
    client = signed_client(db, fake32)
    fake32.faults = {"drop_after_write": 1.0}  # every answer to a write is lost
    first = push(db, files_dir=tmp_path, client=client, attempts=1)
    client.close()
    fake32.faults = {}
    second = push(db, files_dir=tmp_path, client_factory=factory())
    # Every answer was lost: each proposal is found by looking (in the same push or the next), none resent.
    assert first.sent + second.sent == 0 and first.found + second.found == 5, (first, second)
    assert not first.rejected and not second.rejected
    stored = next(p for p in fake32.store.proposals.values() if p.title.get("ca", "").startswith("Voreres"))
    assert stored.body["ca"].startswith("<p>Primer") and "&amp;" in stored.body["ca"]  # sanitised there
    mine = [p.title.get("ca") for p in fake32.store.proposals.values()
            if p.title.get("ca") in TITLES or p.title.get("ca", "").startswith("Voreres")]
    assert len(mine) == len(set(mine)) == 5  # nothing created twice


def test_credentials_in_an_address_are_refused_and_never_stored(tmp_path, capsys):
    data = tmp_path / "data"
    code, out, err = run(capsys, "platforms", "add", "X", "https://tecnica:Secret-311@participa.example", data_dir=data)
    assert code == 1 and "user name and password" in err and "Secret-311" not in out + err
    raw = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert b"Secret-311" not in raw


def test_server_messages_in_the_users_language_where_known():
    before = current_language()
    set_language("ca")
    try:
        assert "títol" in explain("Title is too short or too long (5 characters)")
        assert explain("Something only this fork says") == "la plataforma ha dit: «Something only this fork says»"
    finally:
        set_language(before)
    assert "already closed" in explain("The meeting is already closed")


def test_a_refused_item_is_retried_once_the_cause_is_fixed(fake32, tmp_path, capsys, monkeypatch):
    from p311desk.db import open_database

    db = open_database(tmp_path / "data")
    room(db, fake32)
    report = push(db, files_dir=tmp_path, client_factory=factory())
    assert report.sent == 5
    with db.write() as s:
        item = outbox.enqueue_comment(s, "Decidim::Proposals::Proposal", "999999", "Quan es farà?", "ca")
    refused = push(db, files_dir=tmp_path, client_factory=factory())
    assert refused.rejected == 1 and "no longer exists" in refused.messages[0], refused
    with db.read() as s:
        assert outbox.get(s, item.id).status == "rejected"
    code, out, err = run(capsys, "sync", "retry", str(item.id)[:8], data_dir=tmp_path / "data")
    assert code == 0 and "1 item queued again" in out, err
    with db.read() as s:
        assert outbox.get(s, item.id).status == "pending"
    db.close()


@pytest.mark.parametrize("line", ["0.27", "0.28", "0.30", "0.32"])
def test_a_comment_reaches_every_line_once_even_when_the_answer_is_lost(db, tmp_path, line):
    with start(line, proposals=10) as fake:
        room(db, fake)
        with db.write() as s:
            item = outbox.enqueue_comment(s, "Decidim::Proposals::Proposal", "1001",
                                          "Per quan està previst?\n\nGràcies & salut.", "ca",
                                          platform=spaces.get_platform(s, None).host)
        client = signed_client(db, fake)
        fake.faults = {"drop_after_write": 1.0}
        first = push(db, files_dir=tmp_path, client=client, attempts=1)
        client.close()
        fake.faults = {}
        second = push(db, files_dir=tmp_path, client_factory=factory())
        comments = fake.store.comments_of("Decidim::Proposals::Proposal", "1001")
        assert len(comments) == 1, (first, second)
        assert comments[0].body["ca"] == "<p>Per quan està previst?</p><p>Gràcies &amp; salut.</p>"
        with db.read() as s:
            got = outbox.get(s, item.id)
        assert got.status == "sent" and got.remote_id == comments[0].id
