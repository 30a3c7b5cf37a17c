"""CLI commands for proposals: add, list, supports, merge, export, import."""

from __future__ import annotations

from pathlib import Path

from p311desk.errors import ValidationError
from p311desk.i18n import _
from p311desk import proposals
from p311desk import sessions

EXTENSIONS = {"xlsx": ".xlsx", "csv": ".csv", "decidim-csv": ".csv", "decidim-json": ".json",
              "decidim-xlsx": ".xlsx"}


def register(sub) -> None:
    p = sub.add_parser("proposals", help=_("capture, prioritise, import and export proposals"))
    pp = p.add_subparsers(dest="action", metavar="ACTION")
    pp.required = True

    q = pp.add_parser("add", help=_("add a proposal to a session"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("title", help=_("title in the session language"))
    q.add_argument("--body", default="")
    q.add_argument("--author", default="",
                   help=_("author: a collective name (e.g. “Taula 3”), org:NAME, or a participant's check-in code as code:CODE; default: the session"))
    q.add_argument("--paper-form", help=_("id of the paper form the proposal was typed from"))
    q.add_argument("--supports", default="0", help=_("supports already counted (a whole number)"))
    q.add_argument("--tags", default="", help=_("free tags, separated by commas"))
    q.add_argument("--address", default="")
    q.add_argument("--force", action="store_true", help=_("enter it even if the paper form was already entered"))
    q.set_defaults(func=cmd_add)

    q = pp.add_parser("list", help=_("list a session's proposals"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("--ranked", action="store_true", help=_("rank by supports"))
    q.add_argument("--search", default="")
    q.set_defaults(func=cmd_list)

    q = pp.add_parser("supports", help=_("set (or add to) the supports of a proposal"))
    q.add_argument("proposal", help=_("proposal id (or its first characters), paper form id or reference"))
    q.add_argument("count", help=_("number of supports; +N or -N to add or remove"))
    q.set_defaults(func=cmd_supports)

    q = pp.add_parser("merge", help=_("merge a duplicate proposal into another (supports are added up)"))
    q.add_argument("duplicate", help=_("the proposal that is merged"))
    q.add_argument("target", help=_("the proposal it is merged into"))
    q.set_defaults(func=cmd_merge)

    q = pp.add_parser("export", help=_("export a session's proposals"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("file")
    q.add_argument("--format", choices=proposals.FORMATS, default=None,
                   help=_("default: from the file extension (xlsx or csv)"))
    q.add_argument("--decidim-version", choices=proposals.DECIDIM_VERSIONS, default=None,
                   help=_("Decidim version of the platform (decides category/id or taxonomies/ids)"))
    q.set_defaults(func=cmd_export)

    q = pp.add_parser("import", help=_("import proposals: our own XLSX/CSV, or a Decidim export or import file"))
    q.add_argument("file")
    q.add_argument("--session", required=True, help=_("session id (or the first characters of it)"))
    q.add_argument("--yes", action="store_true", help=_("write the proposals (without it, only check the file)"))
    q.set_defaults(func=cmd_import)


def _parse_author(text: str, s) -> dict:
    text = text.strip()
    if not text:
        return {"author_kind": "session"}
    if text.lower().startswith("code:"):
        from sqlalchemy import select

        from p311desk.codes import normalize_code
        from p311desk.models import Participant

        code = normalize_code(text[5:])
        pid = s.scalar(select(Participant.id).where(Participant.checkin_code == code))
        if pid is None:
            raise ValidationError("Unknown participant code: {code}", code=code)
        return {"author_kind": "participant", "author_participant_id": pid}
    if text.lower().startswith("org:"):
        return {"author_kind": "organisation", "author_name": text[4:]}
    return {"author_kind": "collective", "author_name": text}


def _line(row: proposals.ProposalRow, rank: int | None = None) -> str:
    number = f"#{row.position}"  # the same number as the window and the minutes show
    head = f"{rank:>3}. " if rank is not None else f"{number:>4}  "
    marks = []
    if row.merged_into_id:
        marks.append(_("merged"))
    if row.status == "withdrawn":
        marks.append(_("withdrawn"))
    if row.source == "decidim":
        marks.append(row.decidim_reference or _("platform"))
    if row.paper_form_id:
        marks.append(_("form {id}").format(id=row.paper_form_id))
    extra = f"  [{', '.join(marks)}]" if marks else ""
    ranked_number = f"{number:>4}  " if rank is not None else ""
    return f"{head}{str(row.id)[:8]}  {ranked_number}{row.supports:>4}  {row.display_title()}{extra}"


def cmd_add(args, ctx) -> int:
    with ctx.db.write() as s:
        session = sessions.find_session(s, args.session)
        row = proposals.add_proposal(
            s, session.id, title=args.title, body=args.body, paper_form_id=args.paper_form,
            supports=_whole_number(args.supports), tags=args.tags, address=args.address,
            allow_duplicate_form=args.force, **_parse_author(args.author, s))
    ctx.print(_("Proposal added: {id}").format(id=row.id))
    return 0


def cmd_list(args, ctx) -> int:
    with ctx.db.read() as s:
        session = sessions.find_session(s, args.session)
        if args.ranked:
            wanted = {r.id for r in proposals.list_proposals(s, session.id, text=args.search)}
            lines = [_line(r.proposal, r.rank) for r in proposals.ranking(s, session.id)
                     if r.proposal.id in wanted]
        else:
            lines = [_line(r) for r in proposals.list_proposals(s, session.id, text=args.search)]
    if not lines:
        ctx.print(_("No proposals."))
    for line in lines:
        ctx.print(line)
    return 0


def _whole_number(text: str) -> int:
    """A count typed on the command line: digits only (``1e30`` or ``2.5`` are refused)."""
    text = text.strip()
    if not text.lstrip("+-").isdigit():
        raise ValidationError("Supports must be a whole number.")
    return int(text)


def cmd_supports(args, ctx) -> int:
    text = args.count.strip()
    value = _whole_number(text)
    with ctx.db.write() as s:
        row = proposals.find_proposal(s, args.proposal)
        if text.startswith(("+", "-")):
            row = proposals.add_supports(s, row.id, value)
        else:
            row = proposals.set_supports(s, row.id, value)
    ctx.print(_("“{title}” has {n} supports.").format(title=row.display_title(), n=row.supports))
    return 0


def cmd_merge(args, ctx) -> int:
    with ctx.db.write() as s:
        source = proposals.find_proposal(s, args.duplicate)
        target = proposals.find_proposal(s, args.target)
        row = proposals.merge(s, source.id, target.id)
    ctx.print(_("Merged into “{title}”: {n} supports.").format(title=row.display_title(), n=row.supports))
    return 0


def cmd_export(args, ctx) -> int:
    fmt = args.format
    if fmt is None:
        suffix = Path(args.file).suffix.lower()
        fmt = {".xlsx": "xlsx", ".csv": "csv", ".json": "decidim-json"}.get(suffix)
        if fmt is None:
            raise ValidationError("Say the format with --format (the file extension does not tell).")
    ctx.output_file(args.file, (EXTENSIONS[fmt],))
    with ctx.db.read() as s:
        session = sessions.find_session(s, args.session)
        result = proposals.export_session(s, session.id, args.file, fmt,
                                               decidim_version=args.decidim_version)
    ctx.print(_("Exported {n} proposals to {file}").format(n=result.rows, file=args.file))
    if result.formula_rows:
        ctx.print(_("Warning: rows {rows} start with =, +, - or @. Upload this file to Decidim as it is; "
                    "do not open it in a spreadsheet program.").format(
                        rows=", ".join(str(r) for r in result.formula_rows)))
    return 0


def cmd_import(args, ctx) -> int:
    with ctx.db.read() as s:
        session = sessions.find_session(s, args.session)
        preview = proposals.preview_import(s, args.file, session.id)
    labels = {"new": _("new"), "update": _("update"), "existing": _("already there"),
              "error": _("error")}
    for row in preview.rows:
        message = ("  " + " ".join(row.messages)) if row.messages else ""
        ctx.print(f"{row.line:>5}  {labels[row.status]:<14} {row.title[:60]}{message}")
    ctx.print(_("{new} new, {update} to update, {existing} already there, {error} with errors.").format(
        new=preview.count("new"), update=preview.count("update"),
        existing=preview.count("existing"), error=preview.count("error")))
    if not preview.rows:
        ctx.print(_("The file has no proposals."))
        return 1
    if not preview.ok:
        ctx.print(_("Nothing was imported. Correct the file and try again."))
        return 1
    if not args.yes:
        ctx.print(_("The file is valid. Run again with --yes to import it."))
        return 0
    with ctx.db.write() as s:
        result = proposals.import_file(s, args.file, session.id)
    ctx.print(_("Imported: {created} new, {updated} updated.").format(
        created=result.created, updated=result.updated))
    return 0

