"""Platform profiles: the Decidim platforms this installation talks to, one of them the default.

A profile keeps the base URL, the organisation's host, how to sign in and as whom (e-mail or API
key), what the server can do (probed by ``sync``) and the last pull's summary. Never a secret:
passwords and API secrets live in the OS keyring (``sync/auth.py``). The core only stores and
lists profiles; talking to the server is ``sync``'s job.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk import audit
from p311desk.errors import NotFound, ValidationError
from p311desk.models import Platform, utcnow

SIGN_IN = ("session", "api")


@dataclass(frozen=True)
class PlatformInfo:
    id: uuid.UUID
    name: str
    base_url: str
    host: str
    sign_in: str
    account: str | None
    is_default: bool
    capabilities: dict[str, Any] = field(default_factory=dict)
    probed_at: dt.datetime | None = None
    last_pull_at: dt.datetime | None = None
    last_pull: dict[str, Any] = field(default_factory=dict)


def _info(row: Platform) -> PlatformInfo:
    return PlatformInfo(row.id, row.name, row.base_url, row.host, row.sign_in, row.account, row.is_default,
                        dict(row.capabilities or {}), row.probed_at, row.last_pull_at, dict(row.last_pull or {}))


def list_platforms(s: Session) -> list[PlatformInfo]:
    rows = s.scalars(select(Platform).order_by(Platform.is_default.desc(), Platform.name))
    return [_info(r) for r in rows]


def _row(s: Session, ref: str | uuid.UUID | None) -> Platform:
    if ref is None or ref == "":
        row = s.scalar(select(Platform).where(Platform.is_default.is_(True)))
        if row is None:
            raise NotFound("No platform is set up yet. Add one first.")
        return row
    if isinstance(ref, uuid.UUID):
        row = s.get(Platform, ref)
    else:
        text = ref.strip()
        row = (s.scalar(select(Platform).where(func.lower(Platform.name) == text.lower()))
               or s.scalar(select(Platform).where(Platform.host == text.lower()))
               or s.scalar(select(Platform).where(Platform.base_url == text.rstrip("/"))))
    if row is None:
        raise NotFound("No platform called “{name}”.", name=str(ref))
    return row


def get_platform(s: Session, ref: str | uuid.UUID | None = None) -> PlatformInfo:
    """A platform by id, name, host or URL; the default one when ``ref`` is empty."""
    return _info(_row(s, ref))


def add_platform(s: Session, name: str, base_url: str, host: str, *, capabilities: dict[str, Any] | None = None,
                 sign_in: str | None = None) -> PlatformInfo:
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise ValidationError("A platform needs a name.")
    if len(name) > 100:
        raise ValidationError("The platform name is too long (at most {n} characters).", n=100)
    if s.scalar(select(Platform).where(func.lower(Platform.name) == name.lower())):
        raise ValidationError("A platform called “{name}” already exists.", name=name)
    if s.scalar(select(Platform).where(Platform.host == host)):
        raise ValidationError("The platform {host} is already set up.", host=host)
    caps = dict(capabilities or {})
    methods = caps.get("sign_in") or ["session"]
    first = s.scalar(select(func.count()).select_from(Platform)) == 0
    row = Platform(id=uuid.uuid4(), name=name, base_url=base_url, host=host,
                   sign_in=sign_in or ("api" if "api" in methods else "session"), account=None, is_default=first,
                   capabilities=caps, probed_at=utcnow() if caps else None, last_pull={})
    s.add(row)
    s.flush()
    audit.record(s, "platform.added", entity_type="platform", entity_id=row.id, payload={"name": name, "host": host})
    return _info(row)


def set_default(s: Session, ref: str | uuid.UUID) -> PlatformInfo:
    row = _row(s, ref)
    for other in s.scalars(select(Platform).where(Platform.is_default.is_(True))):
        other.is_default = False
    row.is_default = True
    return _info(row)


def set_account(s: Session, ref: str | uuid.UUID, sign_in: str, account: str) -> PlatformInfo:
    """Who signs in (the e-mail or API key; the secret goes to the keyring, not here)."""
    if sign_in not in SIGN_IN:
        raise ValidationError("Unknown way of signing in: {method}.", method=sign_in)
    account = (account or "").strip()
    if not account:
        raise ValidationError("Give the e-mail or the API key to sign in with.")
    row = _row(s, ref)
    row.sign_in, row.account = sign_in, account
    return _info(row)


def record_probe(s: Session, ref: str | uuid.UUID, capabilities: dict[str, Any]) -> PlatformInfo:
    row = _row(s, ref)
    if row.capabilities != capabilities:
        row.capabilities = dict(capabilities)
    row.probed_at = utcnow()
    return _info(row)


def record_pull(s: Session, ref: str | uuid.UUID, summary: dict[str, Any]) -> PlatformInfo:
    row = _row(s, ref)
    row.last_pull_at = utcnow()
    row.last_pull = dict(summary)
    return _info(row)


def platform_of_component(s: Session, component_id: uuid.UUID | None) -> PlatformInfo | None:
    """The profile of the platform a cached component came from; the default profile when the
    component is None or local. None when no platform is set up."""
    from p311desk.models import Component

    host = s.scalar(select(Component.platform_host).where(Component.id == component_id)) if component_id else None
    row = s.scalar(select(Platform).where(Platform.host == host)) if host else None
    if row is None:
        row = s.scalar(select(Platform).where(Platform.is_default.is_(True)))
    return _info(row) if row is not None else None


def import_line(info: PlatformInfo | None) -> str | None:
    """The Decidim line ("0.27", "0.28", "0.30", "0.32") a profile's import files are written for."""
    line = (info.capabilities or {}).get("line") if info else None
    return str(line) if line else None


def default_locale(info: PlatformInfo | None) -> str | None:
    """The organisation's default language as the profile knows it (set by hand, or guessed)."""
    value = (info.capabilities or {}).get("default_locale") if info else None
    return str(value) if value else None


def set_default_locale(s: Session, ref: str | uuid.UUID, locale: str) -> PlatformInfo:
    """The organisation's default language, set by hand (Decidim's import refuses a file without
    ``title/<default>``); a later probe keeps it."""
    locale = (locale or "").strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z]{2,4})?", locale):
        raise ValidationError("“{locale}” is not a language code (e.g. ca, es, en).", locale=locale)
    row = _row(s, ref)
    row.capabilities = {**(row.capabilities or {}), "default_locale": locale, "locale_source": "user"}
    return _info(row)


def remove_platform(s: Session, ref: str | uuid.UUID) -> None:
    """Forget a profile (the cached spaces stay: sessions may be linked to them)."""
    row = _row(s, ref)
    was_default = row.is_default
    s.delete(row)
    s.flush()
    if was_default:
        nxt = s.scalar(select(Platform).order_by(Platform.created_at))
        if nxt is not None:
            nxt.is_default = True
