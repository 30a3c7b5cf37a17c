"""Secret ballots cannot be re-linked to voters from a copy of the data folder (issue 15 §7).

50 people vote in a secret single-choice vote with 50 options, voter i choosing option i, in a
random order, three of them through a delegate's carried votes. Every ballot is then unique, so
an attack that links ballots to voters shows at once in how many it gets right. Copies of the
whole data folder are taken mid-vote (with another connection holding a read transaction, as a
backup or a second window would) and after the close. Each attack pairs the ballots, in every
order the files keep (the ballot box's row order and byte offsets, forwards and backwards), with
the voters in every order the main database keeps (audit log, participation rowids, the
participation rows' byte offsets in the database file and its WAL). A random pairing gets 1 right
on average; more than 6 happens by chance about once in 10,000 runs.
"""

import json
import random
import re
import shutil
import sqlite3
import stat
import uuid
from pathlib import Path

from p311desk import votes
from tests.core.votes.conftest import make_room

N = 50
CHANCE_LIMIT = 6


def _copy_folder(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for item in src.iterdir():
        if item.name.startswith("copy-"):
            continue
        if item.is_dir():
            shutil.copytree(item, dst / item.name)
        else:
            shutil.copy2(item, dst / item.name)
    return dst


def _voter_orders(folder: Path, codes_by_hex: dict[str, str]) -> dict[str, list[str]]:
    """Every order of voters the copied main database keeps."""
    db = folder / "test.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # reads the copied WAL too
    orders: dict[str, list[str]] = {}
    audit = [codes_by_hex[pid] for (pid,) in con.execute(
        "SELECT entity_id FROM audit_event WHERE kind = 'vote.cast' ORDER BY seq")]
    orders["audit log"] = audit
    orders["participation rowid"] = [codes_by_hex[pid] for (pid,) in con.execute(
        "SELECT participant_id FROM vote_participation ORDER BY rowid")]
    con.close()
    raw = db.read_bytes() + (db.with_name("test.db-wal").read_bytes() if db.with_name("test.db-wal").exists()
                             else b"")
    offsets = sorted((raw.find(bytes.fromhex(h)) if raw.find(bytes.fromhex(h)) >= 0 else raw.find(h.encode()), c)
                     for h, c in codes_by_hex.items() if c in audit)
    orders["bytes of the database and WAL"] = [c for _o, c in offsets]
    for name in list(orders):
        orders[name + ", reversed"] = orders[name][::-1]
    return orders


def _ballot_orders(folder: Path, qid: uuid.UUID) -> dict[str, list[int]]:
    """Every order of ballots the copied ballot-box folder keeps."""
    files = sorted((folder / "ballot-box").iterdir())
    assert files, "no ballot box in the copy"
    orders: dict[str, list[int]] = {}
    for path in files:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        rows = con.execute("SELECT key, choice FROM ballot").fetchall()
        cols = [r[1] for r in con.execute("PRAGMA table_info(ballot)")]
        con.close()
        assert cols == ["key", "batch", "choice", "votes", "weight", "spoilt"]  # no voter, time, channel, serial
        choices = [json.loads(c)[0] for _k, c in rows]
        orders[f"{path.name}: row order"] = choices
        blob = path.read_bytes()
        offsets = sorted((blob.find(k.encode()), json.loads(c)[0]) for k, c in rows)
        assert all(o >= 0 for o, _c in offsets)
        orders[f"{path.name}: byte offsets"] = [c for _o, c in offsets]
    for name in list(orders):
        orders[name + ", reversed"] = orders[name][::-1]
    return orders


def _hits(ballot_order: list[int], voter_order: list[str], codes: list[str]) -> int:
    return sum(1 for option, code in zip(ballot_order, voter_order, strict=False) if codes[option] == code)


def _attack(folder: Path, qid, codes, codes_by_hex) -> None:
    for vname, voters in _voter_orders(folder, codes_by_hex).items():
        for bname, ballots in _ballot_orders(folder, qid).items():
            assert len(ballots) == len([v for v in voters if v]) or not voters
            assert _hits(ballots, voters, codes) <= CHANCE_LIMIT, f"{bname} against {vname} re-links voters"


def test_copies_of_the_data_folder_mid_vote_and_after_close_cannot_relink(db, tmp_path):
    room = make_room(db, 47, 3, body_weights=[1] * N)
    with db.write() as s:
        for giver, holder in zip(room.codes[47:], room.codes[:3], strict=True):
            votes.add_delegation(s, room.session_id, giver, holder)
        q = votes.create_question(s, room.session_id, "Quin projecte?", method="single",
                                  options=[f"Projecte {i}" for i in range(N)], secret=True, body_id=room.body_id)
        votes.open_question(s, q.id)
    from sqlalchemy import select

    from p311desk.models import Participant

    with db.read() as s:
        codes_by_hex = {p.id.hex: p.checkin_code for p in s.scalars(select(Participant))}
    order = list(range(N))
    random.shuffle(order)
    reader = sqlite3.connect(db.path)  # another process's open read transaction, all along
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM vote_participation").fetchone()
    copies = []
    for n, i in enumerate(order, 1):
        with db.write() as s:  # one unit of work per voter, as at the kiosk
            if i >= 47:
                votes.cast(s, q.id, room.codes[i - 47], [str(i + 1)], on_behalf_of=room.codes[i])
            else:
                votes.cast(s, q.id, room.codes[i], [str(i + 1)])
        if n in (20, 35):
            copies.append(_copy_folder(tmp_path, tmp_path / f"copy-{n}"))
    with db.write() as s:
        votes.close_question(s, q.id)
    copies.append(_copy_folder(tmp_path, tmp_path / "copy-closed"))
    reader.rollback()
    reader.close()
    for folder in copies:
        _attack(folder, q.id, room.codes, codes_by_hex)

    # the main database holds no ballot of the secret question, and the audit log never a choice
    con = sqlite3.connect(db.path)
    assert con.execute("SELECT count(*) FROM ballot").fetchone()[0] == 0
    for kind, payload in con.execute("SELECT kind, payload FROM audit_event WHERE kind LIKE 'vote.%'"):
        if kind == "vote.cast":
            assert set(json.loads(payload)) == {"question_id", "via", "box_digest"}
    outbox = con.execute("SELECT payload FROM outbox").fetchall()
    con.close()
    assert not re.search(r"V00\d\d", json.dumps(outbox))
    # the folder and the box: only the user may read them
    folder = tmp_path / "ballot-box"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    assert not list(folder.glob("*.new"))
    with db.read() as s:
        res = votes.results(s, q.id)
    assert [o.votes for o in res.options] == [1] * N


def test_a_crash_between_the_two_commits_keeps_the_ballot_box_whole(db, tmp_path):
    """A staged box whose unit of work committed is adopted; one that did not is dropped."""
    room = make_room(db, 3)
    with db.write() as s:
        q = votes.create_question(s, room.session_id, "Secret?", secret=True)
        votes.open_question(s, q.id)
    from p311desk.votes import box

    publish = box._publish
    box._publish = lambda s: s.info.pop(box._STAGED, None)  # the process is "killed" before the rename
    try:
        with db.write() as s:
            votes.cast(s, q.id, room.codes[0], ["yes"])
    finally:
        box._publish = publish
    assert list((tmp_path / "ballot-box").glob("*.new"))
    with db.read() as s:
        assert votes.live_count(s, q.id).voted == 1
        assert votes.results(s, q.id).cast == 1  # adopted: the main database committed it
    # a unit of work that fails after staging leaves nothing behind
    try:
        with db.write() as s:
            votes.cast(s, q.id, room.codes[1], ["no"])
            raise RuntimeError("power cut")
    except RuntimeError:
        pass
    assert not list((tmp_path / "ballot-box").glob("*.new"))
    with db.read() as s:
        assert votes.results(s, q.id).cast == 1
