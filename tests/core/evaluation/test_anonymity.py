"""Evaluation answers cannot be joined to the people who gave them (issue 18 §2: the rules of
secret ballots), not through the rows, their order, time, the audit log — nor through the bytes of
a copy of the data folder taken after any answer.

40 present people answer in a random order, person i giving the unique answer "option i" and a
unique text. Each attack pairs the answers, in some order the storage might keep, with the people
in the order they answered; a random pairing gets 1 right on average, more than 6 happens by
chance about once in 10,000 runs.
"""

import json
import random
import shutil
import sqlite3
import uuid

from sqlalchemy import select

from p311desk import evaluation
from p311desk.models import AuditEvent, Participant
from tests.core.evaluation.conftest import make_room

N = 40
CHANCE_LIMIT = 6


def _hits(answer_order: list[int], people_order: list[int]) -> int:
    return sum(1 for a, p in zip(answer_order, people_order, strict=False) if a == p)


def _form(tmp_path):
    f = tmp_path / "unic.json"
    f.write_text(json.dumps({"name": "Únic", "questions": [
        {"key": "who", "kind": "choice", "text": "Opció", "options": [f"Opció {i}" for i in range(N)]},
        {"key": "mark", "kind": "scale", "points": 5, "text": "Nota"},
        {"key": "say", "kind": "text", "text": "Digueu"}]}), encoding="utf-8")
    return str(f)


def _text(i: int) -> str:
    return f"resposta-unica-{i:02d}-zq"


def _scan_folder(folder, n) -> dict[str, list[int]]:
    """Where each answer's text sits in every file of a copy of the data folder."""
    found = {}
    for path in folder.iterdir():
        if path.is_file():
            blob = path.read_bytes()
            found[path.name] = [blob.count(_text(i).encode()) for i in range(n)]
            found[path.name + ":offsets"] = [blob.find(_text(i).encode()) for i in range(n)]
    return found


def test_forty_answers_cannot_be_joined_to_the_people(db, tmp_path):
    room = make_room(db, N, template=None)
    with db.write() as s:
        evaluation.attach_form(s, room.session_id, _form(tmp_path))
    order = list(range(N))
    random.shuffle(order)
    copies = []
    for step, i in enumerate(order):
        with db.write() as s:  # one unit of work per person, as at the kiosk
            evaluation.answer(s, room.session_id, [i + 1, 1 + i % 5, _text(i)], code=room.codes[i], channel="kiosk")
        if step in (4, 17, N - 1):  # someone copies the data folder (db, -wal, -shm) mid-way
            copy = tmp_path / f"copy{step}"
            shutil.copytree(db.path.parent, copy, ignore=shutil.ignore_patterns("copy*", "*.json"))
            copies.append((step, copy))

    con = sqlite3.connect(db.path)
    by_pid = {}
    with db.read() as s:
        for p in s.scalars(select(Participant)):
            by_pid[p.id] = room.codes.index(p.checkin_code)
        audit_order = [by_pid[uuid.UUID(json.loads(e.payload)["participant"])] for e in s.scalars(
            select(AuditEvent).where(AuditEvent.kind == "evaluation.answered").order_by(AuditEvent.seq))]
    assert audit_order == order  # the audit knows who answered when (as the attendance list does)

    # What is stored: the box (one list sorted by random key), who answered (no time, no link).
    assert [r[1] for r in con.execute("PRAGMA table_info(evaluation_box)")] == ["form_id", "answers", "count"]
    assert [r[1] for r in con.execute("PRAGMA table_info(evaluation_respondent)")] == ["form_id", "participant_id"]
    ddl = con.execute("SELECT sql FROM sqlite_master WHERE name='evaluation_respondent'").fetchone()[0]
    assert "WITHOUT ROWID" in ddl.upper()
    box = json.loads(con.execute("SELECT answers FROM evaluation_box").fetchone()[0])
    keys = [k for k, _v in box]
    assert keys == sorted(keys) and len(set(keys)) == N and all(len(k) == 16 for k in keys)
    assert all(set(v) == {k for k in v} for _k, v in box)

    attacks = {}
    stored = [v[0] - 1 for _k, v in box]
    attacks["box order"] = stored
    attacks["box order, reversed"] = stored[::-1]
    respondents = [by_pid[uuid.UUID(hex=pid)] for (pid,) in
                   con.execute("SELECT participant_id FROM evaluation_respondent")]
    for step, copy in [*copies, (N, db.path.parent)]:
        files = _scan_folder(copy, N)
        answered = order[: step + 1]
        for name, counts in files.items():
            if name.endswith(":offsets"):
                continue
            # every answer in at most one place: no earlier state of the box left anywhere
            assert max(counts) <= 1, f"{copy.name}/{name} holds an answer twice (an old box)"
            if name.endswith(("-wal", "-shm")):
                assert sum(counts) == 0, f"{copy.name}/{name} keeps answers in the log"
            offsets = files[name + ":offsets"]
            placed = sorted((o, i) for i, o in enumerate(offsets) if o >= 0)
            if placed:
                attacks[f"{copy.name}/{name} byte order"] = [i for _o, i in placed]
                attacks[f"{copy.name}/{name} byte order, reversed"] = [i for _o, i in placed][::-1]
                assert {i for _o, i in placed} == set(answered), "a copy lost or gained answers"
    for name, guess in attacks.items():
        assert _hits(guess, audit_order[: len(guess)]) <= CHANCE_LIMIT, f"{name} against the audit order joins"
        assert _hits(guess, respondents[: len(guess)]) <= CHANCE_LIMIT, f"{name} against the respondents joins"

    # No other table holds an answer's key or text; the audit never says what was answered.
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name != 'evaluation_box'"):
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
        for probe in (keys[0], keys[-1], _text(order[0])):
            for col in cols:
                assert not con.execute(f'SELECT 1 FROM "{table}" WHERE CAST("{col}" AS TEXT) LIKE ?',
                                       (f"%{probe}%",)).fetchone(), f"{table}.{col} holds an answer"
    # No time anywhere near the answers.
    for table in ("evaluation_box", "evaluation_respondent", "evaluation_slip"):
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        assert not any("time" in c or c.endswith("_at") for c in cols)
    con.close()


def test_paper_forms_keyed_in_order_leave_no_order_in_the_box(db):
    room = make_room(db, 5)
    with db.write() as s:
        ids = evaluation.issue_slips(s, room.session_id, 30)
    truth = []
    for n, form_id in enumerate(ids):  # keyed in the printed order, each answer unique by its text
        with db.write() as s:
            evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"], [f"text {n:02d}"], form_id=form_id)
        truth.append(n)
    con = sqlite3.connect(db.path)
    box = json.loads(con.execute("SELECT answers FROM evaluation_box").fetchone()[0])
    stored = [int(v[4].split()[1]) for _k, v in box]
    con.close()
    assert sorted(stored) == truth
    assert _hits(stored, truth) <= CHANCE_LIMIT and _hits(stored[::-1], truth) <= CHANCE_LIMIT


def test_a_reader_that_stays_delays_the_truncation_not_the_answer(db):
    import time

    room = make_room(db, 2)
    reader = sqlite3.connect(db.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM evaluation_box").fetchone()  # holds a snapshot
    try:
        t0 = time.perf_counter()
        with db.write() as s:
            evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"], ["text left in the log"])
        assert time.perf_counter() - t0 < 3  # not the 8 s busy timeout
    finally:
        reader.execute("COMMIT")
        reader.close()
    with db.write() as s:  # the next answer truncates what the first one could not
        evaluation.answer_paper(s, room.session_id, ["3", "3", "3", "3"])
    wal = db.path.with_name(db.path.name + "-wal")
    assert not wal.exists() or b"text left in the log" not in wal.read_bytes()
    assert db.path.read_bytes().count(b"text left in the log") == 1
