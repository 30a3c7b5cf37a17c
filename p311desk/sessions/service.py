"""Sessions: a face-to-face meeting or an assembly sitting, from draft to open to closed.

A draft is being prepared (participants imported, materials printed); an open session is running
in the room (check-in, proposals, votes); a closed one is the record of what happened, read-only
until someone reopens it (which is audit-logged). Closing queues the meeting's close report for
the platform.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.i18n import N_, LANGUAGES
from p311desk.models import (
    Attendance,
    Component,
    ParticipationSession,
    Proposal,
    Registration,
    SessionClosing,
    Space,
    utcnow,
)
from p311desk import audit
from p311desk import outbox
from p311desk.text import clean

KINDS = {"meeting": N_("Meeting"), "assembly": N_("Assembly"), "accountability": N_("Accountability session")}
STATUSES = {"draft": N_("Draft"), "open": N_("Open"), "closed": N_("Closed")}
EDITABLE = ("title", "kind", "starts_at", "ends_at", "place", "language", "notes",
            "enforce_min_age", "min_age", "space_id", "component_id", "decidim_meeting_id", "series")


@dataclass(frozen=True)
class SessionInfo:
    id: uuid.UUID
    title: str
    kind: str
    status: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    place: str
    language: str
    notes: str
    enforce_min_age: bool
    min_age: int
    space_id: uuid.UUID | None = None
    component_id: uuid.UUID | None = None
    decidim_meeting_id: str | None = None
    expected: int = 0
    present: int = 0
    proposals: int = 0
    series: str | None = None  # e.g. "Dijous GOmunicipal": sessions compared in the evaluation trend


def _info(row: ParticipationSession, expected: int = 0, present: int = 0, proposals: int = 0) -> SessionInfo:
    return SessionInfo(
        id=row.id, title=row.title, kind=row.kind, status=row.status, starts_at=row.starts_at,
        ends_at=row.ends_at, place=row.place, language=row.language, notes=row.notes,
        enforce_min_age=row.enforce_min_age, min_age=row.min_age, space_id=row.space_id,
        component_id=row.component_id, decidim_meeting_id=row.decidim_meeting_id,
        expected=expected, present=present, proposals=proposals, series=row.series,
    )


def _validate(values: dict) -> None:
    title = (values.get("title") or "").strip()
    if "title" in values and not title:
        raise ValidationError("A session needs a title.")
    if "title" in values and len(title) > 300:
        raise ValidationError("The title is too long (at most {max} characters).", max=300)
    if "kind" in values and values["kind"] not in KINDS:
        raise ValidationError("Unknown session kind: {kind}", kind=values["kind"])
    if "language" in values and values["language"] not in LANGUAGES:
        raise ValidationError("Unknown language: {lang}", lang=values["language"])
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts and ends and ends < starts:
        raise ValidationError("The session cannot end before it starts.")
    if "min_age" in values and not (0 <= int(values["min_age"]) <= 120):
        raise ValidationError("The minimum age must be between 0 and 120.")
    if values.get("series") and len(values["series"]) > 200:
        raise ValidationError("The series name is too long (at most {max} characters).", max=200)


def _series(name: str | None) -> str | None:
    """A series name as stored: white space collapsed; empty means none."""
    return " ".join((name or "").split()) or None


def _validate_links(s: Session, values: dict) -> None:
    space_id, component_id = values.get("space_id"), values.get("component_id")
    if space_id is not None and s.get(Space, space_id) is None:
        raise NotFound("The participatory space does not exist.")
    if component_id is not None:
        component = s.get(Component, component_id)
        if component is None:
            raise NotFound("The component does not exist.")
        if component.space_id != space_id:
            raise ValidationError("The component does not belong to the session's participatory space.")


def _load(s: Session, session_id: uuid.UUID) -> ParticipationSession:
    row = s.get(ParticipationSession, session_id)
    if row is None:
        raise NotFound("The session does not exist.")
    return row


def _audit_values(values: dict) -> dict:
    def plain(v):
        if isinstance(v, dt.datetime):
            return v.isoformat()
        if isinstance(v, uuid.UUID):
            return str(v)
        return v

    return {k: plain(v) for k, v in values.items()}


def create_session(
    s: Session,
    *,
    title: str,
    kind: str = "meeting",
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    place: str = "",
    language: str = "ca",
    notes: str = "",
    enforce_min_age: bool = True,
    min_age: int = 14,
    series: str | None = None,
) -> SessionInfo:
    values = dict(title=title.strip(), kind=kind, starts_at=starts_at, ends_at=ends_at,
                  place=place.strip(), language=language, notes=notes,
                  enforce_min_age=enforce_min_age, min_age=int(min_age))
    if _series(series):
        values["series"] = _series(series)
    _validate(values)
    row = ParticipationSession(id=uuid.uuid4(), status="draft", **values)
    s.add(row)
    s.flush()
    audit.record(s, "session.created", session_id=row.id, entity_type="session", entity_id=row.id,
                 payload=_audit_values(values))
    return _info(row)


def update_session(s: Session, session_id: uuid.UUID, **changes) -> SessionInfo:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError("Unknown session field: {field}", field=", ".join(sorted(unknown)))
    row = _load(s, session_id)
    # The series only groups sessions for comparison: a closed session's record keeps all else.
    # Its link to the platform may still be set (without reopening it, which would supersede
    # the queued closure) while that closure has not begun: the closure is built at send time.
    link = {"space_id", "component_id", "decidim_meeting_id"}
    if row.status == "closed" and set(changes) - {"series"} - link:
        raise InvalidTransition("A closed session cannot be edited. Reopen it first.")
    if row.status == "closed" and set(changes) & link and any(
            i.status in outbox.MAYBE_ON_PLATFORM for i in outbox.items_for(s, "session", row.id, ("close_meeting",))):
        raise InvalidTransition("This session's closure is already on its way to the platform: its link cannot "
                                "change now.")
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    if "series" in changes:
        changes["series"] = _series(changes["series"])
    merged = {k: getattr(row, k) for k in EDITABLE} | changes
    _validate(merged)
    _validate_links(s, merged)
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        audit.record(s, "session.updated", session_id=row.id, entity_type="session",
                     entity_id=row.id, payload=_audit_values(changed))
    return get_session(s, row.id)


def minutes_signed(s: Session, session_id: uuid.UUID) -> bool:
    """The session's minutes were recorded as signed (its last closing stage)."""
    return s.get(SessionClosing, (session_id, "minutes_signed")) is not None


def open_session(s: Session, session_id: uuid.UUID, *, reason: str = "") -> SessionInfo:
    """Open a draft, or reopen a closed session. Reopening a session whose minutes are signed
    needs a reason, which the audit log keeps with the event."""
    row = _load(s, session_id)
    if row.status == "open":
        raise InvalidTransition("The session is already open.")
    previous = row.status
    reason = clean(reason)
    signed = previous == "closed" and minutes_signed(s, row.id)
    if signed and not reason:
        raise ValidationError("Its minutes are signed: give the reason for reopening the session.")
    row.status, row.opened_at = "open", utcnow()
    if previous == "closed":
        row.closed_at = None
        # A reopened session is not closed on the platform until it is closed again.
        outbox.supersede(s, outbox.items_for(s, "session", row.id, ("close_meeting",)),
                         "the session was reopened")
    payload = {"from": previous}
    if previous == "closed" and reason:
        payload["reason"] = reason
    if signed:
        payload["minutes_signed"] = True
    audit.record(s, "session.reopened" if previous == "closed" else "session.opened",
                 session_id=row.id, entity_type="session", entity_id=row.id, payload=payload)
    return get_session(s, row.id)


def close_session(s: Session, session_id: uuid.UUID) -> SessionInfo:
    row = _load(s, session_id)
    if row.status != "open":
        raise InvalidTransition("Only an open session can be closed.")
    row.status, row.closed_at = "closed", utcnow()
    info = get_session(s, row.id)
    audit.record(s, "session.closed", session_id=row.id, entity_type="session", entity_id=row.id,
                 payload={"present": info.present, "proposals": info.proposals})
    _queue_closure(s, row.id)
    return info


def _queue_closure(s: Session, session_id: uuid.UUID) -> None:
    """One closure per session: an earlier one not yet begun is replaced by this one (its report
    is built from the session as it is when sent). The closure waits for the creates of the
    session's proposals, which it links."""
    earlier = outbox.items_for(s, "session", session_id, ("close_meeting",))
    outbox.supersede(s, earlier, "replaced by a later closure of the session")
    # An earlier closure whose outcome is still open goes first (the platform keeps the latest).
    in_flight = [i for i in earlier if i.status in (outbox.SENDING, outbox.UNKNOWN)]
    creates = [i for i in outbox.session_items(s, session_id, entity_type="proposal",
                                               operation="create_proposal")
               if i.status not in outbox.DONE]
    outbox.enqueue(s, "session", session_id, "close_meeting", {}, session_id=session_id,
                   depends_on=[*in_flight, *creates])


def _counts(s: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int, int]]:
    if not ids:
        return {}
    expected = dict(s.execute(
        select(Registration.session_id, func.count()).where(Registration.session_id.in_(ids))
        .group_by(Registration.session_id)).all())
    present = dict(s.execute(
        select(Attendance.session_id, func.count())
        .where(Attendance.session_id.in_(ids), Attendance.cancelled_at.is_(None))
        .group_by(Attendance.session_id)).all())
    proposals = dict(s.execute(
        select(Proposal.session_id, func.count())
        .where(Proposal.session_id.in_(ids), Proposal.merged_into_id.is_(None))
        .group_by(Proposal.session_id)).all())
    return {i: (expected.get(i, 0), present.get(i, 0), proposals.get(i, 0)) for i in ids}


def get_session(s: Session, session_id: uuid.UUID) -> SessionInfo:
    row = _load(s, session_id)
    return _info(row, *_counts(s, [row.id])[row.id])


def list_sessions(s: Session, status: str | None = None) -> list[SessionInfo]:
    stmt = select(ParticipationSession)
    if status:
        stmt = stmt.where(ParticipationSession.status == status)
    rows = list(s.scalars(stmt.order_by(ParticipationSession.starts_at.desc().nulls_last(),
                                        ParticipationSession.created_at.desc())))
    counts = _counts(s, [r.id for r in rows])
    return [_info(r, *counts[r.id]) for r in rows]


def find_session(s: Session, ref: str) -> SessionInfo:
    """A session by full id or unambiguous id prefix (as the CLI shows them)."""
    ref = ref.strip().lower()
    if not ref:
        raise ValidationError("Give a session id (or its first characters).")
    rows = [(i, title) for i, title in s.execute(select(ParticipationSession.id, ParticipationSession.title))
            if str(i).startswith(ref) or i.hex.startswith(ref)]
    if not rows:
        raise NotFound("No session matches “{ref}”.", ref=ref)
    if len(rows) > 1:
        rows.sort(key=lambda r: str(r[0]))
        raise NotFound("“{ref}” matches {n} sessions; type more characters of the id: {candidates}",
                       ref=ref, n=len(rows), candidates="; ".join(f"{str(i)[:8]} {title}" for i, title in rows[:10])
                       + ("; …" if len(rows) > 10 else ""))
    return get_session(s, rows[0][0])
