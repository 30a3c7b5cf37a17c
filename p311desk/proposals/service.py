"""Proposals in the room: capture, edit, paper forms, supports, ranking, merging duplicates.

A proposal follows Decidim's model: ``title`` and ``body`` are ``{locale: text}``; the session's
language must be filled, other locales are optional. Title length follows the proposals component
(``title_min``/``title_max`` in ``Component.settings``, Decidim's defaults 15/150).

Every change is audit-logged in the same transaction and queued for the platform through the
outbox (``p311desk.outbox``). Outbox items carry no data: the request is built when the item is
sent (:func:`platform_payload`), so a proposal has one ``create_proposal`` that carries every
edit made before it is sent; once the create may be on the platform, one ``update_proposal``
waits for it. Proposals imported from a Decidim export (``source="decidim"``) already live on the
platform: their text is read-only here and they are never queued.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.i18n import N_, pick_localized
from p311desk.models import (
    Attendance,
    Component,
    OutboxItem,
    Participant,
    ParticipationSession,
    Proposal,
    Taxonomy,
    VoteQuestion,
)
from p311desk import audit
from p311desk import outbox
from p311desk.text import BIDI_CONTROLS, ESCAPE_SEQUENCES, NON_XML, clean, fold

DEFAULT_TITLE_MIN = 15
DEFAULT_TITLE_MAX = 150
ADDRESS_MAX = 300
PAPER_FORM_MAX = 60
COORD_DECIMALS = 7
AUTHOR_NAME_MAX = 200

AUTHOR_KINDS = {
    "session": N_("The session"),
    "participant": N_("Participant"),
    "collective": N_("Collective"),
    "organisation": N_("Organisation"),
}
STATUSES = {"draft": N_("Draft"), "published": N_("Published"), "withdrawn": N_("Withdrawn")}
SOURCES = {"room": N_("Room"), "paper": N_("Paper form"), "import": N_("Import"),
           "decidim": N_("Decidim")}
EDITABLE = ("title", "body", "author_kind", "author_participant_id", "author_name", "category_id",
            "scope_id", "tags", "address", "latitude", "longitude", "paper_form_id")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
# Whole terminal escape sequences first (dropping only ESC would leave "[31m" behind).
_CONTROL = re.compile(f"{ESCAPE_SEQUENCES.pattern}|[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}{NON_XML}]")


class DuplicatePaperForm(ValidationError):
    """The paper form was already typed in. The UI asks "enter anyway?" and retries with
    ``allow_duplicate_form=True``."""

    msgid = "This paper form was already entered."

    def __init__(self, msgid: str | None = None, *, existing_id: uuid.UUID, **params: Any) -> None:
        super().__init__(msgid, **params)
        self.existing_id = existing_id


@dataclass(frozen=True)
class ProposalRow:
    id: uuid.UUID
    session_id: uuid.UUID | None
    title: dict[str, str]
    body: dict[str, str]
    author_kind: str
    author_name: str  # the participant's name for participant authors
    author_participant_id: uuid.UUID | None
    category_id: uuid.UUID | None
    category_name: dict[str, str]
    scope_id: uuid.UUID | None
    scope_name: dict[str, str]
    tags: tuple[str, ...]
    address: str
    latitude: float | None
    longitude: float | None
    paper_form_id: str | None
    supports: int
    position: int
    vote_question_id: uuid.UUID | None
    merged_into_id: uuid.UUID | None
    source: str
    status: str
    decidim_id: str | None
    decidim_reference: str | None
    decidim_state: str | None
    created_at: dt.datetime | None = None
    merged_count: int = 0
    search_key: str = field(default="", repr=False, compare=False)

    @property
    def active(self) -> bool:
        return self.merged_into_id is None and self.status != "withdrawn"

    def display_title(self, lang: str | None = None) -> str:
        return pick_localized(self.title, lang)

    def display_body(self, lang: str | None = None) -> str:
        return pick_localized(self.body, lang)


@dataclass(frozen=True)
class RankedProposal:
    rank: int
    proposal: ProposalRow


@dataclass(frozen=True)
class AuthorCandidate:
    participant_id: uuid.UUID
    name: str
    checkin_code: str


# --- validation ----------------------------------------------------------------------------


def title_limits(s: Session, session: ParticipationSession | None) -> tuple[int, int]:
    """(min, max) title length of the session's proposals component (Decidim defaults 15/150)."""
    lo, hi = DEFAULT_TITLE_MIN, DEFAULT_TITLE_MAX
    if session is not None and session.component_id is not None:
        comp = s.get(Component, session.component_id)
        if comp is not None:
            settings = comp.settings or {}
            lo = int(settings.get("title_min") or lo)
            hi = int(settings.get("title_max") or hi)
    return lo, hi


def _body_max(s: Session, session: ParticipationSession | None) -> int | None:
    if session is not None and session.component_id is not None:
        comp = s.get(Component, session.component_id)
        if comp is not None and (comp.settings or {}).get("proposal_length"):
            return int(comp.settings["proposal_length"])
    return None


def _clean_body(text: object) -> str:
    if text is None:
        return ""
    value = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    value = _CONTROL.sub("", value.replace("\t", " "))
    return "\n".join(line.rstrip() for line in value.strip().split("\n"))


def _localized(value: dict[str, str] | str | None, lang: str, cleaner) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        value = {lang: value}
    out: dict[str, str] = {}
    for locale, text in value.items():
        if not isinstance(locale, str) or not _LOCALE.match(locale):
            raise ValidationError("Unknown language code: {code}", code=str(locale))
        text = cleaner(_CONTROL.sub("", str(text or "").replace("\t", " ")))
        if text:
            out[locale] = text
    return out


def _one_line(value: object) -> str:
    return clean(_CONTROL.sub("", str(value or "")))


def normalize_paper_form(value: object) -> str | None:
    text = "".join(_one_line(value).split()).upper()
    return text or None


def normalize_tags(tags: object) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    out: list[str] = []
    seen = set()
    for tag in tags:
        for part in str(tag).split(","):
            text = clean(_CONTROL.sub("", part))[:60]
            if text and fold(text) not in seen:
                seen.add(fold(text))
                out.append(text)
    return out


def _validate(s: Session, session: ParticipationSession, values: dict[str, Any]) -> None:
    lang = session.language
    lo, hi = title_limits(s, session)
    title = values["title"]
    if not title.get(lang):
        raise ValidationError("The title in the session language ({lang}) is required.", lang=lang)
    for locale, text in title.items():
        if len(text) < lo:
            raise ValidationError("The title ({lang}) is too short: at least {min} characters.",
                                  lang=locale, min=lo)
        if len(text) > hi:
            raise ValidationError("The title ({lang}) is too long: at most {max} characters.",
                                  lang=locale, max=hi)
    body_max = _body_max(s, session)
    for locale, text in values["body"].items():
        if body_max and len(text) > body_max:
            raise ValidationError("The text ({lang}) is too long: at most {max} characters.",
                                  lang=locale, max=body_max)
    kind = values["author_kind"]
    if kind not in AUTHOR_KINDS:
        raise ValidationError("Unknown author kind: {kind}", kind=kind)
    if kind == "participant":
        pid = values["author_participant_id"]
        if pid is None or s.get(Participant, pid) is None:
            raise ValidationError("Choose the participant who made the proposal.")
    elif kind in ("collective", "organisation"):
        if not values["author_name"]:
            raise ValidationError("Write the name of the collective or organisation.")
    if len(values["author_name"]) > AUTHOR_NAME_MAX:
        raise ValidationError("The author name is too long (at most {max} characters).",
                              max=AUTHOR_NAME_MAX)
    for key, kinds in (("category_id", ("category", "taxonomy")), ("scope_id", ("scope", "taxonomy"))):
        ref = values[key]
        if ref is not None:
            tax = s.get(Taxonomy, ref)
            if tax is None or tax.kind not in kinds:
                raise ValidationError("Unknown category or scope.")
    if len(values["address"]) > ADDRESS_MAX:
        raise ValidationError("The address is too long (at most {max} characters).", max=ADDRESS_MAX)
    lat, lon = values["latitude"], values["longitude"]
    if (lat is None) != (lon is None):
        raise ValidationError("Give both latitude and longitude, or neither.")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("Latitude must be between -90 and 90 and longitude between -180 and 180.")
    form = values["paper_form_id"]
    if form is not None and len(form) > PAPER_FORM_MAX:
        raise ValidationError("The paper form id is too long (at most {max} characters).",
                              max=PAPER_FORM_MAX)


def _normalize(lang: str, values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "title" in out:
        out["title"] = _localized(out["title"], lang, clean)
    if "body" in out:
        out["body"] = _localized(out["body"], lang, _clean_body)
    if "author_name" in out:
        out["author_name"] = _one_line(out["author_name"])
    if "address" in out:
        out["address"] = _one_line(out["address"])
    if "tags" in out:
        out["tags"] = normalize_tags(out["tags"])
    if "paper_form_id" in out:
        out["paper_form_id"] = normalize_paper_form(out["paper_form_id"])
    for key in ("latitude", "longitude"):
        if key in out and out[key] is not None:
            try:
                out[key] = float(out[key])
            except (TypeError, ValueError):
                raise ValidationError("Not a number: “{text}”", text=str(out[key])) from None
            if out[key] != out[key]:  # NaN
                raise ValidationError("Not a number: “{text}”", text="NaN")
            # 7 decimals is about 1 cm: more is noise, and spreadsheets keep only 15 digits.
            out[key] = round(out[key], COORD_DECIMALS)
    if out.get("author_kind") in ("session", "participant"):
        out["author_name"] = ""
    if out.get("author_kind") != "participant" and "author_kind" in out:
        out["author_participant_id"] = None
    return out


def _check_paper_form(s: Session, form: str | None, own_id: uuid.UUID | None, allow: bool) -> None:
    if form is None or allow:
        return
    stmt = select(Proposal).where(Proposal.paper_form_id == form)
    if own_id is not None:
        stmt = stmt.where(Proposal.id != own_id)
    existing = s.scalars(stmt.limit(1)).first()
    if existing is not None:
        raise DuplicatePaperForm(
            "Paper form {form} was already entered as “{title}”.", existing_id=existing.id,
            form=form, title=pick_localized(existing.title))


# --- loading and rows ----------------------------------------------------------------------


def session_row(s: Session, session_id: uuid.UUID) -> ParticipationSession:
    row = s.get(ParticipationSession, session_id)
    if row is None:
        raise NotFound("The session does not exist.")
    return row


def _writable_session(s: Session, session_id: uuid.UUID | None) -> ParticipationSession:
    if session_id is None:
        raise InvalidTransition("This proposal does not belong to a session.")
    row = session_row(s, session_id)
    if row.status == "closed":
        raise InvalidTransition("The session is closed. Reopen it to change its proposals.")
    return row


def _load(s: Session, proposal_id: uuid.UUID) -> Proposal:
    row = s.get(Proposal, proposal_id)
    if row is None:
        raise NotFound("The proposal does not exist.")
    return row


def _row(p: Proposal, names: dict[uuid.UUID, dict[str, str]], people: dict[uuid.UUID, str],
         merged: dict[uuid.UUID, int]) -> ProposalRow:
    author = people.get(p.author_participant_id, "") if p.author_kind == "participant" else p.author_name
    title = dict(p.title or {})
    return ProposalRow(
        id=p.id, session_id=p.session_id, title=title, body=dict(p.body or {}),
        author_kind=p.author_kind, author_name=author or "",
        author_participant_id=p.author_participant_id,
        category_id=p.category_id, category_name=names.get(p.category_id, {}),
        scope_id=p.scope_id, scope_name=names.get(p.scope_id, {}),
        tags=tuple(p.tags or ()), address=p.address or "", latitude=p.latitude,
        longitude=p.longitude, paper_form_id=p.paper_form_id, supports=p.supports or 0,
        position=p.position or 0, vote_question_id=p.vote_question_id,
        merged_into_id=p.merged_into_id, source=p.source, status=p.status,
        decidim_id=p.decidim_id, decidim_reference=p.decidim_reference,
        decidim_state=p.decidim_state, created_at=p.created_at, merged_count=merged.get(p.id, 0),
        search_key=fold(" ".join([*title.values(), author or "", p.paper_form_id or "",
                                  p.decidim_reference or "", *(p.tags or ())])),
    )


def _rows(s: Session, proposals: list[Proposal]) -> list[ProposalRow]:
    tax_ids = {i for p in proposals for i in (p.category_id, p.scope_id) if i is not None}
    names = {}
    if tax_ids:
        names = dict(s.execute(select(Taxonomy.id, Taxonomy.name).where(Taxonomy.id.in_(tax_ids))).all())
    people_ids = {p.author_participant_id for p in proposals if p.author_participant_id}
    people = {}
    if people_ids:
        for pid, given, family in s.execute(
                select(Participant.id, Participant.given_name, Participant.family_name)
                .where(Participant.id.in_(people_ids))):
            people[pid] = " ".join(x for x in (given, family) if x)
    sessions = {p.session_id for p in proposals}
    merged: dict[uuid.UUID, int] = {}
    if proposals:
        merged = dict(s.execute(select(Proposal.merged_into_id, func.count())
                                .where(Proposal.merged_into_id.is_not(None),
                                       Proposal.session_id.in_(sessions))
                                .group_by(Proposal.merged_into_id)).all())
    return [_row(p, names, people, merged) for p in proposals]


def get_proposal(s: Session, proposal_id: uuid.UUID) -> ProposalRow:
    s.flush()
    return _rows(s, [_load(s, proposal_id)])[0]


def find_proposal(s: Session, ref: str, session_id: uuid.UUID | None = None) -> ProposalRow:
    """A proposal by id or id prefix, paper form id or Decidim reference (as the CLI shows them)."""
    ref = ref.strip()
    low = ref.lower()
    stmt = select(Proposal.id, Proposal.paper_form_id, Proposal.decidim_reference)
    if session_id is not None:
        stmt = stmt.where(Proposal.session_id == session_id)
    if not ref:
        raise ValidationError("Give a proposal id (or its first characters), a paper form id or a reference.")
    form_ref = normalize_paper_form(ref)
    matches = sorted({pid for pid, form, dref in s.execute(stmt)
                      if str(pid).startswith(low) or pid.hex.startswith(low)
                      or (form and form == form_ref) or (dref and dref == ref)}, key=str)
    if not matches:
        raise NotFound("No proposal matches “{ref}”.", ref=ref)
    if len(matches) > 1:
        rows = [get_proposal(s, pid) for pid in matches[:10]]
        raise NotFound("“{ref}” matches {n} proposals; type more characters of the id: {candidates}",
                       ref=ref, n=len(matches),
                       candidates="; ".join(f"{str(r.id)[:8]} {r.display_title()[:40]}" for r in rows)
                       + ("; …" if len(matches) > 10 else ""))
    return get_proposal(s, matches[0])


def list_proposals(
    s: Session,
    session_id: uuid.UUID,
    *,
    text: str = "",
    include_merged: bool = True,
    include_withdrawn: bool = True,
    source: str | None = None,
    order: str = "position",
) -> list[ProposalRow]:
    """The session's proposals as plain rows. ``order``: position | ranked | created."""
    session_row(s, session_id)
    stmt = select(Proposal).where(Proposal.session_id == session_id)
    if not include_merged:
        stmt = stmt.where(Proposal.merged_into_id.is_(None))
    if not include_withdrawn:
        stmt = stmt.where(Proposal.status != "withdrawn")
    if source:
        stmt = stmt.where(Proposal.source == source)
    if order == "ranked":
        stmt = stmt.order_by(Proposal.supports.desc(), Proposal.position, Proposal.created_at)
    elif order == "created":
        stmt = stmt.order_by(Proposal.created_at, Proposal.position)
    else:
        stmt = stmt.order_by(Proposal.position, Proposal.created_at)
    rows = _rows(s, list(s.scalars(stmt)))
    needle = fold(text)
    if needle:
        rows = [r for r in rows if needle in r.search_key]
    return rows


def ranking(s: Session, session_id: uuid.UUID) -> list[RankedProposal]:
    """Active proposals by supports (most first), then position. Ties share a rank (1, 2, 2, 4)."""
    rows = list_proposals(s, session_id, include_merged=False, include_withdrawn=False, order="ranked")
    out: list[RankedProposal] = []
    for index, row in enumerate(rows):
        rank = out[-1].rank if out and out[-1].proposal.supports == row.supports else index + 1
        out.append(RankedProposal(rank, row))
    return out


def author_candidates(s: Session, session_id: uuid.UUID) -> list[AuthorCandidate]:
    """Participants checked in at the session (not cancelled), by name: who can author a proposal."""
    rows = s.execute(
        select(Participant.id, Participant.given_name, Participant.family_name, Participant.checkin_code)
        .join(Attendance, Attendance.participant_id == Participant.id)
        .where(Attendance.session_id == session_id, Attendance.cancelled_at.is_(None))
        .order_by(Participant.search_key)).all()
    return [AuthorCandidate(pid, " ".join(x for x in (g, f) if x), code) for pid, g, f, code in rows]


@dataclass(frozen=True)
class TaxonomyChoice:
    id: uuid.UUID
    kind: str
    decidim_id: str | None
    name: dict[str, str]


def taxonomy_choices(s: Session, session_id: uuid.UUID) -> list[TaxonomyChoice]:
    """Categories, scopes and taxonomies cached for the session's space (empty offline-only)."""
    session = session_row(s, session_id)
    stmt = select(Taxonomy)
    if session.space_id is not None:
        stmt = stmt.where((Taxonomy.space_id == session.space_id) | Taxonomy.space_id.is_(None))
    else:
        stmt = stmt.where(Taxonomy.space_id.is_(None))
    return [TaxonomyChoice(t.id, t.kind, t.decidim_id, dict(t.name or {}))
            for t in s.scalars(stmt.order_by(Taxonomy.kind, Taxonomy.decidim_id))]


# --- outbox --------------------------------------------------------------------------------


def platform_payload(s: Session, proposal_id: uuid.UUID) -> dict[str, Any]:
    """What the platform needs to create or update the proposal, from the proposal as it is now
    (no personal data: a participant author is never named). Ids are the platform's own
    (component, categories, scopes, taxonomies, as pulled)."""
    p = _load(s, proposal_id)

    def tax(ref):
        t = s.get(Taxonomy, ref) if ref else None
        return (t.decidim_id, t.kind) if t is not None else (None, None)

    comp = s.get(Component, p.component_id) if p.component_id else None
    cat_id, cat_kind = tax(p.category_id)
    scope_id, scope_kind = tax(p.scope_id)
    return {
        "component_id": comp.decidim_id if comp is not None else None,
        "title": dict(p.title or {}),
        "body": dict(p.body or {}),
        "category_id": cat_id if cat_kind == "category" else None,
        "scope_id": scope_id if scope_kind == "scope" else None,
        "taxonomy_ids": [i for i, k in ((cat_id, cat_kind), (scope_id, scope_kind))
                         if i is not None and k == "taxonomy"],
        "tags": list(p.tags or []),
        "address": p.address or "",
        "latitude": p.latitude,
        "longitude": p.longitude,
        "author_kind": p.author_kind,
        "author_name": p.author_name if p.author_kind in ("collective", "organisation") else "",
        "supports": p.supports,
        "paper_form_id": p.paper_form_id,
        "merged_into_id": str(p.merged_into_id) if p.merged_into_id else None,
        "status": p.status,
        "session_id": str(p.session_id) if p.session_id else None,
    }


def _outbox_items(s: Session, proposal_id: uuid.UUID) -> list[OutboxItem]:
    return outbox.items_for(s, "proposal", proposal_id)


def _create_item(items: list[OutboxItem]) -> OutboxItem | None:
    """The proposal's live create (the latest one not superseded)."""
    creates = [i for i in items if i.operation == "create_proposal" and i.status != outbox.SUPERSEDED]
    return creates[-1] if creates else None


def _was_sent(p: Proposal, items: list[OutboxItem]) -> bool:
    """On the platform, or possibly so (sending began, outcome unknown, handed over in a file)."""
    create = _create_item(items)
    return bool(p.decidim_id) or (create is not None and create.status in outbox.MAYBE_ON_PLATFORM)


def _queue(s: Session, p: Proposal) -> None:
    """What the platform must hear about this proposal. Requests are built from the proposal as
    it is when they are sent, so a create not yet begun already carries every later edit; once
    the create may be on the platform, one update (not yet begun) waits for it and carries them."""
    if p.source == "decidim":
        return
    s.flush()
    items = _outbox_items(s, p.id)
    create = _create_item(items)
    if create is None and not p.decidim_id:
        outbox.enqueue(s, "proposal", p.id, "create_proposal", session_id=p.session_id)
        return
    if create is not None and create.status in outbox.NOT_BEGUN:
        if create.status == outbox.REJECTED:  # edited by a person: worth trying again
            outbox.retry(s, create.id, "the proposal was edited")
        return
    if any(i.operation == "update_proposal" and i.status in (outbox.PENDING, outbox.FAILED)
           for i in items):
        return
    waits = [create] if create is not None and create.status != outbox.SENT else []
    outbox.enqueue(s, "proposal", p.id, "update_proposal", session_id=p.session_id,
                   depends_on=waits)


def _retire(s: Session, p: Proposal, operation: str) -> None:
    """The proposal leaves the platform's way (withdrawn or merged into another): a create that
    was never begun is superseded; a proposal that may be on the platform gets ``operation``
    queued after its create."""
    if p.source == "decidim":
        return
    s.flush()
    items = _outbox_items(s, p.id)
    sent = _was_sent(p, items)
    create = _create_item(items)
    outbox.supersede(s, [i for i in items if i.operation in ("create_proposal", "update_proposal")],
                     "the proposal was withdrawn or merged")
    if sent:
        waits = [create] if create is not None and create.status != outbox.SENT else []
        outbox.enqueue(s, "proposal", p.id, operation, session_id=p.session_id, depends_on=waits)


def _audit(s: Session, kind: str, p: Proposal, payload: dict[str, Any]) -> None:
    audit.record(s, kind, session_id=p.session_id, entity_type="proposal", entity_id=p.id,
                 payload=payload)


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    """Audit payloads carry what changed, but never an author's name (personal data)."""
    out = {}
    for key, value in values.items():
        if key == "author_name":
            out[key] = bool(value)
        elif isinstance(value, uuid.UUID):
            out[key] = str(value)
        else:
            out[key] = value
    return out


# --- commands ------------------------------------------------------------------------------


def add_proposal(
    s: Session,
    session_id: uuid.UUID,
    *,
    title: dict[str, str] | str,
    body: dict[str, str] | str | None = None,
    author_kind: str = "session",
    author_participant_id: uuid.UUID | None = None,
    author_name: str = "",
    category_id: uuid.UUID | None = None,
    scope_id: uuid.UUID | None = None,
    tags: list[str] | str | None = None,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    paper_form_id: str | None = None,
    supports: int = 0,
    source: str | None = None,
    allow_duplicate_form: bool = False,
    proposal_id: uuid.UUID | None = None,
    position: int | None = None,
) -> ProposalRow:
    session = _writable_session(s, session_id)
    values = _normalize(session.language, dict(
        title=title, body=body, author_kind=author_kind,
        author_participant_id=author_participant_id, author_name=author_name,
        category_id=category_id, scope_id=scope_id, tags=tags, address=address,
        latitude=latitude, longitude=longitude, paper_form_id=paper_form_id))
    _validate(s, session, values)
    supports = _check_supports(supports)
    source = source or ("paper" if values["paper_form_id"] else "room")
    if source not in SOURCES or source == "decidim":
        raise ValidationError("Unknown source: {source}", source=source)
    duplicate = False
    try:
        _check_paper_form(s, values["paper_form_id"], None, False)
    except DuplicatePaperForm:
        if not allow_duplicate_form:
            raise
        duplicate = True
    if proposal_id is not None and s.get(Proposal, proposal_id) is not None:
        raise ValidationError("A proposal with this id already exists.")
    if position is None:
        position = (s.scalar(select(func.max(Proposal.position))
                             .where(Proposal.session_id == session_id)) or 0) + 1
    p = Proposal(id=proposal_id or uuid.uuid4(), session_id=session_id, supports=supports,
                 position=position, source=source, status="draft",
                 component_id=session.component_id, **values)
    s.add(p)
    s.flush()
    _audit(s, "proposal.created", p, {"source": source, "paper_form_id": p.paper_form_id,
                                      "author_kind": p.author_kind, "supports": supports,
                                      "duplicate_form_accepted": duplicate})
    _queue(s, p)
    return get_proposal(s, p.id)


def update_proposal(s: Session, proposal_id: uuid.UUID, *, allow_duplicate_form: bool = False,
                    **changes: Any) -> ProposalRow:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError("Unknown proposal field: {field}", field=", ".join(sorted(unknown)))
    p = _load(s, proposal_id)
    session = _writable_session(s, p.session_id)
    if p.source == "decidim":
        raise InvalidTransition("This proposal comes from the platform; change it there.")
    if p.merged_into_id is not None or p.status == "withdrawn":
        raise InvalidTransition("A merged or withdrawn proposal cannot be edited.")
    changes = _normalize(session.language, changes)
    merged = {k: getattr(p, k) for k in EDITABLE} | changes
    merged["title"] = dict(merged["title"] or {})
    merged["body"] = dict(merged["body"] or {})
    _validate(s, session, merged)
    changed = {k: v for k, v in changes.items() if getattr(p, k) != v}
    if "paper_form_id" in changed:
        _check_paper_form(s, changed["paper_form_id"], p.id, allow_duplicate_form)
    if not changed:
        return get_proposal(s, p.id)
    for key, value in changed.items():
        setattr(p, key, value)
    _audit(s, "proposal.updated", p, {"fields": sorted(changed),
                                      **_audit_values({k: v for k, v in changed.items()
                                                       if k in ("paper_form_id", "author_kind",
                                                                "category_id", "scope_id")})})
    _queue(s, p)
    return get_proposal(s, p.id)


def _check_supports(value: object) -> int:
    try:
        n = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError("Supports must be a whole number.") from None
    if isinstance(value, float) and value != n:
        raise ValidationError("Supports must be a whole number.")
    if n < 0:
        raise ValidationError("Supports cannot be negative.")
    if n > 1_000_000:
        raise ValidationError("Too many supports.")
    return n


def _prioritisable(s: Session, proposal_id: uuid.UUID) -> Proposal:
    p = _load(s, proposal_id)
    _writable_session(s, p.session_id)
    if p.merged_into_id is not None:
        raise InvalidTransition("This proposal was merged into another one; change that one.")
    if p.status == "withdrawn":
        raise InvalidTransition("A withdrawn proposal cannot receive supports.")
    return p


def set_supports(s: Session, proposal_id: uuid.UUID, supports: int) -> ProposalRow:
    p = _prioritisable(s, proposal_id)
    n = _check_supports(supports)
    if n != p.supports:
        if p.source == "decidim":
            # The room adds to what the platform counted; a re-import keeps the room's part.
            platform = p.supports - (p.local_supports or 0)
            if n < platform:
                raise ValidationError("The platform counted {n} supports for this proposal; the room "
                                      "can add supports, not remove the platform's.", n=platform)
            p.local_supports = (n - platform) or None
        before, p.supports = p.supports, n
        _audit(s, "proposal.supports_set", p, {"from": before, "to": n})
        _queue(s, p)
    return get_proposal(s, p.id)


def add_supports(s: Session, proposal_id: uuid.UUID, delta: int = 1) -> ProposalRow:
    p = _prioritisable(s, proposal_id)
    return set_supports(s, p.id, p.supports + int(delta))


def link_vote_question(s: Session, proposal_id: uuid.UUID, question_id: uuid.UUID | None) -> ProposalRow:
    """Supports of this proposal come from a vote question of the same session (or unlink)."""
    p = _prioritisable(s, proposal_id)
    if question_id is not None:
        q = s.get(VoteQuestion, question_id)
        if q is None or q.session_id != p.session_id:
            raise ValidationError("The vote question does not belong to this session.")
    if p.vote_question_id != question_id:
        p.vote_question_id = question_id
        _audit(s, "proposal.vote_linked", p, {"vote_question_id": str(question_id) if question_id else None})
    return get_proposal(s, p.id)


def reorder(s: Session, session_id: uuid.UUID, ordered_ids: list[uuid.UUID]) -> list[ProposalRow]:
    """Set positions 1..n in the given order; proposals not listed keep their order after them."""
    _writable_session(s, session_id)
    rows = list(s.scalars(select(Proposal).where(Proposal.session_id == session_id)
                          .order_by(Proposal.position, Proposal.created_at)))
    by_id = {p.id: p for p in rows}
    if len(set(ordered_ids)) != len(ordered_ids) or any(i not in by_id for i in ordered_ids):
        raise ValidationError("The new order names proposals that are not in this session.")
    listed = set(ordered_ids)
    final = [by_id[i] for i in ordered_ids] + [p for p in rows if p.id not in listed]
    changed = 0
    for index, p in enumerate(final, start=1):
        if p.position != index:
            p.position = index
            changed += 1
    if changed:
        audit.record(s, "proposal.reordered", session_id=session_id, entity_type="session",
                     entity_id=session_id, payload={"order": [str(p.id) for p in final]})
    return list_proposals(s, session_id)


def reorder_by_supports(s: Session, session_id: uuid.UUID) -> list[ProposalRow]:
    """Positions follow the ranking (most supports first); merged/withdrawn ones go last."""
    _writable_session(s, session_id)
    ranked = [r.proposal.id for r in ranking(s, session_id)]
    return reorder(s, session_id, ranked)


def move(s: Session, proposal_id: uuid.UUID, delta: int) -> list[ProposalRow]:
    """Move a proposal up (negative delta) or down in the session's order."""
    p = _load(s, proposal_id)
    ids = [r.id for r in list_proposals(s, p.session_id)]
    index = ids.index(p.id)
    new = max(0, min(len(ids) - 1, index + delta))
    ids.insert(new, ids.pop(index))
    return reorder(s, p.session_id, ids)


def merge(s: Session, source_id: uuid.UUID, target_id: uuid.UUID) -> ProposalRow:
    """Merge a duplicate (``source``) into ``target``: both rows are kept, the source points to
    the target, the target gets the source's supports added. Returns the target."""
    if source_id == target_id:
        raise ValidationError("A proposal cannot be merged into itself.")
    source, target = _load(s, source_id), _load(s, target_id)
    _writable_session(s, source.session_id)
    if source.session_id != target.session_id:
        raise ValidationError("Only proposals of the same session can be merged.")
    for p in (source, target):
        if p.merged_into_id is not None:
            raise InvalidTransition("This proposal was already merged into another one.")
        if p.status == "withdrawn":
            raise InvalidTransition("A withdrawn proposal cannot be merged.")
    if source.source == "decidim" and target.source != "decidim":
        raise InvalidTransition("A platform proposal can only be merged into another platform proposal.")
    before = target.supports
    target.supports = before + source.supports
    if target.source == "decidim" and source.supports:
        # Supports merged in here were not counted by the platform for this proposal.
        target.local_supports = (target.local_supports or 0) + source.supports
    source.merged_into_id = target.id
    # Proposals merged earlier into the source now point to the final target (no chains).
    for child in s.scalars(select(Proposal).where(Proposal.merged_into_id == source.id)):
        if child.id != source.id:
            child.merged_into_id = target.id
    s.flush()
    audit.record(s, "proposal.merged", session_id=target.session_id, entity_type="proposal",
                 entity_id=target.id, payload={"source": str(source.id), "target": str(target.id),
                                               "supports_added": source.supports,
                                               "supports_before": before,
                                               "supports_after": target.supports})
    _retire(s, source, "update_proposal")
    _queue(s, target)
    return get_proposal(s, target.id)


def withdraw(s: Session, proposal_id: uuid.UUID) -> ProposalRow:
    p = _load(s, proposal_id)
    _writable_session(s, p.session_id)
    if p.status == "withdrawn":
        raise InvalidTransition("The proposal is already withdrawn.")
    if p.merged_into_id is not None:
        raise InvalidTransition("A merged proposal cannot be withdrawn.")
    p.status = "withdrawn"
    _audit(s, "proposal.withdrawn", p, {})
    _retire(s, p, "withdraw_proposal")
    return get_proposal(s, p.id)


def delete_proposal(s: Session, proposal_id: uuid.UUID) -> None:
    """Remove a proposal typed by mistake. Only while it has not reached the platform and no
    other proposal was merged into it; otherwise withdraw it."""
    p = _load(s, proposal_id)
    _writable_session(s, p.session_id)
    if p.source == "decidim" or _was_sent(p, _outbox_items(s, p.id)):
        raise InvalidTransition("The proposal is already on the platform; withdraw it instead.")
    if s.scalar(select(func.count()).select_from(Proposal).where(Proposal.merged_into_id == p.id)):
        raise InvalidTransition("Other proposals were merged into this one; it cannot be deleted.")
    _audit(s, "proposal.deleted", p, {"paper_form_id": p.paper_form_id})
    outbox.supersede(s, _outbox_items(s, p.id), "the proposal was deleted")
    s.delete(p)
    s.flush()
