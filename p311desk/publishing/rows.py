"""The rows of the files Decidim's admin imports, beyond the proposals themselves.

* Proposal answers (``id;state;answer/<locale>``): for each session proposal already on the
  platform, its prioritisation (rank and supports) and, when a vote decided it, the vote's
  explanation; the state is ``accepted``/``rejected`` when a linked vote decided, else
  ``evaluating``.
* Accountability results (Decidim's results CSV): one result per proposal a linked vote approved
  or selected, pointing at the proposal on the platform.
* Checked-in Decidim registration codes, for the administrator to validate (the platform has no
  API for it): code, Decidim registration id and check-in time. No names.

Rows are plain dicts keyed by the file's column names; the writers live in ``sync.importfiles``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk.i18n import load_translations, pick_localized
from p311desk.models import Attendance, Component, ParticipationSession, Registration, Space, Taxonomy
from p311desk.publishing.report import ClosingFacts, VoteLine

ANSWER_STATES = {"approved": "accepted", "elected": "accepted", "selected": "accepted",
                 "rejected": "rejected"}
RESULT_HEAD = ["id", "parent/id"]
RESULT_TAIL = ["start_date", "end_date", "status/id", "progress", "category/id", "scope/id",
               "proposal_urls"]


def _vote_of(facts: ClosingFacts, question_id: uuid.UUID | None) -> VoteLine | None:
    return next((v for v in facts.votes if v.question_id == question_id), None) if question_id else None


def _decided(vote: VoteLine | None, title: dict[str, str]) -> str | None:
    """``accepted``/``rejected`` when the linked vote decided this proposal, else None."""
    if vote is None:
        return None
    if vote.selected:
        return "accepted" if any(t in vote.selected for t in title.values()) else "rejected"
    return ANSWER_STATES.get(vote.outcome)


def answer_text(facts: ClosingFacts, line, locale: str) -> str:
    tr = load_translations(locale)
    _ = tr.gettext
    when = facts.starts_at or facts.closed_at
    session = facts.title + (f" ({when.astimezone().strftime('%d/%m/%Y')})" if when else "")
    text = tr.ngettext(
        "Prioritised at the session “{session}”: position {rank} of {total}, with {n} support.",
        "Prioritised at the session “{session}”: position {rank} of {total}, with {n} supports.",
        line.supports).format(session=session, rank=line.rank, total=len(facts.proposals), n=line.supports)
    vote = _vote_of(facts, line.vote_question_id)
    if vote is not None and vote.explanation:
        text += " " + _("Vote: {explanation}").format(explanation=vote.explanation)
    return text


def answer_rows(facts: ClosingFacts, locales: list[str]) -> tuple[list[str], list[dict]]:
    columns = ["id", "state"] + [f"answer/{loc}" for loc in locales]
    rows = []
    for line in facts.proposals:
        if not line.remote_id:
            continue
        state = _decided(_vote_of(facts, line.vote_question_id), line.title) or "evaluating"
        rec = {"id": _int_or_text(line.remote_id), "state": state}
        for loc in locales:
            rec[f"answer/{loc}"] = answer_text(facts, line, loc)
        rows.append(rec)
    return columns, rows


def proposal_url(s: Session, session_id: uuid.UUID, host: str, remote_id: str) -> str | None:
    """The proposal's public URL on the platform, from the session's space and component."""
    row = s.get(ParticipationSession, session_id)
    space = s.get(Space, row.space_id) if row is not None and row.space_id else None
    comp = s.get(Component, row.component_id) if row is not None and row.component_id else None
    if space is None or comp is None or not space.slug or not comp.decidim_id:
        return None
    kind = "assemblies" if "assembl" in (space.space_type or "").lower() else "processes"
    return f"https://{host}/{kind}/{space.slug}/f/{comp.decidim_id}/proposals/{remote_id}"


def result_rows(s: Session, facts: ClosingFacts, host: str, locales: list[str]
                ) -> tuple[list[str], list[dict]]:
    """Accountability results: the proposals a linked vote approved or selected."""
    from p311desk import proposals as P

    columns = RESULT_HEAD + [f"{f}/{loc}" for f in ("title", "description") for loc in locales] \
        + RESULT_TAIL
    rows = []
    taxes = {t.id: t for t in s.scalars(select(Taxonomy))}
    for line in facts.proposals:
        if _decided(_vote_of(facts, line.vote_question_id), line.title) != "accepted":
            continue
        p = P.find_proposal(s, str(line.proposal_id))
        cat = taxes.get(p.category_id) if p.category_id else None
        scope = taxes.get(p.scope_id) if p.scope_id else None
        rec = {"id": f"p311-{line.proposal_id.hex[:8]}", "parent/id": "",
               "start_date": "", "end_date": "", "status/id": "", "progress": "",
               "category/id": cat.decidim_id if cat is not None and cat.kind == "category" else "",
               "scope/id": scope.decidim_id if scope is not None and scope.kind == "scope" else "",
               "proposal_urls": (proposal_url(s, facts.session_id, host, line.remote_id) or "")
               if line.remote_id else ""}
        for loc in locales:
            rec[f"title/{loc}"] = pick_localized(line.title, loc)
            rec[f"description/{loc}"] = answer_text(facts, line, loc)
        rows.append(rec)
    return columns, rows


@dataclass(frozen=True)
class CheckedInCode:
    code: str
    decidim_registration_id: str | None
    checked_in_at: dt.datetime


def checked_in_codes(s: Session, session_id: uuid.UUID) -> list[CheckedInCode]:
    """Decidim registration codes of the people checked in (not undone), in check-in order."""
    rows = s.execute(
        select(Registration.code, Registration.decidim_registration_id, Attendance.checked_in_at)
        .join(Attendance, (Attendance.participant_id == Registration.participant_id)
              & (Attendance.session_id == Registration.session_id))
        .where(Registration.session_id == session_id, Attendance.cancelled_at.is_(None),
               Registration.code.is_not(None), Registration.code != "")
        .order_by(Attendance.checked_in_at))
    return [CheckedInCode(code, rid, at) for code, rid, at in rows]


def _int_or_text(value: str):
    return int(value) if str(value).isdigit() else value
