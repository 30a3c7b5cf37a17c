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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk import audit, keys, outbox, qr
from p311desk.attendance import present_ids, resolve
from p311desk.errors import DomainError, InvalidTransition, NotFound, ValidationError
from p311desk.i18n import N_, _
from p311desk.models import (
    Ballot,
    BodyMember,
    Delegation,
    PaperBallot,
    ParticipationSession,
    Participant,
    Registration,
    VoteEligibility,
    VoteParticipation,
    VoteQuestion,
    utcnow,
)
from p311desk.text import clean, fold
from p311desk.votes import box, explain, tally
from p311desk.votes.tally import ABSTAIN

LIMIT = 10**12  # weights, costs, budgets, counts and dots above this are refused with a sentence
BATCH_MAX = 100

METHOD_NAMES = {"yes_no": N_("Yes / no / abstain"), "single": N_("Single choice"),
                "multiple": N_("Multiple choice"), "points": N_("Points"), "budget": N_("Participatory budget")}
STATUS_NAMES = {"draft": N_("Draft"), "open": N_("Open"), "closed": N_("Closed")}
WAY_NAMES = {"hands": N_("Show of hands"), "paper": N_("Paper ballots"), "kiosk": N_("Kiosk"),
             "roll_call": N_("Roll call")}
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
    way: str | None = None  # hands | paper | kiosk | roll_call; None: any way

    @property
    def labels(self) -> tuple[str, ...]:
        return labels_for(self.method, self.options)


@dataclass(frozen=True)
class LiveCount:
    """What the room may see while a question is open: how many have voted, never what."""

    status: str
    voted: int  # who has voted: in person, by proxy, handed paper (or paper counted), hand counts
    eligible: int  # voters who may vote (present or represented)
    handed: int = 0  # paper ballots handed out (where handing is recorded)
    scanned: int = 0  # paper ballots counted
    hands: int = 0  # ballots or hands in hand counts


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
    ballot: IssuedBallot | None = None  # a weighted question's paper ballot, issued when handed


@dataclass(frozen=True)
class IssuedBallot:
    serial: str
    serial_payload: str
    options: tuple[tuple[str, str], ...]  # (label, payload)
    weight: int = 1

    def as_json(self) -> dict[str, Any]:
        return {"serial": self.serial, "serial_payload": self.serial_payload,
                "options": [{"label": label, "payload": payload} for label, payload in self.options], "weight": self.weight}


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
        f"{q.quorum_num}/{q.quorum_den}" if q.quorum_num else "", q.spending_limit, q.opened_at, q.closed_at, q.way)


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
    way: str | None = None,
) -> QuestionInfo:
    """A draft question. ``way`` says how the vote is taken (show of hands, paper, kiosk, roll
    call): the Votes page shows that way's controls; the ballot box takes every channel anyway."""
    _session_writable(s, session_id)
    if way is not None and way not in WAY_NAMES:
        raise ValidationError("Unknown way of voting: {value}", value=str(way)[:40])
    if way == "roll_call" and secret:
        raise ValidationError("A roll call is an open vote: it cannot be secret.")
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
    for name, value in (("budget", budget), ("spending limit", spending_limit), ("dots", dots),
                        ("dots per option", dots_max), ("min", min_selections), ("max", max_selections),
                        *(("cost", c) for c in costs)):
        if value is not None and not isinstance(value, bool) and isinstance(value, int) and \
                not -LIMIT <= value <= LIMIT:
            raise ValidationError("{value} is too large: numbers here go up to {limit}.", value=value, limit=LIMIT)
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
        if body_id is None and not _registered(s, session_id):
            raise ValidationError("A quorum counts the people registered for the session, and this session has "
                                  "no registrations: register them first, or put the question to a body.")
    q = VoteQuestion(
        id=uuid.uuid4(), session_id=session_id, title=title, description=clean(description), options=labels,
        method=method, secret=secret, weighted=weighted, body_id=body_id, min_selections=lo, max_selections=hi,
        points=points if method == "points" else "", dots=dots, dots_max=dots_max,
        costs=[int(c) for c in costs] if method == "budget" else [], budget=budget if method == "budget" else None,
        spending_limit=spending_limit, rule=rule, quorum_num=qnum, quorum_den=qden, quorum_by=quorum_by,
        majority=majority, majority_of=majority_of, abstentions_count=abstentions_count, tie_rule=tie_rule,
        status="draft", way=way)
    s.add(q)
    s.flush()
    audit.record(s, "vote.created", session_id=session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"title": title, "method": method, "options": labels, "secret": secret,
                          "weighted": weighted, "body_id": str(body_id) if body_id else None, "way": way})
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
        # The members of a session question are the people registered for it (and anyone who
        # came without registering); those checked in are present.
        registered = _registered(s, q.session_id)
        if q.quorum_num and not registered:
            raise InvalidTransition("A quorum counts the people registered for the session, and this session has "
                                    "no registrations: register them first, or put the question to a body.")
        rows = [VoteEligibility(question_id=q.id, participant_id=pid, weight=1, present=pid in here)
                for pid in sorted(registered | here)]
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
    q.eligibility_digest = eligibility_digest(s, q)
    q.box_digest = box.digest(q.id, [])
    if q.secret:
        box.put(s, q, [], channel="open")  # the empty box file, so that a missing file is noticed
    audit.record(s, "vote.opened", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"eligible": len(rows), "present": sum(r.present for r in rows),
                          "represented": sum(1 for r in rows if r.carried_by_id),
                          "weights": sum(r.weight for r in rows), "eligibility_digest": q.eligibility_digest})
    return _info(q)


def _registered(s: Session, session_id: uuid.UUID) -> set[uuid.UUID]:
    return set(s.scalars(select(Registration.participant_id).where(Registration.session_id == session_id)))


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


# --- the one door: every channel enters the ballot box here ----------------------------------


def _open(s: Session, question_id: uuid.UUID) -> VoteQuestion:
    q = _question(s, question_id)
    _session_writable(s, q.session_id)
    if q.status != "open":
        raise VoteRefused("The vote is not open.")
    return q


def _voter(s: Session, q: VoteQuestion, code: str) -> Participant:
    p = resolve(s, q.session_id, code)
    if p is None:
        raise VoteRefused("Unknown code “{code}”.", code=clean(code)[:40])
    return p


def in_range(value: Any, what: str = "") -> int:
    """A whole number between 0 and :data:`LIMIT`, or a :class:`VoteRefused` sentence."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            if int(value) != value:
                raise ValueError
            value = int(value)
        except (TypeError, ValueError, OverflowError):
            raise VoteRefused("Counts are whole numbers of at least 0.") from None
    if value < 0:
        raise VoteRefused("Counts are whole numbers of at least 0.")
    if value > LIMIT:
        raise VoteRefused("{value} is too large: numbers here go up to {limit}.", value=value, limit=LIMIT)
    return value


@dataclass(frozen=True)
class _Load:
    """What a question's ballot box already holds, in weight units, by where it came from."""

    others: int  # people who voted in person or by proxy (kiosk, roll call, CLI, proxy)
    handed: int  # people handed a paper ballot (they vote on paper)
    handing: bool  # whether handing paper ballots is recorded for this question
    scanned: int  # paper ballots counted
    hands: int  # ballots or hands in batches of hand counts
    heads: int  # people who voted (headcount, any channel)
    handed_heads: int
    scanned_sheets: int

    @property
    def used(self) -> int:
        return self.others + max(self.handed, self.scanned) + self.hands


def _load(s: Session, q: VoteQuestion, entries: list[tally.Entry] | None = None) -> _Load:
    rows = s.execute(select(VoteParticipation.via, VoteEligibility.weight).join(
        VoteEligibility, (VoteEligibility.question_id == VoteParticipation.question_id)
        & (VoteEligibility.participant_id == VoteParticipation.participant_id)).where(
        VoteParticipation.question_id == q.id)).all()
    others = sum(w for via, w in rows if via != "paper")
    handed = sum(w for via, w in rows if via == "paper")
    handed_heads = sum(1 for via, _w in rows if via == "paper")
    paper = s.execute(select(func.count(), func.coalesce(func.sum(PaperBallot.weight), 0)).where(
        PaperBallot.question_id == q.id, PaperBallot.counted.is_(True))).one()
    if entries is None:
        entries = box.entries(s, q)
    hands = sum(e.weight for e in entries if e.batch is not None)
    return _Load(int(others), int(handed), handed_heads > 0, int(paper[1]), int(hands), len(rows), handed_heads,
                 int(paper[0]))


def _eligibility_rows(s: Session, q: VoteQuestion) -> list[list[Any]]:
    voted = dict(s.execute(select(VoteParticipation.participant_id, VoteParticipation.via).where(
        VoteParticipation.question_id == q.id)).all())
    rows = s.execute(select(VoteEligibility.participant_id, VoteEligibility.weight, VoteEligibility.present,
                            VoteEligibility.carried_by_id).where(VoteEligibility.question_id == q.id))
    return [[pid.hex, weight, bool(present), carried.hex if carried else None, voted.get(pid)]
            for pid, weight, present, carried in rows]


def _paper_rows(s: Session, q: VoteQuestion) -> list[list[Any]]:
    return [[serial, weight, bool(counted)] for serial, weight, counted in s.execute(
        select(PaperBallot.serial, PaperBallot.weight, PaperBallot.counted).where(PaperBallot.question_id == q.id))]


def _present_weight(s: Session, q: VoteQuestion) -> int:
    """The weight that may be cast: present in person or represented by a present delegate."""
    return int(s.scalar(select(func.coalesce(func.sum(VoteEligibility.weight), 0)).where(
        VoteEligibility.question_id == q.id,
        (VoteEligibility.present.is_(True)) | (VoteEligibility.carried_by_id.is_not(None)))) or 0)


def eligibility_digest(s: Session, q: VoteQuestion) -> str:
    return box.sealed_digest(q.id, "eligibility", _eligibility_rows(s, q))


def paper_digest(s: Session, q: VoteQuestion) -> str:
    return box.sealed_digest(q.id, "paper", _paper_rows(s, q))


def _admit(s: Session, q: VoteQuestion, channel: str, new: list[tally.Entry], *,
           voters: tuple[tuple[VoteEligibility, str], ...] = (), cast_by: Participant | None = None,
           paper: PaperBallot | None = None, replace_batch: str | None = None,
           kind: str = "vote.cast", entity: Participant | None = None, payload: dict[str, Any] | None = None) -> None:
    """The one door of the ballot box. Checks that nobody votes twice on any channel and that
    the box never holds more than may be cast, stores the entries in the one form, seals the
    digests and audits — or refuses with a sentence and changes nothing."""
    for e in new:
        in_range(e.weight)
        for v in (e.votes or {}).values():
            in_range(v)
    entries = box.entries(s, q)
    before = _load(s, q, entries)
    for elig, _via in voters:
        done = s.get(VoteParticipation, (q.id, elig.participant_id))
        if done is not None:
            name = s.get(Participant, elig.participant_id).full_name
            if done.via == "paper":
                raise VoteRefused("{name} has been handed a paper ballot: they vote on paper, not here.", name=name)
            raise VoteRefused("{name} has already voted.", name=name)
    others = before.others + sum(e.weight for e, via in voters if via != "paper")
    handed = before.handed + sum(e.weight for e, via in voters if via == "paper")
    scanned = before.scanned + (paper.weight if paper is not None else 0)
    old_batch = sum(e.weight for e in entries if replace_batch is not None and e.batch == replace_batch)
    hands = before.hands - old_batch + sum(e.weight for e in new if e.batch is not None)
    if paper is not None and (before.handing or handed) and scanned > handed:
        raise VoteRefused("{handed} paper ballots were handed out and {counted} are counted already: this one "
                          "would be more than were handed out.", handed=handed, counted=before.scanned)
    limit = _present_weight(s, q)
    used = others + max(handed, scanned) + hands
    if used > limit:
        raise VoteRefused("This would make {used} votes, more than the {limit} who may vote (in person, "
                          "represented, or on paper).", used=used, limit=limit)
    for elig, via in voters:
        s.add(VoteParticipation(question_id=q.id, participant_id=elig.participant_id,
                                cast_by_id=cast_by.id if cast_by else None, via=via))
    s.flush()
    voter_id = voters[0][0].participant_id if len(voters) == 1 and voters[0][1] != "paper" else None
    digest = box.put(s, q, new, channel=channel, voter_id=voter_id, cast_by_id=cast_by.id if cast_by else None,
                     serial=paper.serial if paper is not None else None, replace_batch=replace_batch) \
        if (new or replace_batch is not None) else q.box_digest
    if paper is not None:
        paper.counted = True
        s.flush()
        q.paper_digest = paper_digest(s, q)
    if voters:
        q.eligibility_digest = eligibility_digest(s, q)
    s.flush()
    body: dict[str, Any] = {"question_id": str(q.id), "via": channel, **(payload or {})}
    if digest is not None:
        body["box_digest"] = digest
    audit.record(s, kind, session_id=q.session_id,
                 entity_type="participant" if entity is not None else "vote_question",
                 entity_id=entity.id if entity is not None else q.id, payload=body)


# --- in person: kiosk, roll call, the CLI --------------------------------------------------------


def cast(s: Session, question_id: uuid.UUID, code: str, choice: tuple[int, ...] | list[str], *,
         on_behalf_of: str | None = None, via: str = "kiosk") -> CastResult:
    """Record one voter's ballot (kiosk, roll call, CLI). ``on_behalf_of`` names an absent member
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
    payload: dict[str, Any] = {}
    if not q.secret:  # an open vote is public: the audit shows the choice
        payload.update(choice=list(choice), weight=elig.weight)
    _admit(s, q, via, [tally.Entry(choice, elig.weight)], voters=((elig, via),), cast_by=cast_by,
           entity=voter, payload=payload)
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
    if q.method not in ("yes_no", "single"):
        raise VoteRefused("Carried votes in aggregate are for yes/no and single-choice questions.")
    pending = [r for r in s.scalars(select(VoteEligibility).where(
        VoteEligibility.question_id == q.id, VoteEligibility.carried_by_id == holder.id))
        if s.get(VoteParticipation, (q.id, r.participant_id)) is None]
    if not pending:
        raise VoteRefused("{name} carries no votes that are still to be cast.", name=holder.full_name)
    units: dict[tuple[int, ...], int] = {}
    for option, n in counts.items():
        n = in_range(n)
        choice = () if fold(option) in BLANK_WORDS else parse_choice(q, [option])
        choice = validate_choice(q, choice)
        units[choice] = units.get(choice, 0) + n
    total, expected = sum(units.values()), sum(r.weight for r in pending)
    if total != expected:
        raise VoteRefused("{name} carries {expected} votes still to be cast; the counts add up to {total}.",
                          name=holder.full_name, expected=expected, total=total)
    payload: dict[str, Any] = {"votes": total, "members": [str(r.participant_id) for r in pending]}
    if not q.secret:
        payload["counts"] = {_count_key(c): n for c, n in units.items()}
    _admit(s, q, "proxy", [tally.Entry(c, n) for c, n in units.items() if n],
           voters=tuple((r, "proxy") for r in pending), cast_by=holder, kind="vote.proxy_cast", entity=holder,
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


def save_count(s: Session, question_id: uuid.UUID, batch: str, counts: dict[str, int], *, blank: int = 0,
               invalid: int = 0, abstain: int = 0, total: int | None = None) -> None:
    """Save the counts of one batch (a show of hands, a pile of paper ballots counted by hand).
    ``total`` is the number of ballots or hands in the batch, blank and spoilt ones included
    (needed where the votes alone do not say it: multiple choice, points, budgets). Saving the
    same batch again replaces what it had — audited — never adds on top; other channels'
    ballots are never touched. Refused when the box would hold more than may be cast."""
    q = _open(s, question_id)
    batch = clean(batch)
    if not batch:
        raise VoteRefused("A count needs a batch name.")
    if len(batch) > BATCH_MAX:
        raise VoteRefused("A batch name has at most {max} characters.", max=BATCH_MAX)
    blank, invalid, abstain = in_range(blank), in_range(invalid), in_range(abstain)
    if total is not None:
        total = in_range(total)
    if abstain and q.method != "yes_no":
        raise VoteRefused("Only yes/no questions take an abstention.")
    votes: dict[int, int] = {}
    for option, n in counts.items():
        n = in_range(n)
        choice = parse_choice(q, [option])
        if q.method == "yes_no" and choice == (ABSTAIN,):
            abstain += n
            continue
        if len(choice) != 1:
            raise VoteRefused("There is no option “{option}”.", option=option)
        votes[choice[0]] = votes.get(choice[0], 0) + n
    new: list[tally.Entry] = []
    one_choice = q.method in ("yes_no", "single")
    if one_choice:
        counted = sum(votes.values()) + blank + abstain + invalid
        if total is not None and total != counted:
            raise VoteRefused("The counts add up to {sum}, not the {total} ballots or hands of the batch.",
                              sum=counted, total=total)
        new += [tally.Entry((i,), n, batch=batch) for i, n in sorted(votes.items()) if n]
    else:
        if total is None:
            raise VoteRefused("Say how many ballots or hands the batch has (--total): for this method the "
                              "votes alone do not tell.")
        marked = total - blank - invalid
        if marked < 0:
            raise VoteRefused("The batch has {total} ballots, fewer than its blank and spoilt ones.", total=total)
        if q.method == "budget" and q.rule == "equal_shares" and (marked or any(votes.values())):
            raise VoteRefused("The Method of Equal Shares needs every ballot as marked: count these ballots one "
                              "by one (scan them), not as a total.")
        try:
            tally.check_aggregate(_spec(q), votes, marked)
        except tally.InvalidBallot as err:
            raise VoteRefused(err.reason, **err.params) from None
        if marked:
            new.append(tally.Entry(None, marked, votes={i: n for i, n in votes.items() if n}, batch=batch))
    if blank:
        new.append(tally.Entry((), blank, batch=batch))
    if abstain:
        new.append(tally.Entry((ABSTAIN,), abstain, batch=batch))
    if invalid:
        new.append(tally.Entry((), invalid, spoilt=True, batch=batch))
    previous = [e for e in box.entries(s, q) if e.batch == batch]
    values = {str(i): n for i, n in votes.items()}
    values.update({k: v for k, v in (("blank", blank), ("abstain", abstain), ("invalid", invalid)) if v})
    if total is not None:
        values["total"] = total
    _admit(s, q, "hands", new, replace_batch=batch,
           kind="vote.count_replaced" if previous else "vote.count_saved",
           payload={"batch": batch, "counts": values,
                    "previous": sum(e.weight for e in previous) if previous else None})


# --- paper ballots ---------------------------------------------------------------------------


def _ballot_key(question_id: uuid.UUID) -> bytes:
    return keys.secret(f"ballots:{question_id}")


WEIGHT_BITS = 25  # a weighted paper ballot's serial: 15 random bits, then the weight


def _weighted_serial(weight: int) -> str:
    import base64

    if not 1 <= weight < 2**WEIGHT_BITS:
        raise VoteRefused("A paper ballot carries a weight of at most {max}.", max=2**WEIGHT_BITS - 1)
    value = (secrets.randbits(40 - WEIGHT_BITS) << WEIGHT_BITS) | weight
    return base64.b32encode(value.to_bytes(5, "big")).decode("ascii")


def serial_weight(serial: str) -> int:
    """The weight a weighted question's paper ballot carries in its (signed) serial."""
    import base64

    try:
        value = int.from_bytes(base64.b32decode(serial), "big")
    except (ValueError, TypeError):
        return 0
    return value & (2**WEIGHT_BITS - 1)


def _issue(s: Session, q: VoteQuestion, count: int, weight: int = 1) -> list[IssuedBallot]:
    key = _ballot_key(q.id)
    labels = labels_for(q.method, tuple(q.options))
    if q.method == "yes_no":
        labels = labels + (_("Abstain"),)
    taken = set(s.scalars(select(PaperBallot.serial).where(PaperBallot.question_id == q.id)))
    out = []
    while len(out) < count:
        serial = _weighted_serial(weight) if q.weighted else qr.new_serial()
        if serial in taken:
            continue
        taken.add(serial)
        s.add(PaperBallot(question_id=q.id, serial=serial, counted=False, weight=weight))
        out.append(IssuedBallot(serial, qr.ballot_payload(key, q.id, serial),
                                tuple((label, qr.option_payload(key, q.id, serial, i)) for i, label in enumerate(labels)),
                                weight))
    s.flush()
    q.paper_digest = paper_digest(s, q)
    return out


def issue_ballots(s: Session, question_id: uuid.UUID, count: int) -> list[IssuedBallot]:
    """Make ``count`` new paper ballots: a signed serial and a signed code per option box.
    A weighted question's ballots are issued one member at a time (:func:`hand`)."""
    q = _question(s, question_id)
    _session_writable(s, q.session_id)
    if q.status == "closed":
        raise InvalidTransition("The vote is closed.")
    if q.weighted:
        raise VoteRefused("A weighted vote takes paper ballots only as handed to a member, with the member's "
                          "weight on the ballot: hand them out one by one.")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10000:
        raise ValidationError("Between 1 and {max} ballots at a time.", max=10000)
    out = _issue(s, q, count)
    audit.record(s, "vote.ballots_issued", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"count": count, "issued": s.scalar(select(func.count()).select_from(PaperBallot).where(
                     PaperBallot.question_id == q.id)), "paper_digest": q.paper_digest})
    return out


def hand(s: Session, question_id: uuid.UUID, code: str) -> CastResult:
    """Record that a present person received a paper ballot: they have voted on paper, and the
    kiosk and ``cast`` refuse them from now on. On a weighted question the ballot is issued to
    them, with their weight in its signed serial (``CastResult.ballot``)."""
    q = _open(s, question_id)
    person = _voter(s, q, code)
    elig = s.get(VoteEligibility, (q.id, person.id))
    if elig is None:
        raise VoteRefused("{name} may not vote on this question.", name=person.full_name)
    if not elig.present:
        raise VoteRefused("{name} was not present when the vote opened.", name=person.full_name)
    issued = None
    if q.weighted:
        if s.get(VoteParticipation, (q.id, person.id)) is None:
            (issued,) = _issue(s, q, 1, elig.weight)
    _admit(s, q, "paper", [], voters=((elig, "paper"),), kind="vote.paper_handed", entity=person,
           payload={"weight": elig.weight} if issued is None else {"weight": elig.weight, "serial": issued.serial})
    return CastResult(person.full_name, elig.weight,
                      _("Paper ballot handed to {name}.").format(name=person.full_name), issued)


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
    if q.weighted and serial_weight(paper.serial) != paper.weight:
        raise VoteRefused("This ballot's code is forged or damaged: its signature does not match.")
    return paper


def sheet(s: Session, question_id: uuid.UUID, codes: list[str] | tuple[str, ...]) -> tuple[str, tuple[int, ...]]:
    """The serial and the marks (in scan order) the codes of one sheet name, checked: every
    code genuine, of this question, of the same sheet, not counted yet."""
    q = _open(s, question_id)
    decoded = [qr.decode(c) for c in codes]
    if not decoded:
        raise VoteRefused("Scan the code beside each marked box, or the ballot's serial.")
    for d in decoded:
        _issued_paper(s, q, d)
    serials = {d.serial for d in decoded}
    if len(serials) > 1:
        raise VoteRefused("These codes come from different ballots ({serials}): scan one sheet at a time.",
                          serials=", ".join(sorted(serials)))
    marks = tuple((ABSTAIN if q.method == "yes_no" and d.option == 2 else int(d.option or 0))
                  for d in decoded if d.kind == "option")
    return decoded[0].serial, marks


def scan(s: Session, question_id: uuid.UUID, codes: str | list[str] | tuple[str, ...],
         choice: list[str] | None = None, *, blank: bool = False, spoilt: bool = False) -> CastResult:
    """Count one paper sheet: the codes beside its marked boxes, scanned one after another (all
    its marks make one ballot, for every method; for Borda, first preference first; for dots, a
    box scanned twice has two dots), or its serial plus the choice keyed in. ``blank`` and
    ``spoilt`` (or the words ``blank``/``invalid`` as the choice) record a blank or a spoilt sheet."""
    q = _open(s, question_id)
    codes = [codes] if isinstance(codes, str) else list(codes)
    try:
        serial, marks = sheet(s, q.id, codes)
        paper = s.get(PaperBallot, (q.id, serial))
        words = [fold(c) for c in (choice or [])]
        spoilt = spoilt or any(w in INVALID_WORDS for w in words)
        blank = blank or (bool(words) and all(w in BLANK_WORDS for w in words))
        if marks and (choice or blank or spoilt):
            raise VoteRefused("An option's code already says the choice.")
        if spoilt:
            entry = tally.Entry((), paper.weight, spoilt=True)
        elif blank:
            entry = tally.Entry((), paper.weight)
        else:
            if not marks and not choice:
                raise VoteRefused("Scan the code beside each marked box, or key the choice for this serial.")
            entry = tally.Entry(validate_choice(q, marks if marks else parse_choice(q, choice or [])), paper.weight)
        _admit(s, q, "paper", [entry], paper=paper, kind="vote.paper_counted", payload={"serial": serial})
    except VoteRefused as err:
        audit.record(s, "vote.scan_refused", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                     payload={"reason": err.msgid})
        raise
    return CastResult(serial, paper.weight, _("Ballot {serial} counted.").format(serial=serial))


# --- results ---------------------------------------------------------------------------------


def ballot_digest(s: Session, question_id: uuid.UUID) -> str:
    """Keyed digest of the question's whole ballot box (order-free); recorded after every ballot
    and at close, and recomputed by ``audit verify``."""
    q = _question(s, question_id)
    return box.digest(q.id, box.entries(s, q, check=False))


def live_count(s: Session, question_id: uuid.UUID) -> LiveCount:
    q = _question(s, question_id)
    load = _load(s, q)
    voted = (load.heads - load.handed_heads) + max(load.handed_heads, load.scanned_sheets) + load.hands
    return LiveCount(q.status, voted, electorate(s, q.id).present, load.handed_heads,
                     load.scanned_sheets, load.hands)


def results(s: Session, question_id: uuid.UUID, *, compare: bool = False) -> Results:
    """The result, computed now (or as frozen at close). While a secret vote is open only the
    number of votes cast is given: no option counts, no outcome."""
    q = _question(s, question_id)
    if q.status == "closed" and q.result and not compare:
        return _results_from_json(q)
    return _compute(s, q, compare=compare)


def _individual(entries: list[tally.Entry]) -> list[tuple[tuple[int, ...], int]] | None:
    """The ballots one by one (blank ones too) for equal shares, or None if a count is in the box."""
    if any(e.aggregate for e in entries):
        return None
    return [(tuple(e.choice or ()), e.weight) for e in entries if not e.spoilt]


def _compute(s: Session, q: VoteQuestion, *, compare: bool = False) -> Results:
    spec, rules = _spec(q), _rules(q)
    labels = labels_for(q.method, tuple(q.options))
    el = electorate(s, q.id)
    present = el.present_weight if q.weighted else el.present
    eligible = el.members_weight if q.weighted else el.members
    if q.status == "draft":
        return Results(q.id, q.title, q.status, q.method, q.secret, q.weighted, eligible, present, 0, 0, 0, 0,
                       tuple(OptionResult(label, None) for label in labels), None, False, "", "", budget=q.budget)
    entries = box.entries(s, q)
    counts = tally.count_box(spec, entries)
    if q.secret and q.status == "open":
        return Results(q.id, q.title, q.status, q.method, q.secret, q.weighted, eligible, present, counts.cast,
                       0, 0, 0, tuple(OptionResult(label, None) for label in labels), None, False, "",
                       _("Secret vote: the result is shown when the vote closes."), budget=q.budget)
    if q.status == "open" and counts.cast == 0:
        return Results(q.id, q.title, q.status, q.method, q.secret, q.weighted, eligible, present, 0, 0, 0, 0,
                       tuple(OptionResult(label, 0) for label in labels), None, False, "",
                       _("No ballots yet."), budget=q.budget)
    selections: dict[str, tuple[int, ...]] = {}
    why = ""
    if q.method == "budget":
        selections["greedy"] = tally.greedy(spec.costs, counts.votes, spec.budget)
        if q.rule == "equal_shares" or compare:
            one_by_one = _individual(entries)
            if one_by_one is not None:
                selections["equal_shares"] = tally.equal_shares(spec.costs, spec.budget, one_by_one)
        if "equal_shares" in selections:
            why = explain.budget_difference(spec.costs, spec.budget, one_by_one, selections, labels)
    decision = tally.decide(spec, counts, rules, el.as_tally(), weighted=q.weighted, casting_vote=q.casting_vote,
                            budget_selection=selections.get(q.rule))
    if q.method == "budget":
        from dataclasses import replace

        decision = replace(decision, rule=q.rule, extra={"budget": q.budget})
    text = explain.sentence(decision, counts, labels, method=q.method, present=present)
    if why:
        text += " " + why
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
    """Close the vote for good: freeze the result, record the ballot box's digest, queue the
    result. A secret question's ballots are in their own file, already without any order; the
    main database holds none of them, so there is nothing left to scrub."""
    q = _question(s, question_id)
    _session_writable(s, q.session_id)
    if q.status != "open":
        raise InvalidTransition("Only an open question can be closed.")
    entries = box.entries(s, q)  # refuses a box that does not match its digest
    q.status, q.closed_at = "closed", utcnow()
    q.ballot_digest = box.digest(q.id, entries)
    q.box_digest = q.ballot_digest
    res = _compute(s, q, compare=q.method == "budget")
    q.result = res.as_json()
    s.flush()
    load = _load(s, q, entries)
    audit.record(s, "vote.closed", session_id=q.session_id, entity_type="vote_question", entity_id=q.id,
                 payload={"cast": res.cast, "blank": res.blank, "invalid": res.invalid, "outcome": res.outcome,
                          "options": [o.votes for o in res.options], "ballot_digest": q.ballot_digest,
                          "handed": load.handed, "scanned": load.scanned, "hands": load.hands})
    outbox.enqueue(s, "vote_question", q.id, "result", session_id=q.session_id)  # the request is built at send time
    return res


def paper_outstanding(s: Session, question_id: uuid.UUID) -> int:
    """Paper ballots handed out (where handing is recorded) and not counted yet."""
    q = _question(s, question_id)
    load = _load(s, q)
    return max(0, load.handed_heads - load.scanned_sheets) if load.handing else 0


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
    records = {r.voter_id: r for r in s.scalars(select(Ballot).where(Ballot.question_id == q.id,
                                                                        Ballot.voter_id.is_not(None)))}
    parts = {r.participant_id: r for r in s.scalars(select(VoteParticipation).where(
        VoteParticipation.question_id == q.id))}
    for pid, e in elig.items():
        p = s.get(Participant, pid)
        rec = records.get(pid)
        if rec is not None:
            what = ", ".join(_("Abstain") if c == ABSTAIN else labels[c] for c in rec.choice or ()) or _("Blank")
        elif pid in parts and parts[pid].via == "paper":
            what = _("on paper")
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
            raise ValidationError("“{value}” is not OPTION=N.", value=token[:100])
        out[option.strip()] = in_range(out.get(option.strip(), 0) + int(n))
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
    done = s.get(VoteParticipation, (q.id, p.id))
    if done is not None and done.via == "paper":
        raise VoteRefused("{name} has been handed a paper ballot: they vote on paper, not here.", name=p.full_name)
    if done is not None:
        raise VoteRefused("{name} has already voted.", name=p.full_name)
    return p.full_name, True


# --- audit verify: recompute every question's sealed digests -----------------------------------


@audit.register_check
def check_sealed_digests(s: Session):
    """For ``audit verify``: each question's ballot box, eligibility (weights, who voted) and
    paper ballots (issued, counted) against the keyed digests recorded with the last change."""
    for q in s.scalars(select(VoteQuestion).where(VoteQuestion.status != "draft").order_by(VoteQuestion.created_at)):
        problems = []
        if q.box_digest is not None:
            try:
                found = box.digest(q.id, box.entries(s, q, check=False))
            except box.BallotBoxDamaged:
                found = None
            if found != q.box_digest:
                problems.append(_("its ballots (a ballot or count was changed, added or removed)"))
        if q.eligibility_digest is not None and eligibility_digest(s, q) != q.eligibility_digest:
            problems.append(_("who may vote, their weights or who has voted"))
        if q.paper_digest is not None and paper_digest(s, q) != q.paper_digest:
            problems.append(_("its paper ballots (issued or counted)"))
        if problems:
            yield "vote_question", q.id, _("Voting “{title}”: {what} no longer match what was recorded with its "
                                           "last vote; they were changed outside the app.").format(
                title=q.title, what="; ".join(problems))
