"""``python -m sync.fake_decidim --version 0.27|0.28|0.30|0.32 [--port N] [--faults ...]``: run the fake."""

from __future__ import annotations

import argparse
import sys
import time

from sync.schemas import LINES
from sync.fake_decidim import API_KEY, API_SECRET, USER_EMAIL, USER_PASSWORD, FakeDecidim, parse_faults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.fake_decidim",
                                     description="A fake Decidim on 127.0.0.1 for tests and demos.")
    parser.add_argument("--version", choices=list(LINES), default="0.30",
                        help="schema line: 0.27 (0.26-0.27), 0.28 (0.28-0.29), 0.30, 0.32 (0.31+)")
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--faults", default="",
                        help="e.g. timeout=0.1,500=0.05,drop_after_write=0.1,expired_token=0.1")
    parser.add_argument("--fault-delay", type=float, default=1.0, help="seconds a 'timeout' fault stalls")
    parser.add_argument("--proposals", type=int, default=120, help="proposals in the first process")
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--force-auth", action="store_true", help="refuse anonymous API calls (HTTP 401)")
    parser.add_argument("--max-complexity", type=int, default=5000, help="300 imitates Decidim 0.26")
    args = parser.parse_args(argv)
    try:
        faults = parse_faults(args.faults)
    except ValueError as err:
        parser.error(str(err))
    fake = FakeDecidim(args.version, port=args.port, faults=faults, proposals=args.proposals, seed=args.seed,
                       fault_delay=args.fault_delay, force_auth=args.force_auth,
                       max_complexity=args.max_complexity)
    print(f"Fake Decidim {args.version} on {fake.url}", flush=True)
    if args.version == "0.32":
        print(f"  API key: {API_KEY}   secret: {API_SECRET}", flush=True)
    print(f"  e-mail: {USER_EMAIL}   password: {USER_PASSWORD}", flush=True)
    fake.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
