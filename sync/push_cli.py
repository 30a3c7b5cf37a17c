"""``p311desk-cli sync push|files|reconcile|log``: sending what sessions produced (sync part 2).

Registered under the ``sync`` command of :mod:`sync.cli`. Secrets come as for ``sync pull``:
the keyring, or ``$P311DESK_SECRET`` for that command alone.
"""

from __future__ import annotations

import json
import os

from p311desk import outbox, sessions, spaces
from p311desk.i18n import _, format_local, ngettext
from sync import platforms as platform_service
from sync.push import push, reconcile, summary_sentence, write_files

SECRET_ENV = "P311DESK_SECRET"


def register(ss) -> None:
    q = ss.add_parser("push", help=_("send what sessions produced: by API where the platform can, "
                                     "otherwise write the import files and wait for the upload"))
    q.add_argument("platform", nargs="?", help=_("platform name or host (default: the default platform)"))
    q.add_argument("--session", help=_("only this session (its id or first characters)"))
    q.add_argument("--files-dir", help=_("where to write the files for the administrator"))
    q.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv",
                   help=_("format of the proposals import file"))
    q.add_argument("--json", action="store_true", help=_("machine-readable output"))
    q.set_defaults(func=cmd_sync_push)
    q = ss.add_parser("files", help=_("write the import files and closing report for the administrator"))
    q.add_argument("platform", help=_("platform name or host"))
    q.add_argument("--session", required=True, help=_("the session (its id or first characters)"))
    q.add_argument("dir", help=_("folder to write into (created if needed)"))
    q.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv",
                   help=_("format of the proposals import file"))
    q.add_argument("--again", action="store_true",
                   help=_("also write proposals handed over before and not matched yet"))
    q.set_defaults(func=cmd_sync_files)
    q = ss.add_parser("reconcile", help=_("after the administrator's upload: pull and match, so nothing "
                                          "is imported twice"))
    q.add_argument("platform", help=_("platform name or host"))
    q.add_argument("--session", required=True, help=_("the session (its id or first characters)"))
    q.add_argument("--json", action="store_true", help=_("machine-readable output"))
    q.set_defaults(func=cmd_sync_reconcile)
    q = ss.add_parser("retry", help=_("queue refused or failed items again, once the cause is fixed"))
    q.add_argument("items", nargs="*", metavar="ITEM", help=_("outbox item ids (or their first characters)"))
    q.add_argument("--all", action="store_true", help=_("every refused or failed item"))
    q.add_argument("--session", help=_("only this session's items (its id or first characters)"))
    q.set_defaults(func=cmd_sync_retry)
    q = ss.add_parser("log", help=_("every sync attempt, its outcome and the server's message"))
    q.add_argument("--session", help=_("only this session (its id or first characters)"))
    q.add_argument("--export", metavar="FILE", help=_("write the log to FILE (.csv or .json)"))
    q.add_argument("--limit", type=int, default=50, help=_("show the last N lines (default 50)"))
    q.set_defaults(func=cmd_sync_log)


def _session_id(ctx, ref: str | None):
    if not ref:
        return None
    with ctx.db.read() as s:
        return sessions.find_session(s, ref).id


def _client(ctx, ref: str | None):
    with ctx.db.read() as s:
        info = spaces.get_platform(s, ref)
    secret = os.environ.get(SECRET_ENV) or None
    return platform_service.client_for(info, platform_service.credentials(info, secret=secret))


def cmd_sync_push(args, ctx) -> int:
    sid = _session_id(ctx, args.session)
    client = _client(ctx, args.platform)
    try:
        report = push(ctx.db, args.platform, session=sid, files_dir=args.files_dir, fmt=args.format,
                      client=client)
    finally:
        client.close()
    if args.json:
        ctx.print(json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str))
        return 1 if report.stopped else 0
    ctx.print(push_summary(report))
    for handed in report.files:
        ctx.print("  " + _("Files for the administrator in {folder}").format(folder=handed.directory))
        for f in handed.files:
            ctx.print("    " + os.path.basename(f.path))
    for message in report.messages:
        ctx.print("  " + message)
    if report.unknown or report.failed or report.pending:
        ctx.print("  " + _("Push again later: what is unknown is looked up on the platform first, never sent twice."))
    ctx.print("  " + ngettext("{n} request in {seconds} s.", "{n} requests in {seconds} s.",
                              report.requests).format(n=report.requests, seconds=report.seconds))
    if report.stopped:
        from p311desk.errors import InvalidTransition

        raise InvalidTransition("The push stopped: {reason}", reason=report.stopped)
    return 0


def push_summary(report) -> str:
    return summary_sentence(report)


def cmd_sync_retry(args, ctx) -> int:
    from p311desk.errors import ValidationError

    sid = _session_id(ctx, args.session)
    if not args.items and not args.all:
        raise ValidationError("Name the items to retry, or give --all.")
    retryable = (outbox.REJECTED, outbox.FAILED)
    with ctx.db.write() as s:
        if args.all:
            rows = [outbox.info(i) for i in outbox.all_items(s, states=retryable, session_id=sid)]
        else:
            rows = [outbox.find_item(s, ref) for ref in args.items]
            wrong = [r for r in rows if r.status not in retryable]
            if wrong:
                raise ValidationError("Item {id} is {status}: only refused or failed items are retried.",
                                      id=str(wrong[0].id)[:8], status=wrong[0].status)
        for row in rows:
            outbox.retry(s, row.id, "retry requested by the user")
    ctx.print(ngettext("{n} item queued again: push to send it.", "{n} items queued again: push to send them.",
                       len(rows)).format(n=len(rows)))
    return 0


def cmd_sync_files(args, ctx) -> int:
    sid = _session_id(ctx, args.session)
    handed = write_files(ctx.db, args.platform, sid, args.dir, fmt=args.format, include_waiting=args.again)
    ctx.print(_("Files for the administrator in {folder}").format(folder=handed.directory))
    for f in handed.files:
        ctx.print("  " + os.path.basename(f.path))
    if handed.skipped_waiting:
        ctx.print(ngettext("{n} proposal left out: it is in an earlier file waiting for the upload (--again to "
                           "include it).",
                           "{n} proposals left out: they are in an earlier file waiting for the upload (--again "
                           "to include them).", handed.skipped_waiting).format(n=handed.skipped_waiting))
    if handed.formula_rows:
        ctx.print(_("Some titles start with = + - or @: upload the CSV as it is, without opening it in a "
                    "spreadsheet program."))
    return 0


def cmd_sync_reconcile(args, ctx) -> int:
    sid = _session_id(ctx, args.session)
    client = _client(ctx, args.platform)
    try:
        result = reconcile(ctx.db, args.platform, sid, client=client)
    finally:
        client.close()
    if args.json:
        ctx.print(json.dumps(result.__dict__, ensure_ascii=False, indent=2, default=str))
        return 0
    ctx.print(_("Reconciled with {platform}: {matched} proposals found on the platform, {waiting} still "
                "waiting for the upload.").format(platform=result.platform, matched=result.matched,
                                                  waiting=result.still_waiting))
    if result.meeting_closed:
        ctx.print("  " + _("The meeting is closed on the platform."))
    return 0


def cmd_sync_log(args, ctx) -> int:
    sid = _session_id(ctx, args.session)
    if args.export:
        path = ctx.output_file(args.export, (".csv", ".json"))
        with ctx.db.read() as s:
            n = outbox.export_log(s, path, session_id=sid)
        ctx.print(ngettext("{n} line written to {path}", "{n} lines written to {path}", n).format(n=n, path=path))
        return 0
    with ctx.db.read() as s:
        lines = outbox.sync_log(s, session_id=sid, limit=args.limit)
    if not lines:
        ctx.print(_("The sync log is empty."))
    for line in lines:
        status = f" HTTP {line.http_status}" if line.http_status else ""
        message = f" — {line.message}" if line.message else ""
        item = str(line.item_id)[:8] if line.item_id else "-"
        ctx.print(f"{format_local(line.at, '%Y-%m-%d %H:%M:%S')}  {item}  {line.operation or '-'}  "
                  f"{line.event}{status}{message}")
    return 0
