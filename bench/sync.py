"""Benchmark: pull 5,000 proposals from the fake Decidim into a fresh database on each schema line
(0.27, 0.28, 0.30 with the web session; 0.32 with an API user), and push 5,000 proposals captured
offline to it (0.32: the only line with a write API).

Prints proposals/s and the requests made against the minimum (the sign-in, one spaces query, and
one request per page of 50 proposals or meetings of the component's space), then the same with 10 % injected faults (timeouts,
HTTP 500, expired tokens). Anchor, measured in the same run: paging through the same proposals
with the client alone (no database), i.e. what the network and the server cost by themselves.

Push part: a session linked to the fake's component with N proposals and its closure, pushed
by API; prints proposals/s and requests per proposal (goal ≤ 1.05 without faults), then the same
with 10 % injected faults (timeouts, 500, dropped responses after the write, expired tokens),
pushing again until nothing is left, and counts duplicates on the server (goal: 0). Anchor:
the same number of createProposal requests sent with the client alone (no database, no outbox).

    .venv/bin/python bench/sync.py [--proposals 5000] [--part pull|push|all] [--lines 0.27,0.28,0.30,0.32]

The last line sums it up per line, each with its anchor measured in the same run; the push is
also given as a ratio of the bare client's throughput (goal ≥ 0.8).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from p311desk.db import Database  # noqa: E402
from p311desk import spaces  # noqa: E402
from sync.client import Credentials, DecidimClient  # noqa: E402
from sync.fake_decidim import API_KEY, API_SECRET, USER_EMAIL, USER_PASSWORD, start  # noqa: E402
from sync.pull import pull  # noqa: E402
from sync.schemas import LINES, type_map  # noqa: E402

FAULTS = {"timeout": 0.02, "500": 0.04, "expired_token": 0.04}  # 10 % of requests
PUSH_FAULTS = {"timeout": 0.02, "500": 0.03, "drop_after_write": 0.03, "expired_token": 0.02}  # 10 %


def client(url: str, line: str = "0.32") -> DecidimClient:
    creds = Credentials("api", API_KEY, API_SECRET) if line == "0.32" else Credentials("session", USER_EMAIL,
                                                                                          USER_PASSWORD)
    return DecidimClient(url, credentials=creds, line=line, schema=type_map(line),
                         timeout=(2.0, 2.0), backoff=(0.02, 0.2), attempts=8)


def run(n: int, faults: dict[str, float] | None, folder: Path, label: str, line: str = "0.32") -> tuple[float, float]:
    fake = start(line, proposals=n, faults=faults or {}, fault_delay=2.5, force_auth=True)
    try:
        published = len(fake.store.published_proposals("11"))
        db = Database(folder / f"{line}-{label}.db")
        with db.write() as s:
            spaces.add_platform(s, "Bench", fake.url, fake.url.split("://")[1], capabilities={"line": line})
        c = client(fake.url, line)
        started = time.perf_counter()
        summary = pull(db, "Bench", component="11", client=c)
        seconds = time.perf_counter() - started
        pages = math.ceil(published / 50)
        meeting_pages = math.ceil(len(fake.store.component_meetings("12")) / 50)
        # Proposal and meeting pages, the spaces query, and the sign-in: one request for an API
        # user (0.31+), three for the web session (the form, the post, the check).
        minimum = pages + meeting_pages + 1 + (1 if line == "0.32" else 3)
        rate = summary["proposals"]["new"] / seconds
        ratio = summary["requests"] / minimum
        print(f"{line} {label:>10}: {summary['proposals']['new']} proposals in {seconds:.2f} s = {rate:,.0f} proposals/s; "
              f"{summary['requests']} requests for a minimum of {minimum} ({pages} pages) = {ratio:.2f}x; "
              f"{summary['retries']} retries; faults struck {sum(v for k, v in fake.counts.items() if k.startswith('fault:'))}")
        assert summary["complete"] and summary["proposals"]["new"] == published
        db.close()
        return rate, ratio
    finally:
        fake.stop()


def anchor(n: int, line: str = "0.32") -> float:
    fake = start(line, proposals=n)
    try:
        c = client(fake.url, line)
        c.sign_in()
        started = time.perf_counter()
        count = sum(len(page) for page in c.pages("proposals", "11", "proposals"))
        seconds = time.perf_counter() - started
        print(f"{line} {'anchor':>10}: paging {count} proposals with the client alone, no database: "
              f"{seconds:.2f} s = {count / seconds:,.0f} proposals/s")
        return count / seconds
    finally:
        fake.stop()


def push_run(n: int, faults: dict[str, float] | None, folder: Path, label: str) -> tuple[float, float, int]:
    from p311desk import outbox, sessions
    from p311desk import proposals as P
    from sync.capabilities import Capabilities
    from sync.push import push

    fake = start("0.32", proposals=10, fault_delay=0.3)
    try:
        db = Database(folder / f"push-{label}.db")
        caps = Capabilities("0.32", True, True, True, ("session", "api"))
        host = fake.url.split("://")[1]
        with db.write() as s:
            spaces.add_platform(s, "Bench", fake.url, host, capabilities=caps.to_json())
        c = client(fake.url)
        c.attempts, c.timeout = 8, (2.0, 0.25)
        pull(db, "Bench", component="11", client=c)
        titles = [f"Proposta de la sala número {i:05d}" for i in range(n)]
        with db.write() as s:
            sid = sessions.create_session(s, title="Bench").id
            sessions.update_session(s, sid, **spaces.resolve_link(s, host, "11", "502"))
            sessions.open_session(s, sid)
        for start_at in range(0, n, 500):
            with db.write() as s:
                for title in titles[start_at:start_at + 500]:
                    P.add_proposal(s, sid, title=title, body="Recollida a la sala (dades de prova).")
        with db.write() as s:
            sessions.close_session(s, sid)
        fake.faults = dict(faults or {})
        before = c.stats["requests"]
        started = time.perf_counter()
        runs = 0
        while True:
            runs += 1
            report = push(db, "Bench", session=sid, client=c, attempts=6, wait=(0.01, 0.05))
            with db.read() as s:
                left = outbox.unsynced_count(s, sid)
            if not left or runs >= 10:
                break
        seconds = time.perf_counter() - started
        requests = c.stats["requests"] - before
        mine = [p for p in fake.store.proposals.values() if p.title.get("ca", "").startswith("Proposta de la sala")]
        duplicates = len(mine) - len({p.title["ca"] for p in mine})
        closures = [w for w, _ in fake.store.writes].count("closeMeeting")
        rate = n / seconds
        per = requests / n
        print(f"{label:>10}: pushed {len(mine)} proposals + the closure in {seconds:.2f} s = {rate:,.0f} proposals/s; "
              f"{requests} requests = {per:.3f} per proposal; {runs} push run(s), {left} left; "
              f"{duplicates} duplicates, {closures} closure(s); faults struck "
              f"{sum(v for k, v in fake.counts.items() if k.startswith('fault:'))} (last run: found {report.found})")
        assert left == 0 and duplicates == 0 and len({p.title['ca'] for p in mine}) == n and closures == 1
        db.close()
        return rate, per, duplicates
    finally:
        fake.stop()


def push_anchor(n: int) -> float:
    from sync.documents import document

    fake = start("0.32", proposals=10)
    try:
        c = client(fake.url)
        c.sign_in()
        doc = document("create_proposal", "0.32")
        started = time.perf_counter()
        for i in range(n):
            c.execute(doc, {"componentId": "11", "input": {"locale": "ca", "attributes": {
                "title": f"Proposta d'ancoratge {i:05d}", "body": "Sense base de dades."}}}, idempotent=False)
        seconds = time.perf_counter() - started
        print(f"{'anchor':>10}: {n} createProposal requests with the client alone, no database: "
              f"{seconds:.2f} s = {n / seconds:,.0f} proposals/s")
        return n / seconds
    finally:
        fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=5000)
    parser.add_argument("--part", choices=("pull", "push", "all"), default="all")
    parser.add_argument("--lines", default=",".join(LINES), help="schema lines to pull from")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("pull", "all"):
            for line in args.lines.split(","):
                base = anchor(args.proposals, line)
                rate, ratio = run(args.proposals, None, Path(tmp), "clean", line)
                frate, fratio = run(args.proposals, FAULTS, Path(tmp), "10% faults", line)
                lines.append(f"pull {line}: {rate:,.0f}/s at {ratio:.2f}x the minimum requests, with 10 % faults "
                             f"{frate:,.0f}/s at {fratio:.2f}x (anchor: client alone {base:,.0f}/s)")
        if args.part in ("push", "all"):
            pbase = push_anchor(args.proposals)
            prate, per, _ = push_run(args.proposals, None, Path(tmp), "clean")
            frate2, fper, dups = push_run(args.proposals, PUSH_FAULTS, Path(tmp), "10% faults")
            lines.append(f"push 0.32: {prate:,.0f}/s = {prate / pbase:.2f}x the bare client ({pbase:,.0f}/s) at "
                         f"{per:.3f} requests/proposal, with 10 % faults {frate2:,.0f}/s at {fper:.3f}, "
                         f"{dups} duplicates")
    print(" | ".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
