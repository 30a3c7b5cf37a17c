"""``p311desk-cli``: the headless command line over the services.

Administrators script batch jobs with it and the end-to-end tests drive the core through it.
Each feature registers its subcommands from its own module (listed in ``COMMAND_MODULES``):
a module exposes ``register(subparsers)`` and sets ``func(args, ctx) -> int`` on its parsers.
Exit codes: 0 done, 1 refused by a rule or bad input (the message says why), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass, field

from p311desk.errors import DomainError
from p311desk.i18n import LANGUAGES, _, set_language

COMMAND_MODULES = [
    "p311desk.cli.core_commands",
    "p311desk.cli.proposals_commands",
    "p311desk.cli.attendance_commands",
    "p311desk.cli.votes_commands",
]


@dataclass
class CliContext:
    data_dir: str | None
    out: object = field(default_factory=lambda: sys.stdout)
    _db: object = None

    @property
    def db(self):
        if self._db is None:
            from p311desk.db import open_database

            self._db = open_database(self.data_dir)
        return self._db

    def print(self, *parts: object) -> None:
        print(*parts, file=self.out)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="p311desk-cli",
        description=_("Run participation sessions offline: sessions, participants, proposals."),
    )
    parser.add_argument("--data-dir", help=_("folder of the database (default: the user data folder, or $P311DESK_DATA_DIR)"))
    parser.add_argument("--lang", choices=sorted(LANGUAGES), help=_("language of messages"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Pick the language before building the parser so that help texts are translated.
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    import os

    set_language(lang or os.environ.get("P311DESK_LANG", "en"))
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = CliContext(data_dir=args.data_dir)
    try:
        return int(args.func(args, ctx) or 0)
    except DomainError as err:
        print(_("Error: {message}").format(message=err.message()), file=sys.stderr)
        return 1
    finally:
        ctx.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
