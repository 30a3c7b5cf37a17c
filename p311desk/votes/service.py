"""Questions put to the vote: create, open (eligibility snapshot), cast, proxy, hand counts,
paper ballots, close, results.

Storage of a vote (see ``models.py``):

- ``vote_eligibility``: who may vote, snapshot when the question opens — the checked-in
  participants of the session, or the members of the question's body with their integer weights,
  presence, and the present delegate who carries an absent member's vote (a delegation to an
  absent delegate carries nothing);
- ``vote_participation``: *that* someone voted (no timestamp, no link to a ballot);
- an open vote's choices: ``vote_record`` (voter, choice, weight) — the roll-call table;
- a secret vote's choices: ``secret_ballot`` — random key, question, choice; a voter of weight *w*
  leaves *w* unit ballots. Nothing else: no voter, no time, no order, no weight;
- counts entered by hand (show of hands, batches of paper ballots, a delegate's carried votes in
  an open vote): ``vote_count``, keyed by (question, batch, option); saving a batch replaces it;
- paper ballots: ``paper_ballot`` serials, marked counted when scanned.

The audit log records who voted (never what, for a secret vote), counts, and at close the result
and the SHA-256 of the sorted ballot set. The outbox receives only the closed result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from p311desk import audit, keys, outbox, qr
from p311desk.attendance import present_ids, resolve
from p311desk.errors import DomainError, InvalidTransition, NotFound, ValidationError
from p311desk.i18n import N_, _
from p311desk.models import (
    BodyMember,
    Delegation,
    PaperBallot,
    ParticipationSession,
    Participant,
    SecretBallot,
    VoteCount,
    VoteEligibility,
    VoteParticipation,
    VoteQuestion,
    VoteRecord,
    utcnow,
)
from p311desk.text import clean, fold
from p311desk.votes import explain, tally
from p311desk.votes.tally import ABSTAIN

METHOD_NAMES = {"yes_no": N_("Yes / no / abstain"), "single": N_("Single choice"),
                "multiple": N_("Multiple choice"), "points": N_("Points"), "budget": N_("Participatory budget")}
STATUS_NAMES = {"draft": N_("Draft"), "open": N_("Open"), "closed": N_("Closed")}
YES_WORDS = {"yes", "y", "si", "sí", "s", "a favor"}
NO_WORDS = {"no", "n", "en contra"}
ABSTAIN_WORDS = {"abstain", "abstention", "abstencio", "abstención", "abstencion", "abstenció", "abs"}
BLANK_WORDS = {"blank", "blanc", "en blanc", "blanco", "en blanco"}
log = logging.getLogger(__name__)
INVALID_WORDS = {"invalid", "spoilt", "spoiled", "null", "nul", "nulo", "nula"}


class VoteRefused(DomainError):
    """A cast, count or scan the rules refuse; nothing was recorded."""

    msgid = N_("The vote was refused.")


# --- plain data out --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInfo:
    id: uuid.UUID
    session_id: uuid.UUID
    title: str
    description: str
    method: str
    options: tuple[str, ...]
    secret: bool
    weighted: bool
    body_id: uuid.UUID | None
    status: str
    costs: tuple[int, ...] = ()
    budget: int | None = None
    rule: str = "greedy"
    min_selections: int = 1
    max_selections: int = 1
    points: str = ""
    dots: int = 0
    dots_max: int = 0
    majority: str = "simple"
    majority_of: str = "cast"
    quorum: str = ""  # "1/2" or ""
    spending_limit: int | None = None
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return labels_for(self.method, self.options)


@dataclass(frozen=True)
class LiveCount:
    """What the room may see while a question is open: how many have voted, never what."""

    status: str
    voted: int  # voters (headcount) who have voted, plus paper ballots scanned
    eligible: int  # voters who may vote (present or represented)


@dataclass(frozen=True)
class OptionResult:
    label: str
    votes: int | None  # None while a secret vote is open


@dataclass(frozen=True)
class Results:
    question_id: uuid.UUID
    title: str
    status: str
    method: str
    secret: bool
    weighted: bool
    eligible: int
    present: int
    cast: int
    blank: int
    abstain: int
    invalid: int
    options: tuple[OptionResult, ...]
    quorum_required: int | None
    quorum_reached: bool
    outcome: str
    explanation: str
    selected: tuple[str, ...] = ()
    compare: dict[str, tuple[str, ...]] = field(default_factory=dict)
    spent: dict[str, int] = field(default_factory=dict)
    budget: int | None = None
    digest: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.question_id), "title": self.title, "status": self.status, "method": self.method,
            "secret": self.secret, "weighted": self.weighted, "eligible": self.eligible, "present": self.present,
            "cast": self.cast, "blank": self.blank, "abstain": self.abstain, "invalid": self.invalid,
            "options": [{"label": o.label, "votes": o.votes} for o in self.options],
            "quorum": {"required": self.quorum_required, "reached": self.quorum_reached},
            "outcome": self.outcome, "explanation": self.explanation,
        }
        if self.method == "budget":
            data.update(selected=list(self.selected), budget=self.budget,
                        compare={k: list(v) for k, v in self.compare.items()}, spent=dict(self.spent))
        if self.digest:
            data["ballot_digest"] = self.digest
        return data


@dataclass(frozen=True)
class CastResult:
    voter: str
    ballots: int  # weight units recorded
    message: str


@dataclass(frozen=True)
class IssuedBallot:
    serial: str
    serial_payload: str
    options: tuple[tuple[str, str], ...]  # (label, payload)

    def as_json(self) -> dict[str, Any]:
        return {"serial": self.serial, "serial_payload": self.serial_payload,
                "options": [{"label": label, "payload": payload} for label, payload in self.options]}


# --- helpers ---------------------------------------------------------------------------------


def labels_for(method: str, options: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    if method == "yes_no":
        return (_("Yes"), _("No"))
    return tuple(options)


def _info(q: VoteQuestion) -> QuestionInfo:
    return QuestionInfo(
        q.id, q.session_id, q.title, q.description, q.method, tuple(q.options), q.secret, q.weighted, q.body_id,
        q.status, tuple(int(c) for c in q.costs or ()), q.budget, q.rule, q.min_selections, q.max_selections,
        q.points, q.dots, q.dots_max, q.majority, q.majority_of,
        f"{q.quorum_num}/{q.quorum_den}" if q.quorum_num else "", q.spending_limit, q.opened_at, q.closed_at)


def _question(s: Session, question_id: uuid.UUID) -> VoteQuestion:
    q = s.get(VoteQuestion, question_id)
    if q is None:
        raise NotFound("No question matches “{ref}”.", ref=str(question_id))
    return q


def _spec(q: VoteQuestion | QuestionInfo) -> tally.Spec:
    n = 2 if q.method == "yes_no" else len(q.options)
    return tally.Spec(q.method, n, q.min_selections, q.max_selections, q.points, q.dots, q.dots_max,
                      tuple(int(c) for c in q.costs or ()), int(q.budget or 0), q.spending_limit)


def _rules(q: VoteQuestion) -> tally.Rules:
    quorum = Fraction(q.quorum_num, q.quorum_den) if q.quorum_num else None
    return tally.Rules(quorum, q.quorum_by, q.majority, q.majority_of, q.abstentions_count, q.tie_rule)


def _session_writable(s: Session, session_id: uuid.UUID) -> ParticipationSession:
    session = s.get(ParticipationSession, session_id)
    if session is None:
        raise NotFound("The session does not exist.")
    if session.status == "closed":
        raise InvalidTransition("The session is closed: its votes are read-only.")
    return session


def find_question(s: Session, ref: str | uuid.UUID) -> QuestionInfo:
    """A question by id or unambiguous id prefix; an ambiguous prefix lists the candidates."""
    if isinstance(ref, uuid.UUID):
        return _info(_question(s, ref))
    low = clean(ref).lower().replace("-", "")
    if not low:
        raise NotFound("No question matches “{ref}”.", ref=ref)
    hits = [q for q in s.scalars(select(VoteQuestion)) if q.id.hex.startswith(low)]
    if not hits:
        raise NotFound("No question matches “{ref}”.", ref=ref)
    if len(hits) > 1:
        raise NotFound("Several questions match “{ref}”: {candidates}", ref=ref,
                       candidates="; ".join(f"{q.id.hex[:8]} {q.title}" for q in hits[:10]))
    return _info(hits[0])


def list_questions(s: Session, session_id: uuid.UUID) -> list[QuestionInfo]:
    rows = s.scalars(select(VoteQuestion).where(VoteQuestion.session_id == session_id)
                     .order_by(VoteQuestion.created_at))
    return [_info(q) for q in rows]


# --- create ----------------------------------------------------------------------------------


def create_question(
    s: Session,
    session_id: uuid.UUID,
    title: str,
    *,
    method: str = "yes_no",
    options: list[str] | tuple[str, ...] = (),
    description: str = "",
    secret: bool = False,
    weighted: bool = False,
    body_id: uuid.UUID | None = None,
    min_selections: int | None = None,
    max_selections: int | None = None,
    points: str = "",
    dots: int = 0,
    dots_max: int = 0,
    costs: list[int] | tuple[int, ...] = (),
    budget: int | None = None,
    spending_limit: int | None = None,
    rule: str = "greedy",
    quorum: str | Fraction | None = None,
    quorum_by: str = "headcount",
    majority: str = "simple",
    majority_of: str = "cast",
    abstentions_count: bool = False,
    tie_rule: str = "tie",
) -> QuestionInfo:
    _session_writable(s, session_id)
    title = clean(title)
    if not title:
        raise ValidationError("A question needs a title.")
    if len(title) > 500:
        raise ValidationError("The title is too long (at most {max} characters).", max=500)
    if method not in tally.METHODS:
        raise ValidationError("Unknown voting method: {method}", method=method)
    labels = [clean(o) for o in options if clean(o)]
    if method == "yes_no":
        labels = []
    elif len(labels) < 2:
        raise ValidationError("A question needs at least two options.")
    if len({fold(o) for o in labels}) != len(labels):
        raise ValidationError("Two options have the same name.")
    if len(labels) > 1000:
        raise ValidationError("Too many options (at most {max}).", max=1000)
    if majority not in tally.MAJORITIES:
        raise ValidationError("Unknown majority: {value}", value=majority)
    if majority_of not in tally.MAJORITY_BASES:
        raise ValidationError("Unknown majority base: {value}", value=majority_of)
    if quorum_by not in ("headcount", "weight") or tie_rule not in ("tie", "casting"):
        raise ValidationError("The data is not valid.")
    if weighted and body_id is None:
        raise ValidationError("Weighted votes need a body: weights are the members' weights.")
    n = len(labels)
    lo, hi = 1, 1
    if method == "multiple":
        lo, hi = min_selections or 1, max_selections or n
    elif method == "budget":
        lo, hi = min_selections or 0, max_selections or n
        if budget is None or budget <= 0:
            raise ValidationError("A participatory budget needs a budget greater than 0.")
        if len(costs) != n or any(int(c) != c or c <= 0 for c in costs):
            raise ValidationError("Every project needs a cost, a whole amount greater than 0.")
        if rule not in tally.RULES:
            raise ValidationError("Unknown budget rule: {rule}", rule=rule)
        if weighted:
            raise ValidationError("Budget votes are not weighted: each voter has one ballot.")
    elif method == "points":
        if points not in ("borda", "dots"):
            raise ValidationError("Points are Borda or dots.")
        if points == "dots" and dots < 1:
            raise ValidationError("Dot points need the number of dots per voter.")
        lo, hi = 1, n if points == "borda" else dots
    if not 0 <= lo <= hi <= max(n, 1) and method != "points":
        raise ValidationError("Between {lo} and {hi} selections is not possible with {n} options.", lo=lo, hi=hi, n=n)
    qnum = qden = None
    if quorum not in (None, ""):
        try:
            frac = quorum if isinstance(quorum, Fraction) else tally.parse_fraction(str(quorum))
        except ValueError:
            raise ValidationError("A quorum is a fraction between 0 and 1, such as 1/2 or 0.6.") from None
        qnum, qden = frac.numerator, frac.denominator
    q = VoteQuestion(
        id=uuid.uuid4(), session_id=session_id, title=title, description=clean(description), options=labels,
        method=method, secret=secret, weighted=weighted, body_id=body_id, min_selections=lo, max_selections=hi,
        points=points if method == "points" else "", dots=dots, dots_max=dots_max,
        costs=[int(c) for c in costs] if method == "budget" else [], budget=budget if method == "budget" else None,
        spending_limit=spending_limit, rule=rule, quorum_num=qnum, quorum_den=qden, quorum_by=quorum_by,
        majority=majority, majority_of=majority_of, abstentions_count=abstentions_count, tie_rule=tie_rule,
        status="draft")
    s.add(q)
    s.flush()
    audit.record(s, "vote.created", session_id=session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"title": title, "method": method, "options": labels, "secret": secret,
                          "weighted": weighted, "body_id": str(body_id) if body_id else None})
    return _info(q)


# --- open: the eligibility snapshot ----------------------------------------------------------


def open_question(s: Session, question_id: uuid.UUID) -> QuestionInfo:
    q = _question(s, question_id)
    session = _session_writable(s, q.session_id)
    if q.status != "draft":
        raise InvalidTransition("Only a draft question can be opened.")
    if session.status != "open":
        raise InvalidTransition("Open the session before opening a vote.")
    here = present_ids(s, q.session_id)
    rows: list[VoteEligibility] = []
    if q.body_id is None:
        rows = [VoteEligibility(question_id=q.id, participant_id=pid, weight=1, present=True) for pid in here]
    else:
        carried = {d.from_participant_id: d.to_participant_id for d in s.scalars(select(Delegation).where(
            Delegation.session_id == q.session_id, Delegation.body_id == q.body_id, Delegation.revoked_at.is_(None)))}
        for m in s.scalars(select(BodyMember).where(BodyMember.body_id == q.body_id, BodyMember.active.is_(True))):
            present = m.participant_id in here
            holder = carried.get(m.participant_id)
            # A delegation counts only if the delegate is present when the vote opens.
            carried_by = holder if (not present and holder in here) else None
            rows.append(VoteEligibility(question_id=q.id, participant_id=m.participant_id,
                                        weight=m.weight if q.weighted else 1, present=present,
                                        carried_by_id=carried_by))
    if not any(r.present or r.carried_by_id for r in rows):
        raise InvalidTransition("Nobody can vote yet: check people in first.")
    s.add_all(rows)
    q.status, q.opened_at = "open", utcnow()
    s.flush()
    audit.record(s, "vote.opened", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"eligible": len(rows), "present": sum(r.present for r in rows),
                          "represented": sum(1 for r in rows if r.carried_by_id)})
    return _info(q)


@dataclass(frozen=True)
class Electorate:
    members: int
    present: int  # present in person or represented by a present delegate
    members_weight: int
    present_weight: int
    delegations_void: int  # delegations whose delegate was absent at opening

    def as_tally(self) -> tally.Electorate:
        return tally.Electorate(self.members, self.present, self.members_weight, self.present_weight)


def electorate(s: Session, question_id: uuid.UUID) -> Electorate:
    q = _question(s, question_id)
    rows = list(s.scalars(select(VoteEligibility).where(VoteEligibility.question_id == question_id)))
    voting = [r for r in rows if r.present or r.carried_by_id]
    void = 0
    if q.body_id is not None and q.opened_at is not None:
        void = s.scalar(select(func.count()).select_from(Delegation).where(
            Delegation.session_id == q.session_id, Delegation.body_id == q.body_id,
            Delegation.revoked_at.is_(None),
            Delegation.from_participant_id.in_([r.participant_id for r in rows if not r.present and not r.carried_by_id])
        )) or 0
    return Electorate(len(rows), len(voting), sum(r.weight for r in rows), sum(r.weight for r in voting), void)


# --- choices ---------------------------------------------------------------------------------


def parse_choice(q: QuestionInfo | VoteQuestion, tokens: list[str] | tuple[str, ...] | str) -> tuple[int, ...]:
    """Option labels or 1-based numbers as typed; yes/no/abstain/blank words; ``OPTION=N`` gives
    N dots. Raises :class:`VoteRefused` for an unknown option."""
    if isinstance(tokens, str):
        tokens = [tokens]
    method, labels = q.method, labels_for(q.method, tuple(q.options))
    choice: list[int] = []
    for raw in tokens:
        token = clean(raw)
        times = 1
        if "=" in token and method == "points":
            token, _sep, n = token.rpartition("=")
            if not n.strip().isdigit():
                raise VoteRefused("“{value}” is not a number of dots.", value=n)
            times = int(n)
        word = fold(token)
        if word in BLANK_WORDS:
            continue
        if method == "yes_no" and word in ABSTAIN_WORDS | YES_WORDS | NO_WORDS:
            choice.append(ABSTAIN if word in ABSTAIN_WORDS else tally.YES if word in YES_WORDS else tally.NO)
            continue
        index = _option_index(labels, token)
        choice.extend([index] * times)
    return tuple(choice)


def _option_index(labels: tuple[str, ...], token: str) -> int:
    if token.isdigit() and 1 <= int(token) <= len(labels):
        return int(token) - 1
    folded = fold(token)
    for i, label in enumerate(labels):
        if fold(label) == folded:
            return i
    hits = [i for i, label in enumerate(labels) if folded and fold(label).startswith(folded)]
    if len(hits) == 1:
        return hits[0]
    raise VoteRefused("There is no option “{option}”.", option=token)


def validate_choice(q: VoteQuestion | QuestionInfo, choice: tuple[int, ...]) -> tuple[int, ...]:
    """The ballot as it will be stored, or :class:`VoteRefused` saying what is wrong with it."""
    try:
        return tally.validate(_spec(q), choice)
    except tally.InvalidBallot as err:
        raise VoteRefused(err.reason, **err.params) from None


# --- cast ------------------------------------------------------------------------------------


def _open(s: Session, question_id: uuid.UUID) -> VoteQuestion:
    q = _question(s, question_id)
    _session_writable(s, q.session_id)
    if q.status != "open":
        raise VoteRefused("The vote is not open.")
    return q


def _voter(s: Session, q: VoteQuestion, code: str) -> Participant:
    p = resolve(s, q.session_id, code)
    if p is None:
        raise VoteRefused("Unknown code “{code}”.", code=clean(code))
    return p


def _store(s: Session, q: VoteQuestion, voter: Participant, choice: tuple[int, ...], weight: int,
           cast_by: Participant | None, via: str) -> None:
    s.add(VoteParticipation(question_id=q.id, participant_id=voter.id,
                            cast_by_id=cast_by.id if cast_by else None, via=via))
    if q.secret:
        s.add_all(SecretBallot(key=secrets.token_hex(16), question_id=q.id, choice=list(choice))
                  for _unit in range(weight))
    else:
        s.add(VoteRecord(id=uuid.uuid4(), question_id=q.id, participant_id=voter.id,
                         cast_by_id=cast_by.id if cast_by else None, choice=list(choice), weight=weight, via=via))
    s.flush()
    payload: dict[str, Any] = {"question_id": str(q.id), "via": via}
    if not q.secret:  # an open vote is public: the audit shows the choice
        payload.update(choice=list(choice), weight=weight)
    audit.record(s, "vote.cast", session_id=q.session_id, entity_type="participant", entity_id=voter.id,
                 payload=payload)


def cast(s: Session, question_id: uuid.UUID, code: str, choice: tuple[int, ...] | list[str], *,
         on_behalf_of: str | None = None, via: str = "kiosk") -> CastResult:
    """Record one voter's ballot (kiosk, roll call). ``on_behalf_of`` names an absent member
    whose vote ``code`` carries by delegation."""
    q = _open(s, question_id)
    if choice and isinstance(next(iter(choice)), str):
        choice = parse_choice(q, list(choice))
    choice = validate_choice(q, tuple(choice))
    person = _voter(s, q, code)
    if on_behalf_of:
        voter = _voter(s, q, on_behalf_of)
        elig = s.get(VoteEligibility, (q.id, voter.id))
        if elig is None or elig.carried_by_id != person.id:
            raise VoteRefused("{name} does not carry the vote of {other} in this vote.",
                              name=person.full_name, other=voter.full_name)
        cast_by = person
    else:
        voter, cast_by = person, None
        elig = s.get(VoteEligibility, (q.id, voter.id))
        if elig is None:
            raise VoteRefused("{name} may not vote on this question.", name=voter.full_name)
        if not elig.present:
            raise VoteRefused("{name} was not present when the vote opened.", name=voter.full_name)
    if s.get(VoteParticipation, (q.id, voter.id)) is not None:
        raise VoteRefused("{name} has already voted.", name=voter.full_name)
    _store(s, q, voter, choice, elig.weight, cast_by, via)
    return CastResult(voter.full_name, elig.weight, _("Vote recorded for {name}.").format(name=voter.full_name))


def carried(s: Session, question_id: uuid.UUID, code: str) -> list[tuple[str, str, int, bool]]:
    """The votes ``code`` carries: (name, code, weight, already voted)."""
    q = _question(s, question_id)
    holder = _voter(s, q, code)
    rows = s.scalars(select(VoteEligibility).where(VoteEligibility.question_id == q.id,
                                                    VoteEligibility.carried_by_id == holder.id))
    out = []
    for r in rows:
        p = s.get(Participant, r.participant_id)
        out.append((p.full_name, p.checkin_code, r.weight,
                    s.get(VoteParticipation, (q.id, p.id)) is not None))
    return out


def cast_proxy(s: Session, question_id: uuid.UUID, code: str, counts: dict[str, int]) -> CastResult:
    """A delegate enters the votes they carry in aggregate ("3 yes, 1 no"). The counts must add
    up to the weight of the carried votes not cast yet; each carried member is marked voted."""
    q = _open(s, question_id)
    holder = _voter(s, q, code)
    pending = [r for r in s.scalars(select(VoteEligibility).where(
        VoteEligibility.question_id == q.id, VoteEligibility.carried_by_id == holder.id))
        if s.get(VoteParticipation, (q.id, r.participant_id)) is None]
    if not pending:
        raise VoteRefused("{name} carries no votes that are still to be cast.", name=holder.full_name)
    units: list[tuple[tuple[int, ...], int]] = []
    for option, n in counts.items():
        if int(n) != n or n < 0:
            raise VoteRefused("Counts are whole numbers of at least 0.")
        choice = () if fold(option) in BLANK_WORDS else parse_choice(q, [option])
        if q.method not in ("yes_no", "single"):
            raise VoteRefused("Carried votes in aggregate are for yes/no and single-choice questions.")
        units.append((validate_choice(q, choice), int(n)))
    total, expected = sum(n for _c, n in units), sum(r.weight for r in pending)
    if total != expected:
        raise VoteRefused("{name} carries {expected} votes still to be cast; the counts add up to {total}.",
                          name=holder.full_name, expected=expected, total=total)
    for r in pending:
        s.add(VoteParticipation(question_id=q.id, participant_id=r.participant_id, cast_by_id=holder.id, via="proxy"))
    if q.secret:
        s.add_all(SecretBallot(key=secrets.token_hex(16), question_id=q.id, choice=list(c))
                  for c, n in units for _unit in range(n))
    else:
        batch = f"proxy:{holder.checkin_code}"
        for c, n in units:
            _put_count(s, q.id, batch, _count_key(c), n)
    s.flush()
    payload: dict[str, Any] = {"question_id": str(q.id), "via": "proxy", "votes": total,
                               "members": [str(r.participant_id) for r in pending]}
    if not q.secret:
        payload["counts"] = {_count_key(c): n for c, n in units}
    audit.record(s, "vote.proxy_cast", session_id=q.session_id, entity_type="participant", entity_id=holder.id,
                 payload=payload)
    return CastResult(holder.full_name, total, _("Carried votes recorded for {name}: {n}.").format(
        n=total, name=holder.full_name))


# --- hand counts -----------------------------------------------------------------------------


def _count_key(choice: tuple[int, ...]) -> str:
    if not choice:
        return "blank"
    if choice == (ABSTAIN,):
        return "abstain"
    return str(choice[0])


def _put_count(s: Session, question_id: uuid.UUID, batch: str, option: str, n: int) -> None:
    row = s.get(VoteCount, (question_id, batch, option))
    if row is None:
        s.add(VoteCount(question_id=question_id, batch=batch, option=option, count=n))
    else:
        row.count = n


def save_count(s: Session, question_id: uuid.UUID, batch: str, counts: dict[str, int], *, blank: int = 0,
               invalid: int = 0, abstain: int = 0, total: int | None = None) -> None:
    """Save the counts of one batch (show of hands, a pile of paper ballots). Saving the same
    batch again replaces what it had — audited — never adds on top. Refused when the counts
    exceed who may vote."""
    q = _open(s, question_id)
    batch = clean(batch)
    if not batch or batch.startswith("proxy:"):
        raise VoteRefused("A count needs a batch name.")
    values: dict[str, int] = {}
    for option, n in counts.items():
        if int(n) != n or n < 0:
            raise VoteRefused("Counts are whole numbers of at least 0.")
        choice = parse_choice(q, [option])
        if q.method == "yes_no" and choice == (ABSTAIN,):
            abstain += int(n)
            continue
        if len(choice) != 1:
            raise VoteRefused("There is no option “{option}”.", option=option)
        values[str(choice[0])] = values.get(str(choice[0]), 0) + int(n)
    for name, n in (("blank", blank), ("invalid", invalid), ("abstain", abstain)):
        if int(n) != n or n < 0:
            raise VoteRefused("Counts are whole numbers of at least 0.")
        if n:
            values[name] = int(n)
    one_choice = q.method in ("yes_no", "single")
    batch_ballots = (sum(v for k, v in values.items() if k not in ("invalid",)) if one_choice
                     else (total if total is not None else 0) + values.get("invalid", 0))
    if total is not None:
        if one_choice and total != batch_ballots:
            raise VoteRefused("The counts add up to {sum}, not the {total} ballots of the batch.",
                              sum=batch_ballots, total=total)
        values["total"] = int(total)
    previous = {r.option: r.count for r in s.scalars(select(VoteCount).where(
        VoteCount.question_id == q.id, VoteCount.batch == batch))}
    s.execute(delete(VoteCount).where(VoteCount.question_id == q.id, VoteCount.batch == batch))
    for option, n in values.items():
        s.add(VoteCount(question_id=q.id, batch=batch, option=option, count=n))
    s.flush()
    limit = electorate(s, q.id).present_weight
    used = _ballots_used(s, q)
    if used > limit:
        raise VoteRefused("With these counts the votes would reach {used}, more than the {limit} who may vote.",
                              used=used, limit=limit)
    audit.record(s, "vote.count_saved" if not previous else "vote.count_replaced", session_id=q.session_id,
                 entity_type="vote_question", entity_id=q.id,
                 payload={"batch": batch, "counts": values, "previous": previous or None})


def _ballots_used(s: Session, q: VoteQuestion) -> int:
    """Votes already in, in weight units: participations, scanned paper ballots and hand counts."""
    voted = s.scalar(select(func.coalesce(func.sum(VoteEligibility.weight), 0)).join(
        VoteParticipation, (VoteParticipation.question_id == VoteEligibility.question_id)
        & (VoteParticipation.participant_id == VoteEligibility.participant_id)).where(
        VoteEligibility.question_id == q.id)) or 0
    paper = s.scalar(select(func.count()).select_from(PaperBallot).where(
        PaperBallot.question_id == q.id, PaperBallot.counted.is_(True))) or 0
    hand = 0
    per_batch: dict[str, dict[str, int]] = defaultdict(dict)
    for r in s.scalars(select(VoteCount).where(VoteCount.question_id == q.id)):
        per_batch[r.batch][r.option] = r.count
    for batch, rows in per_batch.items():
        if batch.startswith("proxy:") or batch.endswith(":scanned"):
            continue  # already counted: carried members' participations, scanned paper ballots
        if "total" in rows:
            hand += rows["total"] + rows.get("invalid", 0)
        else:
            hand += sum(rows.values())
    return int(voted) + int(paper) + hand


# --- paper ballots ---------------------------------------------------------------------------


def _ballot_key(question_id: uuid.UUID) -> bytes:
    return keys.secret(f"ballots:{question_id}")


def issue_ballots(s: Session, question_id: uuid.UUID, count: int) -> list[IssuedBallot]:
    """Make ``count`` new paper ballots: a signed serial and a signed code per option box."""
    q = _question(s, question_id)
    _session_writable(s, q.session_id)
    if q.status == "closed":
        raise InvalidTransition("The vote is closed.")
    if not 1 <= count <= 10000:
        raise ValidationError("Between 1 and {max} ballots at a time.", max=10000)
    key = _ballot_key(q.id)
    labels = labels_for(q.method, tuple(q.options))
    if q.method == "yes_no":
        labels = labels + (_("Abstain"),)
    taken = set(s.scalars(select(PaperBallot.serial).where(PaperBallot.question_id == q.id)))
    out = []
    while len(out) < count:
        serial = qr.new_serial()
        if serial in taken:
            continue
        taken.add(serial)
        s.add(PaperBallot(question_id=q.id, serial=serial, counted=False))
        out.append(IssuedBallot(serial, qr.ballot_payload(key, q.id, serial),
                                tuple((label, qr.option_payload(key, q.id, serial, i)) for i, label in enumerate(labels))))
    s.flush()
    audit.record(s, "vote.ballots_issued", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"count": count, "issued": len(taken)})
    return out


def is_ballot_code(text: str) -> bool:
    """Whether ``text`` is a paper ballot's serial or option code (of any question)."""
    return qr.decode(text).kind in ("ballot", "option")


def _issued_paper(s: Session, q: VoteQuestion, decoded: qr.Payload) -> PaperBallot:
    """The issued, not yet counted paper ballot a genuine code of this question names."""
    if decoded.kind not in ("ballot", "option"):
        raise VoteRefused("This code is not a ballot of this vote.")
    if decoded.question_tag != qr.question_tag(q.id):
        raise VoteRefused("This ballot belongs to another vote.")
    try:
        qr.verify(decoded, _ballot_key(q.id), q.id)
    except qr.BadSignature:
        raise VoteRefused("This ballot's code is forged or damaged: its signature does not match.") from None
    paper = s.get(PaperBallot, (q.id, decoded.serial))
    if paper is None:
        raise VoteRefused("Ballot {serial} was not issued for this vote.", serial=decoded.serial)
    if paper.counted:
        raise VoteRefused("Ballot {serial} has already been counted.", serial=decoded.serial)
    return paper


def scan(s: Session, question_id: uuid.UUID, payload: str, choice: list[str] | None = None) -> CastResult:
    """Count one paper ballot from a scanned code: an option's code (one scan per ballot) or the
    serial plus the choice keyed in (``blank`` and ``invalid`` for blank and spoilt ballots)."""
    q = _open(s, question_id)
    decoded = qr.decode(payload)
    try:
        paper = _issued_paper(s, q, decoded)
        invalid = False
        if decoded.kind == "option":
            if choice:
                raise VoteRefused("An option's code already says the choice.")
            index = decoded.option or 0
            ballot: tuple[int, ...] = (ABSTAIN,) if (q.method == "yes_no" and index == 2) else (index,)
        else:
            if not choice:
                raise VoteRefused("Scan the code beside the marked box, or key the choice for this serial.")
            invalid = any(fold(c) in INVALID_WORDS for c in choice)
            ballot = () if invalid else parse_choice(q, choice)
        if not invalid:
            ballot = validate_choice(q, ballot)
    except VoteRefused as err:
        audit.record(s, "vote.scan_refused", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                     payload={"reason": err.msgid})
        raise
    paper.counted = True
    if invalid:
        _add_to_count(s, q.id, "paper", "invalid")
    elif q.secret:
        s.add(SecretBallot(key=secrets.token_hex(16), question_id=q.id, choice=list(ballot)))
    else:
        _add_to_count(s, q.id, "paper", _count_key(ballot))
    s.flush()
    audit.record(s, "vote.paper_counted", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"serial": decoded.serial})
    return CastResult(decoded.serial, 1, _("Ballot {serial} counted.").format(serial=decoded.serial))


def _add_to_count(s: Session, question_id: uuid.UUID, batch: str, option: str) -> None:
    # A batch of scanned paper ballots of an open vote: counts grow one ballot at a time, keyed
    # like hand counts so that the result reads them the same way.
    row = s.get(VoteCount, (question_id, batch + ":scanned", option))
    if row is None:
        s.add(VoteCount(question_id=question_id, batch=batch + ":scanned", option=option, count=1))
    else:
        row.count += 1


# --- results ---------------------------------------------------------------------------------


def _ballots(s: Session, q: VoteQuestion) -> list[tuple[tuple[int, ...], int]]:
    if q.secret:
        return [(tuple(c), 1) for c in s.scalars(select(SecretBallot.choice).where(SecretBallot.question_id == q.id))]
    return [(tuple(r.choice), r.weight) for r in s.scalars(select(VoteRecord).where(VoteRecord.question_id == q.id))]


def _manual(s: Session, q: VoteQuestion) -> list[tally.ManualCount]:
    per_batch: dict[str, dict[str, int]] = defaultdict(dict)
    for r in s.scalars(select(VoteCount).where(VoteCount.question_id == q.id)):
        per_batch[r.batch][r.option] = r.count
    out = []
    for rows in per_batch.values():
        votes = {int(k): v for k, v in rows.items() if k.isdigit()}
        out.append(tally.ManualCount(votes, rows.get("blank", 0), rows.get("abstain", 0), rows.get("invalid", 0),
                                     rows.get("total")))
    return out


def ballot_digest(s: Session, question_id: uuid.UUID) -> str:
    """SHA-256 of the sorted ballot set of a secret vote (each ballot's canonical JSON, one a line)."""
    q = _question(s, question_id)
    lines = sorted(json.dumps(list(c), separators=(",", ":")) for c, _w in _ballots(s, q))
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


def live_count(s: Session, question_id: uuid.UUID) -> LiveCount:
    q = _question(s, question_id)
    voted = s.scalar(select(func.count()).select_from(VoteParticipation).where(
        VoteParticipation.question_id == q.id)) or 0
    paper = s.scalar(select(func.count()).select_from(PaperBallot).where(
        PaperBallot.question_id == q.id, PaperBallot.counted.is_(True))) or 0
    return LiveCount(q.status, int(voted) + int(paper), electorate(s, q.id).present)


def results(s: Session, question_id: uuid.UUID, *, compare: bool = False) -> Results:
    """The result, computed now (or as frozen at close). While a secret vote is open only the
    number of votes cast is given: no option counts, no outcome."""
    q = _question(s, question_id)
    if q.status == "closed" and q.result and not compare:
        return _results_from_json(q)
    return _compute(s, q, compare=compare)


def _compute(s: Session, q: VoteQuestion, *, compare: bool = False) -> Results:
    spec, rules = _spec(q), _rules(q)
    labels = labels_for(q.method, tuple(q.options))
    el = electorate(s, q.id)
    present = el.present_weight if q.weighted else el.present
    eligible = el.members_weight if q.weighted else el.members
    if q.status == "draft":
        return Results(q.id, q.title, q.status, q.method, q.secret, q.weighted, eligible, present, 0, 0, 0, 0,
                       tuple(OptionResult(label, None) for label in labels), None, False, "", "", budget=q.budget)
    ballots = _ballots(s, q)
    counts = tally.count(spec, ballots, _manual(s, q))
    if q.secret and q.status == "open":
        return Results(q.id, q.title, q.status, q.method, q.secret, q.weighted, eligible, present, counts.cast,
                       0, 0, 0, tuple(OptionResult(label, None) for label in labels), None, False, "",
                       _("Secret vote: the result is shown when the vote closes."), budget=q.budget)
    selections: dict[str, tuple[int, ...]] = {}
    if q.method == "budget":
        selections["greedy"] = tally.greedy(spec.costs, counts.votes, spec.budget)
        if q.rule == "equal_shares" or compare:
            selections["equal_shares"] = tally.equal_shares(spec.costs, spec.budget, ballots)
    decision = tally.decide(spec, counts, rules, el.as_tally(), weighted=q.weighted, casting_vote=q.casting_vote,
                            budget_selection=selections.get(q.rule))
    if q.method == "budget":
        from dataclasses import replace

        decision = replace(decision, rule=q.rule, extra={"budget": q.budget})
    text = explain.sentence(decision, counts, labels, method=q.method, present=present)
    if el.delegations_void:
        text += " " + _("Delegations not counted because the delegate was absent: {n}.").format(n=el.delegations_void)
    outcome = decision.outcome
    return Results(
        q.id, q.title, q.status, q.method, q.secret, q.weighted, eligible, present, counts.cast, counts.blank,
        counts.abstain, counts.invalid, tuple(OptionResult(label, counts.votes[i]) for i, label in enumerate(labels)),
        decision.quorum_required, decision.quorum_reached, outcome, text,
        selected=tuple(labels[i] for i in decision.selected),
        compare={k: tuple(labels[i] for i in v) for k, v in selections.items()} if q.method == "budget" else {},
        spent={k: sum(spec.costs[i] for i in v) for k, v in selections.items()},
        budget=q.budget, digest=q.ballot_digest)


def _results_from_json(q: VoteQuestion) -> Results:
    r = q.result or {}
    return Results(
        q.id, q.title, q.status, q.method, q.secret, q.weighted, r["eligible"], r["present"], r["cast"], r["blank"],
        r["abstain"], r["invalid"], tuple(OptionResult(o["label"], o["votes"]) for o in r["options"]),
        r["quorum"]["required"], r["quorum"]["reached"], r["outcome"], r["explanation"],
        selected=tuple(r.get("selected", ())), compare={k: tuple(v) for k, v in r.get("compare", {}).items()},
        spent=dict(r.get("spent", {})), budget=q.budget, digest=q.ballot_digest)


def close_question(s: Session, question_id: uuid.UUID) -> Results:
    """Close the vote for good: freeze the result, record the ballot digest, queue the result."""
    q = _question(s, question_id)
    _session_writable(s, q.session_id)
    if q.status != "open":
        raise InvalidTransition("Only an open question can be closed.")
    q.status, q.closed_at = "closed", utcnow()
    if q.secret:
        q.ballot_digest = ballot_digest(s, q.id)
    res = _compute(s, q, compare=q.method == "budget")
    q.result = res.as_json()
    s.flush()
    audit.record(s, "vote.closed", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"cast": res.cast, "blank": res.blank, "invalid": res.invalid, "outcome": res.outcome,
                          "options": [o.votes for o in res.options], "ballot_digest": q.ballot_digest})
    outbox.enqueue(s, "vote_question", q.id, "result", session_id=q.session_id)  # the request is built at send time
    if q.secret:
        event.listen(s, "after_commit", _scrub_after_commit, once=True)
    return res


def _scrub_after_commit(s: Session) -> None:
    scrub_secret_traces(s.get_bind())


def scrub_secret_traces(engine: Any) -> bool:
    """Rewrite the database file and empty the write-ahead log once a secret vote closes.

    While a vote is open, SQLite's page layout and WAL frames follow the order in which ballots
    were written (cells are placed in insertion order inside a page, and each commit appends the
    changed page to the WAL). VACUUM rebuilds every page in key order — random for ballots — and
    a TRUNCATE checkpoint empties the WAL, so nothing in the files keeps the order of voting.
    Best effort: returns False (and logs) if another connection kept it from finishing."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("VACUUM")
        busy = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        cur.close()
        return not busy
    except Exception as err:  # noqa: BLE001 - the vote is closed and committed; scrubbing is extra
        log.warning("could not rewrite the database after a secret vote: %s", err)
        return False
    finally:
        raw.close()


def record_casting_vote(s: Session, question_id: uuid.UUID, option: str) -> Results:
    """The chair's casting vote after a tie, recorded on the closed question (a new audited
    event; the counts are not edited)."""
    q = _question(s, question_id)
    _session_writable(s, q.session_id)
    if q.status != "closed" or (q.result or {}).get("outcome") != "tie":
        raise InvalidTransition("A casting vote is only for a closed vote that ended in a tie.")
    if q.tie_rule != "casting":
        raise InvalidTransition("This vote's rules leave a tie as the outcome.")
    (index,) = parse_choice(q, [option]) or (None,)
    if index is None or index == ABSTAIN:
        raise VoteRefused("There is no option “{option}”.", option=option)
    q.casting_vote = index
    res = _compute(s, q)
    q.result = res.as_json()
    s.flush()
    audit.record(s, "vote.casting_vote", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"option": index, "outcome": res.outcome})
    outbox.enqueue(s, "vote_question", q.id, "result", session_id=q.session_id)  # the request is built at send time
    return res


def roll_call(s: Session, question_id: uuid.UUID) -> list[tuple[str, str, int, str, str]]:
    """The roll-call table of an open vote, for the minutes: (name, code, weight, choice, how)."""
    q = _question(s, question_id)
    if q.secret:
        raise InvalidTransition("A secret vote has no roll-call table.")
    labels = labels_for(q.method, tuple(q.options))
    out = []
    elig = {r.participant_id: r for r in s.scalars(select(VoteEligibility).where(VoteEligibility.question_id == q.id))}
    records = {r.participant_id: r for r in s.scalars(select(VoteRecord).where(VoteRecord.question_id == q.id))}
    parts = {r.participant_id: r for r in s.scalars(select(VoteParticipation).where(
        VoteParticipation.question_id == q.id))}
    for pid, e in elig.items():
        p = s.get(Participant, pid)
        rec = records.get(pid)
        if rec is not None:
            what = ", ".join(_("Abstain") if c == ABSTAIN else labels[c] for c in rec.choice) or _("Blank")
        elif pid in parts:
            what = _("by proxy, in aggregate")
        elif not (e.present or e.carried_by_id):
            what = _("absent")
        else:
            what = _("did not vote")
        how = ""
        if e.carried_by_id:
            how = _("carried by {name}").format(name=s.get(Participant, e.carried_by_id).full_name)
        out.append((p.full_name, p.checkin_code, e.weight, what, how))
    return sorted(out, key=lambda r: fold(r[0]))


@dataclass(frozen=True)
class VoterRow:
    """One line of the eligibility snapshot, for the roll-call table."""

    code: str
    name: str
    weight: int
    present: bool
    carried_by: str  # the delegate's code, or ""
    voted: bool


def voters(s: Session, question_id: uuid.UUID) -> list[VoterRow]:
    q = _question(s, question_id)
    rows = list(s.scalars(select(VoteEligibility).where(VoteEligibility.question_id == q.id)))
    people = {p.id: p for p in s.scalars(select(Participant).where(Participant.id.in_(
        [r.participant_id for r in rows] + [r.carried_by_id for r in rows if r.carried_by_id])))}
    voted = set(s.scalars(select(VoteParticipation.participant_id).where(VoteParticipation.question_id == q.id)))
    out = [VoterRow(people[r.participant_id].checkin_code, people[r.participant_id].full_name, r.weight, r.present,
                    people[r.carried_by_id].checkin_code if r.carried_by_id else "", r.participant_id in voted)
           for r in rows]
    return sorted(out, key=lambda v: fold(v.name))


def parse_counts(tokens: list[str]) -> dict[str, int]:
    """``OPTION=N`` tokens as typed on the command line."""
    out: dict[str, int] = {}
    for token in tokens:
        option, sep, n = token.rpartition("=")
        if not sep or not option.strip() or not n.strip().isdigit():
            raise ValidationError("“{value}” is not OPTION=N.", value=token)
        out[option.strip()] = out.get(option.strip(), 0) + int(n)
    return out


def kiosk_voter(s: Session, question_id: uuid.UUID, code: str) -> tuple[str, bool]:
    """Who a code unlocks the kiosk for: (name, may vote). Refuses unknown and used codes.

    Besides a check-in code, a printed ballot's serial code works as a one-time code: it unlocks
    one anonymous ballot (weight 1), recorded as that paper ballot with :func:`scan`, so the same
    slip can never vote twice (on the kiosk or on paper)."""
    q = _open(s, question_id)
    decoded = qr.decode(code)
    if decoded.kind in ("ballot", "option"):
        if decoded.kind == "option":
            raise VoteRefused("This is an option's code: at the kiosk, scan the ballot's serial code.")
        _issued_paper(s, q, decoded)
        return _("Ballot {serial}").format(serial=decoded.serial), True
    p = _voter(s, q, code)
    elig = s.get(VoteEligibility, (q.id, p.id))
    if elig is None or not elig.present:
        raise VoteRefused("{name} may not vote on this question.", name=p.full_name)
    if s.get(VoteParticipation, (q.id, p.id)) is not None:
        raise VoteRefused("{name} has already voted.", name=p.full_name)
    return p.full_name, True
