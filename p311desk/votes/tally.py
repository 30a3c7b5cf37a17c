"""Tallying votes: plain data in, plain data out — no database, no Qt, no floats.

A *ballot* is a tuple of option indices (0-based) with an integer weight:

- ``()`` is a blank ballot, ``(ABSTAIN,)`` an abstention (yes/no questions);
- yes/no, single choice: one index; multiple choice and budgets: distinct indices (a set);
- Borda: a ranking, first preferred first (a partial ranking is allowed); dot points: an index
  repeated once per dot given to that option.

:func:`count` turns ballots (plus counts entered by hand) into :class:`Counts`; :func:`decide`
applies the quorum, majority and tie rules to them and returns a :class:`Decision`. Budgets are
decided by :func:`greedy` (Decidim's rule: most votes first while the budget allows; a project
that no longer fits is skipped and the next one tried) or by :func:`equal_shares` (the Method of
Equal Shares with cost utilities and equalshares.net's completion, exactly as ``pabutools``
computes it: :mod:`p311desk.votes.shares`).

Weights are integers throughout; a ballot of weight *w* counts exactly as *w* ballots of weight 1.
Ties between options are broken by option order (the order on the ballot), never by chance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

METHODS = ("yes_no", "single", "multiple", "points", "budget")
YES, NO, ABSTAIN = 0, 1, -1
MAJORITIES = ("simple", "absolute", "two_thirds")
MAJORITY_BASES = ("cast", "present", "members")
RULES = ("greedy", "equal_shares")

Choice = tuple[int, ...]


class InvalidBallot(ValueError):
    """A ballot that breaks the question's rules; ``reason`` is an English msgid."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Spec:
    """What a valid ballot of a question looks like."""

    method: str
    n_options: int
    min_selections: int = 1
    max_selections: int = 1
    points: str = ""  # borda | dots (method "points")
    dots: int = 0  # dots per voter
    dots_max: int = 0  # at most this many dots on one option (0: no limit)
    costs: tuple[int, ...] = ()
    budget: int = 0
    spending_limit: int | None = None  # a voter's approved projects cost at most this


@dataclass(frozen=True)
class Counts:
    """Weighted totals. ``votes[i]`` is option i's votes (points for Borda/dots, approvals for
    budgets); ``ballots`` counts valid ballots including blank ones and abstentions."""

    votes: tuple[int, ...]
    ballots: int = 0
    blank: int = 0
    abstain: int = 0
    invalid: int = 0

    @property
    def cast(self) -> int:
        """Ballots put in the box, valid or not."""
        return self.ballots + self.invalid


@dataclass(frozen=True)
class ManualCount:
    """Counts entered by hand (show of hands, a batch of paper ballots, a proxy's aggregate)."""

    votes: Mapping[int, int]  # option index -> votes
    blank: int = 0
    abstain: int = 0
    invalid: int = 0
    total: int | None = None  # valid ballots in the batch; derived for one-choice questions


@dataclass(frozen=True)
class Entry:
    """One entry of a ballot box — the one form every channel stores and the tally reads.

    - a ballot: ``choice`` is its marks (``()`` blank, ``(ABSTAIN,)`` an abstention) and
      ``weight`` the identical ballots (or weight units) it stands for;
    - a spoilt ballot: ``spoilt`` (its weight counts as invalid);
    - the count of a batch (multiple choice, points, budgets by hand): ``choice`` is None,
      ``votes`` the votes per option and ``weight`` the ballots with marks in the batch.

    ``batch`` names the batch of hand counts the entry belongs to (None for single ballots)."""

    choice: tuple[int, ...] | None = ()
    weight: int = 1
    spoilt: bool = False
    votes: Mapping[int, int] | None = None
    batch: str | None = None

    @property
    def aggregate(self) -> bool:
        return self.choice is None and not self.spoilt


def count_box(spec: Spec, entries: Iterable[Entry]) -> Counts:
    """Count a ballot box: ballots, spoilt ballots and batch counts alike."""
    ballots: list[tuple[Sequence[int], int]] = []
    manual: list[ManualCount] = []
    for e in entries:
        if e.spoilt:
            manual.append(ManualCount({}, invalid=int(e.weight), total=0))
        elif e.choice is None:
            manual.append(ManualCount(dict(e.votes or {}), total=int(e.weight)))
        else:
            ballots.append((e.choice, int(e.weight)))
    return count(spec, ballots, manual)


def check_aggregate(spec: Spec, votes: Mapping[int, int], ballots: int) -> None:
    """Whether option totals can come from ``ballots`` valid ballots; :class:`InvalidBallot` if not."""
    n = spec.n_options
    if any(not 0 <= i < n for i in votes):
        raise InvalidBallot("There is no option {number}.", number=max(votes) + 1)
    total = sum(votes.values())
    if spec.method in ("multiple", "budget"):
        cap = spec.max_selections or n
        if any(v > ballots for v in votes.values()) or total > ballots * cap:
            raise InvalidBallot("{ballots} ballots cannot give these counts.", ballots=ballots)
    elif spec.method == "points" and spec.points == "dots":
        if total > ballots * spec.dots:
            raise InvalidBallot("{ballots} ballots cannot give these counts.", ballots=ballots)
    elif spec.method == "points":
        if total > ballots * n * (n - 1) // 2:
            raise InvalidBallot("{ballots} ballots cannot give these counts.", ballots=ballots)
    elif total != ballots:
        raise InvalidBallot("{ballots} ballots cannot give these counts.", ballots=ballots)


@dataclass(frozen=True)
class Rules:
    quorum: Fraction | None = None
    quorum_by: str = "headcount"  # headcount | weight
    majority: str = "simple"
    majority_of: str = "cast"
    abstentions_count: bool = False  # abstentions and blank ballots count in the "cast" base
    tie: str = "tie"  # tie | casting (the chair's casting vote decides)


@dataclass(frozen=True)
class Electorate:
    """Who could vote: headcounts and integer weights (equal to headcounts when unweighted)."""

    members: int
    present: int
    members_weight: int | None = None
    present_weight: int | None = None

    def total(self, by_weight: bool) -> int:
        return self.members_weight if by_weight and self.members_weight is not None else self.members

    def here(self, by_weight: bool) -> int:
        return self.present_weight if by_weight and self.present_weight is not None else self.present


@dataclass(frozen=True)
class Decision:
    """What the counts mean under the rules; :mod:`p311desk.votes.explain` words it."""

    outcome: str  # approved | rejected | tie | no_quorum | elected | no_majority | ranking | selected
    winner: int | None = None
    ranking: tuple[int, ...] = ()
    selected: tuple[int, ...] = ()
    quorum_required: int | None = None
    quorum_present: int = 0
    quorum_reached: bool = True
    majority: str = "simple"
    majority_of: str = "cast"
    majority_base: int = 0
    majority_required: int | None = None
    casting_vote: int | None = None
    spent: int = 0
    rule: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)


# --- ballots ---------------------------------------------------------------------------------


def validate(spec: Spec, choice: Sequence[int]) -> Choice:
    """The ballot as stored, or :class:`InvalidBallot` with the reason."""
    choice = tuple(int(c) for c in choice)
    if not choice:
        return ()
    if choice == (ABSTAIN,):
        if spec.method != "yes_no":
            raise InvalidBallot("Only yes/no questions take an abstention.")
        return choice
    n = spec.n_options
    for c in choice:
        if not 0 <= c < n:
            raise InvalidBallot("There is no option {number}.", number=c + 1)
    m = spec.method
    if m in ("yes_no", "single"):
        if len(choice) != 1:
            raise InvalidBallot("Choose one option.")
        return choice
    if m == "points" and spec.points == "dots":
        if len(choice) > spec.dots:
            raise InvalidBallot("At most {n} dots per voter.", n=spec.dots)
        if spec.dots_max:
            per: dict[int, int] = defaultdict(int)
            for c in choice:
                per[c] += 1
                if per[c] > spec.dots_max:
                    raise InvalidBallot("At most {n} dots on one option.", n=spec.dots_max)
        return tuple(sorted(choice))
    if len(set(choice)) != len(choice):
        raise InvalidBallot("An option is chosen twice.")
    if m == "points":  # Borda: the order is the ranking
        return choice
    if len(choice) < spec.min_selections:
        raise InvalidBallot("Choose at least {n} options.", n=spec.min_selections)
    if spec.max_selections and len(choice) > spec.max_selections:
        raise InvalidBallot("Choose at most {n} options.", n=spec.max_selections)
    if m == "budget" and spec.spending_limit is not None:
        cost = sum(spec.costs[c] for c in choice)
        if cost > spec.spending_limit:
            raise InvalidBallot("These projects cost {cost}, more than the {limit} a voter may spend.",
                                cost=cost, limit=spec.spending_limit)
    return tuple(sorted(choice))


# --- counting --------------------------------------------------------------------------------


def count(spec: Spec, ballots: Iterable[tuple[Sequence[int], int]] = (),
          manual: Iterable[ManualCount] = ()) -> Counts:
    """Add up weighted ballots and hand-entered counts. A ballot that breaks the rules counts
    as invalid (with its weight); it never reaches an option."""
    grouped: dict[tuple[int, ...], int] = defaultdict(int)
    for choice, weight in ballots:
        if weight < 0 or int(weight) != weight:
            raise ValueError("weights are non-negative integers")
        grouped[tuple(choice)] += weight
    votes = [0] * spec.n_options
    blank = abstain = invalid = valid = 0
    n = spec.n_options
    borda = spec.method == "points" and spec.points == "borda"
    full_ranking = set(range(n))
    for choice, weight in grouped.items():
        if borda and len(choice) == n and set(choice) == full_ranking:  # the common case, valid as is
            valid += weight
            for rank, c in enumerate(choice):
                votes[c] += weight * (n - 1 - rank)
            continue
        try:
            choice = validate(spec, choice)
        except InvalidBallot:
            invalid += weight
            continue
        valid += weight
        if not choice:
            blank += weight
        elif choice == (ABSTAIN,):
            abstain += weight
        elif borda:
            for rank, c in enumerate(choice):
                votes[c] += weight * (n - 1 - rank)
        else:
            for c in choice:
                votes[c] += weight
    for m in manual:
        for option, k in m.votes.items():
            if not 0 <= option < n:
                raise ValueError("no such option")
            if k < 0:
                raise ValueError("counts are non-negative")
            votes[option] += k
        blank += m.blank
        abstain += m.abstain
        invalid += m.invalid
        if m.total is not None:
            valid += m.total
        else:
            one_choice = spec.method in ("yes_no", "single")
            valid += m.blank + m.abstain + (sum(m.votes.values()) if one_choice else 0)
    return Counts(tuple(votes), valid, blank, abstain, invalid)


def ranking(votes: Sequence[int]) -> tuple[int, ...]:
    """Options from most to fewest votes; equal votes keep ballot order."""
    return tuple(sorted(range(len(votes)), key=lambda i: (-votes[i], i)))


# --- budgets ---------------------------------------------------------------------------------


def greedy(costs: Sequence[int], votes: Sequence[int], budget: int) -> tuple[int, ...]:
    """Decidim's rule: the most voted project first, then the next, skipping any that no longer
    fits, while money is left. Projects without votes are not selected. Returns indices in the
    order they were picked."""
    left, picked = budget, []
    for i in sorted(range(len(costs)), key=lambda i: (-votes[i], costs[i], i)):
        if votes[i] > 0 and costs[i] <= left:
            picked.append(i)
            left -= costs[i]
    return tuple(picked)


def _pabutools_instance(costs: Sequence[int], budget: int, ballots: Iterable[tuple[Sequence[int], int]]):
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance, Project

    projects = [Project(f"{i:05d}", int(c)) for i, c in enumerate(costs)]
    instance = Instance(projects, budget_limit=int(budget))
    approvals = []
    for choice, weight in ballots:
        marks = [c for c in choice if c != ABSTAIN]
        approvals.extend([ApprovalBallot([projects[c] for c in marks])] * int(weight))
    return instance, ApprovalProfile(approvals, instance=instance)


def equal_shares_reference(costs: Sequence[int], budget: int, ballots: Iterable[tuple[Sequence[int], int]], *,
                           complete: bool = True) -> tuple[int, ...]:
    """The field's reference: ``pabutools``' Method of Equal Shares with cost satisfaction, and
    with ``complete`` its ``completion_by_rule_combination(exhaustion_by_budget_increase,
    greedy_utilitarian_welfare)`` — equalshares.net's completion. Blank ballots are voters."""
    from pabutools.election import Cost_Sat
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance, profile = _pabutools_instance(costs, budget, ballots)
    if not len(profile):
        return ()
    if complete:
        chosen = completion_by_rule_combination(
            instance, profile, [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [{"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}}, {"sat_class": Cost_Sat}])
    else:
        chosen = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    return tuple(sorted(int(p.name) for p in chosen))


def equal_shares(costs: Sequence[int], budget: int, ballots: Iterable[tuple[Sequence[int], int]], *,
                 complete: bool = True) -> tuple[int, ...]:
    """The Method of Equal Shares for approval ballots with cost utilities (Peters & Skowron; the
    variant equalshares.net and Pabulib describe). Each weight unit is one voter, blank ballots
    included (a voter who approves nothing still has a share of the budget). With ``complete``
    (the default) unspent money is completed as equalshares.net does: every voter's budget is
    increased step by step while the outcome stays within the budget, then the utilitarian
    greedy rule fills what is left. Returns indices in option order; ties go to the earlier
    option (as ``pabutools``' lexicographic tie-breaking). Computed by
    :mod:`p311desk.votes.shares` (the same outcome as :func:`equal_shares_reference`, much faster)."""
    from p311desk.votes import shares

    return shares.equal_shares(costs, budget, ballots, complete=complete)


# --- deciding --------------------------------------------------------------------------------


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def quorum_required(rules: Rules, electorate: Electorate) -> int | None:
    if rules.quorum is None:
        return None
    by_weight = rules.quorum_by == "weight"
    q = rules.quorum
    return _ceil_div(q.numerator * electorate.total(by_weight), q.denominator)


def majority_required(majority: str, base: int) -> int | None:
    if majority == "absolute":
        return base // 2 + 1
    if majority == "two_thirds":
        return _ceil_div(2 * base, 3)
    return None


def decide(spec: Spec, counts: Counts, rules: Rules, electorate: Electorate, *, weighted: bool = False,
           casting_vote: int | None = None, budget_selection: Sequence[int] | None = None) -> Decision:
    """Apply quorum, majority and tie rules. ``budget_selection`` is the outcome of the budget
    rule (computed by the caller: equal shares needs the ballots, not only the counts)."""
    q_req = quorum_required(rules, electorate)
    q_here = electorate.here(rules.quorum_by == "weight")
    common = dict(quorum_required=q_req, quorum_present=q_here,
                  quorum_reached=q_req is None or q_here >= q_req,
                  majority=rules.majority, majority_of=rules.majority_of)
    order = ranking(counts.votes)
    if not common["quorum_reached"]:
        return Decision("no_quorum", ranking=order, **common)
    if spec.method == "budget":
        selected = tuple(budget_selection if budget_selection is not None
                         else greedy(spec.costs, counts.votes, spec.budget))
        return Decision("selected", ranking=order, selected=selected,
                        spent=sum(spec.costs[i] for i in selected), **common)
    if spec.method in ("multiple", "points"):
        return Decision("ranking", winner=order[0] if order and counts.votes[order[0]] else None,
                        ranking=order, **common)
    if rules.majority_of == "cast":
        base = sum(counts.votes) + (counts.blank + counts.abstain if rules.abstentions_count else 0)
    elif rules.majority_of == "present":
        base = electorate.here(weighted)
    else:
        base = electorate.total(weighted)
    required = majority_required(rules.majority, base)
    common.update(majority_base=base, majority_required=required)
    top = order[0] if order else None
    top_votes = counts.votes[top] if top is not None else 0
    runner_up = counts.votes[order[1]] if len(order) > 1 else 0
    tied = top_votes > 0 and top_votes == runner_up
    if spec.method == "yes_no":
        yes, no = counts.votes[YES], counts.votes[NO]
        if required is None:  # simple: more yes than no
            if yes == no and yes > 0:
                if rules.tie == "casting" and casting_vote in (YES, NO):
                    return Decision("approved" if casting_vote == YES else "rejected",
                                    casting_vote=casting_vote, ranking=order, **common)
                return Decision("tie", ranking=order, **common)
            return Decision("approved" if yes > no else "rejected", ranking=order, **common)
        return Decision("approved" if yes >= required and yes > no else "rejected", ranking=order, **common)
    # single choice
    if top is None or top_votes == 0:
        return Decision("no_majority", ranking=order, **common)
    if tied:
        tied_options = [i for i in order if counts.votes[i] == top_votes]
        if rules.tie == "casting" and casting_vote in tied_options and (required is None or top_votes >= required):
            return Decision("elected", winner=casting_vote, casting_vote=casting_vote, ranking=order, **common)
        return Decision("tie", ranking=order, extra={"tied": tuple(tied_options)}, **common)
    if required is not None and top_votes < required:
        return Decision("no_majority", ranking=order, **common)
    return Decision("elected", winner=top, ranking=order, **common)


def parse_fraction(text: str) -> Fraction:
    """A quorum as typed: ``1/2``, ``0.5``, ``50%``, ``2/3``. Between 0 and 1."""
    t = str(text).strip().replace(",", ".")
    try:
        value = Fraction(t[:-1]) / 100 if t.endswith("%") else Fraction(t)
    except (ValueError, ZeroDivisionError) as err:
        raise ValueError(text) from err
    if not 0 < value <= 1:
        raise ValueError(text)
    return value
