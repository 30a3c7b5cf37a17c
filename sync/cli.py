"""``p311desk-cli platforms …`` and ``p311desk-cli sync …``: the commands that talk to Decidim.

They live in ``sync/`` because they reach the network; ``main.py`` registers this module with the
core CLI (``p311desk.cli`` never imports ``sync``). ``sessions link`` needs no network and lives
with the other session commands in the core CLI.

Secrets: ``sync login`` reads the secret from ``P311DESK_SECRET`` or standard input (a prompt on a
terminal), never from an argument (it would land in the shell history and the process list).
Where no keyring exists it signs in for that command alone, says it cannot remember the secret,
and writes nothing; ``sync pull`` then takes the secret the same way.
"""

from __future__ import annotations

import json
import logging
import os
import sys

from p311desk import spaces
from p311desk.i18n import _, format_local
from sync import platforms as platform_service
from sync.auth import keyring_available
from sync.capabilities import Capabilities
from sync.pull import changed, pull

log = logging.getLogger(__name__)

SECRET_ENV = "P311DESK_SECRET"


def register(sub) -> None:
    p = sub.add_parser("platforms", help=_("add and list the Decidim platforms to sync with"))
    pp = p.add_subparsers(dest="action", metavar="ACTION")
    pp.required = True
    q = pp.add_parser("add", help=_("add a platform: probes the server and prints what it can do"))
    q.add_argument("name", help=_("a short name, e.g. Participa311"))
    q.add_argument("url", help=_("the platform's address, e.g. https://participa311.diba.cat"))
    q.add_argument("--locale", help=_("the organisation's default language (e.g. ca); guessed after the first "
                                      "pull when not given"))
    q.set_defaults(func=cmd_platforms_add)
    q = pp.add_parser("locale", help=_("set the organisation's default language (import files need it)"))
    q.add_argument("platform")
    q.add_argument("locale", help=_("a language code, e.g. ca"))
    q.set_defaults(func=cmd_platforms_locale)
    q = pp.add_parser("list", help=_("list the platforms"))
    q.add_argument("--json", action="store_true", help=_("machine-readable output"))
    q.set_defaults(func=cmd_platforms_list)
    q = pp.add_parser("default", help=_("make a platform the default one"))
    q.add_argument("platform")
    q.set_defaults(func=cmd_platforms_default)

    p = sub.add_parser("sync", help=_("sign in to a platform, pull from it, see the sync status"))
    ss = p.add_subparsers(dest="action", metavar="ACTION")
    ss.required = True
    q = ss.add_parser("login", help=_("sign in (the secret is read from standard input or $P311DESK_SECRET)"))
    q.add_argument("platform", help=_("platform name or host"))
    who = q.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", help=_("sign in with this e-mail and its password (web session)"))
    who.add_argument("--api-key", help=_("sign in with this API key and its secret (Decidim 0.31+)"))
    q.set_defaults(func=cmd_sync_login)
    q = ss.add_parser("pull", help=_("pull spaces, meetings and proposals into the local cache"))
    q.add_argument("platform", nargs="?", help=_("platform name or host (default: the default platform)"))
    q.add_argument("--space", help=_("only this participatory space (its id or slug)"))
    q.add_argument("--component", help=_("only this component (its id on the platform)"))
    who = q.add_mutually_exclusive_group()
    who.add_argument("--email", help=_("sign in as this e-mail (secret from $P311DESK_SECRET)"))
    who.add_argument("--api-key", help=_("sign in with this API key (secret from $P311DESK_SECRET)"))
    q.add_argument("--json", action="store_true", help=_("machine-readable output"))
    q.set_defaults(func=cmd_sync_pull)
    q = ss.add_parser("status", help=_("per platform: last pull, and what is pending, sent, waiting or failed"))
    q.add_argument("--json", action="store_true", help=_("machine-readable output"))
    q.set_defaults(func=cmd_sync_status)
    from sync import push_cli  # sync part 2: push, files, reconcile, log

    push_cli.register(ss)


def _read_secret(prompt: str) -> str:
    value = os.environ.get(SECRET_ENV)
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    return (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")


def _capability_lines(caps: Capabilities | None) -> list[str]:
    return caps.sentences() if caps else [_("Not probed yet.")]


def cmd_platforms_locale(args, ctx) -> int:
    info = platform_service.set_locale(ctx.db, args.platform, args.locale)
    ctx.print(_("The default language of “{name}” is now {locale}.").format(
        name=info.name, locale=info.capabilities.get("default_locale")))
    return 0


def cmd_platforms_add(args, ctx) -> int:
    info, caps = platform_service.add_platform(ctx.db, args.name, args.url, locale=args.locale)
    ctx.print(_("Platform “{name}” added: {url}").format(name=info.name, url=info.base_url))
    for line in caps.sentences():
        ctx.print("  " + line)
    if info.is_default:
        ctx.print("  " + _("It is the default platform."))
    return 0


def cmd_platforms_list(args, ctx) -> int:
    with ctx.db.read() as s:
        rows = spaces.list_platforms(s)
    if args.json:
        ctx.print(json.dumps([{"name": r.name, "url": r.base_url, "host": r.host, "default": r.is_default,
                               "sign_in": r.sign_in, "account": r.account, "capabilities": r.capabilities,
                               "last_pull_at": r.last_pull_at.isoformat() if r.last_pull_at else None}
                              for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        ctx.print(_("No platforms yet. Add one with: p311desk-cli platforms add NAME URL"))
        return 0
    for r in rows:
        mark = "*" if r.is_default else " "
        who = r.account or _("not signed in")
        ctx.print(f"{mark} {r.name}  {r.base_url}  ({who})")
        for line in _capability_lines(Capabilities.from_json(r.capabilities)):
            ctx.print("    " + line)
    return 0


def cmd_platforms_default(args, ctx) -> int:
    with ctx.db.write() as s:
        info = spaces.set_default(s, args.platform)
    ctx.print(_("“{name}” is now the default platform.").format(name=info.name))
    return 0


def cmd_sync_login(args, ctx) -> int:
    method, account = ("api", args.api_key) if args.api_key else ("session", args.email)
    prompt = _("API secret: ") if method == "api" else _("Password: ")
    secret = _read_secret(prompt)
    if not secret:
        from sync.errors import SignInRequired

        raise SignInRequired(host=args.platform, account=account)
    result = platform_service.login(ctx.db, args.platform, method, account, secret)
    ctx.print(_("Signed in to {platform} as {user}.").format(platform=result.platform.name,
                                                              user=result.user.get("name") or account))
    for line in result.capabilities.sentences():
        ctx.print("  " + line)
    if result.remembered:
        ctx.print(_("The secret is kept in this computer's keyring."))
    else:
        print(_("This computer has no keyring: the secret served this command only and is not remembered "
                "(the account is). Give it again with $P311DESK_SECRET for each sync command."), file=sys.stderr)
    return 0


def _summary_lines(summary: dict) -> list[str]:
    labels = {"spaces": _("Spaces"), "components": _("Components"), "taxonomies": _("Categories and scopes"),
              "meetings": _("Meetings"), "proposals": _("Proposals")}
    lines = []
    for key, label in labels.items():
        c = summary.get(key) or {}
        lines.append(_("{label}: {new} new, {updated} changed, {unchanged} unchanged").format(
            label=label, new=c.get("new", 0), updated=c.get("updated", 0), unchanged=c.get("unchanged", 0)))
    for conflict in summary.get("conflicts") or []:
        lines.append(_("Conflict: proposal {reference} changed on the platform and here; the local version was "
                       "kept until it is synced.").format(reference=conflict.get("reference") or conflict["remote_id"]))
    lines.append(_("{requests} requests ({retries} retried) in {seconds} s.").format(
        requests=summary.get("requests", 0), retries=summary.get("retries", 0), seconds=summary.get("seconds", 0)))
    return lines


def cmd_sync_pull(args, ctx) -> int:
    with ctx.db.read() as s:
        info = spaces.get_platform(s, args.platform)
    secret = os.environ.get(SECRET_ENV) or None
    creds = None
    if args.email or args.api_key:
        method, account = ("api", args.api_key) if args.api_key else ("session", args.email)
        creds = platform_service.credentials(info, method=method, account=account, secret=secret)
    elif secret:
        creds = platform_service.credentials(info, secret=secret)
    client = platform_service.client_for(info, creds or platform_service.credentials(info))
    try:
        summary = pull(ctx.db, info.name, space=args.space, component=args.component, client=client)
    finally:
        client.close()
    if summary.get("complete"):
        platform_service.guess_locale_after_pull(ctx.db, info.name)
    if args.json:
        ctx.print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return 0
    if changed(summary):
        ctx.print(_("Pulled from {platform}:").format(platform=info.name))
    else:
        ctx.print(_("Pulled from {platform}: nothing changed.").format(platform=info.name))
    for line in _summary_lines(summary):
        ctx.print("  " + line)
    return 0


def cmd_sync_status(args, ctx) -> int:
    rows = platform_service.status(ctx.db)
    if args.json:
        ctx.print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    if not rows:
        ctx.print(_("No platforms yet. Add one with: p311desk-cli platforms add NAME URL"))
        return 0
    import datetime as dt

    for row in rows:
        mark = "*" if row["default"] else " "
        when = dt.datetime.fromisoformat(row["last_pull_at"]) if row["last_pull_at"] else None
        ctx.print(f"{mark} {row['name']}  {row['url']}")
        ctx.print("    " + _("Last pull: {when}").format(when=format_local(when, "%Y-%m-%d %H:%M", empty=_("never"))))
        cache = row["cache"]
        ctx.print("    " + _("Cached: {spaces} spaces, {meetings} meetings, {proposals} proposals").format(**cache))
        ob = row["outbox"]
        ctx.print("    " + _("Outbox: {pending} pending, {sent} sent, {waiting} waiting, {failed} failed").format(**ob))
        if not keyring_available():
            ctx.print("    " + _("No keyring on this computer: give the secret with $P311DESK_SECRET."))
    return 0
