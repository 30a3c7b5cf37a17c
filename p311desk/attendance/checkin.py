"""Attendance at the door: check-in by code or name, undo, walk-ins, the age rule, the counter.

A check-in returns a :class:`CheckinResult` rather than raising for the expected outcomes at a
door (welcome, already checked in, unknown code, under age): the UI shows each in its colour.
Everything that changes state is audit-logged in the same transaction; a check-in of a Decidim
registration also queues the validation of its registration code for the platform.

The age rule: a session that ``enforce_min_age`` (the default) refuses people younger than its
``min_age`` (14) on the day of the session. With only a birth year, the highest possible age is
used (born in 2012 → 14 in 2026), so nobody is refused who might be old enough.

Search as you type uses :class:`SearchIndex`, an in-memory index of the folded
"name surnames email code" of every person (50,000 people: a few milliseconds per keystroke).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk import codes, rules
from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.i18n import _, current_language, format_local
from p311desk.models import Attendance, ParticipationSession, Participant, Registration, utcnow
from p311desk.paths import resources_dir
from p311desk import audit
from p311desk import outbox
from p311desk.participants import EMAIL_RE
from p311desk.participants import ParticipantInfo, add_participant, info
from p311desk.text import clean, fold

WELCOME, ALREADY, UNKNOWN, UNDER_AGE = "welcome", "already", "unknown", "under_age"


@dataclass(frozen=True)
class CheckinResult:
    kind: str
    participant: ParticipantInfo | None = None
    checked_in_at: dt.datetime | None = None
    attendance_id: uuid.UUID | None = None
    registered: bool = True
    query: str = ""
    min_age: int = 14
    walk_in: bool = False

    @property
    def ok(self) -> bool:
        return self.kind == WELCOME

    @property
    def name(self) -> str:
        return self.participant.full_name if self.participant else self.query

    def message(self) -> str:
        if self.kind == WELCOME:
            return _("Welcome, {name}!").format(name=self.name)
        if self.kind == ALREADY:
            return _("{name} already checked in at {time}.").format(name=self.name, time=local_time(self.checked_in_at))
        if self.kind == UNDER_AGE:
            return _("{name} is under {age}: this session does not admit people under {age}.").format(
                name=self.name, age=self.min_age)
        return _("Unknown code “{code}”.").format(code=self.query)


def local_time(value: dt.datetime | None) -> str:
    return format_local(value, "%H:%M")


@dataclass(frozen=True)
class Counter:
    present: int
    expected: int


@dataclass(frozen=True)
class UndoResult:
    participant: ParticipantInfo
    attendance_id: uuid.UUID


# --- consent texts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentText:
    version: str
    language: str
    text: str

    @property
    def stored(self) -> str:
        """What is stored with the participant: ``v1/ca``."""
        return f"{self.version}/{self.language}"


def _consent_versions() -> list[str]:
    folder = resources_dir() / "consent"
    found = [p.name for p in folder.iterdir() if p.is_dir() and re.fullmatch(r"v\d+", p.name)]
    return sorted(found, key=lambda v: int(v[1:]))


@lru_cache(maxsize=16)
def consent_text(language: str | None = None, version: str | None = None) -> ConsentText:
    """The consent text to show (current version unless one is asked for)."""
    language = language or current_language()
    versions = _consent_versions()
    if not versions:
        raise NotFound("No consent text is installed.")
    version = version or versions[-1]
    folder = resources_dir() / "consent" / version
    path = folder / f"{language}.txt"
    if not path.exists():
        language, path = "ca", folder / "ca.txt"
    if not path.exists():
        raise NotFound("No consent text is installed.")
    return ConsentText(version, language, path.read_text(encoding="utf-8").strip())


# --- helpers ---------------------------------------------------------------------------------


def _session(s: Session, session_id: uuid.UUID, *, for_checkin: bool = True) -> ParticipationSession:
    row = s.get(ParticipationSession, session_id)
    if row is None:
        raise NotFound("The session does not exist.")
    if for_checkin and row.status == "closed":
        raise InvalidTransition("The session is closed: reopen it to check people in.")
    if for_checkin and row.status != "open":
        raise InvalidTransition("The session is not open yet: open it to check people in.")
    return row


def is_under_age(session: ParticipationSession, p: Participant) -> bool:
    return session.enforce_min_age and rules.is_under_age(
        session.min_age, p.birth_date, p.birth_year, rules.session_day(session.starts_at))


def _present(s: Session, session_id: uuid.UUID, participant_id: uuid.UUID) -> Attendance | None:
    return s.scalar(select(Attendance).where(Attendance.session_id == session_id,
                                             Attendance.participant_id == participant_id,
                                             Attendance.cancelled_at.is_(None)))


def resolve(s: Session, session_id: uuid.UUID, ref: str | uuid.UUID) -> Participant | None:
    """The person a scanned code (check-in code or Decidim registration code) or id refers to."""
    if isinstance(ref, uuid.UUID):
        return s.get(Participant, ref)
    code = codes.normalize_code(ref)
    if not code:
        return None
    pid = s.scalar(select(Registration.participant_id).where(Registration.session_id == session_id,
                                                             Registration.code == code))
    if pid is not None:
        return s.get(Participant, pid)
    return s.scalar(select(Participant).where(Participant.checkin_code == code))


# --- check-in --------------------------------------------------------------------------------


def check_in(
    s: Session,
    session_id: uuid.UUID,
    ref: str | uuid.UUID,
    *,
    method: str | None = None,
) -> CheckinResult:
    """Check a person in by scanned/typed code or by participant id."""
    session = _session(s, session_id)
    p = resolve(s, session_id, ref)
    query = ref if isinstance(ref, str) else str(ref)
    if p is None:
        audit.record(s, "attendance.unknown_code", session_id=session_id, entity_type="attendance",
                     payload={"length": len(query.strip())})
        return CheckinResult(UNKNOWN, query=clean(query), min_age=session.min_age)
    return _check_in_person(s, session, p, method or ("name" if isinstance(ref, uuid.UUID) else "qr"))


def _check_in_person(s: Session, session: ParticipationSession, p: Participant, method: str,
                     walk_in: bool = False) -> CheckinResult:
    reg = s.scalar(select(Registration).where(Registration.session_id == session.id,
                                              Registration.participant_id == p.id))
    existing = _present(s, session.id, p.id)
    if existing is not None:
        return CheckinResult(ALREADY, info(p), existing.checked_in_at, existing.id, reg is not None,
                             min_age=session.min_age)
    if is_under_age(session, p):
        audit.record(s, "attendance.refused_under_age", session_id=session.id,
                     entity_type="participant", entity_id=p.id, payload={"min_age": session.min_age})
        return CheckinResult(UNDER_AGE, info(p), registered=reg is not None, min_age=session.min_age)
    att = Attendance(id=uuid.uuid4(), session_id=session.id, participant_id=p.id,
                     checked_in_at=utcnow(), method=method)
    s.add(att)
    s.flush()
    audit.record(s, "attendance.checked_in", session_id=session.id, entity_type="attendance",
                 entity_id=att.id, payload={"participant_id": str(p.id), "method": method,
                                            "registered": reg is not None})
    if reg is not None and reg.code and (reg.decidim_registration_id or reg.source == "decidim"):
        outbox.enqueue(s, "registration", reg.id, "validate_registration_code",
                       {"attendance_id": str(att.id)}, session_id=session.id)
    return CheckinResult(WELCOME, info(p), att.checked_in_at, att.id, reg is not None,
                         min_age=session.min_age, walk_in=walk_in)


def undo_last(s: Session, session_id: uuid.UUID, attendance_id: uuid.UUID | None = None) -> UndoResult:
    """Cancel the last check-in of the session (or the given one). The row is kept, cancelled."""
    _session(s, session_id)
    stmt = select(Attendance).where(Attendance.session_id == session_id, Attendance.cancelled_at.is_(None))
    if attendance_id is not None:
        stmt = stmt.where(Attendance.id == attendance_id)
    att = s.scalar(stmt.order_by(Attendance.checked_in_at.desc()).limit(1))
    if att is None:
        raise NotFound("There is no check-in to undo.")
    att.cancelled_at = utcnow()
    # A validation not yet sent to the platform must not be sent any more.
    outbox.supersede(s, [i for i in outbox.session_items(s, session_id,
                                                          operation="validate_registration_code")
                         if i.payload.get("attendance_id") == str(att.id)],
                     "the check-in was undone")
    audit.record(s, "attendance.undone", session_id=session_id, entity_type="attendance",
                 entity_id=att.id, payload={"participant_id": str(att.participant_id)})
    return UndoResult(info(att.participant), att.id)


def counter(s: Session, session_id: uuid.UUID) -> Counter:
    present = s.scalar(select(func.count()).select_from(Attendance)
                       .where(Attendance.session_id == session_id, Attendance.cancelled_at.is_(None))) or 0
    expected = s.scalar(select(func.count()).select_from(Registration)
                        .where(Registration.session_id == session_id)) or 0
    return Counter(present, expected)


# --- walk-ins --------------------------------------------------------------------------------


def register_walk_in(
    s: Session,
    session_id: uuid.UUID,
    *,
    given_name: str,
    family_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    birth_year: int | None = None,
    age_confirmed: bool = False,
    consent: bool = False,
    consent_version: str | None = None,
    existing_id: uuid.UUID | None = None,
) -> CheckinResult:
    """Register a person who came without registering, and check them in at once.

    ``consent_version`` is :attr:`ConsentText.stored` of the text the person was shown.
    ``existing_id``: the technician recognised the person among :func:`similar_people`; they are
    checked in instead of being created again."""
    session = _session(s, session_id)
    if existing_id is not None:
        known = s.get(Participant, existing_id)
        if known is None:
            raise NotFound("The person does not exist any more.")
        if consent and not known.consent_version:
            known.consent_version, known.consent_at = consent_version or consent_text().stored, utcnow()
        return _check_in_person(s, session, known, "walkin", walk_in=True)
    given_name, family_name = clean(given_name), clean(family_name)
    if not (given_name or family_name):
        raise ValidationError("A participant needs a name.")
    email = clean(email).lower() or None if email else None
    if email and not EMAIL_RE.match(email):
        raise ValidationError("“{value}” is not a valid e-mail address.", value=email)
    day = rules.session_day(session.starts_at)
    if birth_year is not None and not rules.plausible_birth_year(int(birth_year), day):
        raise ValidationError("“{value}” is not a valid birth year.", value=birth_year)
    if session.enforce_min_age and birth_year is None and not age_confirmed:
        raise ValidationError("Give the birth year or confirm the person is {age} or older.",
                              age=session.min_age)
    if not consent:
        raise ValidationError("The person must consent to the processing of their data.")
    if not consent_version:
        consent_version = consent_text().stored
    if session.enforce_min_age and rules.is_under_age(session.min_age, None, birth_year, day):
        audit.record(s, "attendance.refused_under_age", session_id=session.id,
                     entity_type="walk_in", payload={"min_age": session.min_age})
        name = " ".join(x for x in (given_name, family_name) if x)
        return CheckinResult(UNDER_AGE, None, query=name, registered=False, min_age=session.min_age)
    if email:
        known = s.scalar(select(Participant).where(Participant.email == email))
        if known is not None:
            if not known.consent_version:
                known.consent_version, known.consent_at = consent_version, utcnow()
            return _check_in_person(s, session, known, "walkin", walk_in=True)
    p = add_participant(s, given_name=given_name, family_name=family_name, email=email, phone=phone,
                        birth_year=int(birth_year) if birth_year is not None else None,
                        age_confirmed=bool(age_confirmed), source="walkin",
                        consent_version=consent_version, consent_at=utcnow())
    return _check_in_person(s, session, p, "walkin", walk_in=True)


# --- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    participant_id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    organisation: str | None
    checkin_code: str
    registered: bool
    checked_in_at: dt.datetime | None
    method: str | None
    phone: str | None = None
    birth_year: int | None = None  # from the birth date or the year alone; None: not collected

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


def attendance_list(s: Session, session_id: uuid.UUID) -> list[AttendanceRow]:
    """Everyone expected at or present in the session, sorted by surname and name."""
    _session(s, session_id, for_checkin=False)
    present = {a.participant_id: a for a in s.scalars(
        select(Attendance).where(Attendance.session_id == session_id, Attendance.cancelled_at.is_(None)))}
    registered = set(s.scalars(select(Registration.participant_id).where(Registration.session_id == session_id)))
    ids = registered | set(present)
    rows: list[AttendanceRow] = []
    id_list = list(ids)
    for i in range(0, len(id_list), 500):
        chunk = id_list[i:i + 500]
        for p in s.scalars(select(Participant).where(Participant.id.in_(chunk))):
            a = present.get(p.id)
            rows.append(AttendanceRow(p.id, p.given_name, p.family_name, p.email, p.organisation,
                                      p.checkin_code, p.id in registered,
                                      a.checked_in_at if a else None, a.method if a else None,
                                      p.phone, p.birth_date.year if p.birth_date else p.birth_year))
    rows.sort(key=lambda r: (fold(r.family_name), fold(r.given_name)))
    return rows


@dataclass(frozen=True)
class RecentCheckin:
    attendance_id: uuid.UUID
    participant_id: uuid.UUID
    name: str
    checked_in_at: dt.datetime
    method: str
    registered: bool


def recent_checkins(s: Session, session_id: uuid.UUID, limit: int = 20) -> list[RecentCheckin]:
    """The session's latest check-ins still in force, newest first."""
    regs = select(Registration.participant_id).where(Registration.session_id == session_id)
    rows = s.execute(
        select(Attendance.id, Attendance.participant_id, Participant.given_name, Participant.family_name,
               Attendance.checked_in_at, Attendance.method, Attendance.participant_id.in_(regs))
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(Attendance.session_id == session_id, Attendance.cancelled_at.is_(None))
        .order_by(Attendance.checked_in_at.desc()).limit(limit))
    return [RecentCheckin(aid, pid, " ".join(x for x in (given, family) if x), when, method or "", bool(reg))
            for aid, pid, given, family, when, method, reg in rows]


def not_arrived(s: Session, session_id: uuid.UUID) -> list[AttendanceRow]:
    """Registered for the session and not (or no longer) checked in, by surname."""
    return [r for r in attendance_list(s, session_id) if r.registered and r.checked_in_at is None]


def similar_people(s: Session, *, given_name: str = "", family_name: str = "", email: str | None = None,
                   phone: str | None = None, limit: int = 10) -> list[ParticipantInfo]:
    """People who may be the one a walk-in is about to create: same whole name, e-mail or phone."""
    found: dict[uuid.UUID, Participant] = {}
    name = whole_name(" ".join(x for x in (given_name, family_name) if x))
    if name:
        words = name.split()
        stmt = select(Participant).where(Participant.search_key.contains(words[0]))
        for p in s.scalars(stmt.limit(2000)):
            if whole_name(f"{p.given_name} {p.family_name}") == name:
                found[p.id] = p
    email = clean(email).lower() if email else ""
    if email:
        for p in s.scalars(select(Participant).where(Participant.email == email)):
            found[p.id] = p
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())[-9:]
    if len(digits) >= 6:
        for p in s.scalars(select(Participant).where(Participant.phone.contains(digits[-6:])).limit(200)):
            if "".join(ch for ch in p.phone or "" if ch.isdigit()).endswith(digits):
                found[p.id] = p
    return [info(p) for p in list(found.values())[:limit]]


def present_ids(s: Session, session_id: uuid.UUID) -> set[uuid.UUID]:
    return set(s.scalars(select(Attendance.participant_id).where(
        Attendance.session_id == session_id, Attendance.cancelled_at.is_(None))))


# --- search as you type ----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    participant_id: uuid.UUID
    name: str
    email: str | None
    code: str
    registered: bool
    # What tells two namesakes apart at the door (whatever the list has; None: not known).
    birth_year: int | None = None
    postal_code: str | None = None
    organisation: str | None = None

    def details(self) -> list[str]:
        """Birth year, postal code, organisation: those the person has, in that order."""
        return [str(x) for x in (self.birth_year, self.postal_code, self.organisation) if x]


def whole_name(text: str) -> str:
    """A name compared as a whole: folded (accents, case, ``l·l``) with single spaces."""
    return " ".join(fold(text).split())


@dataclass(frozen=True)
class Choice:
    """The outcome of :meth:`SearchIndex.choose`: ``person`` is None unless Enter may check in."""

    person: SearchHit | None
    candidates: list[SearchHit]
    by: str  # "code", "name" or "" (nobody picked)


@dataclass
class SearchIndex:
    """Folded "name surnames email code [registration code]" of every person, in memory.

    Built once per page (:func:`build_index`), kept current with :meth:`add`. A query matches a
    person when every word of it occurs in their key (accents, case and ``l·l`` ignored);
    registered people and word-start matches come first."""

    keys: list[str] = field(default_factory=list)
    hits: list[SearchHit] = field(default_factory=list)
    by_code: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, hit: SearchHit, key: str, extra_codes: tuple[str, ...] = ()) -> None:
        self.by_code[hit.code] = len(self.hits)
        for c in extra_codes:
            self.by_code.setdefault(c, len(self.hits))
        self.by_name.setdefault(whole_name(hit.name), []).append(len(self.hits))
        self.keys.append(" " + key)
        self.hits.append(hit)

    def choose(self, text: str, limit: int = 20) -> Choice:
        """What Enter may do with ``text``: the one person it names, or the candidates to choose from.

        Only an exact code (check-in or registration code, spaces and case ignored) or a whole
        name that exactly one person has, who is registered for the session, picks a person.
        Anything else — part of a name, part of a code, a name two people share, a person not
        on the list — returns the candidates and picks nobody."""
        exact = self.by_code.get(codes.normalize_code(text))
        if exact is not None:
            return Choice(self.hits[exact], [self.hits[exact]], "code")
        same = self.by_name.get(whole_name(text), [])
        if len(same) == 1 and self.hits[same[0]].registered:
            return Choice(self.hits[same[0]], [self.hits[same[0]]], "name")
        return Choice(None, self.search(text, limit=limit), "")

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        words = fold(text).split()
        if not words:
            return []
        exact = self.by_code.get(codes.normalize_code(text))
        found: list[int] = []
        first, rest = words[0], words[1:]
        keys = self.keys
        # Scan: all words must occur. Stop collecting after enough candidates to rank.
        cap = max(limit * 10, 200)
        for i, key in enumerate(keys):
            if first in key and all(w in key for w in rest):
                found.append(i)
                if len(found) >= cap:
                    break
        prefix = " " + first

        def rank(i: int) -> tuple:
            return (i != exact, not self.hits[i].registered, prefix not in keys[i], keys[i])

        ordered = sorted(set(found) | ({exact} if exact is not None else set()), key=rank)
        return [self.hits[i] for i in ordered[:limit]]

    def near_codes(self, text: str, limit: int = 5) -> list[SearchHit]:
        """Registered people whose code is one slip away from ``text`` (one character wrong,
        missing, extra, or two swapped; two wrong characters in a whole code) — to offer, never
        to pick: an unknown code checks nobody in."""
        typed = codes.normalize_code(text)
        if len(typed) < 4 or typed in self.by_code:
            return []
        found: dict[int, int] = {}
        for code, i in list(self.by_code.items()):
            if not self.hits[i].registered:
                continue
            d = _slips(typed, code)
            if d is not None and d < found.get(i, 3):
                found[i] = d
        ordered = sorted(found, key=lambda i: (found[i], self.hits[i].name))
        return [self.hits[i] for i in ordered[:limit]]


def _slips(a: str, b: str) -> int | None:
    """1 or 2 for a code typed with that many slips, None for further (or equal)."""
    if a == b:
        return None
    if len(a) == len(b):
        wrong = [k for k in range(len(a)) if a[k] != b[k]]
        if len(wrong) == 1:
            return 1
        if len(wrong) == 2 and wrong[1] == wrong[0] + 1 and a[wrong[0]] == b[wrong[1]] and a[wrong[1]] == b[wrong[0]]:
            return 1  # two neighbours swapped
        return 2 if len(wrong) == 2 and len(a) >= 8 else None
    if abs(len(a) - len(b)) == 1:
        short, long_ = (a, b) if len(a) < len(b) else (b, a)
        for k in range(len(long_)):
            if long_[:k] + long_[k + 1:] == short:
                return 1
    return None


def build_index(s: Session, session_id: uuid.UUID | None = None) -> SearchIndex:
    index = SearchIndex()
    regs: dict[uuid.UUID, str | None] = {}
    if session_id is not None:
        regs = dict(s.execute(select(Registration.participant_id, Registration.code)
                              .where(Registration.session_id == session_id)).all())
    rows = s.execute(select(Participant.id, Participant.given_name, Participant.family_name,
                            Participant.email, Participant.checkin_code, Participant.search_key,
                            Participant.birth_date, Participant.birth_year, Participant.postal_code,
                            Participant.organisation))
    for pid, given, family, email, code, key, born, year, postal, organisation in rows:
        registered = pid in regs
        reg_code = regs.get(pid)
        extra = (reg_code,) if reg_code and reg_code != code else ()
        name = " ".join(x for x in (given, family) if x)
        index.add(SearchHit(pid, name, email, code, registered, born.year if born else year, postal or None,
                            organisation or None),
                  key + (" " + reg_code.casefold() if extra else ""), extra)
    return index
