"""Adding a platform, signing in to it, and its sync status: the use cases the CLI and the Sync
page share. Profiles are stored by the core (``p311desk.spaces``); secrets go to the keyring.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from p311desk import spaces
from p311desk.db import Database
from p311desk import outbox
from p311desk.models import Component, OutboxItem, ParticipationSession
from p311desk.models import Space as SpaceRow
from sync.auth import keyring_available, recall_secret, remember_secret
from sync.capabilities import Capabilities, probe
from sync.client import Credentials, DecidimClient, host_of, normalize_url

log = logging.getLogger(__name__)

ClientFactory = Callable[..., DecidimClient]


def add_platform(db: Database, name: str, url: str, *, locale: str | None = None,
                 client_factory: ClientFactory = DecidimClient) -> tuple[spaces.PlatformInfo, Capabilities]:
    """Probe ``url`` and keep it as a platform profile (the first one becomes the default).

    ``locale``: the organisation's default language, when the user knows it (else it is guessed
    after the first pull); Decidim's import refuses a file without it."""
    base = normalize_url(url)
    with db.read() as s:  # refuse a duplicate before talking to the server
        for other in spaces.list_platforms(s):
            if other.host == host_of(base) or other.name.casefold() == name.strip().casefold():
                spaces.add_platform(s, name, base, host_of(base))  # raises the right sentence
    with client_factory(base) as client:
        caps = probe(client)
    with db.write() as s:
        info = spaces.add_platform(s, name, base, host_of(base), capabilities=caps.to_json())
        if locale:
            info = spaces.set_default_locale(s, info.id, locale)
            caps = Capabilities.from_json(info.capabilities) or caps
    log.info("platform added: %s (%s, line %s)", info.name, info.host, caps.line)
    return info, caps


def credentials(info: spaces.PlatformInfo, *, method: str | None = None, account: str | None = None,
                secret: str | None = None) -> Credentials | None:
    """The credentials for ``info``: the given ones, else the profile's account with the secret
    from the keyring. None when nobody is set up to sign in."""
    method = method or info.sign_in
    account = account or info.account
    if not account:
        return None
    return Credentials(method, account, secret or recall_secret(info.host, account))


def client_for(info: spaces.PlatformInfo, creds: Credentials | None = None,
               client_factory: ClientFactory = DecidimClient) -> DecidimClient:
    caps = Capabilities.from_json(info.capabilities)
    if caps is None:
        return client_factory(info.base_url, credentials=creds)
    return client_factory(info.base_url, credentials=creds, line=caps.line, schema=caps.type_map())


@dataclass(frozen=True)
class SignedIn:
    platform: spaces.PlatformInfo
    user: dict[str, Any]
    capabilities: Capabilities
    remembered: bool


def login(db: Database, ref: str | None, method: str, account: str, secret: str, *,
          client_factory: ClientFactory = DecidimClient) -> SignedIn:
    """Sign in; on success remember the secret in the keyring and the account in the profile.

    Where no keyring exists nothing is written: the secret served this sign-in only."""
    with db.read() as s:
        info = spaces.get_platform(s, ref)
    creds = Credentials(method, account.strip(), secret)
    previous = Capabilities.from_json(info.capabilities)
    with client_for(info, creds, client_factory) as client:
        if not client.line:
            probe(client, previous)
        user = client.sign_in()
        caps = probe(client, previous)  # signed in: introspection may now be open, so the answer is exact
    remembered = keyring_available()
    if remembered:
        remember_secret(info.host, creds.account, secret)
    # The account (never the secret) is recorded either way: without a keyring each push then
    # signs in with $P311DESK_SECRET.
    with db.write() as s:
        spaces.set_account(s, info.id, method, creds.account)
        info = spaces.record_probe(s, info.id, caps.to_json())
    log.info("signed in to %s (%s); secret %s", info.host, method, "kept in the keyring" if remembered else "not kept")
    return SignedIn(info, user, caps, remembered)


def set_locale(db: Database, ref: str | None, locale: str) -> spaces.PlatformInfo:
    """The organisation's default language, set by hand."""
    with db.write() as s:
        return spaces.set_default_locale(s, ref, locale)


def guess_locale_after_pull(db: Database, ref: str | None) -> str | None:
    """After a pull: unless the user set it, guess the organisation's default language from what
    it published (every title has it) and keep it in the profile."""
    from sync.capabilities import guess_default_locale

    with db.write() as s:
        info = spaces.get_platform(s, ref)
        caps = info.capabilities or {}
        if caps.get("locale_source") == "user":
            return caps.get("default_locale")
        titles = [dict(t or {}) for t in s.scalars(select(SpaceRow.title).where(SpaceRow.platform_host == info.host))]
        guess = guess_default_locale(titles, caps.get("locales") or ())
        if guess and guess != caps.get("default_locale"):
            spaces.record_probe(s, info.id, {**caps, "default_locale": guess, "locale_source": "guessed"})
        return guess or caps.get("default_locale")


@dataclass(frozen=True)
class PlatformSummary:
    """What the status bar shows for one platform (no network: from the profile and the outbox)."""

    name: str
    host: str
    default: bool
    line: str | None
    account: str | None
    signed_in: bool        # an account is set up and its secret is at hand (keyring or environment)
    last_pull_at: dt.datetime | None
    pending: int           # to send (pending, failed, unknown)
    waiting: int           # handed over in files, waiting for the upload
    refused: int           # refused by the platform: a person must look (sync retry)
    sent: int

    def text(self) -> str:
        from p311desk.i18n import _, ngettext

        parts = [self.name]
        if not self.account:
            parts.append(_("not signed in"))
        elif not self.signed_in:
            parts.append(_("sign in again"))
        else:
            parts.append(_("signed in"))
        if self.last_pull_at is None:
            parts.append(_("never pulled"))
        if self.pending:
            parts.append(ngettext("{n} to send", "{n} to send", self.pending).format(n=self.pending))
        if self.waiting:
            parts.append(ngettext("{n} waiting for the upload", "{n} waiting for the upload",
                                  self.waiting).format(n=self.waiting))
        if self.refused:
            parts.append(ngettext("{n} refused", "{n} refused", self.refused).format(n=self.refused))
        if not (self.pending or self.waiting or self.refused) and self.last_pull_at is not None:
            parts.append(_("up to date"))
        return " · ".join(parts)


def summaries(db: Database, *, secret_at_hand: bool = False) -> list[PlatformSummary]:
    """Per platform, a plain summary for the status bar (read in a worker: it reads the keyring)."""
    out = []
    for row in status(db):
        ob = row["outbox"]
        caps = row["capabilities"] or {}
        at = dt.datetime.fromisoformat(row["last_pull_at"]) if row["last_pull_at"] else None
        out.append(PlatformSummary(
            row["name"], row["host"], row["default"], caps.get("line"), row["account"],
            bool(row["account"] and (row["secret_remembered"] or secret_at_hand)), at,
            row["outbox_detail"]["to_send"], row["outbox_detail"]["waiting_upload"], row["outbox_detail"]["refused"],
            ob["sent"]))
    return out


OUTBOX_GROUPS = {"pending": ("pending", "sending"), "sent": ("sent",), "waiting": ("waiting_upload", "unknown"),
                 "failed": ("failed", "rejected")}


def status(db: Database) -> list[dict[str, Any]]:
    """Per platform: last pull and its summary, the cache, and the outbox by state."""
    rows = []
    with db.read() as s:
        platforms = spaces.list_platforms(s)
        counts = dict(((p, st), n) for p, st, n in s.execute(
            select(OutboxItem.platform, OutboxItem.status, func.count()).group_by(OutboxItem.platform,
                                                                                  OutboxItem.status)))
        by_session = outbox.counts_by_session(s)
        linked = dict(s.execute(select(ParticipationSession.id, Component.platform_host)
                                .join(Component, Component.id == ParticipationSession.component_id)).all())
        for info in platforms:
            mine = {st: n for (p, st), n in counts.items() if p == info.host or (p is None and info.is_default)}
            # Per session linked to this platform (or not linked, under the default one): counts by state.
            per_session = {str(sid): dict(c) for sid, c in by_session.items()
                           if sid is not None and (linked.get(sid) == info.host
                                                   or (linked.get(sid) is None and info.is_default))}
            rows.append({
                "name": info.name, "host": info.host, "url": info.base_url, "default": info.is_default,
                "sign_in": info.sign_in, "account": info.account,
                "secret_remembered": bool(info.account and recall_secret(info.host, info.account)),
                "capabilities": info.capabilities,
                "last_pull_at": info.last_pull_at.isoformat() if info.last_pull_at else None,
                "last_pull": info.last_pull,
                "cache": spaces.cache_counts(s, info.host),
                "outbox": {group: sum(mine.get(st, 0) for st in states) for group, states in OUTBOX_GROUPS.items()},
                "outbox_detail": {"to_send": sum(mine.get(st, 0) for st in ("pending", "sending", "failed", "unknown")),
                                  "refused": mine.get("rejected", 0), "waiting_upload": mine.get("waiting_upload", 0)},
                "sessions": per_session,
            })
    return rows


def utc_now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
