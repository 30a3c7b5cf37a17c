"""Pulling from the fake Decidim into the local cache, for both profiles: sign in, pull, link a
session; the same with each fault injected ends with the same cache; a second pull is a no-op;
a change on the platform updates the cache but never overwrites unsynced local work."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
import zipfile

import pytest
from sqlalchemy import select

from p311desk import outbox, sessions, spaces
from p311desk.errors import Cancelled
from p311desk.models import Component, Meeting, Proposal, Space, Taxonomy
from sync.platforms import add_platform, login, status
from sync.pull import changed, pull
from tests.sync.conftest import credentials_for, fast_client

VOLATILE = {"id", "created_at", "updated_at", "fetched_at", "pulled_at", "origin_device", "platform_host",
            "space_id", "component_id", "category_id", "scope_id", "author_participant_id", "merged_into_id",
            "vote_question_id", "session_id"}


def snapshot(db) -> dict[str, list[tuple]]:
    """The cache's content without local ids and times, comparable across databases."""
    out = {}
    with db.read() as s:
        for model in (Space, Component, Taxonomy, Meeting, Proposal):
            cols = [c.name for c in model.__table__.columns if c.name not in VOLATILE]
            rows = [tuple(repr(getattr(r, c)) for c in cols) for r in s.scalars(select(model))]
            out[model.__tablename__] = sorted(rows)
    return out


def factory(**kwargs):
    return lambda url, **kw: fast_client(url, **{**kw, **kwargs})


def set_up(db, fake, name="Vilaprova"):
    info, caps = add_platform(db, name, fake.url, client_factory=factory())
    creds = credentials_for(fake.version)
    signed = login(db, name, creds.method, creds.account, creds.secret, client_factory=factory())
    return signed


def test_sign_in_pull_and_link_a_session(db, fake):
    signed = set_up(db, fake)
    assert signed.remembered and signed.capabilities.line == fake.version
    summary = pull(db, client_factory=factory())
    assert summary["complete"] and not summary["conflicts"]
    published = [p for p in fake.store.proposals.values() if p.published_at]
    assert summary["proposals"]["new"] == len(published)
    assert summary["meetings"]["new"] == len(fake.store.meetings)
    with db.read() as s:
        counts = spaces.cache_counts(s, signed.platform.host)
        assert counts == {"spaces": 3, "components": 9, "meetings": 16, "proposals": len(published),
                          "taxonomies": counts["taxonomies"]}
        assert counts["taxonomies"] >= 5
        space = next(sp for sp in spaces.list_spaces(s) if sp.slug == "pressupostos-2027")
        # Categories (0.27) or taxonomies (0.32) are there for classifying proposals offline.
        assert spaces.taxonomies(s, space.id)
        proposal = s.scalar(select(Proposal).where(Proposal.decidim_id == "1001"))
        assert proposal.title["ca"] == fake.store.proposals["1001"].title["ca"]
        assert proposal.category_id is not None and proposal.source == "decidim"
    # Link a session to the space's proposals component and its first meeting.
    with db.write() as s:
        session = sessions.create_session(s, title="Sessió de barri")
        link = spaces.resolve_link(s, signed.platform.host, "11", "501")
        sessions.update_session(s, session.id, **link)
    with db.read() as s:
        info = sessions.get_session(s, session.id)
        shown = spaces.describe_link(s, info.space_id, info.component_id, info.decidim_meeting_id)
    assert shown.platform == "Vilaprova" and shown.component == "Proposals"  # in the user's language
    assert shown.meeting == "Neighbourhood session 1" and shown.meeting_starts_at is not None
    assert shown.space == "Participatory budget 2027"


def test_a_second_pull_changes_nothing(db, fake):
    set_up(db, fake)
    pull(db, client_factory=factory())
    before = snapshot(db)
    second = pull(db, client_factory=factory())
    assert changed(second) == 0 and snapshot(db) == before


_CLEAN: dict[str, dict] = {}


@pytest.mark.parametrize("fault", ["timeout", "500", "drop_after_write", "expired_token"])
def test_each_fault_ends_with_the_same_cache(tmp_path, fake, fault):
    from p311desk.db import Database

    if fake.version not in _CLEAN:  # the seeded platform is the same every time: pull it clean once
        clean = Database(tmp_path / "clean.db")
        set_up(clean, fake, "Clean")
        pull(clean, client_factory=factory())
        _CLEAN[fake.version] = snapshot(clean)
        clean.close()
    expected = _CLEAN[fake.version]
    fake.faults = {fault: 0.2}
    fake.fault_delay = 0.35
    fake.force_auth = True  # an expired session must matter on 0.27 too
    faulty = Database(tmp_path / "faulty.db")
    set_up(faulty, fake, "Faulty")
    summary = pull(faulty, client_factory=factory())
    assert summary["complete"]
    assert snapshot(faulty) == expected
    if fault != "drop_after_write":  # that one only strikes writes and sign-ins
        assert fake.counts[f"fault:{fault}"] > 0
    faulty.close()


def test_a_change_on_the_platform_is_pulled_but_unsynced_local_work_is_kept(db, fake):
    signed = set_up(db, fake)
    pull(db, client_factory=factory())
    fake.store.edit_proposal("1002", title={"ca": "Títol nou a la plataforma", "es": "Título nuevo"})
    fake.store.edit_proposal("1003", title={"ca": "També canviat allà"})
    with db.write() as s:  # a local edit of 1003 waiting in the outbox
        row = s.scalar(select(Proposal).where(Proposal.decidim_id == "1003"))
        row.title = {"ca": "Editat a la sala"}
        outbox.enqueue(s, "proposal", row.id, "update_proposal")
    summary = pull(db, client_factory=factory())
    assert summary["proposals"]["updated"] == 1
    assert [c["remote_id"] for c in summary["conflicts"]] == ["1003"]
    with db.read() as s:
        assert s.scalar(select(Proposal.title).where(Proposal.decidim_id == "1002"))["ca"] == "Títol nou a la plataforma"
        assert s.scalar(select(Proposal.title).where(Proposal.decidim_id == "1003")) == {"ca": "Editat a la sala"}
    # A new proposal on the platform arrives; the others stay untouched.
    fake.store.add_proposal("11", {"ca": "Proposta nova"})
    assert pull(db, client_factory=factory())["proposals"]["new"] == 1


def test_pull_one_space_or_component_and_cancel(db, fake):
    set_up(db, fake)
    summary = pull(db, space="consell-barri", client_factory=factory())
    assert summary["spaces"]["new"] == 1 and summary["proposals"]["new"] == 12
    summary = pull(db, component="21", client_factory=factory())
    assert summary["proposals"]["new"] == 30 and summary["meetings"]["new"] == 6
    cancel = threading.Event()
    seen = []

    def progress(done, total, message=""):
        seen.append((done, total))
        if len(seen) > 2:
            cancel.set()

    with pytest.raises(Cancelled):
        pull(db, progress=progress, cancel=cancel, client_factory=factory())
    with db.read() as s:
        platform = spaces.get_platform(s)
    assert platform.last_pull["complete"] is False and seen


def test_status_per_platform(db, fake):
    set_up(db, fake)
    pull(db, component="31", client_factory=factory())
    (row,) = status(db)
    assert row["default"] and row["secret_remembered"] and row["last_pull_at"]
    assert row["cache"]["proposals"] == 12
    assert row["outbox"] == {"pending": 0, "sent": 0, "waiting": 0, "failed": 0}


def _scan_bytes(blob: bytes, needles: list[str]) -> list[str]:
    return [n for n in needles if n.encode() in blob]


def test_no_secret_reaches_the_database_logs_or_exports(tmp_path, db, fake, caplog):
    log_file = tmp_path / "p311desk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        fake.force_auth = True
        fake.faults = {"expired_token": 0.2}  # several sign-ins, several tokens and cookies
        set_up(db, fake)
        pull(db, client_factory=factory())
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    from p311desk import backups

    export = tmp_path / "export.xlsx"
    backups.export_database(db, export)
    creds = credentials_for(fake.version)
    needles = [creds.secret, *fake.issued_tokens, *fake.sessions.keys()]
    assert len(needles) > 1
    found = []
    for path in db.path.parent.glob(db.path.name + "*"):  # the database, its WAL and shm
        found += _scan_bytes(path.read_bytes(), needles)
    found += _scan_bytes(log_file.read_bytes(), needles)
    found += _scan_bytes(caplog.text.encode(), needles)
    with zipfile.ZipFile(export) as z:
        for name in z.namelist():
            found += _scan_bytes(z.read(name), needles)
    assert found == []
    assert log_file.stat().st_size > 0  # the log did record the sync
