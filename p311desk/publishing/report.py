"""What a session sends to the platform when it is over, gathered from the local data.

:func:`closing_facts` collects the numbers and lists (attendance as aggregate counts only, the
attending organisations, the proposals by supports, the vote results with their explanation
sentences, the audit log's head); :func:`closing_report` writes the ready-to-paste report in a
given platform locale. The sync engine sends the same text through the API where the platform
can close meetings, or writes it into a file for the administrator where it cannot.

No personal data leaves through here: people are counted, never named.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from p311desk import audit, outbox
from p311desk import proposals as P
from p311desk.i18n import load_translations, pick_localized
from p311desk.models import Attendance, Participant, ParticipationSession, Registration

try:  # the votes package (issue 9) may not be installed in this build yet
    from p311desk import votes as _votes
except ImportError:  # pragma: no cover - depends on which packages have landed
    _votes = None


@dataclass(frozen=True)
class ProposalLine:
    proposal_id: uuid.UUID
    rank: int
    title: dict[str, str]
    supports: int
    remote_id: str | None
    vote_question_id: uuid.UUID | None


@dataclass(frozen=True)
class VoteLine:
    question_id: uuid.UUID
    title: str
    outcome: str
    explanation: str
    selected: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClosingFacts:
    session_id: uuid.UUID
    title: str
    language: str
    place: str
    starts_at: dt.datetime | None
    closed_at: dt.datetime | None
    attendees_count: int
    registered_present: int
    walk_ins: int
    expected_count: int
    attending_organisations: tuple[str, ...]
    contributions_count: int
    proposals: tuple[ProposalLine, ...]
    votes: tuple[VoteLine, ...]
    audit_head: str | None
    meeting_id: str | None

    @property
    def linked_remote_ids(self) -> list[str]:
        """The platform ids of the session's proposals known so far (for the closure)."""
        return [p.remote_id for p in self.proposals if p.remote_id]

    def numbers(self) -> dict[str, Any]:
        return {"attendees_count": self.attendees_count, "registered_present": self.registered_present,
                "walk_ins": self.walk_ins, "expected_count": self.expected_count,
                "contributions_count": self.contributions_count,
                "attending_organisations": list(self.attending_organisations),
                "proposal_ids": self.linked_remote_ids, "audit_head": self.audit_head}


def closing_facts(s: Session, session_id: uuid.UUID, platform: str | None = None) -> ClosingFacts:
    """Everything the closure carries, from the session as it is now. ``platform`` (a host)
    resolves the proposals' remote ids through the id map."""
    row = s.get(ParticipationSession, session_id)
    if row is None:
        from p311desk.errors import NotFound

        raise NotFound("No single session matches “{ref}”.", ref=str(session_id))
    present = (select(Attendance.participant_id)
               .where(Attendance.session_id == session_id, Attendance.cancelled_at.is_(None)))
    attendees = s.scalar(select(func.count(distinct(Attendance.participant_id)))
                         .where(Attendance.session_id == session_id,
                                Attendance.cancelled_at.is_(None))) or 0
    registered_present = s.scalar(select(func.count()).select_from(Registration).where(
        Registration.session_id == session_id, Registration.participant_id.in_(present))) or 0
    expected = s.scalar(select(func.count()).select_from(Registration)
                        .where(Registration.session_id == session_id)) or 0
    orgs = sorted({o.strip() for o in s.scalars(select(Participant.organisation)
                                                 .where(Participant.id.in_(present))) if o and o.strip()},
                  key=str.casefold)
    remote = outbox.remote_ids(s, platform, "proposal") if platform else {}
    lines = []
    for ranked in P.ranking(s, session_id):
        p = ranked.proposal
        rid = remote.get(p.id) or (p.decidim_id if p.source == "decidim" else None)
        lines.append(ProposalLine(p.id, ranked.rank, dict(p.title), p.supports, rid,
                                  p.vote_question_id))
    return ClosingFacts(
        session_id=row.id, title=row.title, language=row.language, place=row.place,
        starts_at=row.starts_at, closed_at=row.closed_at, attendees_count=attendees,
        registered_present=registered_present, walk_ins=attendees - registered_present,
        expected_count=expected, attending_organisations=tuple(orgs),
        contributions_count=len(lines), proposals=tuple(lines), votes=tuple(_vote_lines(s, session_id)),
        audit_head=_audit_head(s), meeting_id=row.decidim_meeting_id)


def _vote_lines(s: Session, session_id: uuid.UUID) -> list[VoteLine]:
    if _votes is None:
        return []
    out = []
    for q in _votes.list_questions(s, session_id):
        if q.status != "closed":
            continue
        res = _votes.results(s, q.id)
        out.append(VoteLine(q.id, res.title, res.outcome, res.explanation,
                            tuple(getattr(res, "selected", ()) or ())))
    return out


def _audit_head(s: Session) -> str | None:
    """The hash of the last audit event (``audit.head`` when the audit package provides it)."""
    head = getattr(audit, "head", None)
    if head is not None:
        value = head(s)
        for attr in ("hash", "digest"):
            if hasattr(value, attr):
                return str(getattr(value, attr))
        return str(value) if value else None
    from p311desk.models import AuditEvent

    return s.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))


def closing_report(facts: ClosingFacts, locale: str) -> str:
    """The ready-to-paste closing report in ``locale`` (plain text, one paragraph per part)."""
    tr = load_translations(locale)
    _, ngettext = tr.gettext, tr.ngettext
    parts = [_("Closing report: {title}").format(title=facts.title)]
    when = facts.starts_at.astimezone().strftime("%d/%m/%Y %H:%M") if facts.starts_at else ""
    if when or facts.place:
        parts.append(_("Date: {date}. Place: {place}.").format(date=when or "—", place=facts.place or "—"))
    attendance = ngettext("{n} person attended.", "{n} people attended.",
                          facts.attendees_count).format(n=facts.attendees_count)
    if facts.expected_count:
        attendance += " " + ngettext(
            "{registered} of {expected} registered person came; {walk_ins} came without registering.",
            "{registered} of {expected} registered people came; {walk_ins} came without registering.",
            facts.expected_count).format(registered=facts.registered_present,
                                         expected=facts.expected_count, walk_ins=facts.walk_ins)
    parts.append(attendance)
    if facts.attending_organisations:
        parts.append(_("Attending organisations: {names}.").format(
            names=", ".join(facts.attending_organisations)))
    lines = [ngettext("{n} proposal was gathered.", "{n} proposals were gathered.",
                      facts.contributions_count).format(n=facts.contributions_count)]
    if facts.proposals:
        lines.append(_("Proposals, by supports:"))
        for p in facts.proposals:
            supports = ngettext("{n} support", "{n} supports", p.supports).format(n=p.supports)
            lines.append(f"{p.rank}. {pick_localized(p.title, locale)} ({supports})")
    parts.append("\n".join(lines))
    if facts.votes:
        vote_lines = [_("Votes:")]
        for v in facts.votes:
            vote_lines.append(f"- {v.title}: {v.explanation}".rstrip(": "))
        parts.append("\n".join(vote_lines))
    if facts.audit_head:
        parts.append(_("Audit log head (to check later that the session record was not altered): "
                       "{hash}").format(hash=facts.audit_head))
    parts.append(_("Prepared offline with p311desk. People are counted, never named."))
    return "\n\n".join(parts) + "\n"


def closing_reports(facts: ClosingFacts, locales: list[str]) -> dict[str, str]:
    return {loc: closing_report(facts, loc) for loc in locales}
