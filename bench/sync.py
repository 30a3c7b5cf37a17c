"""Benchmark: pull 5,000 proposals from the fake Decidim (0.32 profile) into a fresh database.

Prints proposals/s and the requests made against the minimum (the sign-in, one spaces query, and
one request per page of 50 proposals or meetings of the component's space), then the same with 10 % injected faults (timeouts,
HTTP 500, expired tokens). Anchor, measured in the same run: paging through the same proposals
with the client alone (no database), i.e. what the network and the server cost by themselves.

    .venv/bin/python bench/sync.py [--proposals 5000]
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
from sync.fake_decidim import API_KEY, API_SECRET, start  # noqa: E402
from sync.pull import pull  # noqa: E402

FAULTS = {"timeout": 0.02, "500": 0.04, "expired_token": 0.04}  # 10 % of requests


def client(url: str) -> DecidimClient:
    return DecidimClient(url, credentials=Credentials("api", API_KEY, API_SECRET), line="0.32",
                         timeout=(2.0, 2.0), backoff=(0.02, 0.2), attempts=8)


def run(n: int, faults: dict[str, float] | None, folder: Path, label: str) -> tuple[float, float]:
    fake = start("0.32", proposals=n, faults=faults or {}, fault_delay=2.5, force_auth=True)
    try:
        published = len(fake.store.published_proposals("11"))
        db = Database(folder / f"{label}.db")
        with db.write() as s:
            spaces.add_platform(s, "Bench", fake.url, fake.url.split("://")[1], capabilities={"line": "0.32"})
        c = client(fake.url)
        started = time.perf_counter()
        summary = pull(db, "Bench", component="11", client=c)
        seconds = time.perf_counter() - started
        pages = math.ceil(published / 50)
        meeting_pages = math.ceil(len(fake.store.component_meetings("12")) / 50)
        minimum = pages + meeting_pages + 1 + 1  # proposal and meeting pages, the spaces query, the sign-in
        rate = summary["proposals"]["new"] / seconds
        ratio = summary["requests"] / minimum
        print(f"{label:>10}: {summary['proposals']['new']} proposals in {seconds:.2f} s = {rate:,.0f} proposals/s; "
              f"{summary['requests']} requests for a minimum of {minimum} ({pages} pages) = {ratio:.2f}x; "
              f"{summary['retries']} retries; faults struck {sum(v for k, v in fake.counts.items() if k.startswith('fault:'))}")
        assert summary["complete"] and summary["proposals"]["new"] == published
        db.close()
        return rate, ratio
    finally:
        fake.stop()


def anchor(n: int) -> float:
    fake = start("0.32", proposals=n)
    try:
        c = client(fake.url)
        c.sign_in()
        started = time.perf_counter()
        count = sum(len(page) for page in c.pages("proposals", "11", "proposals"))
        seconds = time.perf_counter() - started
        print(f"{'anchor':>10}: paging {count} proposals with the client alone, no database: "
              f"{seconds:.2f} s = {count / seconds:,.0f} proposals/s")
        return count / seconds
    finally:
        fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = anchor(args.proposals)
        rate, ratio = run(args.proposals, None, Path(tmp), "clean")
        frate, fratio = run(args.proposals, FAULTS, Path(tmp), "10% faults")
    print(f"sync pull: {rate:,.0f} proposals/s at {ratio:.2f}x the minimum requests; with 10 % faults "
          f"{frate:,.0f} proposals/s at {fratio:.2f}x (anchor: client alone {base:,.0f} proposals/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
