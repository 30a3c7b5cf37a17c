"""CLI commands of attendance: participants import/list/export, checkin."""

from __future__ import annotations


from p311desk.cli.options import column_mapping
from p311desk.i18n import _
from p311desk.text import fold
from p311desk import attendance
from p311desk import participants
from p311desk import sessions


def register(sub) -> None:
    p = sub.add_parser("participants", help=_("import, list and export participants"))
    pp = p.add_subparsers(dest="action", metavar="ACTION")
    pp.required = True
    q = pp.add_parser("import", help=_("import participants from XLSX, XLS, ODS, CSV or Decidim's registrations export"))
    q.add_argument("file")
    q.add_argument("--session", help=_("register the people for this session (id or its first characters)"))
    q.add_argument("--mapping", help=_('column mapping as JSON, e.g. {"given_name": "Nom", "email": "Correu"}'))
    q.add_argument("--yes", action="store_true", help=_("accept the warnings and import"))
    q.add_argument("--sheet", help=_("sheet name (default: the first sheet with data)"))
    q.set_defaults(func=cmd_import)
    q = pp.add_parser("list", help=_("list participants"))
    q.add_argument("--session", help=_("only the people expected at or present in this session"))
    q.add_argument("--search", help=_("only people whose name, e-mail or code contains this text"))
    q.set_defaults(func=cmd_list)
    q = pp.add_parser("export", help=_("export participants (or a session's attendance list) to XLSX or CSV"))
    q.add_argument("file")
    q.add_argument("--session", help=_("export the attendance list of this session"))
    q.set_defaults(func=cmd_export)

    p = sub.add_parser("checkin", help=_("check a person in by code or name"))
    p.add_argument("session", help=_("session id (or the first characters of it)"))
    p.add_argument("code_or_name", help=_("check-in code, registration code or name"))
    p.set_defaults(func=cmd_checkin)


def _session_id(ctx, ref):
    if not ref:
        return None
    with ctx.db.read() as s:
        return sessions.find_session(s, ref).id


def cmd_import(args, ctx) -> int:
    from p311desk.spreadsheets.reader import read_table

    mapping = column_mapping(args.mapping)
    table = read_table(args.file, sheet=args.sheet)
    session_id = _session_id(ctx, args.session)
    # The check is a read: a dry run takes no write lock and never makes another writer wait.
    with ctx.db.read() as s:
        plan = participants.preview(s, table, mapping, session_id=session_id)
    ctx.print(_("Columns: {mapping}").format(mapping=", ".join(f"{k} ← {v}" for k, v in plan.mapping.items())))
    for line in participants.report_lines(plan):
        ctx.print(line)
    ctx.print(_("{rows} rows: {new} new, {update} to update, {warning} with warnings, {error} with errors.").format(
        rows=len(plan.rows), **plan.counts))
    if plan.errors:
        ctx.print(_("Nothing was imported: correct the errors first."))
        return 1
    if plan.warnings and not args.yes:
        ctx.print(_("Nothing was imported: check the warnings and run again with --yes to accept them."))
        return 1
    with ctx.db.write() as s:
        # Checked again under the write lock: another writer may have changed the registry since.
        plan = participants.preview(s, table, plan.mapping, session_id=session_id)
        result = participants.commit(s, plan, accept_warnings=args.yes)
    ctx.print(_("Imported: {created} new, {updated} updated, {skipped} skipped, {registered} registered for the session.").format(
        created=result.created, updated=result.updated, skipped=result.skipped, registered=result.registered))
    return 0


def cmd_list(args, ctx) -> int:
    session_id = _session_id(ctx, args.session)
    with ctx.db.read() as s:
        if session_id is not None:
            rows = [(r.checkin_code, r.full_name, r.email or "",
                     attendance.local_time(r.checked_in_at) if r.checked_in_at else "")
                    for r in attendance.attendance_list(s, session_id)]
        else:
            from sqlalchemy import select

            from p311desk.models import Participant

            rows = sorted(((p.checkin_code, p.full_name, p.email or "", "") for p in s.scalars(select(Participant))),
                          key=lambda r: fold(r[1]))
    if args.search:
        words = fold(args.search).split()
        rows = [r for r in rows if all(w in fold(" ".join(r[:3])) for w in words)]
    if not rows:
        ctx.print(_("No participants."))
        return 0
    for code, name, email, when in rows:
        ctx.print(f"{code:<10} {when:<5}  {name}  {email}".rstrip())
    return 0


def cmd_export(args, ctx) -> int:
    ctx.output_file(args.file, (".xlsx", ".csv"))
    session_id = _session_id(ctx, args.session)
    with ctx.db.read() as s:
        if session_id is not None:
            n = attendance.export_attendance(s, session_id, args.file)
        else:
            n = attendance.export_registry(s, args.file)
    ctx.print(_("Exported {n} rows to {file}").format(n=n, file=args.file))
    return 0


def cmd_checkin(args, ctx) -> int:
    session_id = _session_id(ctx, args.session)
    text = args.code_or_name
    with ctx.db.write() as s:
        choice = attendance.build_index(s, session_id).choose(text, limit=10)
        if choice.person is None and choice.candidates:
            # Part of a name or of a code, a shared name, or someone not on the list: never guess.
            ctx.print(_("“{text}” does not name exactly one registered person; give the code:").format(text=text))
            for h in choice.candidates:
                mark = "" if h.registered else "  " + _("(not on the registration list)")
                ctx.print(f"  {h.code:<10} {h.name}  {h.email or ''}".rstrip() + mark)
            return 1
        if choice.person is not None:
            method = "qr" if choice.by == "code" else "name"
            result = attendance.check_in(s, session_id, choice.person.participant_id, method=method)
        else:
            result = attendance.check_in(s, session_id, text)
        counter = attendance.counter(s, session_id)
    ctx.print(result.message())
    if result.kind == attendance.WELCOME and not result.registered:
        ctx.print(_("(not on the registration list)"))
    ctx.print(_("Present: {present} of {expected} expected").format(present=counter.present, expected=counter.expected))
    return 0 if result.kind in (attendance.WELCOME, attendance.ALREADY) else 1


