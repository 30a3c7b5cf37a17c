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
from sync.auth import keyring_available, recall_secret, remember_secret
from sync.capabilities import Capabilities, probe
from sync.client import Credentials, DecidimClient, host_of, normalize_url

log = logging.getLogger(__name__)

ClientFactory = Callable[..., DecidimClient]


def add_platform(db: Database, name: str, url: str, *, client_factory: ClientFactory = DecidimClient
                 ) -> tuple[spaces.PlatformInfo, Capabilities]:
    """Probe ``url`` and keep it as a platform profile (the first one becomes the default)."""
    base = normalize_url(url)
    with db.read() as s:  # refuse a duplicate before talking to the server
        for other in spaces.list_platforms(s):
            if other.host == host_of(base) or other.name.casefold() == name.strip().casefold():
                spaces.add_platform(s, name, base, host_of(base))  # raises the right sentence
    with client_factory(base) as client:
        caps = probe(client)
    with db.write() as s:
        info = spaces.add_platform(s, name, base, host_of(base), capabilities=caps.to_json())
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
    with client_for(info, creds, client_factory) as client:
        if not client.line:
            probe(client)
        user = client.sign_in()
        caps = probe(client)  # signed in: introspection may now be open, so the answer is exact
    remembered = keyring_available()
    if remembered:
        remember_secret(info.host, creds.account, secret)
        with db.write() as s:
            spaces.set_account(s, info.id, method, creds.account)
            info = spaces.record_probe(s, info.id, caps.to_json())
    log.info("signed in to %s (%s); secret %s", info.host, method, "kept in the keyring" if remembered else "not kept")
    return SignedIn(info, user, caps, remembered)


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
                "sessions": per_session,
            })
    return rows


def utc_now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
