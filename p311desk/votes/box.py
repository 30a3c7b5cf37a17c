"""The ballot box: one storage form for every ballot, whichever channel brought it.

An entry (:class:`p311desk.votes.tally.Entry`) is a ballot with its marks, a spoilt ballot, or
the count of a batch. An open question keeps its entries in the ``ballot`` table (with who voted
and by which channel: an open vote is public). A secret question keeps them in a **ballot-box
file of its own** beside the database (``ballot-box/<question>.box``), so that nothing the main
database keeps — page cell order, rowids, WAL frames, the audit log's order of voters — can be
matched against the ballots:

- the file holds the entries and nothing else: no voter, no channel, no time, no serial; a
  voter of weight *w* leaves *w* unit ballots;
- it is written anew after every ballot, complete, into a new file (no WAL, no journal,
  ``secure_delete``), every entry under a fresh random key and inserted in key order, then
  renamed over the old one: no file ever keeps the order in which ballots arrived;
- the new file is staged inside the caller's unit of work and renamed only after the main
  database committed (the commit point is the keyed digest in ``vote_question.box_digest``): a
  crash between the two leaves a staged file that the next reader adopts if its digest is the
  committed one, and drops otherwise;
- folder 0700, files 0600.

:func:`digest` is keyed (HMAC with a key outside the data folder): digests recorded after every
ballot do not let anyone holding a copy peel ballots off one at a time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from p311desk import keys
from p311desk.errors import DomainError
from p311desk.i18n import N_
from p311desk.models import Ballot, VoteQuestion
from p311desk.votes.tally import Entry

FOLDER = "ballot-box"
_STAGED = "votes.box.staged"  # Session.info: question id -> entries written in this unit of work


class BallotBoxDamaged(DomainError):
    """A secret question's ballot-box file is missing or does not match its recorded digest."""

    msgid = N_("The ballot box of “{title}” does not match what was recorded after its last ballot: "
               "it was changed or lost outside the app.")


# --- digests -------------------------------------------------------------------------------------


def _line(e: Entry) -> str:
    votes = sorted((int(k), int(v)) for k, v in (e.votes or {}).items())
    return json.dumps([e.batch, None if e.choice is None else list(e.choice), votes, int(e.weight), bool(e.spoilt)],
                      separators=(",", ":"), ensure_ascii=False)


def digest(question_id: uuid.UUID, entries: Iterable[Entry]) -> str:
    """Keyed digest of the multiset of entries (order-free)."""
    body = "\n".join(sorted(_line(e) for e in entries))
    return hmac.new(keys.secret(f"ballot-box:{question_id}"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def sealed_digest(question_id: uuid.UUID, what: str, rows: Iterable[Any]) -> str:
    """Keyed digest of other vote records (eligibility, paper ballots): sorted canonical rows."""
    body = "\n".join(sorted(json.dumps(r, separators=(",", ":"), default=str) for r in rows))
    return hmac.new(keys.secret(f"ballot-box:{question_id}"), f"{what}\n{body}".encode("utf-8"),
                    hashlib.sha256).hexdigest()


# --- the file of a secret question -------------------------------------------------------------


def folder_of(s: Session) -> Path:
    database = s.get_bind().url.database
    return Path(database).resolve().parent / FOLDER


def path_of(s: Session, question_id: uuid.UUID) -> Path:
    return folder_of(s) / f"{question_id.hex}.box"


def _ensure_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, exist_ok=True)
    try:
        os.chmod(folder, 0o700)
    except OSError:  # pragma: no cover - file systems without modes
        pass


def write_file(path: Path, question_id: uuid.UUID, entries: Iterable[Entry]) -> None:
    """Write the whole box into ``path`` (a new file, 0600): units under fresh random keys, in
    key order. No WAL, no journal, ``secure_delete`` on."""
    rows = []
    for e in entries:
        units = [e] if (e.batch is not None or e.choice is None or e.weight == 1) else \
            [Entry(e.choice, 1, e.spoilt, None, None)] * int(e.weight)
        for u in units:
            rows.append((secrets.token_hex(16), u.batch, None if u.choice is None else json.dumps(list(u.choice)),
                         None if u.votes is None else json.dumps({str(k): int(v) for k, v in u.votes.items()}),
                         int(u.weight), int(bool(u.spoilt))))
    rows.sort()
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA secure_delete=ON")
        con.execute("BEGIN")
        con.execute("CREATE TABLE box (question TEXT NOT NULL)")
        con.execute("INSERT INTO box VALUES (?)", (question_id.hex,))
        con.execute("CREATE TABLE ballot (key TEXT PRIMARY KEY, batch TEXT, choice TEXT, votes TEXT, "
                    "weight INTEGER NOT NULL, spoilt INTEGER NOT NULL) WITHOUT ROWID")
        con.executemany("INSERT INTO ballot VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    finally:
        con.close()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_read_cache: dict[str, tuple[tuple[int, int, int], list[Entry]]] = {}


def read_file(path: Path) -> list[Entry]:
    """The entries of a box file (remembered while the file is the same: a box is never changed
    in place, only replaced)."""
    st = path.stat()
    signature = (st.st_ino, st.st_size, st.st_mtime_ns)
    hit = _read_cache.get(str(path))
    if hit is not None and hit[0] == signature:
        return list(hit[1])
    entries = _read_file(path)
    _read_cache[str(path)] = (signature, entries)
    return list(entries)


def _read_file(path: Path) -> list[Entry]:
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        rows = con.execute("SELECT batch, choice, votes, weight, spoilt FROM ballot").fetchall()
    finally:
        con.close()
    return [Entry(None if c is None else tuple(json.loads(c)), int(w), bool(x),
                  None if v is None else {int(k): int(n) for k, n in json.loads(v).items()}, b)
            for b, c, v, w, x in rows]


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open a folder
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _staged(s: Session) -> dict[uuid.UUID, list[Entry]]:
    return s.info.setdefault(_STAGED, {})


def _settle(path: Path, question_id: uuid.UUID, committed: str | None) -> None:
    """Adopt or drop a staged file left by a process that stopped between its two commits."""
    new = path.with_suffix(".new")
    if not new.exists():
        return
    try:
        staged = digest(question_id, read_file(new))
    except sqlite3.Error:
        staged = None
    if staged is not None and staged == committed:
        os.replace(new, path)
        _fsync_dir(path.parent)
    else:
        new.unlink(missing_ok=True)


def secret_entries(s: Session, q: VoteQuestion, *, check: bool = True) -> list[Entry]:
    """The entries of a secret question's box (as staged in this unit of work, else on disk)."""
    staged = _staged(s).get(q.id)
    if staged is not None:
        return list(staged)
    path = path_of(s, q.id)
    _settle(path, q.id, q.box_digest)
    if not path.exists():
        if q.box_digest is None or q.box_digest == digest(q.id, []):
            return []
        raise BallotBoxDamaged(title=q.title)
    try:
        entries = read_file(path)
    except sqlite3.Error:
        raise BallotBoxDamaged(title=q.title) from None
    if check and q.box_digest is not None and digest(q.id, entries) != q.box_digest:
        raise BallotBoxDamaged(title=q.title)
    return entries


def _stage_file(s: Session, q: VoteQuestion, entries: list[Entry]) -> None:
    path = path_of(s, q.id)
    _ensure_folder(path.parent)
    new = path.with_suffix(".new")
    write_file(new, q.id, entries)
    staged = _staged(s)
    if not staged:
        event.listen(s, "after_commit", _publish, once=True)
        event.listen(s, "after_rollback", _discard, once=True)
    staged[q.id] = list(entries)


def _publish(s: Session) -> None:
    staged = s.info.pop(_STAGED, {})
    folder = folder_of(s)
    for qid in staged:
        new = folder / f"{qid.hex}.new"
        if new.exists():
            # No folder fsync needed: if the rename is lost in a crash, the staged file (synced,
            # with the committed digest) is adopted by the next reader.
            os.replace(new, folder / f"{qid.hex}.box")
    if event.contains(s, "after_rollback", _discard):
        event.remove(s, "after_rollback", _discard)


def _discard(s: Session) -> None:
    staged = s.info.pop(_STAGED, {})
    folder = folder_of(s)
    for qid in staged:
        (folder / f"{qid.hex}.new").unlink(missing_ok=True)
    if event.contains(s, "after_commit", _publish):
        event.remove(s, "after_commit", _publish)


# --- one door for both stores ------------------------------------------------------------------


def _entry(row: Ballot) -> Entry:
    return Entry(None if row.choice is None else tuple(row.choice), int(row.weight), bool(row.spoilt),
                 None if row.votes is None else {int(k): int(v) for k, v in row.votes.items()}, row.batch)


def entries(s: Session, q: VoteQuestion, *, check: bool = True) -> list[Entry]:
    """Every entry of the question's ballot box."""
    if q.secret:
        return secret_entries(s, q, check=check)
    return [_entry(r) for r in s.scalars(select(Ballot).where(Ballot.question_id == q.id))]


def put(s: Session, q: VoteQuestion, new: list[Entry], *, channel: str, voter_id: uuid.UUID | None = None,
        cast_by_id: uuid.UUID | None = None, serial: str | None = None, replace_batch: str | None = None) -> str:
    """Add entries (dropping the named batch first) and return the box's new digest, which the
    caller records on the question in the same unit of work."""
    if q.secret:
        kept = [e for e in secret_entries(s, q) if replace_batch is None or e.batch != replace_batch]
        after = kept + list(new)
        _stage_file(s, q, after)
    else:
        if replace_batch is not None:
            s.execute(delete(Ballot).where(Ballot.question_id == q.id, Ballot.batch == replace_batch))
        for e in new:
            s.add(Ballot(id=uuid.uuid4(), question_id=q.id, channel=channel,
                         voter_id=voter_id if e.batch is None else None, cast_by_id=cast_by_id,
                         batch=e.batch, serial=serial, choice=None if e.choice is None else list(e.choice),
                         votes=None if e.votes is None else {str(k): int(v) for k, v in e.votes.items()},
                         weight=int(e.weight), spoilt=bool(e.spoilt)))
        s.flush()
        after = entries(s, q)
    q.box_digest = digest(q.id, after)
    return q.box_digest
