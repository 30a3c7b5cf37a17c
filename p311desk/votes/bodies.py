"""Bodies (òrgans de participació, councils) and their members; delegations between members.

A body has members — participants of the registry — with a role and an integer vote weight, and
is reused by every session of that body. Members are imported from XLSX/CSV (name, code, role,
weight) with the same rules as participants: a preview first, nothing written while any row has
an error, warnings accepted only on request.

A delegation lets a member's vote be carried by another member of the *same* body for one
session. A delegate holds at most ``max_held`` delegations (1 by default); chains are refused
(a delegate who delegated, or a member who already carries a vote, cannot delegate).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk import audit, codes
from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.i18n import _
from p311desk.models import Body, BodyMember, Delegation, ParticipationSession, Participant, utcnow
from p311desk.participants import add_participant
from p311desk.text import clean, fold

MAX_DELEGATIONS_HELD = 1


@dataclass(frozen=True)
class BodyInfo:
    id: uuid.UUID
    name: str
    description: str
    members: int
    weight: int


@dataclass(frozen=True)
class MemberInfo:
    participant_id: uuid.UUID
    name: str
    code: str
    role: str
    weight: int


@dataclass(frozen=True)
class DelegationInfo:
    id: uuid.UUID
    session_id: uuid.UUID
    body_id: uuid.UUID
    from_name: str
    from_code: str
    to_name: str
    to_code: str
    entered_by: str


MAX_WEIGHT = 10**12  # a vote weight above this is refused with a sentence

def _body_info(s: Session, b: Body) -> BodyInfo:
    n, w = s.execute(select(func.count(), func.coalesce(func.sum(BodyMember.weight), 0))
                     .where(BodyMember.body_id == b.id, BodyMember.active.is_(True))).one()
    return BodyInfo(b.id, b.name, b.description, int(n), int(w))


def create_body(s: Session, name: str, description: str = "") -> BodyInfo:
    name = clean(name)
    if not name:
        raise ValidationError("A body needs a name.")
    if len(name) > 300:
        raise ValidationError("The name is too long (at most {max} characters).", max=300)
    if s.scalar(select(Body).where(func.lower(Body.name) == name.lower())) is not None:
        raise ValidationError("A body called “{name}” exists already.", name=name)
    b = Body(id=uuid.uuid4(), name=name, description=description or "")
    s.add(b)
    s.flush()
    audit.record(s, "body.created", entity_type="body", entity_id=b.id, payload={"name": name})
    return _body_info(s, b)


def find_body(s: Session, ref: str | uuid.UUID) -> BodyInfo:
    """A body by id, id prefix or name (case and accents ignored)."""
    if isinstance(ref, uuid.UUID):
        b = s.get(Body, ref)
        if b is None:
            raise NotFound("No body matches “{ref}”.", ref=str(ref))
        return _body_info(s, b)
    text = clean(ref)
    bodies = list(s.scalars(select(Body)))
    by_name = [b for b in bodies if fold(b.name) == fold(text)]
    if len(by_name) == 1:
        return _body_info(s, by_name[0])
    low = text.lower().replace("-", "")
    by_id = [b for b in bodies if low and b.id.hex.startswith(low)]
    if len(by_id) == 1:
        return _body_info(s, by_id[0])
    if len(by_id) > 1:
        raise NotFound("Several bodies match “{ref}”: {candidates}", ref=text,
                       candidates=", ".join(f"{b.id.hex[:8]} {b.name}" for b in by_id))
    raise NotFound("No body matches “{ref}”.", ref=text)


def list_bodies(s: Session) -> list[BodyInfo]:
    return [_body_info(s, b) for b in s.scalars(select(Body).order_by(Body.name))]


def members(s: Session, body_id: uuid.UUID) -> list[MemberInfo]:
    rows = s.execute(select(BodyMember, Participant).join(Participant, Participant.id == BodyMember.participant_id)
                     .where(BodyMember.body_id == body_id, BodyMember.active.is_(True))).all()
    out = [MemberInfo(p.id, p.full_name, p.checkin_code, m.role, m.weight) for m, p in rows]
    return sorted(out, key=lambda m: fold(m.name))


def add_member(s: Session, body_id: uuid.UUID, participant_id: uuid.UUID, role: str = "", weight: int = 1) -> MemberInfo:
    try:
        whole = int(weight) == weight
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole or weight < 1:
        raise ValidationError("A vote weight is a whole number of at least 1.")
    if weight > MAX_WEIGHT:
        raise ValidationError("{value} is too large: numbers here go up to {limit}.", value=weight, limit=MAX_WEIGHT)
    p = s.get(Participant, participant_id)
    if p is None or s.get(Body, body_id) is None:
        raise NotFound()
    m = s.scalar(select(BodyMember).where(BodyMember.body_id == body_id, BodyMember.participant_id == participant_id))
    if m is None:
        m = BodyMember(id=uuid.uuid4(), body_id=body_id, participant_id=participant_id)
        s.add(m)
    m.role, m.weight, m.active = clean(role), int(weight), True
    s.flush()
    audit.record(s, "body.member_set", entity_type="body", entity_id=body_id,
                 payload={"participant_id": str(participant_id), "role": m.role, "weight": m.weight})
    return MemberInfo(p.id, p.full_name, p.checkin_code, m.role, m.weight)


# --- member import ---------------------------------------------------------------------------

_ALIASES = {
    "name": ("name", "nom", "nombre", "full name", "nom complet", "nombre completo", "member", "membre",
             "miembro", "entitat", "entidad"),
    "code": ("code", "codi", "codigo", "check-in code", "codi d'acreditacio", "checkin code"),
    "role": ("role", "rol", "carrec", "cargo", "position"),
    "weight": ("weight", "pes", "peso", "vots", "votos", "votes"),
}


@dataclass(frozen=True)
class MemberRow:
    row: int
    name: str
    code: str
    role: str
    weight: int
    status: str  # new | update | same | error
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass
class MemberImportPlan:
    body_id: uuid.UUID
    mapping: dict[str, str]
    rows: list[MemberRow] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.problems)

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.rows if r.warnings)


def _map_columns(headers: list[str], mapping: dict[str, Any] | None) -> dict[str, int]:
    folded = [fold(str(h)).strip() for h in headers]
    result: dict[str, int] = {}
    for fieldname, aliases in _ALIASES.items():
        chosen = (mapping or {}).get(fieldname)
        if isinstance(chosen, int):
            if not 1 <= chosen <= len(headers):
                raise ValidationError("Column {n} does not exist.", n=chosen)
            result[fieldname] = chosen - 1
        elif isinstance(chosen, str):
            if fold(chosen) not in folded:
                raise ValidationError("There is no column “{column}”.", column=chosen)
            result[fieldname] = folded.index(fold(chosen))
        else:
            for i, h in enumerate(folded):
                if h in aliases:
                    result[fieldname] = i
                    break
    if "name" not in result and "code" not in result:
        raise ValidationError("The file needs a column with the members' names or codes.")
    return result


def preview_members(s: Session, body_id: uuid.UUID, table: Any, mapping: dict[str, Any] | None = None) -> MemberImportPlan:
    """Check every row of ``table`` (a :class:`p311desk.spreadsheets.reader.Table`); write nothing."""
    if s.get(Body, body_id) is None:
        raise NotFound("No body matches “{ref}”.", ref=str(body_id))
    headers = [str(h) for h in table.headers]
    cols = _map_columns(headers, mapping)
    plan = MemberImportPlan(body_id, {k: headers[v] for k, v in cols.items()})
    current = {m.participant_id: m for m in s.scalars(select(BodyMember).where(BodyMember.body_id == body_id))}
    seen: set[str] = set()
    for number, values in zip(table.row_numbers, table.rows, strict=False):
        def cell(name: str) -> str:
            i = cols.get(name)
            return clean(str(values[i])) if i is not None and i < len(values) and values[i] is not None else ""

        name, code, role, raw_weight = cell("name"), codes.normalize_code(cell("code")), cell("role"), cell("weight")
        problems: list[str] = []
        warnings: list[str] = []
        weight = 1
        if raw_weight:
            try:
                as_float = float(raw_weight.replace(",", "."))
                if as_float != int(as_float) or as_float < 1:
                    raise ValueError
                weight = int(as_float)
                if weight > MAX_WEIGHT:
                    problems.append(_("weight “{value}” is too large (at most {max})").format(
                        value=raw_weight[:30], max=MAX_WEIGHT))
                    weight = 1
            except (ValueError, OverflowError):
                problems.append(_("weight “{value}” is not a whole number of at least 1").format(
                    value=raw_weight[:30]))
        if not name and not code:
            problems.append(_("a member needs a name or a code"))
        status = "new"
        if code:
            if code in seen:
                problems.append(_("code {code} appears twice in the file").format(code=code))
            seen.add(code)
            p = s.scalar(select(Participant).where(Participant.checkin_code == code))
            if p is not None:
                if name and fold(name) != fold(p.full_name):
                    warnings.append(_("code {code} belongs to {name}").format(code=code, name=p.full_name))
                m = current.get(p.id)
                if m is not None and m.active:
                    status = "same" if (m.role, m.weight) == (role, weight) else "update"
                name = name or p.full_name
            elif not name:
                problems.append(_("unknown code {code}").format(code=code))
        plan.rows.append(MemberRow(number, name, code, role, weight, "error" if problems else status,
                                   tuple(problems), tuple(warnings)))
    return plan


def commit_members(s: Session, plan: MemberImportPlan, *, accept_warnings: bool = False) -> int:
    """Write the planned members: all or nothing. Returns how many members were added or changed."""
    if plan.errors:
        raise ValidationError("Nothing was imported: correct the errors first.")
    if plan.warnings and not accept_warnings:
        raise ValidationError("Nothing was imported: check the warnings and accept them.")
    changed = 0
    for r in plan.rows:
        if r.status == "same":
            continue
        p = s.scalar(select(Participant).where(Participant.checkin_code == r.code)) if r.code else None
        if p is None:
            given, _sep, family = r.name.partition(" ")
            pid = add_participant(s, given_name=given, family_name=family, checkin_code=r.code or None,
                                  source="body").id
        else:
            pid = p.id
        add_member(s, plan.body_id, pid, r.role, r.weight)
        changed += 1
    audit.record(s, "body.members_imported", entity_type="body", entity_id=plan.body_id,
                 payload={"rows": len(plan.rows), "changed": changed})
    return changed


def member_report_lines(plan: MemberImportPlan) -> list[str]:
    labels = {"new": _("new"), "update": _("update"), "same": _("already there"), "error": _("error")}
    out = []
    for r in plan.rows:
        notes = "; ".join(r.problems + r.warnings)
        out.append(_("Row {row}: {status} — {name} {code} ({role}, weight {weight}){notes}").format(
            row=r.row, status=labels[r.status], name=r.name, code=r.code, role=r.role or "-", weight=r.weight,
            notes=f": {notes}" if notes else ""))
    return out


# --- delegations -----------------------------------------------------------------------------


def _member_by_ref(s: Session, body_id: uuid.UUID | None, ref: str) -> tuple[Participant, BodyMember]:
    """A member named by check-in code or by (unambiguous) name, in ``body_id`` or any body."""
    code = codes.normalize_code(ref)
    q = select(BodyMember, Participant).join(Participant, Participant.id == BodyMember.participant_id).where(
        BodyMember.active.is_(True))
    if body_id is not None:
        q = q.where(BodyMember.body_id == body_id)
    rows = s.execute(q).all()
    hits = [(p, m) for m, p in rows if code and p.checkin_code == code]
    if not hits:
        words = fold(ref).split()
        hits = [(p, m) for m, p in rows if words and all(w in fold(p.full_name) for w in words)]
    if not hits:
        raise NotFound("No member matches “{ref}”.", ref=ref)
    if len({p.id for p, _m in hits}) > 1:
        raise ValidationError("Several members match “{ref}”: {candidates}", ref=ref,
                              candidates=", ".join(f"{p.checkin_code} {p.full_name}" for p, _m in hits[:10]))
    return hits[0]


def add_delegation(s: Session, session_id: uuid.UUID, from_ref: str, to_ref: str, *,
                   body_id: uuid.UUID | None = None, entered_by: str = "",
                   max_held: int = MAX_DELEGATIONS_HELD) -> DelegationInfo:
    """Record that ``from_ref`` delegates their vote to ``to_ref`` for this session."""
    session = s.get(ParticipationSession, session_id)
    if session is None:
        raise NotFound("The session does not exist.")
    if session.status == "closed":
        raise InvalidTransition("The session is closed.")
    giver, _m = _member_by_ref(s, body_id, from_ref)
    giver_bodies = set(s.scalars(select(BodyMember.body_id).where(BodyMember.participant_id == giver.id,
                                                                   BodyMember.active.is_(True))))
    if body_id is None:
        if len(giver_bodies) > 1:
            raise ValidationError("{name} is a member of several bodies: say which one.", name=giver.full_name)
        body_id = next(iter(giver_bodies))
    try:
        holder, _h = _member_by_ref(s, body_id, to_ref)
    except NotFound:
        raise ValidationError("A vote can only be delegated to a member of the same body.") from None
    if holder.id == giver.id:
        raise ValidationError("A member cannot delegate to themselves.")
    active = select(Delegation).where(Delegation.session_id == session_id, Delegation.body_id == body_id,
                                      Delegation.revoked_at.is_(None))
    rows = list(s.scalars(active))
    if any(d.from_participant_id == giver.id for d in rows):
        raise ValidationError("{name} has already delegated their vote in this session.", name=giver.full_name)
    if any(d.from_participant_id == holder.id for d in rows):
        raise ValidationError("{name} has delegated their own vote and cannot carry another.", name=holder.full_name)
    if any(d.to_participant_id == giver.id for d in rows):
        raise ValidationError("{name} carries another member's vote and cannot delegate.", name=giver.full_name)
    held = sum(1 for d in rows if d.to_participant_id == holder.id)
    if held >= max_held:
        raise ValidationError("{name} already holds the most delegations allowed ({n}).", name=holder.full_name,
                              n=held)
    d = Delegation(id=uuid.uuid4(), session_id=session_id, body_id=body_id, from_participant_id=giver.id,
                   to_participant_id=holder.id, entered_by=clean(entered_by))
    s.add(d)
    s.flush()
    audit.record(s, "delegation.added", session_id=session_id, entity_type="delegation", entity_id=d.id,
                 payload={"body_id": str(body_id), "from": str(giver.id), "to": str(holder.id),
                          "entered_by": d.entered_by})
    return _delegation_info(s, d)


def revoke_delegation(s: Session, delegation_id: uuid.UUID) -> None:
    d = s.get(Delegation, delegation_id)
    if d is None or d.revoked_at is not None:
        raise NotFound()
    d.revoked_at = utcnow()
    audit.record(s, "delegation.revoked", session_id=d.session_id, entity_type="delegation", entity_id=d.id)


def _delegation_info(s: Session, d: Delegation) -> DelegationInfo:
    a, b = s.get(Participant, d.from_participant_id), s.get(Participant, d.to_participant_id)
    return DelegationInfo(d.id, d.session_id, d.body_id, a.full_name, a.checkin_code, b.full_name,
                          b.checkin_code, d.entered_by)


def list_delegations(s: Session, session_id: uuid.UUID) -> list[DelegationInfo]:
    rows = s.scalars(select(Delegation).where(Delegation.session_id == session_id, Delegation.revoked_at.is_(None)))
    return [_delegation_info(s, d) for d in rows]
