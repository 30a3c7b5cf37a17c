"""``p311desk-cli``: the headless command line over the services.

Administrators script batch jobs with it and the end-to-end tests drive the core through it.
Each feature registers its subcommands from its own module (listed in ``COMMAND_MODULES``):
a module exposes ``register(subparsers)`` and sets ``func(args, ctx) -> int`` on its parsers.
Exit codes: 0 done; 1 refused (a rule, bad input, a wrong command line: one sentence on stderr
says why and nothing was changed); 2 unexpected (a sentence naming the log file, where the details
are). Never a traceback: not for a closed pipe (``| head``), a damaged database or a full disk.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from p311desk.errors import DomainError
from p311desk.i18n import LANGUAGES, _, set_language

COMMAND_MODULES = [
    "p311desk.cli.core_commands",
    "p311desk.cli.proposals_commands",
    "p311desk.cli.attendance_commands",
    "p311desk.cli.votes_commands",
    "p311desk.cli.backup_commands",
    "p311desk.cli.print_commands",
    "p311desk.cli.evaluation_commands",
    "p311desk.cli.accountability_commands",
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

    @property
    def data_folder(self) -> Path:
        from p311desk.paths import data_dir

        return data_dir(self.data_dir)

    def output_file(self, path: str, suffixes) -> Path:
        """``path`` if an export may write it (see :func:`p311desk.paths.check_output_file`)."""
        from p311desk.paths import check_output_file

        return check_output_file(path, suffixes, self.data_folder)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


class _Parser(argparse.ArgumentParser):
    """A wrong command line is refused input: usage and one sentence, exit 1 (not argparse's 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(_("Error: {message}").format(message=message), file=sys.stderr)
        raise SystemExit(1)


def build_parser(extra_modules: list[str] | tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """The parser; ``extra_modules`` are command modules outside the core that ``main.py`` adds
    (``sync.cli``: the commands that talk to Decidim), registered the same way."""
    parser = _Parser(
        prog="p311desk-cli",
        description=_("Run participation sessions offline: sessions, participants, proposals."),
    )
    parser.add_argument("--data-dir", help=_("folder of the database (default: the user data folder, or $P311DESK_DATA_DIR)"))
    parser.add_argument("--lang", choices=sorted(LANGUAGES), help=_("language of messages"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in [*COMMAND_MODULES, *extra_modules]:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None, *, extra_modules: list[str] | tuple[str, ...] = ()) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Pick the language before building the parser so that help texts are translated.
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    set_language(lang or os.environ.get("P311DESK_LANG", "en"))
    parser = build_parser(extra_modules)
    try:
        args, extra = parser.parse_known_args(argv)
        # argparse gives a trailing list (``votes count Q --batch B yes=3``) nothing once an
        # option stands between it and the command's first positional: a command names its
        # list in ``trailing`` and takes the OPTION=N words found after the options.
        trailing = getattr(args, "trailing", None)
        if extra and trailing and not any(word.startswith("-") for word in extra):
            setattr(args, trailing, [*(getattr(args, trailing) or []), *extra])
        elif extra:
            parser.error(_("unrecognized arguments: {words}").format(words=" ".join(extra)))
    except SystemExit as done:  # --help (0) or a refused command line (1)
        return int(done.code or 0)
    ctx = CliContext(data_dir=args.data_dir)
    try:
        return _run(args, ctx)
    finally:
        try:
            ctx.close()
        except Exception:  # closing after a failure must not hide the sentence already shown
            logging.getLogger(__name__).warning("closing the database failed", exc_info=True)
        try:
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            _silence_stdout()


def _run(args, ctx: CliContext) -> int:
    log = _start_log(ctx)
    try:
        return _dispatch(args, ctx, log)
    finally:
        from p311desk import logs

        logs.stop_file_logging(log)
        if log is None:
            logs.stop_file_logging()


def _dispatch(args, ctx: CliContext, log: Path | None) -> int:
    try:
        return int(args.func(args, ctx) or 0)
    except DomainError as err:
        _refuse(err.message())
        return 1
    except BrokenPipeError:
        # The reader went away (``| head``): what it wanted was written; stop quietly.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        _refuse(_("Interrupted; nothing more was done."))
        return 1
    except Exception as err:
        refusal = _known_failure(err, ctx)
        if refusal:
            logging.getLogger(__name__).warning("%s refused: %s", args.command, refusal)
            _refuse(refusal)
            return 1
        logging.getLogger(__name__).exception("unexpected error in %s", _command_name(args))
        where = log or _start_log(ctx, fallback=True)
        if where:
            message = _("Unexpected error ({kind}). Nothing more was done; the details are in {log}.").format(
                kind=type(err).__name__, log=where)
        else:
            message = _("Unexpected error ({kind}). Nothing more was done.").format(kind=type(err).__name__)
        print(message, file=sys.stderr)
        return 2


def _command_name(args) -> str:
    return " ".join(str(x) for x in (args.command, getattr(args, "action", None)) if x)


def _refuse(message: str) -> None:
    print(_("Error: {message}").format(message=message), file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _start_log(ctx: CliContext, fallback: bool = False) -> Path | None:
    from p311desk import logs

    try:
        if fallback:
            from p311desk.paths import cache_dir

            return logs.setup_file_logging(cache_dir())
        return logs.setup_file_logging(ctx.data_folder)
    except (DomainError, OSError):
        return None


def _known_failure(err: Exception, ctx: CliContext) -> str | None:
    """A sentence for failures that are bad input rather than bugs (a file that is not a
    database, a folder that cannot be written), or None."""
    from sqlalchemy.exc import DatabaseError as SqlDatabaseError

    if isinstance(err, SqlDatabaseError):
        text = str(getattr(err, "orig", err)).lower()
        if "not a database" in text or "malformed" in text or "encrypted" in text:
            from p311desk.paths import database_path

            return _("{path} is not a p311desk database, or it is damaged. Restore a backup, or choose "
                     "another folder with --data-dir.").format(path=database_path(ctx.data_dir))
        return None
    if isinstance(err, OSError) and err.filename:
        from errno import EACCES, ENOENT, ENOSPC, EPERM, EROFS

        reasons = {EACCES: _("permission denied"), EPERM: _("permission denied"),
                   ENOENT: _("no such file or folder"), ENOSPC: _("the disk is full"),
                   EROFS: _("the disk is read-only")}
        if err.errno in reasons:
            return _("Cannot use {file}: {reason}.").format(file=err.filename, reason=reasons[err.errno])
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
