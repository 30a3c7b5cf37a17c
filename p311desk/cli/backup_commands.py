"""CLI commands of backups: ``backup [FILE]`` and ``restore FILE [--yes]`` (a dry run without it)."""

from __future__ import annotations

import json

from p311desk import backups
from p311desk.i18n import _, format_local
from p311desk.sessions import STATUSES


def register(sub) -> None:
    p = sub.add_parser("backup", help=_("copy the whole database to a file (default: a new file in the backups folder)"))
    p.add_argument("file", nargs="?", help=_("where to write the copy (it must not exist yet)"))
    p.add_argument("--portable", metavar="FILE",
                   help=_("a portable backup, for another computer or the archive: the database and its keys, "
                          "protected by a passphrase (from standard input or P311DESK_PASSPHRASE)"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=_("replace the database with a backup (without --yes: only describe the backup)"))
    p.add_argument("file", help=_("the backup to restore"))
    p.add_argument("--yes", action="store_true", help=_("restore it (the current database is kept as a backup first)"))
    p.add_argument("--json", action="store_true", help=_("describe the backup as JSON"))
    p.set_defaults(func=cmd_restore)


def read_passphrase(prompt: str) -> str:
    """The passphrase from ``P311DESK_PASSPHRASE``, else one line of standard input (asked for
    without echo on a terminal). Never logged, never stored."""
    import getpass
    import os
    import sys

    value = os.environ.get("P311DESK_PASSPHRASE")
    if value is None:
        if sys.stdin is not None and sys.stdin.isatty():
            value = getpass.getpass(prompt)
        else:
            value = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    return value


def cmd_backup(args, ctx) -> int:
    from p311desk.errors import ValidationError

    if args.portable and args.file:
        raise ValidationError("Give either a FILE or --portable FILE, not both.")
    passphrase = None
    if args.portable:
        passphrase = backups.check_passphrase(read_passphrase(_("Passphrase for the portable backup: ")))
    path = backups.take_backup(ctx.db, args.portable or args.file, passphrase=passphrase)
    summary = backups.describe_backup(path, passphrase=passphrase, work_dir=backups.backups_folder(ctx.db))
    if passphrase is not None:
        ctx.print(_("Portable backup written: {path}").format(path=path))
        ctx.print(_("It holds the database and its keys; it opens with the passphrase on any computer."))
    else:
        ctx.print(_("Backup written: {path}").format(path=path))
    ctx.print(summary.holds())
    return 0


def _passphrase_for(path) -> str | None:
    if backups.kind_of(path) == backups.PORTABLE:
        return read_passphrase(_("Passphrase of the portable backup: "))
    return None


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
    passphrase = _passphrase_for(args.file)
    if not args.yes:
        summary = backups.describe_backup(args.file, passphrase=passphrase, work_dir=backups.backups_folder(ctx.db))
        if args.json:
            ctx.print(_as_json(summary))
            return 0
        for line in describe_lines(summary):
            ctx.print(line)
        ctx.print(_("Nothing was changed: run again with --yes to restore it "
                    "(the current database is kept as a backup first)."))
        return 0
    result = backups.restore_backup(ctx.db, args.file, passphrase=passphrase)
    if args.json:
        ctx.print(_as_json(result.restored))
        return 0
    ctx.print(_("Restored {file}: {what}.").format(file=result.restored.path.name, what=result.restored.holds()))
    ctx.print(_("The database as it was before is kept in {path}").format(path=result.kept))
    return 0
