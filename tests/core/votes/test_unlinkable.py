"""Secret ballots are unlinkable by design (issue 9 §6).

50 people vote in a secret single-choice vote with 50 options, voter i choosing option i, in a
random order, three of them through a delegate's carried votes. Every ballot is then unique, so
an attack that links ballots to voters shows at once in how many it gets right. Each attack
below pairs the ballots, in some order the storage might keep, with the voters in the order they
voted; a random pairing gets 1 right on average, and more than 6 happens by chance about once in
10,000 runs.
"""

import json
import random
import re
import sqlite3
import uuid

from sqlalchemy import select

from p311desk import votes
from p311desk.models import AuditEvent, OutboxItem, Participant, VoteParticipation
from tests.core.votes.conftest import make_room

N = 50
CHANCE_LIMIT = 6


def _play(db, tmp_path):
    # 47 present members + 3 absent ones who delegate to present members
    room = make_room(db, 47, 3, body_weights=[1] * N)
    with db.write() as s:
        for giver, holder in zip(room.codes[47:], room.codes[:3], strict=True):
            votes.add_delegation(s, room.session_id, giver, holder)
        q = votes.create_question(s, room.session_id, "Quin projecte?", method="single",
                                  options=[f"Projecte {i}" for i in range(N)], secret=True, body_id=room.body_id)
        votes.open_question(s, q.id)
    order = list(range(N))
    random.shuffle(order)
    cast_order = []  # voter codes in the order their ballots were written
    for i in order:
        with db.write() as s:  # one unit of work per voter, as at the kiosk
            if i >= 47:
                holder = room.codes[i - 47]
                votes.cast(s, q.id, holder, [str(i + 1)], on_behalf_of=room.codes[i])
            else:
                votes.cast(s, q.id, room.codes[i], [str(i + 1)])
        cast_order.append(room.codes[i])
    with db.write() as s:
        votes.close_question(s, q.id)
    return room, q.id, cast_order


def _hits(ballot_order: list[int], voter_order: list[str], codes: list[str]) -> int:
    """How many ballots an attacker pairs with the right voter (voter i chose option i)."""
    return sum(1 for option, code in zip(ballot_order, voter_order, strict=False) if codes[option] == code)


def test_fifty_secret_votes_cannot_be_relinked(db, tmp_path):
    room, qid, truth = _play(db, tmp_path)
    codes = room.codes
    con = sqlite3.connect(db.path)
    con.row_factory = None
    by_pid = {}
    with db.read() as s:
        for p in s.scalars(select(Participant)):
            by_pid[p.id] = p.checkin_code
        audit_order = [by_pid[e.entity_id] for e in s.scalars(
            select(AuditEvent).where(AuditEvent.kind == "vote.cast").order_by(AuditEvent.seq))]
        participation_rows = list(s.scalars(select(VoteParticipation)))
        outbox_rows = list(s.scalars(select(OutboxItem)))
    assert len(audit_order) == N and sorted(audit_order) == sorted(truth)

    # What the ballot table holds: a random key, the question, the choice. Nothing else.
    columns = [r[1] for r in con.execute("PRAGMA table_info(secret_ballot)")]
    assert columns == ["key", "question_id", "choice"]
    ddl = con.execute("SELECT sql FROM sqlite_master WHERE name='secret_ballot'").fetchone()[0]
    assert "WITHOUT ROWID" in ddl.upper()
    assert con.execute("PRAGMA foreign_key_list(secret_ballot)").fetchall() == []
    # ... and no way to that table from the voters' side either
    assert "ballot" not in " ".join(r[1] for r in con.execute("PRAGMA table_info(vote_participation)"))
    assert not any("time" in c or c.endswith("_at") for c in
                   [r[1] for r in con.execute("PRAGMA table_info(vote_participation)")])

    attacks: dict[str, list[int]] = {}
    # physical order of the rows as SQLite returns them (B-tree order: the random key)
    physical = [json.loads(c)[0] for (c,) in con.execute("SELECT choice FROM secret_ballot")]
    attacks["physical order"] = physical
    attacks["physical order, reversed"] = physical[::-1]
    # where each ballot's bytes sit in the database file (cells are placed in insertion order)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blob = db.path.read_bytes()
    key_choice = dict(con.execute("SELECT key, choice FROM secret_ballot").fetchall())
    offsets = sorted((blob.rfind(k.encode()), json.loads(c)[0]) for k, c in key_choice.items())
    assert all(o >= 0 for o, _c in offsets)
    attacks["byte offset in the file"] = [c for _o, c in offsets]
    attacks["byte offset, reversed"] = [c for _o, c in offsets][::-1]
    wal = db.path.with_name(db.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL keeps the order of voting"
    # rowid: there is none
    try:
        con.execute("SELECT rowid FROM secret_ballot").fetchall()
        raise AssertionError("secret_ballot has a rowid")
    except sqlite3.OperationalError:
        pass
    # the participation table's own order (rowid) against the ballots' order
    part_order = [by_pid[uuid.UUID(hex=pid)]
                  for (pid,) in con.execute("SELECT participant_id FROM vote_participation ORDER BY rowid")]
    for name, ballots in list(attacks.items()):
        assert _hits(ballots, audit_order, codes) <= CHANCE_LIMIT, f"{name} against the audit order re-links"
        assert _hits(ballots, part_order, codes) <= CHANCE_LIMIT, f"{name} against participation order re-links"

    # timestamps: the ballot has none (above); no other table keeps a ballot's key
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name != 'secret_ballot'"):
        for key in list(key_choice)[:5]:
            for col in [r[1] for r in con.execute(f"PRAGMA table_info({table})")]:
                assert not con.execute(f'SELECT 1 FROM "{table}" WHERE CAST("{col}" AS TEXT) LIKE ?',
                                       (f"%{key}%",)).fetchone(), f"{table}.{col} holds a ballot key"
    # the audit log: who voted, never what
    with db.read() as s:
        for e in s.scalars(select(AuditEvent).where(AuditEvent.kind.like("vote.%"))):
            payload = json.loads(e.payload)
            if e.kind == "vote.cast":
                assert set(payload) == {"question_id", "via"}
    # the outbox: the closed result only, nothing per voter or per ballot
    assert [(o.entity_type, o.operation) for o in outbox_rows if o.entity_type.startswith("vote")] == [
        ("vote_question", "result")]
    assert not re.search(r"V00\d\d", json.dumps([o.payload for o in outbox_rows]))
    # weights: a ballot carries none; the vote counted everyone once
    assert len(participation_rows) == N and len(key_choice) == N
    with db.read() as s:
        res = votes.results(s, qid)
    assert [o.votes for o in res.options] == [1] * N
