"""Vote benchmarks: tallying, equal shares against pabutools, scan → recorded ballot.

    .venv/bin/python bench/tally.py

    .venv/bin/python bench/tally.py --small    # a quick run while developing

Goals (issues 9, 15): tally 100,000 ballots for each method ≤ 0.5 s; the Method of Equal Shares
on 50 projects × 10,000 approval ballots within 1.5× of ``pabutools`` called directly on the same
instance in the same run (the anchor), and **with completion** (equalshares.net's: budget
increase, then utilitarian greedy) ≤ 1 s and identical to pabutools'
``completion_by_rule_combination(exhaustion_by_budget_increase, greedy_utilitarian_welfare)``,
timed in the same run; a scanned paper ballot's option code → ballot committed to disk, with
the secret ballot box written anew, p95 ≤ 20 ms. The last line is a one-line summary.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from p311desk.votes import tally  # noqa: E402
from p311desk.votes.tally import ABSTAIN, Spec  # noqa: E402

SMALL = "--small" in sys.argv
N_BALLOTS = 10_000 if SMALL else 100_000
N_PROJECTS, N_VOTERS = (20, 1_000) if SMALL else (50, 10_000)


def pct(values: list[float], p: int) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def tally_methods(rnd: random.Random) -> dict[str, float]:
    n = 8
    cases = {
        "yes/no": (Spec("yes_no", 2), lambda: rnd.choice([(0,), (1,), (ABSTAIN,), ()])),
        "single": (Spec("single", n), lambda: (rnd.randrange(n),)),
        "multiple": (Spec("multiple", n, 1, 3), lambda: tuple(sorted(rnd.sample(range(n), rnd.randint(1, 3))))),
        "borda": (Spec("points", n, points="borda"), lambda: tuple(rnd.sample(range(n), n))),
        "dots": (Spec("points", n, points="dots", dots=5, dots_max=3),
                 lambda: tuple(sorted(rnd.choice(range(n)) for _ in range(5)))),
        "budget": (Spec("budget", n, 0, n, costs=tuple(rnd.randint(10, 90) * 1000 for _ in range(n)), budget=250_000),
                   lambda: tuple(sorted(rnd.sample(range(n), rnd.randint(1, 4))))),
    }
    out = {}
    for name, (spec, make) in cases.items():
        ballots = [(make(), 1) for _ in range(N_BALLOTS)]
        if name == "dots":  # keep only valid ones (at most 3 dots on one option)
            ballots = [(c, 1) for c, _w in ballots if max(c.count(x) for x in set(c)) <= 3]
            while len(ballots) < N_BALLOTS:
                ballots.append(((0, 1, 2, 3, 4), 1))

        def run(spec=spec, ballots=ballots):
            counts = tally.count(spec, ballots)
            if spec.method == "budget":
                tally.greedy(spec.costs, counts.votes, spec.budget)
            return counts

        counts = run()
        assert counts.ballots + counts.invalid == N_BALLOTS
        out[name] = best_of(run)
        print(f"tally {N_BALLOTS:,} {name} ballots: {out[name] * 1000:.0f} ms (goal ≤ 500 ms)")
    return out


def equal_shares(rnd: random.Random) -> dict[str, float | bool]:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    costs = [rnd.randint(10, 100) * 1000 for _ in range(N_PROJECTS)]
    budget = sum(costs) // 3
    ballots = [(tuple(sorted(rnd.sample(range(N_PROJECTS), rnd.randint(1, 10)))), 1) for _ in range(N_VOTERS)]

    # The anchors: pabutools on the same instance, profile built beforehand (not timed).
    projects = [Project(f"{i:05d}", c) for i, c in enumerate(costs)]
    instance = Instance(projects, budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot(projects[c] for c in b) for b, _w in ballots], instance=instance)
    direct, direct_complete = [], []

    def anchor():
        direct.append(method_of_equal_shares(instance, profile, sat_class=Cost_Sat))

    def anchor_complete():
        direct_complete.append(completion_by_rule_combination(
            instance, profile, [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [{"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}}, {"sat_class": Cost_Sat}]))

    t_anchor = best_of(anchor, 2)
    ours_result, ours_complete = [], []
    t_ours = best_of(lambda: ours_result.append(tally.equal_shares(costs, budget, ballots, complete=False)), 2)
    t_complete = best_of(lambda: ours_complete.append(tally.equal_shares(costs, budget, ballots)), 2)
    t_anchor_complete = best_of(anchor_complete, 1)
    same = ours_result[-1] == tuple(sorted(int(p.name) for p in direct[-1]))
    same_complete = ours_complete[-1] == tuple(sorted(int(p.name) for p in direct_complete[-1]))
    print(f"equal shares, {N_PROJECTS} projects × {N_VOTERS:,} approval ballots: ours {t_ours:.2f} s, "
          f"pabutools direct {t_anchor:.2f} s (anchor, same instance, same run) = {t_ours / t_anchor:.2f}× "
          f"(goal ≤ 1.5×); same outcome: {same}")
    print(f"equal shares with completion: ours {t_complete:.2f} s (goal ≤ 1 s), pabutools "
          f"completion_by_rule_combination {t_anchor_complete:.2f} s (anchor) = {t_complete / t_anchor_complete:.3f}×; "
          f"same outcome: {same_complete}")
    return {"ours": t_ours, "anchor": t_anchor, "same": same, "complete": t_complete,
            "anchor_complete": t_anchor_complete, "same_complete": same_complete}


def scan_latency(n: int = 200) -> tuple[float, float]:
    tmp = Path(tempfile.mkdtemp(prefix="p311bench"))
    os.environ["P311DESK_KEY_DIR"] = str(tmp / "keys")
    from p311desk import attendance, sessions, votes
    from p311desk.db import Database
    from p311desk.participants import add_participant

    db = Database(tmp / "bench.db")
    with db.write() as s:
        sid = sessions.create_session(s, title="Bench").id
        sessions.open_session(s, sid)
        for i in range(n):  # as many people in the room as paper ballots: the box takes every one
            p = add_participant(s, given_name=f"Veïna{i}", checkin_code=f"TELLER{i:04d}")
            attendance.check_in(s, sid, p.checkin_code)
        qid = votes.create_question(s, sid, "Paper?", method="single", options=["A", "B", "C"], secret=True).id
        votes.open_question(s, qid)
    with db.write() as s:
        issued = votes.issue_ballots(s, qid, n)
    # The floor on this disk: the same unit of work with only its audit event (one commit, fsync).
    floor = []
    from p311desk import audit

    for _ in range(n // 2):
        t0 = time.perf_counter()
        with db.write() as s:
            audit.record(s, "bench.noop", session_id=sid)
        floor.append((time.perf_counter() - t0) * 1000)
    times = []
    for b in issued:
        payload = b.options[random.randrange(3)][1]
        t0 = time.perf_counter()
        with db.write() as s:
            votes.scan(s, qid, [payload])
        times.append((time.perf_counter() - t0) * 1000)
    db.close()
    med, p95 = statistics.median(times), pct(times, 95)
    print(f"scan → ballot committed (synchronous=FULL, secret ballot box rewritten), {n} scans: median {med:.1f} ms, p95 {p95:.1f} ms "
          f"(goal ≤ 20 ms); anchor, an empty audited commit on the same database: median "
          f"{statistics.median(floor):.1f} ms, p95 {pct(floor, 95):.1f} ms")
    return med, p95, statistics.median(floor)


def main() -> None:
    rnd = random.Random(9)
    per_method = tally_methods(rnd)
    es = equal_shares(rnd)
    med, p95, floor = scan_latency()
    worst = max(per_method, key=per_method.get)
    print(f"SUMMARY tally {N_BALLOTS // 1000}k: worst {worst} {per_method[worst] * 1000:.0f} ms (≤500) | equal shares "
          f"{N_PROJECTS}×{N_VOTERS // 1000}k {es['ours']:.2f} s vs pabutools {es['anchor']:.2f} s = "
          f"{es['ours'] / es['anchor']:.2f}× (≤1.5×, same={es['same']}) | with completion {es['complete']:.2f} s "
          f"(≤1 s) vs pabutools {es['anchor_complete']:.1f} s (same={es['same_complete']}) | "
          f"scan median {med:.1f} ms p95 {p95:.1f} ms (≤20; empty audited commit {floor:.1f} ms)")


if __name__ == "__main__":
    main()
