"""Importing participants from a spreadsheet: validate, preview, then write all or nothing.

1. :func:`p311desk.spreadsheets.reader.read_table` reads the file (any format, messy or not).
2. :func:`preview` maps the columns, cleans every value and checks every row against the rules
   and against the people already known: each row gets a status ``new``, ``update``, ``warning``
   or ``error`` and a list of problems (row number, column, message in the user's language).
3. :func:`commit` writes the whole file in the caller's unit of work, or refuses: while a row has
   an error, or has warnings the user did not accept, nothing is written.

Duplicates are found by normalised name + birth date, by e-mail and by document id (compared by
keyed fingerprint, so clear ids never need to be stored). A duplicate inside the file is skipped (a
warning); a row that matches an existing person updates that person (fills in what was missing)
and registers them for the session. Decidim's meeting registrations export is read as any other
file: its ``code`` becomes the registration code and, when free, the person's check-in code.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk import codes, rules
from p311desk.bulk import gc_paused
from p311desk.errors import ValidationError
from p311desk.i18n import N_, _, format_message
from p311desk.models import ParticipationSession, Participant, Registration, utcnow
from p311desk import audit
from p311desk import settings as settings_service
from p311desk.participants.registry import document_fingerprinter, search_key
from p311desk.spreadsheets import mapping as mapping_mod
from p311desk.spreadsheets.reader import BadDate, Table, cell_text, parse_date
from p311desk.text import clean, fold

Progress = Callable[[int, int, str], None]

STATUS_LABELS = {"new": N_("New"), "update": N_("Update"), "warning": N_("Warning"), "error": N_("Error")}
EMAIL_RE = re.compile(r"^[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}$")
DNI_RE = re.compile(r"^(\d{8})([A-Z])$")
NIE_RE = re.compile(r"^([XYZ])(\d{7})([A-Z])$")
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
PARTICLES = {"i", "y", "de", "del", "dels", "la", "les", "las", "los", "el", "da", "van", "von", "e"}
@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    msgid: str
    params: dict[str, Any]
    severity: str  # "error" | "warning"

    def message(self) -> str:
        return format_message(self.msgid, self.params)


@dataclass
class RowPreview:
    row: int
    values: dict[str, Any]
    status: str = "new"            # new | update | warning | error
    action: str = "create"          # create | update | skip
    match_id: uuid.UUID | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.values.get("given_name"), self.values.get("family_name")) if p)


@dataclass
class ParticipantImportPreview:
    source: str
    headers: list[str]
    mapping: dict[str, str]
    signature: str
    rows: list[RowPreview]
    session_id: uuid.UUID | None
    decidim: bool
    counts: dict[str, int]
    file_kind: str = ""

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def errors(self) -> int:
        return self.counts.get("error", 0)

    @property
    def warnings(self) -> int:
        return self.counts.get("warning", 0)


@dataclass(frozen=True)
class ParticipantImportResult:
    created: int
    updated: int
    skipped: int
    registered: int


# --- value cleaning --------------------------------------------------------------------------


def smart_case(name: str) -> str:
    """ "JOAN PUIG I BOSCH" → "Joan Puig i Bosch"; names typed in mixed case stay as they are."""
    if not name or not (name.isupper() or name.islower()):
        return name
    words = []
    for i, word in enumerate(name.lower().split(" ")):
        if i > 0 and word in PARTICLES:
            words.append(word)
            continue
        # d'Arc, l'Hospitalet, Puig-Bosch, Gal·la
        parts = re.split(r"([\-'’])", word)
        words.append("".join(p[:1].upper() + p[1:] if p not in "-'’" else p for p in parts))
    return " ".join(words)


def split_full_name(full: str) -> tuple[str, str]:
    """ "Joana Fictícia Puig" → ("Joana", "Fictícia Puig"); "Puig Bosch, Joana" → ("Joana", "Puig Bosch")."""
    full = clean(full)
    if "," in full:
        family, _sep, given = full.partition(",")
        return clean(given), clean(family)
    first, _sep, rest = full.partition(" ")
    return first, rest


def valid_spanish_document(doc: str) -> bool | None:
    """True/False for a DNI or NIE (checks the control letter); None for other documents."""
    m = DNI_RE.match(doc)
    if m:
        return DNI_LETTERS[int(m[1]) % 23] == m[2]
    m = NIE_RE.match(doc)
    if m:
        number = int(str("XYZ".index(m[1])) + m[2])
        return DNI_LETTERS[number % 23] == m[3]
    return None


def name_key(given: str, family: str, birth: dt.date | None, fold_part: Callable[[str], str] = fold) -> str | None:
    """Duplicate key "name|birth date" (``fold_part`` may be a caching :func:`fold`)."""
    if birth is None:
        return None
    return fold_part(given) + " " + fold_part(family) + "|" + birth.isoformat()


def _fold_cache() -> Callable[[str], str]:
    cache: dict[str, str] = {}

    def fold_part(text: str) -> str:
        try:
            return cache[text]
        except KeyError:
            result = cache[text] = fold(text)
            return result

    return fold_part


_CODE_TABLE = bytes(codes.ALPHABET.encode()[b % 32] for b in range(256))


def _new_codes(n: int, taken: set[str]) -> list[str]:
    """``n`` new random check-in codes not in ``taken`` (32 symbols: each byte maps evenly)."""
    out: list[str] = []
    size = codes.LENGTH
    while len(out) < n:
        text = secrets.token_bytes(size * (n - len(out)) + 64).translate(_CODE_TABLE).decode("ascii")
        for i in range(0, len(text) - size + 1, size):
            code = text[i:i + size]
            if code not in taken:
                taken.add(code)
                out.append(code)
                if len(out) == n:
                    break
    return out


# --- preview ---------------------------------------------------------------------------------


@dataclass
class _Existing:
    by_email: dict[str, uuid.UUID]
    by_doc: dict[str, uuid.UUID]
    by_name: dict[str, uuid.UUID]
    codes: dict[str, uuid.UUID]
    registered: set[uuid.UUID]
    email_of: dict[uuid.UUID, str] = field(default_factory=dict)
    name_of: dict[uuid.UUID, str] = field(default_factory=dict)
    reg_codes: dict[str, uuid.UUID] = field(default_factory=dict)  # the session's registration codes


def _load_existing(s: Session, session_id: uuid.UUID | None) -> _Existing:
    ex = _Existing({}, {}, {}, {}, set())
    rows = s.execute(select(Participant.id, Participant.given_name, Participant.family_name,
                            Participant.email, Participant.document_hash, Participant.birth_date,
                            Participant.checkin_code))
    for pid, given, family, email, doc, birth, code in rows:
        if email:
            ex.by_email.setdefault(email, pid)
            ex.email_of[pid] = email
        if doc:
            ex.by_doc.setdefault(doc, pid)
        if birth is not None:
            ex.by_name.setdefault(name_key(given, family, birth), pid)
        ex.codes[code] = pid
        ex.name_of[pid] = " ".join(x for x in (given, family) if x)
    if session_id is not None:
        ex.registered = set(s.scalars(select(Registration.participant_id)
                                      .where(Registration.session_id == session_id)))
        ex.reg_codes = {c: pid for c, pid in s.execute(
            select(Registration.code, Registration.participant_id)
            .where(Registration.session_id == session_id, Registration.code.is_not(None)))}
    return ex


def preview(s: Session, table: Table, mapping: dict[str, Any] | None = None, **kwargs: Any) -> ParticipantImportPreview:
    """Validate every row of ``table`` (nothing is written). ``mapping`` is ``{field: header}``;
    without one, the remembered mapping for these headers or a proposal is used. Keyword
    arguments: ``session_id``, ``today``, ``progress``."""
    with gc_paused():
        return _preview(s, table, mapping, **kwargs)


def _preview(
    s: Session,
    table: Table,
    mapping: dict[str, Any] | None = None,
    *,
    session_id: uuid.UUID | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ParticipantImportPreview:
    """Validate every row of ``table`` (nothing is written). ``mapping`` is ``{field: header}``;
    without one, the remembered mapping for these headers or a proposal is used."""
    headers = table.headers
    if mapping is None:
        mapping, _remembered = mapping_mod.mapping_for(s, headers)
    columns = mapping_mod.validate(mapping, headers)
    # Keep the mapping by header name (what is remembered and shown).
    named = {f: headers[i] for f, i in columns.items()}
    session = None
    if session_id is not None:
        session = s.get(ParticipationSession, session_id)
        if session is None:
            from p311desk.errors import NotFound

            raise NotFound("The session does not exist.")
    today = today or dt.date.today()
    ref = rules.session_day(session.starts_at if session is not None else None, today)
    min_age = session.min_age if session is not None else 14
    decidim = "code" in columns and headers[columns["code"]].lower() == "code" and "user/name" in [h.lower() for h in headers]
    fingerprint = document_fingerprinter(s)
    ex = _load_existing(s, session_id)

    fold_part = _fold_cache()
    col_name = {f: headers[i] for f, i in columns.items()}
    get = {f: i for f, i in columns.items()}
    seen_email: dict[str, int] = {}
    seen_doc: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    seen_name_email: dict[str, str | None] = {}
    seen_code: dict[str, int] = {}
    previews: list[RowPreview] = []
    counts = {"new": 0, "update": 0, "warning": 0, "error": 0}
    total = len(table.rows)

    # Column indices resolved once (None: not mapped); the loop below runs once per row.
    g_full_name = get.get("full_name")
    g_given_name = get.get("given_name")
    g_family_name = get.get("family_name")
    g_email = get.get("email")
    g_phone = get.get("phone")
    g_document_id = get.get("document_id")
    g_birth_date = get.get("birth_date")
    g_birth_year = get.get("birth_year")
    g_postal_code = get.get("postal_code")
    g_organisation = get.get("organisation")
    g_code = get.get("code")
    g_registration_id = get.get("registration_id")
    ct, email_ok = cell_text, EMAIL_RE.match
    for n, (raw, rownum) in enumerate(zip(table.rows, table.row_numbers)):
        if progress and n % 5000 == 0:
            progress(n, total, "")
        problems: list[Problem] = []

        def problem(f: str, msgid: str, severity: str = "error", **params: Any) -> None:
            problems.append(Problem(rownum, col_name.get(f, ""), msgid, params, severity))

        values: dict[str, Any] = {}
        if g_full_name is not None:
            given, family = split_full_name(ct(raw[g_full_name]))
            if g_given_name is not None and ct(raw[g_given_name]):
                given = ct(raw[g_given_name])
            if g_family_name is not None and ct(raw[g_family_name]):
                family = ct(raw[g_family_name])
        else:
            given = ct(raw[g_given_name]) if g_given_name is not None else ""
            family = ct(raw[g_family_name]) if g_family_name is not None else ""
        given, family = smart_case(given), smart_case(family)
        values["given_name"], values["family_name"] = given, family
        if not (given or family):
            problem("full_name" if g_full_name is not None else "given_name", "The name is missing.")
        elif len(given) > 200 or len(family) > 200:
            problem("full_name" if g_full_name is not None else "given_name", "The name is too long.")

        email = None
        if g_email is not None:
            email = ct(raw[g_email]).lower() or None
            if email:
                email = email.removeprefix("mailto:")
                if not email_ok(email) or len(email) > 320:
                    problem("email", "“{value}” is not a valid e-mail address.", value=email)
        values["email"] = email

        if g_phone is not None:
            values["phone"] = ct(raw[g_phone])[:40] or None

        doc_hash = None
        if g_document_id is not None:
            doc = re.sub(r"[\s.\-]", "", ct(raw[g_document_id])).upper()
            if doc:
                ok = valid_spanish_document(doc)
                if ok is False:
                    problem("document_id", "The document id {value} has a wrong control letter.", value=doc)
                elif len(doc) < 5 or len(doc) > 40:
                    problem("document_id", "“{value}” is not a valid document id.", value=doc)
                doc_hash = fingerprint(doc)
                values["document_id"] = doc
        values["document_hash"] = doc_hash

        birth = None
        if g_birth_date is not None:
            cell = raw[g_birth_date]
            try:
                birth = parse_date(cell, today=today)
            except BadDate:
                problem("birth_date", "“{value}” is not a real date (use dd/mm/yyyy).", value=ct(cell))
            else:
                if birth is not None and birth > today:
                    problem("birth_date", "The birth date {value} is in the future.", value=birth.strftime("%d/%m/%Y"))
                    birth = None
                elif birth is not None and birth.year < today.year - 120:
                    problem("birth_date", "The birth date {value} is more than 120 years ago.", value=birth.strftime("%d/%m/%Y"))
                    birth = None
        values["birth_date"] = birth
        birth_year = birth.year if birth else None
        if birth is None and g_birth_year is not None:
            text = ct(raw[g_birth_year])
            if text:
                if text.isdigit() and rules.plausible_birth_year(int(text), today):
                    birth_year = int(text)
                else:
                    problem("birth_year", "“{value}” is not a valid birth year.", value=text)
        values["birth_year"] = birth_year

        if g_postal_code is not None:
            pc = ct(raw[g_postal_code]).replace(" ", "")
            if pc.isdigit() and len(pc) == 4:
                pc = "0" + pc  # Excel dropped the leading zero of 08001
            if pc and not (pc.isdigit() and len(pc) == 5):
                problem("postal_code", "“{value}” does not look like a postal code.", "warning", value=pc)
            values["postal_code"] = pc[:10] or None
        if g_organisation is not None:
            values["organisation"] = ct(raw[g_organisation])[:200] or None
        code = None
        if g_code is not None:
            code = codes.normalize_code(ct(raw[g_code])) or None
            if code and len(code) > 40:
                problem("code", "The code “{value}” is too long.", value=code)
                code = None
        values["code"] = code
        if g_registration_id is not None:
            values["registration_id"] = ct(raw[g_registration_id])[:40] or None

        if rules.is_under_age(min_age, birth, birth_year, ref):
            problem("birth_date" if birth else "birth_year",
                    "Under {age}: check-in will refuse this person while the session applies the age rule.",
                    "warning", age=min_age)

        row = RowPreview(rownum, values, problems=problems)
        # Duplicates inside the file.
        nkey = name_key(given, family, birth, fold_part)
        first = None
        if email and email in seen_email:
            first = seen_email[email]
        elif doc_hash and doc_hash in seen_doc:
            first = seen_doc[doc_hash]
        elif nkey and nkey in seen_name:
            other = seen_name_email.get(nkey)
            if email and other and other != email:
                # Same name and birth date, two e-mails: maybe two people (a parent and a child
                # named alike, a common name). Never merge them silently.
                problem("email", "Same name and birth date as row {row} but another e-mail ({other}): check "
                        "whether they are the same person. If you accept this warning, both are imported.", "warning",
                        row=seen_name[nkey], other=other)
            else:
                first = seen_name[nkey]
        if first is not None:
            problem("full_name" if g_full_name is not None else "given_name",
                    "Same person as row {row}: this row will be skipped.", "warning", row=first)
            row.action = "skip"
        else:
            if email:
                seen_email[email] = rownum
            if doc_hash:
                seen_doc[doc_hash] = rownum
            if nkey and nkey not in seen_name:
                seen_name[nkey] = rownum
                seen_name_email[nkey] = email
            if code:
                if code in seen_code:
                    problem("code", "The code {value} is also used in row {row}.", value=code, row=seen_code[code])
                else:
                    seen_code[code] = rownum
            # Against the people already known.
            by_name = ex.by_name.get(nkey) if nkey else None
            known_email = ex.email_of.get(by_name) if by_name is not None else None
            by_email = ex.by_email.get(email) if email else None
            by_doc = ex.by_doc.get(doc_hash) if doc_hash else None
            if (by_name is not None and by_email is None and by_doc is None and email and known_email
                    and known_email != email):
                problem("email", "Same name and birth date as a person already registered, but another "
                        "e-mail ({other}): check whether they are the same person. If you accept this "
                        "warning, this row is imported as a new person.", "warning", other=known_email)
                by_name = None
            matches = {m for m in (by_email, by_doc, by_name) if m is not None}
            if len(matches) > 1:
                problem("full_name" if g_full_name is not None else "given_name",
                        "This row matches two different people already registered.")
            elif matches:
                row.match_id = matches.pop()
                row.action = "update"
            # A code someone else already carries would make their badge check in this row's person.
            holder = (ex.reg_codes.get(code) or ex.codes.get(code)) if code else None
            if holder is not None and holder != row.match_id:
                problem("code", "The code {value} already belongs to {name}: a badge with it would check in "
                        "the wrong person. Correct or empty the code in the file.", value=code,
                        name=ex.name_of.get(holder, ""))
        if any(p.severity == "error" for p in problems):
            row.status = "error"
        elif problems:
            row.status = "warning"
        else:
            row.status = "update" if row.action == "update" else "new"
        counts[row.status] += 1
        previews.append(row)

    if progress:
        progress(total, total, "")
    return ParticipantImportPreview(source=table.source, headers=headers, mapping=named,
                         signature=mapping_mod.signature(headers), rows=previews,
                         session_id=session_id, decidim=decidim, counts=counts)


# --- commit ----------------------------------------------------------------------------------


def commit(s: Session, plan: ParticipantImportPreview, **kwargs: Any) -> ParticipantImportResult:
    """Write the previewed rows in the caller's unit of work (all or nothing). Keyword
    arguments: ``accept_warnings``, ``remember_mapping``, ``progress``, ``skip_rows`` (file row
    numbers the technician chose to leave out: their errors and warnings no longer count)."""
    with gc_paused():
        return _commit(s, plan, **kwargs)


def _commit(
    s: Session,
    plan: ParticipantImportPreview,
    *,
    accept_warnings: bool = False,
    remember_mapping: bool = True,
    progress: Progress | None = None,
    skip_rows: frozenset[int] | set[int] = frozenset(),
) -> ParticipantImportResult:
    kept = [r for r in plan.rows if r.row not in skip_rows]
    errors = sum(1 for r in kept if r.status == "error")
    warnings = sum(1 for r in kept if r.status == "warning")
    if errors:
        raise ValidationError("{n} rows have errors: correct the file or the mapping. Nothing was imported.",
                              n=errors)
    if warnings and not accept_warnings:
        raise ValidationError("{n} rows have warnings: review and accept them to import.", n=warnings)
    cfg = settings_service.load(s)
    device = s.info.get("device_id") or "unknown"
    now = utcnow()
    source = "decidim" if plan.decidim else "import"
    session_id = plan.session_id
    if session_id is not None and s.get(ParticipationSession, session_id) is None:
        from p311desk.errors import NotFound

        raise NotFound("The session does not exist.")
    taken = set(s.scalars(select(Participant.checkin_code)))
    registered = set()
    if session_id is not None:
        registered = set(s.scalars(select(Registration.participant_id)
                                   .where(Registration.session_id == session_id)))
    creates = [r for r in kept if r.action == "create"]
    updates = [r for r in kept if r.action == "update"]
    skipped = sum(1 for r in plan.rows if r.action == "skip" or r.row in skip_rows)

    # Check-in codes: the file's code when it is free, else a new one.
    need = 0
    chosen: list[str | None] = []
    for r in creates:
        code = r.values.get("code")
        if code and code not in taken:
            taken.add(code)
            chosen.append(code)
        else:
            chosen.append(None)
            need += 1
    fresh = iter(_new_codes(need, taken))

    participant_rows: list[tuple] = []
    registration_rows: list[tuple] = []
    ids = _new_ids(len(creates))
    reg_ids = iter(_new_ids(len(creates) + len(updates)) if session_id is not None else [])
    fold_part = _fold_cache()
    dialect = s.connection().dialect
    # Values in their stored form (see _insert): timestamps converted once, dates memoised.
    now_s = _memo(_processor(Participant.__table__.c.created_at, dialect))(now)
    stored_date = _memo(_processor(Participant.__table__.c.birth_date, dialect))
    session_hex = session_id.hex if session_id is not None else None
    keep_clear = cfg.store_document_ids_in_clear
    total = len(plan.rows)
    for i, (r, code, pid) in enumerate(zip(creates, chosen, ids)):
        if progress and i % 5000 == 0:
            progress(i, total, "")
        v = r.values
        checkin = code or next(fresh)
        given, family, email = v["given_name"], v["family_name"], v.get("email")
        # Same as participants.search_key(), with the (repetitive) name parts folded once.
        key = " ".join(x for x in (fold_part(given), fold_part(family),
                                   (email if email.isascii() else fold(email)) if email else "",
                                   checkin.casefold()) if x)
        participant_rows.append((
            pid, now_s, now_s, device, given, family, email, v.get("phone"), v.get("postal_code"),
            stored_date(v.get("birth_date")), v.get("birth_year"), False, v.get("document_hash"),
            v.get("document_id") if keep_clear else None, checkin, key, v.get("organisation"), source,
        ))
        if session_id is not None:
            registration_rows.append((next(reg_ids), now_s, now_s, device, session_hex, pid,
                                      v.get("code"), v.get("registration_id"), source, 1.0))

    for r in updates:
        p = s.get(Participant, r.match_id)
        v = r.values
        for attr in ("email", "phone", "postal_code", "birth_date", "birth_year", "organisation",
                     "document_hash"):
            if getattr(p, attr) in (None, "") and v.get(attr) not in (None, ""):
                setattr(p, attr, v[attr])
        if cfg.store_document_ids_in_clear and not p.document_id and v.get("document_id"):
            p.document_id = v["document_id"]
        # An existing person keeps the check-in code they may already carry on paper; the
        # file's code is kept as the registration code (check-in accepts both).
        code = v.get("code")
        p.search_key = search_key(p)
        if session_id is not None and p.id not in registered:
            registration_rows.append((next(reg_ids), now_s, now_s, device, session_hex, p.id.hex,
                                      v.get("code"), v.get("registration_id"), source, 1.0))
            registered.add(p.id)
        elif session_id is not None and code:
            reg = s.scalar(select(Registration).where(Registration.session_id == session_id,
                                                      Registration.participant_id == p.id))
            if reg is not None and not reg.code:
                reg.code = code

    _insert(s, Participant.__table__, PARTICIPANT_COLUMNS, participant_rows)
    _insert(s, Registration.__table__, REGISTRATION_COLUMNS, registration_rows)
    if remember_mapping:
        mapping_mod.remember(s, plan.headers, plan.mapping)
    result = ParticipantImportResult(created=len(participant_rows), updated=len(updates), skipped=skipped,
                          registered=len(registration_rows))
    # Rows inserted with raw SQL are invisible to the ORM: the event names them for their digests.
    audit.record(s, "participants.imported", session_id=session_id, entity_type="import",
                 covers={"participant": [uuid.UUID(r[0]) for r in participant_rows],
                         "registration": [uuid.UUID(r[0]) for r in registration_rows]},
                 payload={"created": result.created, "updated": result.updated,
                          "skipped": result.skipped, "registered": result.registered,
                          "rows": len(plan.rows), "source": source,
                          "warnings_accepted": plan.warnings if accept_warnings else 0,
                          "mapping_signature": plan.signature})
    if progress:
        progress(total, total, "")
    return result


def report_lines(plan: ParticipantImportPreview, limit: int | None = None) -> list[str]:
    """The row report in the user's language: one line per problem."""
    lines = []
    for p in plan.problems[:limit] if limit else plan.problems:
        severity = _("error") if p.severity == "error" else _("warning")
        lines.append(_("Row {row}, column “{column}”: {severity}: {problem}").format(
            row=p.row, column=p.column or "—", severity=severity, problem=p.message()))
    return lines


PARTICIPANT_COLUMNS = ("id", "created_at", "updated_at", "origin_device", "given_name", "family_name",
                       "email", "phone", "postal_code", "birth_date", "birth_year", "age_confirmed",
                       "document_hash", "document_id", "checkin_code", "search_key", "organisation",
                       "source")
REGISTRATION_COLUMNS = ("id", "created_at", "updated_at", "origin_device", "session_id",
                        "participant_id", "code", "decidim_registration_id", "source", "weight")


def _processor(column, dialect) -> Callable[[Any], Any]:
    proc = column.type._cached_bind_processor(dialect)
    return proc or (lambda v: v)


def _insert(s: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows, given in their stored form, through the driver in the caller's
    transaction. The ORM's bulk insert costs ~90 µs a row; ``executemany`` a few. Stored forms
    are produced by each column type's own bind processor (UUIDs as 32 hex digits, UTC
    timestamps as text), so the rows read back through the ORM exactly like ORM-written ones."""
    if not rows:
        return
    missing = [c for c in columns if c not in table.c]
    assert not missing, missing
    sql = f'INSERT INTO {table.name} ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})'
    s.connection().exec_driver_sql(sql, rows)


def _memo(proc):
    cache: dict[Any, Any] = {}

    def convert(value):
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = proc(value)
            return result
        except TypeError:  # unhashable
            return proc(value)

    return convert


def _new_ids(n: int) -> list[str]:
    """``n`` random version-4 UUIDs in their stored form (32 hex digits), in sorted order so
    that the primary-key index is appended to rather than split at random."""
    raw = bytearray(os.urandom(16 * n))
    for i in range(6, 16 * n, 16):
        raw[i] = (raw[i] & 0x0F) | 0x40
        raw[i + 2] = (raw[i + 2] & 0x3F) | 0x80
    return sorted(raw[i:i + 16].hex() for i in range(0, 16 * n, 16))
