"""CLI commands of backups: ``backup [FILE]`` and ``restore FILE [--yes]`` (a dry run without it)."""

from __future__ import annotations

import json

from p311desk import backups
from p311desk.i18n import _, format_local
from p311desk.sessions import STATUSES


def register(sub) -> None:
    p = sub.add_parser("backup", help=_("copy the whole database to a file (default: a new file in the backups folder)"))
    p.add_argument("file", nargs="?", help=_("where to write the copy (it must not exist yet)"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=_("replace the database with a backup (without --yes: only describe the backup)"))
    p.add_argument("file", help=_("the backup to restore"))
    p.add_argument("--yes", action="store_true", help=_("restore it (the current database is kept as a backup first)"))
    p.add_argument("--json", action="store_true", help=_("describe the backup as JSON"))
    p.set_defaults(func=cmd_restore)


def cmd_backup(args, ctx) -> int:
    path = backups.take_backup(ctx.db, args.file)
    summary = backups.describe_backup(path)
    ctx.print(_("Backup written: {path}").format(path=path))
    ctx.print(summary.holds())
    return 0


def describe_lines(summary: backups.BackupSummary) -> list[str]:
    lines = [
        _("Backup {file}, taken {when} ({size:.1f} MB).").format(
            file=summary.path.name, when=format_local(summary.taken_at), size=summary.size / 1e6),
        _("It holds {what}.").format(what=summary.holds()),
    ]
    if summary.last_change:
        lines.append(_("Last change recorded in it: {when}.").format(when=format_local(summary.last_change)))
    if summary.needs_upgrade:
        lines.append(_("It was made by an older version of p311desk: restoring it also upgrades it."))
    for s in summary.sessions:
        lines.append(f"  {format_local(s.starts_at, empty='—'):<16}  {_(STATUSES.get(s.status, s.status)):<8}  {s.title}")
    if summary.session_count > len(summary.sessions):
        lines.append("  " + _("… and {n} more.").format(n=summary.session_count - len(summary.sessions)))
    return lines


def _as_json(summary: backups.BackupSummary) -> str:
    return json.dumps({
        "file": str(summary.path), "taken_at": summary.taken_at.isoformat(), "size": summary.size,
        "revision": summary.revision, "needs_upgrade": summary.needs_upgrade,
        "sessions": summary.session_count, "people": summary.people, "checked_in": summary.checked_in,
        "proposals": summary.proposals,
        "last_change": summary.last_change.isoformat() if summary.last_change else None,
        "latest_sessions": [{"title": s.title, "starts_at": s.starts_at.isoformat() if s.starts_at else None,
                             "status": s.status} for s in summary.sessions],
    }, ensure_ascii=False, indent=2)


def cmd_restore(args, ctx) -> int:
    if not args.yes:
        summary = backups.describe_backup(args.file)
        if args.json:
            ctx.print(_as_json(summary))
            return 0
        for line in describe_lines(summary):
            ctx.print(line)
        ctx.print(_("Nothing was changed: run again with --yes to restore it "
                    "(the current database is kept as a backup first)."))
        return 0
    result = backups.restore_backup(ctx.db, args.file)
    if args.json:
        ctx.print(_as_json(result.restored))
        return 0
    ctx.print(_("Restored {file}: {what}.").format(file=result.restored.path.name, what=result.restored.holds()))
    ctx.print(_("The database as it was before is kept in {path}").format(path=result.kept))
    return 0
