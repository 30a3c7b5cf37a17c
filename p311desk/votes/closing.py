"""Closing a session in stages: count → results → minutes generated → minutes signed.

Each stage is recorded once, in order, audited, with who did it; a stage cannot be skipped.

- ``count``: every vote of the session is closed (no question left open);
- ``results``: the results are fixed — the audit records a digest of every question's frozen
  result, so a later change of a stored result shows;
- ``minutes_generated``: the minutes document exists (its file name and SHA-256). The printing
  capability calls :func:`record_minutes_generated` when it writes the minutes;
- ``minutes_signed``: the signed paper minutes, optionally with a photo or scan attached (copied
  into the data folder under its SHA-256, never overwritten). The session is then closed, and a
  closed session is read-only for votes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk import audit
from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.i18n import N_
from p311desk.models import ParticipationSession, SessionClosing, VoteQuestion
from p311desk.sessions import close_session
from p311desk.text import clean

STAGES = ("count", "results", "minutes_generated", "minutes_signed")
STAGE_NAMES = {"count": N_("Count"), "results": N_("Results"), "minutes_generated": N_("Minutes generated"),
               "minutes_signed": N_("Minutes signed")}
ATTACHMENT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".webp")


@dataclass(frozen=True)
class StageInfo:
    stage: str
    done: bool
    done_at: dt.datetime | None = None
    done_by: str = ""
    document_name: str | None = None
    document_sha256: str | None = None
    note: str = ""


def stages(s: Session, session_id: uuid.UUID) -> list[StageInfo]:
    """Every stage in order, done or still to do."""
    rows = {r.stage: r for r in s.scalars(select(SessionClosing).where(SessionClosing.session_id == session_id))}
    out = []
    for stage in STAGES:
        r = rows.get(stage)
        out.append(StageInfo(stage, r is not None, r.done_at if r else None, r.done_by if r else "",
                             r.document_name if r else None, r.document_sha256 if r else None, r.note if r else ""))
    return out


def _session(s: Session, session_id: uuid.UUID) -> ParticipationSession:
    row = s.get(ParticipationSession, session_id)
    if row is None:
        raise NotFound("The session does not exist.")
    return row


def _check_order(s: Session, session_id: uuid.UUID, stage: str) -> None:
    if stage not in STAGES:
        raise ValidationError("Unknown closing stage: {stage}", stage=stage)
    done = {i.stage for i in stages(s, session_id) if i.done}
    if stage in done:
        raise InvalidTransition("This closing stage is already recorded.")
    for earlier in STAGES[:STAGES.index(stage)]:
        if earlier not in done:
            raise InvalidTransition("Record the earlier closing stages first.")


def _record(s: Session, session_id: uuid.UUID, stage: str, by: str, *, document_name: str | None = None,
            sha256: str | None = None, note: str = "", payload: dict | None = None) -> list[StageInfo]:
    row = SessionClosing(session_id=session_id, stage=stage, done_by=clean(by), document_name=document_name,
                         document_sha256=sha256, note=clean(note))
    s.add(row)
    s.flush()
    audit.record(s, "session.closing_stage", session_id=session_id, entity_type="session", entity_id=session_id,
                 payload={"stage": stage, "by": row.done_by, "document": document_name, "sha256": sha256,
                          **(payload or {})})
    return stages(s, session_id)


def advance(s: Session, session_id: uuid.UUID, stage: str, *, by: str = "", note: str = "") -> list[StageInfo]:
    """Record the ``count`` or ``results`` stage (the minutes stages have their own functions)."""
    session = _session(s, session_id)
    if session.status == "closed":
        raise InvalidTransition("The session is closed.")
    _check_order(s, session_id, stage)
    questions = list(s.scalars(select(VoteQuestion).where(VoteQuestion.session_id == session_id)))
    if stage == "count":
        if any(q.status == "open" for q in questions):
            raise InvalidTransition("Close every open vote of the session first.")
        return _record(s, session_id, stage, by, note=note,
                       payload={"questions": sum(1 for q in questions if q.status == "closed")})
    if stage == "results":
        frozen = sorted((str(q.id), q.result) for q in questions if q.status == "closed")
        digest = hashlib.sha256(json.dumps(frozen, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        return _record(s, session_id, stage, by, note=note, payload={"results_sha256": digest})
    raise ValidationError("Unknown closing stage: {stage}", stage=stage)


def record_minutes_generated(s: Session, session_id: uuid.UUID, document_name: str, sha256: str, *,
                             by: str = "") -> list[StageInfo]:
    """The minutes document was generated (called by the printing capability, in its unit of work,
    each time it writes the minutes).

    Minutes printed before the count and the results are recorded are a draft: nothing is
    recorded. Minutes generated again before they are signed replace the recorded document
    (audited, with the previous fingerprint). Once signed, a new print is only a copy: the
    recorded document stays as it was signed."""
    session = _session(s, session_id)
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower()):
        raise ValidationError("The document fingerprint is not a SHA-256.")
    current = {i.stage: i for i in stages(s, session_id)}
    if current["minutes_signed"].done or session.status == "closed":
        return list(current.values())  # a copy of minutes already signed: nothing changes
    if not (current["count"].done and current["results"].done):
        return list(current.values())  # a draft of the minutes
    if current["minutes_generated"].done:
        row = s.get(SessionClosing, (session_id, "minutes_generated"))
        previous = row.document_sha256
        if previous == sha256.lower():
            return list(current.values())
        row.document_name, row.document_sha256 = clean(document_name), sha256.lower()
        row.done_by = clean(by) or row.done_by
        s.flush()
        audit.record(s, "session.closing_stage", session_id=session_id, entity_type="session",
                     entity_id=session_id, payload={"stage": "minutes_generated", "by": row.done_by,
                                                    "document": row.document_name, "sha256": row.document_sha256,
                                                    "replaces": previous})
        return stages(s, session_id)
    return _record(s, session_id, "minutes_generated", by, document_name=clean(document_name), sha256=sha256.lower())


def record_minutes_signed(s: Session, session_id: uuid.UUID, *, attachment: str | Path | None = None,
                          store_dir: str | Path | None = None, by: str = "", note: str = "") -> list[StageInfo]:
    """The paper minutes were signed; ``attachment`` (a photo or scan) is copied into
    ``store_dir`` under its SHA-256. Closes the session: from now on it is read-only."""
    session = _session(s, session_id)
    _check_order(s, session_id, "minutes_signed")
    name = sha = None
    if attachment is not None:
        src = Path(attachment)
        if src.suffix.lower() not in ATTACHMENT_SUFFIXES:
            raise ValidationError("Attach a PDF or a photo (JPEG, PNG, TIFF) of the signed minutes.")
        try:
            data = src.read_bytes()
        except OSError as err:
            raise ValidationError("The file {file} cannot be read: {reason}", file=src.name,
                                  reason=err.strerror or str(err)) from None
        if store_dir is None:
            raise ValidationError("There is no folder to keep the attachment in.")
        sha = hashlib.sha256(data).hexdigest()
        folder = Path(store_dir)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{sha}{src.suffix.lower()}"
        if not target.exists():
            tmp = target.with_suffix(target.suffix + ".part")
            shutil.copyfile(src, tmp)
            tmp.replace(target)
        name = src.name
    stages_now = _record(s, session_id, "minutes_signed", by, document_name=name, sha256=sha, note=note)
    if session.status == "open":
        close_session(s, session_id)
    return stages_now
