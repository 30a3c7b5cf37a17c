"""The participant registry: people known to this installation, and who is expected where.

Document ids (DNI/NIE) are kept as a keyed fingerprint (HMAC-SHA256, see
:func:`document_fingerprinter`) unless the administrator has chosen to keep them in clear
(settings): enough to find the same person twice, useless without the key, which lives outside the
database (:mod:`p311desk.keys`). Every participant gets a personal check-in code for QR handouts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk import codes, keys
from p311desk.errors import ValidationError
from p311desk.models import Participant, Registration
from p311desk import audit
from p311desk import settings as settings_service
from p311desk.text import clean, fold


@dataclass(frozen=True)
class ParticipantInfo:
    id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    checkin_code: str
    birth_year: int | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


def info(p: Participant) -> ParticipantInfo:
    year = p.birth_date.year if p.birth_date else p.birth_year
    return ParticipantInfo(p.id, p.given_name, p.family_name, p.email, p.checkin_code, year)


def search_key(p: Participant) -> str:
    return fold(" ".join(x for x in (p.given_name, p.family_name, p.email or "", p.checkin_code) if x))


def document_fingerprinter(s: Session) -> Callable[[str], str]:
    """A function from a document id to its fingerprint in this database.

    ``HMAC-SHA256(key, SHA-256(salt ":" number))``: the key (``documents:<device id>``) lives in
    the key store, never in the database or its exports, so the 10^8 possible DNIs cannot be
    tried against a copied file. The inner SHA-256 keeps fingerprints made before the key existed
    valid: migration 0006 re-keyed them as they were, and moved their salt out of the database
    (``document-salt:<device id>`` in the key store; empty for newer databases)."""
    device = audit.database_device(s)
    key = keys.secret(f"documents:{device}")
    salt = keys.get_value(f"document-salt:{device}") or ""

    def fingerprint(document_id: str) -> str:
        normalized = "".join(ch for ch in document_id.upper() if ch.isalnum())
        inner = hashlib.sha256((salt + ":" + normalized).encode()).hexdigest()
        return hmac.new(key, inner.encode(), hashlib.sha256).hexdigest()

    return fingerprint


def document_fingerprint(s: Session, document_id: str) -> str:
    return document_fingerprinter(s)(document_id)


def unique_code(s: Session) -> str:
    while True:
        code = codes.new_code()
        if s.scalar(select(Participant.id).where(Participant.checkin_code == code)) is None:
            return code


def add_participant(
    s: Session,
    *,
    given_name: str,
    family_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    postal_code: str | None = None,
    birth_date: dt.date | None = None,
    birth_year: int | None = None,
    age_confirmed: bool = False,
    document_id: str | None = None,
    checkin_code: str | None = None,
    organisation: str | None = None,
    source: str = "manual",
    consent_version: str | None = None,
    consent_at: dt.datetime | None = None,
) -> Participant:
    given_name, family_name = clean(given_name), clean(family_name)
    if not (given_name or family_name):
        raise ValidationError("A participant needs a name.")
    p = Participant(
        id=uuid.uuid4(),
        given_name=given_name,
        family_name=family_name,
        email=clean(email).lower() or None if email else None,
        phone=clean(phone) or None if phone else None,
        postal_code=clean(postal_code) or None if postal_code else None,
        birth_date=birth_date,
        birth_year=birth_date.year if birth_date else birth_year,
        age_confirmed=age_confirmed,
        checkin_code=codes.normalize_code(checkin_code) if checkin_code else unique_code(s),
        organisation=organisation,
        source=source,
        consent_version=consent_version,
        consent_at=consent_at,
    )
    if document_id:
        cfg = settings_service.load(s)
        p.document_hash = document_fingerprint(s, document_id)
        if cfg.store_document_ids_in_clear:
            p.document_id = clean(document_id).upper()
    p.search_key = search_key(p)
    s.add(p)
    s.flush()
    audit.record(s, "participant.created", entity_type="participant", entity_id=p.id,
                 payload={"source": source})
    return p


def register(
    s: Session,
    session_id: uuid.UUID,
    participant_id: uuid.UUID,
    *,
    code: str | None = None,
    source: str = "import",
    weight: float = 1.0,
) -> Registration:
    """Mark a participant as expected at a session (idempotent)."""
    existing = s.scalar(select(Registration).where(Registration.session_id == session_id,
                                                   Registration.participant_id == participant_id))
    if existing is not None:
        return existing
    reg = Registration(id=uuid.uuid4(), session_id=session_id, participant_id=participant_id,
                       code=code, source=source, weight=weight)
    s.add(reg)
    s.flush()
    audit.record(s, "registration.created", session_id=session_id, entity_type="registration",
                 entity_id=reg.id, payload={"participant_id": str(participant_id)})
    return reg
