"""CLI command ``print``: any printable document of a session to a PDF (or the minutes to ODT)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from p311desk import printing, sessions, votes
from p311desk.errors import ValidationError
from p311desk.i18n import LANGUAGES, _


def register(sub) -> None:
    kinds = "\n".join(f"  {kind:<12} {_(label)}" for kind, (label, _module) in printing.KINDS.items())
    import argparse

    p = sub.add_parser(
        "print", help=_("print a session's handouts, credentials, forms, lists or minutes to PDF"),
        description=_("Documents (KIND):") + "\n" + kinds,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=list(printing.KINDS), metavar="KIND", help=_("the document: {kinds}").format(
        kinds=", ".join(printing.KINDS)))
    p.add_argument("session", help=_("session id (or the first characters of it)"))
    p.add_argument("-o", "--output", required=True, help=_("the file to write (.pdf, or .odt for the minutes)"))
    p.add_argument("--question", help=_("ballots: the question (id or its first characters)"))
    p.add_argument("--lang", dest="doc_lang", choices=sorted(LANGUAGES),
                   help=_("language of the document (default: the session's)"))
    p.add_argument("--paper", choices=printing.PAPERS, default="A4")
    p.add_argument("--per-page", type=int, help=_("credentials, ballots: 8, or 24 for 3 × 8 label sheets; handouts: 1, 2 or 4; forms: 1 or 2"))
    p.add_argument("--sort", choices=printing.SORTS, default="surname", help=_("order of people (default: surname)"))
    p.add_argument("--count", type=int, help=_("ballots, forms, handouts: how many"))
    p.add_argument("--blank-rows", type=int, default=10, help=_("signature sheet: blank rows for walk-ins (default 10)"))
    p.add_argument("--url", help=_("handout: the web address of the QR (default: the session's space on the platform)"))
    p.add_argument("--text", help=_("handout: the text under the title"))
    p.add_argument("--format", choices=("pdf", "odt"), default=None,
                   help=_("minutes: pdf or odt (default: from the file name)"))
    p.set_defaults(func=cmd_print)


def cmd_print(args, ctx) -> int:
    if args.per_page is not None and args.per_page < 1:
        raise ValidationError("--per-page is how many go on each sheet: a whole number of at least 1, "
                              "not {n}.", n=args.per_page)
    fmt = args.format or ("odt" if Path(args.output).suffix.lower() == ".odt" else "pdf")
    out = ctx.output_file(args.output, (f".{fmt}",))
    unit = ctx.db.write if args.kind in printing.WRITES else ctx.db.read
    with unit() as s:
        session = sessions.find_session(s, args.session)
        question_id = None
        if args.question:
            question_id = votes.find_question(s, args.question).id
        elif args.kind == "ballots":
            raise ValidationError("Say which question the ballots are for (--question).")
        options = printing.PrintOptions(
            kind=args.kind, lang=args.doc_lang, paper=args.paper, per_page=args.per_page, sort=args.sort,
            question_id=question_id, count=args.count, blank_rows=args.blank_rows, url=args.url,
            text=args.text, format=fmt)
        # Written beside the target and moved into place: a refused or failed job leaves no half file.
        fd, tmp = tempfile.mkstemp(prefix=".p311desk-", suffix=out.suffix, dir=out.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pages = printing.render(s, session.id, options, fh)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    if args.kind == "minutes" and fmt == "pdf":
        with ctx.db.write() as s:
            printing.record_minutes_generated(s, session.id, out)
    if pages:
        ctx.print(ctx_ngettext("{file}: {n} page", "{file}: {n} pages", pages).format(file=out, n=pages))
    else:
        ctx.print(_("Written: {file}").format(file=out))
    return 0


def ctx_ngettext(singular: str, plural: str, n: int) -> str:
    from p311desk.i18n import ngettext

    return ngettext(singular, plural, n)
