"""The Method of Equal Shares for approval ballots with cost satisfaction, as the field's
reference computes it — fast.

The outcome is the one ``pabutools`` gives (``method_of_equal_shares`` with ``Cost_Sat``; with
completion, ``completion_by_rule_combination(exhaustion_by_budget_increase,
greedy_utilitarian_welfare)``, equalshares.net's completion), including its tie-breaking (the
earlier project first). Every voter — blank ballots included — gets an equal share of the
budget; the project whose supporters can pay for it at the lowest price per unit of
satisfaction is bought, its supporters paying equally (the poorer ones all they have); and so on.
The completion raises the budget by 1% at a time while the outcome stays within the real budget
(or until it is exhaustive), then fills what is left by the greedy rule (most approvals first).

Two facts make it fast: voters who approve the same bought projects always have the same budget
(they form a *class*; numpy holds the classes), and a project's price can only go up as budgets
go down, so a round only re-prices the projects that could still win. Prices are computed in
floating point; any decision closer than :data:`REL` (a tie between projects, a project just
affordable or not) makes that run start again in exact rational arithmetic, so the outcome is
always the exact one. ``tests/core/votes/test_equal_shares.py`` checks it against pabutools.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

import numpy as np


class _Prepared:
    def __init__(self, costs: Sequence[int], ballots: Iterable[tuple[Sequence[int], int]]) -> None:
        self.costs = [int(c) for c in costs]
        P = len(self.costs)
        groups = {}
        n = 0
        for choice, weight in ballots:
            w = int(weight)
            if w <= 0:
                continue
            key = frozenset(c for c in choice if 0 <= c < P)
            groups[key] = groups.get(key, 0) + w
            n += w
        self.n = n
        keys = list(groups)
        self.G = len(keys)
        self.A = np.zeros((self.G, P), dtype=np.int64)
        for g, k in enumerate(keys):
            for c in k:
                self.A[g, c] = 1
        self.w = np.array([groups[k] for k in keys], dtype=np.int64)
        self.approvers = [int(x) for x in (self.w @ self.A)] if self.G else [0] * P
        self.WA = (self.w[:, None] * self.A).astype(np.float64)
        self.A = self.A.astype(bool)
        self.wf = self.w.astype(np.float64)
        self.supporters = [np.flatnonzero(self.A[:, p]) for p in range(P)]  # groups approving p


def _mes_exact(prep: _Prepared, b0: Fraction) -> list[int]:
    """One run of MES (cost satisfaction) with every voter's budget b0 (a Fraction)."""
    costs, A, w = prep.costs, prep.A, prep.w
    P = len(costs)
    # classes: id -> [budget, group index array]; counts[id] = per-project supporter weight
    budgets = {0: b0}
    members = {0: np.arange(prep.G)}
    counts = {0: (w @ A) if prep.G else np.zeros(P, dtype=np.int64)}
    next_id = 1
    remaining = {p for p in range(P) if prep.approvers[p] > 0}
    afford = {p: Fraction(costs[p], prep.approvers[p] * costs[p]) for p in remaining}  # lower bounds
    chosen = []
    while remaining:
        best, tied = None, []
        for p in sorted(remaining, key=lambda p: (afford[p], p)):
            if best is not None and afford[p] > best:
                break
            c = costs[p]
            items = [(budgets[k], int(cnt[p])) for k, cnt in counts.items() if cnt[p] > 0]
            total = sum(b * m for b, m in items)
            if total < c:
                remaining.discard(p)
                continue
            items.sort()
            paid, rem = 0, sum(m for _b, m in items)
            for b, m in items:
                q = Fraction(c - paid, rem)
                if q <= b:
                    break
                paid += b * m
                rem -= m
            rho = q / c
            afford[p] = rho
            if best is None or rho < best:
                best, tied = rho, [p]
            elif rho == best:
                tied.append(p)
        if not tied:
            break
        sel = min(tied)
        chosen.append(sel)
        remaining.discard(sel)
        q = best * costs[sel]
        col = A[:, sel]
        for k in list(budgets):
            if counts[k][sel] == 0:
                continue
            idx = members[k]
            yes = idx[col[idx] == 1]
            no = idx[col[idx] == 0]
            b = budgets[k]
            nb = b - min(b, q)
            if len(no) == 0:
                if nb == 0:
                    del budgets[k], members[k], counts[k]
                else:
                    budgets[k] = nb
                continue
            sub = w[yes] @ A[yes]
            counts[k] = counts[k] - sub
            members[k] = no
            if nb > 0:
                budgets[next_id], members[next_id], counts[next_id] = nb, yes, sub
                next_id += 1
    return chosen


class _Uncertain(Exception):
    """A floating-point decision too close to call: decide this run exactly."""


REL = 1e-9  # relative margin under which a floating-point comparison is not trusted


def _mes_fast(prep: _Prepared, b0_exact: Fraction) -> list[int]:
    costs, A, w = prep.costs, prep.A, prep.w
    P, G = len(costs), prep.G
    b0 = float(b0_exact)
    WA = prep.WA
    wf = prep.wf
    cls = np.zeros(G, dtype=np.int64)
    cap = 256
    b = np.zeros(cap)
    C = np.zeros((cap, P), order="F")
    size = np.zeros(cap)
    b[0], C[0], size[0] = b0, WA.sum(axis=0), wf.sum()
    K = 1
    dead = 0
    alive = [prep.approvers[p] > 0 for p in range(P)]
    chosen = []
    best_p, best_a = None, -1
    for p in range(P):
        if alive[p]:
            a = prep.approvers[p]
            if a * b0_exact < costs[p]:
                alive[p] = False
            elif a > best_a:
                best_p, best_a = p, a
    stale = {p: 1.0 / prep.approvers[p] for p in range(P) if alive[p]}
    sel, q = best_p, (costs[best_p] / best_a if best_p is not None else 0.0)
    while sel is not None:
        chosen.append(sel)
        stale.pop(sel, None)
        supp = prep.supporters[sel]
        moved = supp[cls[supp] >= 0]
        if len(moved):
            old = cls[moved]
            o = np.argsort(old, kind="stable")
            moved, old = moved[o], old[o]
            change = np.empty(len(old), dtype=bool)
            change[0] = True
            np.not_equal(old[1:], old[:-1], out=change[1:])
            starts = np.flatnonzero(change)
            sup = old[starts]
            sub = np.add.reduceat(WA[moved], starts, axis=0)
            subn = np.add.reduceat(wf[moved], starts)
            bsup = b[sup]
            nb = bsup - np.minimum(bsup, q)
            nb[nb <= 1e-12 * b0] = 0.0
            C[sup] -= sub
            size[sup] -= subn
            dead += int(np.count_nonzero(size[sup] <= 0.5))
            live = nb > 0
            m = int(live.sum())
            if K + m > cap:
                while K + m > cap:
                    cap *= 2
                b = np.resize(b, cap); size = np.resize(size, cap)
                C2 = np.zeros((cap, P), order="F"); C2[:K] = C[:K]; C = C2
            new_ids = np.full(len(sup), -1, dtype=np.int64)
            new_ids[live] = K + np.arange(m)
            b[K:K + m], C[K:K + m], size[K:K + m] = nb[live], sub[live], subn[live]
            K += m
            dead += len(sup) - m  # not a class any more: its voters are broke
            ends = np.empty(len(starts), dtype=np.int64)
            ends[:-1] = starts[1:]
            ends[-1] = len(moved)
            cls[moved] = np.repeat(new_ids, ends - starts)
            if dead > 64 and dead > K // 2:
                keep = size[:K] > 0.5
                remap = np.full(K, -1, dtype=np.int64)
                nk = int(keep.sum())
                remap[keep] = np.arange(nk)
                b[:nk], C[:nk], size[:nk] = b[:K][keep], C[:K][keep], size[:K][keep]
                K, dead = nk, 0
                good = cls >= 0
                cls[good] = remap[cls[good]]
        if not stale or K == 0:
            break
        best, best_q, sel, near = None, 0.0, None, False
        for p in sorted(stale, key=lambda p: (stale[p], p)):
            if best is not None and stale[p] > best * (1 + REL):
                break
            colK = C[:K, p]
            nz = np.flatnonzero(colK > 0.5)  # the classes that support p
            bnz = b[nz]
            order = np.argsort(bnz, kind="stable")
            bs, col = bnz[order], colK[nz][order]
            c = float(costs[p])
            contrib = bs * col
            total = contrib.sum()
            if abs(total - c) <= REL * c:
                raise _Uncertain
            if total < c:
                del stale[p]
                continue
            cum = np.cumsum(contrib)
            ccol = np.cumsum(col)
            rem_before = ccol[-1] - ccol + col
            qm = (c - cum + contrib) / np.maximum(rem_before, 1e-300)
            j = int(np.argmax((qm <= bs) & (rem_before > 0.5)))
            qp = float(qm[j])
            rho = qp / c
            stale[p] = rho
            if best is None or rho < best * (1 - REL):
                best, best_q, sel, near = rho, qp, p, False
            elif rho <= best * (1 + REL):
                near = True
        if near:
            raise _Uncertain
        q = best_q
    return chosen


def _mes_run(prep: _Prepared, b0: Fraction) -> list[int]:
    try:
        return _mes_fast(prep, b0)
    except _Uncertain:
        return _mes_exact(prep, b0)


def equal_shares(costs: Sequence[int], budget: int, ballots: Iterable[tuple[Sequence[int], int]], *,
                 complete: bool = True) -> tuple[int, ...]:
    """Indices of the funded projects, in option order. Each weight unit of a ballot is one
    voter; a blank ballot is a voter too. No ballots: nothing is funded."""
    prep = _Prepared(costs, ballots)
    if prep.n == 0:
        return ()
    B = Fraction(int(budget))
    if not complete:
        return tuple(sorted(_mes_run(prep, B / prep.n)))
    costs = prep.costs

    def cost(sel):
        return sum(costs[i] for i in sel)

    def exhaustive(sel):
        spent = cost(sel)
        s = set(sel)
        return not any(p not in s and spent + costs[p] <= B for p in range(len(costs)))

    step, bound = B / 100, B * (prep.n + 1)
    limit = B
    previous = []
    outcome = None
    while limit <= bound:
        outcome = _mes_run(prep, limit / prep.n)
        if cost(outcome) > B:
            outcome = previous
            break
        if exhaustive(outcome):
            return tuple(sorted(outcome))
        previous = outcome
        limit += step
    else:
        outcome = previous
    if exhaustive(outcome):
        return tuple(sorted(outcome))
    chosen = set(outcome)
    left = B - cost(chosen)
    for p in sorted((p for p in range(len(costs)) if p not in chosen), key=lambda p: (-prep.approvers[p], p)):
        if costs[p] <= left:
            chosen.add(p)
            left -= costs[p]
    return tuple(sorted(chosen))
