"""CLI commands of the foundation: init, demo, sessions, audit, export."""

from __future__ import annotations

import datetime as dt

from p311desk.errors import ValidationError
from p311desk.i18n import _
from p311desk.i18n import format_local as i18n_format_local
from p311desk import audit
from p311desk import demo
from p311desk import backups
from p311desk import sessions
from p311desk import spaces


def register(sub) -> None:
    p = sub.add_parser("init", help=_("create (or upgrade) the database"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help=_("create the demo database (a municipality, two sessions, 300 people)"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sessions", help=_("list, create, open and close sessions"))
    ss = p.add_subparsers(dest="action", metavar="ACTION")
    ss.required = True
    q = ss.add_parser("list", help=_("list sessions"))
    q.add_argument("--status", choices=sorted(sessions.STATUSES))
    q.set_defaults(func=cmd_sessions_list)
    q = ss.add_parser("create", help=_("create a session"))
    q.add_argument("title")
    q.add_argument("--kind", choices=sorted(sessions.KINDS), default="meeting")
    q.add_argument("--starts", help=_("start, as YYYY-MM-DD HH:MM local time"))
    q.add_argument("--ends", help=_("end, as YYYY-MM-DD HH:MM local time"))
    q.add_argument("--place", default="")
    q.add_argument("--language", default="ca")
    q.add_argument("--no-min-age", action="store_true", help=_("allow people under 14 (e.g. children's councils)"))
    q.add_argument("--series", help=_("the series the session belongs to (its evaluations are compared)"))
    q.set_defaults(func=cmd_sessions_create)
    q = ss.add_parser("series", help=_("set or clear the series a session belongs to"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("name", nargs="?", default="", help=_("the series' name (none: the session leaves its series)"))
    q.set_defaults(func=cmd_sessions_series)
    for action, helptext in (("open", _("open a session")), ("close", _("close a session"))):
        q = ss.add_parser(action, help=helptext)
        q.add_argument("session", help=_("session id (or the first characters of it)"))
        if action == "open":
            q.add_argument("--reason", default="",
                           help=_("why a closed session is reopened (needed once its minutes are signed)"))
        q.set_defaults(func=cmd_sessions_transition, transition=action)
    q = ss.add_parser("link", help=_("link a session to a platform's space, proposals component and meeting"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("--platform", help=_("platform name or host (default: the default platform)"))
    q.add_argument("--component", required=True, help=_("the proposals component's id on the platform"))
    q.add_argument("--meeting", help=_("the Decidim meeting's id on the platform"))
    q.set_defaults(func=cmd_sessions_link)

    p = sub.add_parser("audit", help=_("check the audit log"))
    aa = p.add_subparsers(dest="action", metavar="ACTION")
    aa.required = True
    q = aa.add_parser("verify", help=_("verify the hash chain of the audit log"))
    q.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("export", help=_("export the whole database to XLSX (one sheet per entity)"))
    p.add_argument("file")
    p.set_defaults(func=cmd_export)


def parse_local_datetime(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).astimezone()
        except ValueError:
            continue
    raise ValidationError("Not a date and time: “{text}” (use YYYY-MM-DD HH:MM).", text=text)


def format_local(value: dt.datetime | None) -> str:
    # The same shape the CLI reads (--starts "YYYY-MM-DD HH:MM"), so output can be fed back.
    return i18n_format_local(value, "%Y-%m-%d %H:%M", empty="—")


def cmd_init(args, ctx) -> int:
    ctx.db  # opening creates and migrates
    ctx.print(_("Database ready: {path}").format(path=ctx.db.path))
    return 0


def cmd_demo(args, ctx) -> int:
    result = demo.create_demo(ctx.db)
    if result.get("created"):
        ctx.print(_("Demo data created in {path}").format(path=ctx.db.path))
    else:
        ctx.print(_("The demo data is already there: {path}").format(path=ctx.db.path))
    return 0


def cmd_sessions_list(args, ctx) -> int:
    with ctx.db.read() as s:
        rows = sessions.list_sessions(s, args.status)
    if not rows:
        ctx.print(_("No sessions."))
        return 0
    for r in rows:
        ctx.print(f"{str(r.id)[:8]}  {_(sessions.STATUSES[r.status]):<8}  {format_local(r.starts_at)}  "
                  f"{r.present}/{r.expected}  {r.title}")
    return 0


def cmd_sessions_create(args, ctx) -> int:
    with ctx.db.write() as s:
        info = sessions.create_session(
            s, title=args.title, kind=args.kind, starts_at=parse_local_datetime(args.starts),
            ends_at=parse_local_datetime(args.ends), place=args.place, language=args.language,
            enforce_min_age=not args.no_min_age, series=args.series)
    ctx.print(_("Session created: {id}").format(id=info.id))
    return 0


def cmd_sessions_series(args, ctx) -> int:
    with ctx.db.write() as s:
        info = sessions.find_session(s, args.session)
        info = sessions.update_session(s, info.id, series=args.name)
    if info.series:
        ctx.print(_("Session “{title}” belongs to the series “{series}”.").format(title=info.title, series=info.series))
    else:
        ctx.print(_("Session “{title}” belongs to no series.").format(title=info.title))
    return 0


def cmd_sessions_transition(args, ctx) -> int:
    with ctx.db.write() as s:
        info = sessions.find_session(s, args.session)
        if args.transition == "open":
            info = sessions.open_session(s, info.id, reason=args.reason)
        else:
            info = sessions.close_session(s, info.id)
    ctx.print(_("Session “{title}” is now {status}.").format(
        title=info.title, status=_(sessions.STATUSES[info.status]).lower()))
    if args.transition == "close":
        back_up_closed_session(ctx)
    return 0


def back_up_closed_session(ctx) -> None:
    """A closed session is a milestone: keep a copy of the database as it is now."""
    import sys

    from p311desk.errors import DomainError

    try:
        path = backups.automatic_backup(ctx.db, "session-closed")
    except (DomainError, OSError) as err:
        reason = err.message() if isinstance(err, DomainError) else str(err)
        print(_("The session is closed, but the automatic backup failed: {reason}").format(reason=reason),
              file=sys.stderr)
        return
    ctx.print(_("Backup taken: {path}").format(path=path))


def cmd_sessions_link(args, ctx) -> int:
    """Link to what the last pull cached (no network: pull first)."""
    with ctx.db.write() as s:
        info = sessions.find_session(s, args.session)
        platform = spaces.get_platform(s, args.platform)
        link = spaces.resolve_link(s, platform.host, args.component, args.meeting)
        info = sessions.update_session(s, info.id, **link)
        shown = spaces.describe_link(s, info.space_id, info.component_id, info.decidim_meeting_id)
    ctx.print(_("Session “{title}” is linked to {platform}: {space} ▸ {component}").format(
        title=info.title, platform=shown.platform, space=shown.space, component=shown.component))
    if shown.meeting:
        ctx.print("  " + _("Meeting: {meeting} ({when})").format(meeting=shown.meeting,
                                                                  when=format_local(shown.meeting_starts_at)))
    return 0


def cmd_audit_verify(args, ctx) -> int:
    with ctx.db.read() as s:
        report = audit.verify(s)
        head = audit.head(s)
    if report.ok:
        ctx.print(_("Audit log intact: {n} events checked, {rows} records match their last event; "
                    "head {head}.").format(n=report.checked, rows=report.entities_checked,
                                           head=head.short()))
        for notice in report.notices():
            ctx.print(_("Finding: {notice}").format(notice=notice))
        return 0
    ctx.print(_("Audit log broken: {problem}").format(problem=report.message()))
    for notice in report.notices():
        ctx.print(_("Finding: {notice}").format(notice=notice))
    return 1


def cmd_export(args, ctx) -> int:
    ctx.output_file(args.file, (".xlsx",))
    counts = backups.export_database(ctx.db, args.file)
    ctx.print(_("Exported {tables} sheets, {rows} rows to {file}").format(
        tables=len(counts), rows=sum(counts.values()), file=args.file))
    return 0
