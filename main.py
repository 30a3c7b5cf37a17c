"""Entry points: ``p311desk`` (the desktop app) and ``p311desk-cli`` (headless command line).

Only argument parsing and wiring live here; the logic is in ``p311desk`` (core), ``sync`` and
``ui``.
"""

from __future__ import annotations

import argparse
import sys


# Command modules outside the core: the core CLI never imports sync/, so the wiring adds them here.
CLI_EXTRA_MODULES = ["sync.cli"]


def cli_main(argv: list[str] | None = None) -> int:
    from p311desk.cli import main

    return main(argv, extra_modules=CLI_EXTRA_MODULES)


def gui_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p311desk", description="p311desk desktop application")
    parser.add_argument("--data-dir", help="folder of the database (default: the user data folder)")
    parser.add_argument("--demo", action="store_true", help="create the demo data if the database is empty")
    parser.add_argument("--lang", choices=["ca", "es", "en"], help="interface language")
    parser.add_argument("--quit-after", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true",
                        help="check this build: open the demo offscreen, paint every page once and quit; "
                             "exit 1 on any error in the log")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)  # bench/startup.py
    args, qt_args = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.smoke:
        from ui.smoke import run as smoke

        return smoke(data_dir=args.data_dir, lang=args.lang, qt_args=qt_args)
    if args.startup_probe:
        from ui.smoke import startup_probe

        return startup_probe(data_dir=args.data_dir, lang=args.lang, qt_args=qt_args)
    from ui.app import run

    return run(data_dir=args.data_dir, demo=args.demo, lang=args.lang,
               quit_after=args.quit_after, qt_args=qt_args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(gui_main())
