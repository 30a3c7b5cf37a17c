"""Tallying as pure functions, property-tested: sums, weights, permutations, budgets."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from p311desk.votes import tally
from p311desk.votes.tally import ABSTAIN, Electorate, ManualCount, Rules, Spec

N = 4
single = Spec("single", N)
yes_no = Spec("yes_no", 2)

one_choice = st.one_of(st.just(()), st.tuples(st.integers(0, N - 1)))
weighted = st.lists(st.tuples(one_choice, st.integers(1, 5)), max_size=60)


@given(weighted)
def test_single_choice_sum_equals_ballots_counted(ballots):
    c = tally.count(single, ballots)
    assert sum(c.votes) + c.blank + c.abstain == c.ballots == sum(w for _b, w in ballots)
    assert c.invalid == 0


@given(weighted, st.randoms())
def test_any_permutation_gives_the_same_result(ballots, rnd):
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally.count(single, ballots) == tally.count(single, shuffled)


@given(weighted)
def test_weight_w_counts_as_w_unit_ballots(ballots):
    units = [(b, 1) for b, w in ballots for _ in range(w)]
    assert tally.count(single, ballots) == tally.count(single, units)


@given(st.lists(st.tuples(st.sets(st.integers(0, N - 1), min_size=1, max_size=2).map(tuple), st.integers(1, 3)),
                max_size=40))
def test_multiple_choice_counts_each_selection(ballots):
    spec = Spec("multiple", N, 1, 2)
    c = tally.count(spec, ballots)
    assert sum(c.votes) == sum(len(b) * w for b, w in ballots)
    assert c.ballots == sum(w for _b, w in ballots)


@given(st.lists(st.permutations(range(N)).map(tuple), max_size=30))
def test_borda_points_add_up(rankings):
    c = tally.count(Spec("points", N, points="borda"), [(r, 1) for r in rankings])
    assert sum(c.votes) == len(rankings) * (N * (N - 1) // 2)


def test_dots_limits_and_invalid_ballots():
    spec = Spec("points", N, points="dots", dots=3, dots_max=2)
    c = tally.count(spec, [((0, 0, 1), 1), ((2, 2, 2), 1), ((0, 1, 2, 3), 2)])
    assert c.votes == (2, 1, 0, 0) and c.invalid == 3 and c.ballots == 1


costs_st = st.lists(st.integers(1, 100), min_size=1, max_size=12)


@given(costs_st, st.data())
@settings(max_examples=40, deadline=None)
def test_budget_outcomes_never_exceed_the_budget(costs, data):
    n = len(costs)
    budget = data.draw(st.integers(1, sum(costs)))
    ballots = data.draw(st.lists(st.tuples(st.sets(st.integers(0, n - 1), min_size=1).map(lambda x: tuple(sorted(x))),
                                           st.integers(1, 3)), min_size=1, max_size=15))
    votes = tally.count(Spec("budget", n, 0, n, costs=tuple(costs), budget=budget), ballots).votes
    for selection in (tally.greedy(costs, votes, budget), tally.equal_shares(costs, budget, ballots)):
        assert sum(costs[i] for i in selection) <= budget
        assert len(set(selection)) == len(selection)


def test_greedy_skips_what_no_longer_fits():
    # most voted first: A (60) fits, B (50) no longer fits, C (30) still does
    assert tally.greedy([60, 50, 30], [9, 8, 1], 100) == (0, 2)


def test_equal_shares_favours_a_minority_greedy_ignores():
    # 60 voters want A and B, 40 want C; each costs 40; the budget buys two
    ballots = [((0, 1), 60), ((2,), 40)]
    votes = tally.count(Spec("budget", 3, 0, 3, costs=(40, 40, 40), budget=100), ballots).votes
    assert tally.greedy([40, 40, 40], votes, 100) == (0, 1)
    assert tally.equal_shares([40, 40, 40], 100, ballots) == (0, 2)


def _decide(votes, blank=0, abstain=0, rules=Rules(), members=25, present=25, casting=None, spec=yes_no):
    c = tally.Counts(tuple(votes), sum(votes) + blank + abstain, blank, abstain)
    return tally.decide(spec, c, rules, Electorate(members, present), casting_vote=casting)


def test_majorities_and_quorum():
    assert _decide((14, 9)).outcome == "approved"
    d = _decide((14, 9), rules=Rules(majority="absolute", majority_of="members"), members=24)
    assert (d.outcome, d.majority_required) == ("approved", 13)
    assert _decide((12, 2), rules=Rules(majority="absolute", majority_of="members"), members=24).outcome == "rejected"
    assert _decide((10, 5), rules=Rules(majority="two_thirds")).outcome == "approved"
    assert _decide((9, 5), rules=Rules(majority="two_thirds")).outcome == "rejected"
    nq = _decide((5, 1), rules=Rules(quorum=Fraction(1, 2)), members=25, present=12)
    assert (nq.outcome, nq.quorum_required, nq.quorum_reached) == ("no_quorum", 13, False)
    # abstentions count in the base only when the rules say so
    assert _decide((6, 2), abstain=5, rules=Rules(majority="absolute")).outcome == "approved"
    assert _decide((6, 2), abstain=5, rules=Rules(majority="absolute", abstentions_count=True)).outcome == "rejected"


def test_ties_and_casting_vote():
    assert _decide((7, 7)).outcome == "tie"
    d = _decide((7, 7), rules=Rules(tie="casting"), casting=tally.YES)
    assert (d.outcome, d.casting_vote) == ("approved", tally.YES)
    d = _decide((5, 5, 1), spec=Spec("single", 3))
    assert d.outcome == "tie" and d.extra["tied"] == (0, 1)


def test_abstain_only_on_yes_no():
    assert tally.validate(yes_no, (ABSTAIN,)) == (ABSTAIN,)
    c = tally.count(single, [((ABSTAIN,), 1), ((9,), 1)])
    assert c.invalid == 2


def test_manual_counts_add_to_ballots():
    c = tally.count(single, [((1,), 2)], [ManualCount({0: 3, 1: 1}, blank=1, invalid=2)])
    assert c.votes == (3, 3, 0, 0) and c.blank == 1 and c.invalid == 2 and c.ballots == 7


def test_quorum_fractions():
    assert tally.parse_fraction("1/2") == Fraction(1, 2)
    assert tally.parse_fraction("0,6") == Fraction(3, 5)
    assert tally.parse_fraction("50%") == Fraction(1, 2)
