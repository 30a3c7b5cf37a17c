"""Correcting people: edit a person's details, merge two records of the same person, remove a
person who never attended.

Every change is audited in the caller's unit of work. A merge keeps one record (the one the
technician chose) and moves everything of the other onto it: registrations, attendance (both
kept; where both records attended the same session, the later check-in is kept as cancelled),
authorship of proposals and every other reference; empty details of the kept record are filled
from the other. A merge that would put the same person twice where only once is allowed (two
ballots in one vote, two memberships of one body) is refused and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from p311desk import audit, rules
from p311desk.errors import DomainError, InvalidTransition, NotFound, ValidationError
from p311desk.models import Attendance, Base, Participant, Registration, utcnow
from p311desk.participants.importing import EMAIL_RE
from p311desk.participants.registry import ParticipantInfo, info, search_key
from p311desk.text import clean

EDITABLE = ("given_name", "family_name", "email", "phone", "birth_date", "birth_year", "organisation",
            "postal_code")


@dataclass(frozen=True)
class PersonDetails:
    id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    birth_date: dt.date | None
    birth_year: int | None
    organisation: str | None
    postal_code: str | None
    checkin_code: str
    source: str
    sessions: int  # registered for
    attended: int  # check-ins ever (also undone ones: they are history)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


def _person(s: Session, participant_id: uuid.UUID) -> Participant:
    p = s.get(Participant, participant_id)
    if p is None:
        raise NotFound("The person does not exist any more.")
    return p


def details(s: Session, participant_id: uuid.UUID) -> PersonDetails:
    p = _person(s, participant_id)
    regs = s.scalar(select(func.count()).select_from(Registration).where(Registration.participant_id == p.id)) or 0
    atts = s.scalar(select(func.count()).select_from(Attendance).where(Attendance.participant_id == p.id)) or 0
    return PersonDetails(p.id, p.given_name, p.family_name, p.email, p.phone, p.birth_date, p.birth_year,
                         p.organisation, p.postal_code, p.checkin_code, p.source, regs, atts)


def update_participant(s: Session, participant_id: uuid.UUID, **values) -> ParticipantInfo:
    """Change a person's details (any of :data:`EDITABLE`); returns the person as now stored."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    p = _person(s, participant_id)
    changes: dict = {}
    for key in ("given_name", "family_name", "organisation", "postal_code", "phone"):
        if key in values:
            changes[key] = clean(values[key] or "") or (None if key not in ("given_name", "family_name") else "")
    if "email" in values:
        email = clean(values["email"] or "").lower() or None
        if email and not EMAIL_RE.match(email):
            raise ValidationError("“{value}” is not a valid e-mail address.", value=email)
        changes["email"] = email
    given = changes.get("given_name", p.given_name)
    family = changes.get("family_name", p.family_name)
    if not (given or family):
        raise ValidationError("A participant needs a name.")
    if "birth_date" in values or "birth_year" in values:
        birth = values.get("birth_date", p.birth_date)
        year = values.get("birth_year", p.birth_year)
        today = dt.date.today()
        if birth is not None:
            if not rules.plausible_birth_year(birth.year, today) or birth > today:
                raise ValidationError("“{value}” is not a valid birth date.", value=birth.strftime("%d/%m/%Y"))
            year = birth.year
        elif year is not None and not rules.plausible_birth_year(int(year), today):
            raise ValidationError("“{value}” is not a valid birth year.", value=year)
        changes["birth_date"], changes["birth_year"] = birth, int(year) if year is not None else None
    changed = sorted(k for k, v in changes.items() if getattr(p, k) != v)
    if not changed:
        return info(p)
    for key in changed:
        setattr(p, key, changes[key])
    p.search_key = search_key(p)
    p.updated_at = utcnow()
    # Field names only: the values are personal data, and the state digest covers them.
    audit.record(s, "participant.updated", entity_type="participant", entity_id=p.id, payload={"fields": changed})
    return info(p)


class MergeRefused(DomainError):
    """Two records that cannot become one without losing or doubling something."""


def _references() -> list[tuple[object, object]]:
    """Every (table, column) that points at a participant, but registration and attendance."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in ("registration", "attendance", "participant"):
            continue
        for column in table.columns:
            if any(fk.column.table.name == "participant" for fk in column.foreign_keys):
                found.append((table, column))
    return found


def merge_participants(s: Session, keep_id: uuid.UUID, duplicate_id: uuid.UUID) -> ParticipantInfo:
    """Make ``duplicate_id`` part of ``keep_id`` and delete the duplicate record."""
    if keep_id == duplicate_id:
        raise InvalidTransition("Choose two different people to merge.")
    keep, dup = _person(s, keep_id), _person(s, duplicate_id)
    moved = {"registrations": 0, "attendance": 0}
    # Registrations: one per session; the kept record's wins, the duplicate's code is kept if it had none.
    kept_regs = {r.session_id: r for r in s.scalars(select(Registration).where(Registration.participant_id == keep.id))}
    for reg in list(s.scalars(select(Registration).where(Registration.participant_id == dup.id))):
        mine = kept_regs.get(reg.session_id)
        if mine is None:
            reg.participant_id = keep.id
            moved["registrations"] += 1
        else:
            if not mine.code and reg.code:
                code = reg.code
                s.delete(reg)
                s.flush()
                mine.code = code
            else:
                s.delete(reg)
    # Attendance: every row is history and is kept; at most one in force per session.
    in_force = {a.session_id: a for a in s.scalars(select(Attendance).where(
        Attendance.participant_id == keep.id, Attendance.cancelled_at.is_(None)))}
    for att in list(s.scalars(select(Attendance).where(Attendance.participant_id == dup.id))):
        other = in_force.get(att.session_id)
        if att.cancelled_at is None and other is not None:
            later = att if att.checked_in_at >= other.checked_in_at else other
            later.cancelled_at = utcnow()
            if later is other:
                in_force[att.session_id] = att
        elif att.cancelled_at is None:
            in_force[att.session_id] = att
        att.participant_id = keep.id
        moved["attendance"] += 1
    s.flush()
    # Everything else that names the duplicate (authorship, bodies, delegations, votes cast).
    for table, column in _references():
        try:
            with s.begin_nested():
                s.execute(update(table).where(column == dup.id).values({column.name: keep.id}))
        except IntegrityError as err:
            raise MergeRefused("Both records take part in the same vote or body ({what}): they cannot be merged.",
                               what=table.name) from err
    for key in ("email", "phone", "birth_date", "birth_year", "organisation", "postal_code", "document_hash",
                "document_id", "consent_version", "consent_at", "decidim_user_name"):
        if getattr(keep, key) in (None, "") and getattr(dup, key) not in (None, ""):
            setattr(keep, key, getattr(dup, key))
    keep.age_confirmed = keep.age_confirmed or dup.age_confirmed
    keep.search_key = search_key(keep)
    keep.updated_at = utcnow()
    dup_id = dup.id
    s.flush()
    s.delete(dup)
    s.flush()
    audit.record(s, "participant.merged", entity_type="participant", entity_id=keep.id,
                 payload={"kept": str(keep.id), "merged": str(dup_id), **moved})
    audit.record(s, "participant.deleted", entity_type="participant", entity_id=dup_id,
                 payload={"merged_into": str(keep.id)})
    return info(keep)


def remove_participant(s: Session, participant_id: uuid.UUID) -> ParticipantInfo:
    """Delete a person who never attended (their registrations go with them)."""
    p = _person(s, participant_id)
    if s.scalar(select(func.count()).select_from(Attendance).where(Attendance.participant_id == p.id)):
        raise InvalidTransition("{name} has attended a session: their record is kept. Merge it with another "
                                "record if it is a duplicate.", name=p.full_name)
    for table, column in _references():
        if s.scalar(select(func.count()).select_from(table).where(column == p.id)):
            raise InvalidTransition("{name} is still referred to ({what}): their record is kept.",
                                    name=p.full_name, what=table.name)
    gone = info(p)
    for reg in list(s.scalars(select(Registration).where(Registration.participant_id == p.id))):
        s.delete(reg)
    s.delete(p)
    s.flush()
    audit.record(s, "participant.deleted", entity_type="participant", entity_id=gone.id, payload={})
    return gone
