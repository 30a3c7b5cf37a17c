"""Plans, their tree and figures, the session ↔ plan link and the questions asked per action.

A plan is a tree: strategic objectives at the top, specific objectives under them, actions as the
leaves (a platform's results tree is read the same way: roots are objectives, leaves actions).
Actions are numbered 1, 2, … in plan order; that number, the plan's code ("1.2.3"), the platform
id or reference, or a unique part of the title names an action (:func:`find_action`).

A question names its author only with the person's consent, and never a person under the
session's minimum age (the age rule of check-in). A question about an action that came from a
platform is queued in the same transaction for the platform as a comment on its result; a
question about a spreadsheet action stays in the minutes and the export.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from p311desk import audit, outbox, rules
from p311desk.accountability import figures as F
from p311desk.codes import normalize_code
from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.i18n import N_, pick_localized
from p311desk.models import (
    AccountabilityItem,
    AccountabilityPlan,
    AccountabilityQuestion,
    AccountabilitySession,
    Component,
    ParticipationSession,
    Participant,
    utcnow,
)
from p311desk.text import clean, fold

KIND = "accountability"  # the session kind
QUESTION_MAX = 900  # Decidim's comments are at most 1,000 characters; the prefix takes the rest
COMMENT_ENTITY = "accountability_question"
COMMENT_OPERATION = outbox.COMMENT  # the outbox's comments push kind


@dataclass(frozen=True)
class ActionInfo:
    id: uuid.UUID
    number: int
    code: str
    title: str
    responsible: str
    sdgs: tuple[int, ...]
    start_date: dt.date | None
    end_date: dt.date | None
    progress: float | None
    planned: float | None      # the planned progress on the plan's date (file or linear)
    budget: float | None
    band: int
    status: str
    decidim_id: str | None
    reference: str | None
    parent_id: uuid.UUID | None
    objective_id: uuid.UUID | None
    group_title: str           # the specific objective it belongs to ("" when directly under the objective)
    questions: int = 0


@dataclass(frozen=True)
class ObjectiveInfo:
    id: uuid.UUID | None       # None: actions of the plan that belong to no objective
    code: str
    title: str
    figures: F.GroupFigures
    actions: tuple[ActionInfo, ...]
    groups: tuple[tuple[str, F.GroupFigures], ...]  # the specific objectives under it


@dataclass(frozen=True)
class PlanInfo:
    id: uuid.UUID
    title: str
    source: str
    language: str
    source_file: str
    platform_host: str | None
    decidim_component_id: str | None
    on: dt.date
    figures: F.GroupFigures
    objectives: tuple[ObjectiveInfo, ...]

    @property
    def actions(self) -> list[ActionInfo]:
        return [a for o in self.objectives for a in o.actions]


@dataclass(frozen=True)
class PlanSummary:
    id: uuid.UUID
    title: str
    source: str
    actions: int
    platform_host: str | None
    decidim_component_id: str | None


@dataclass(frozen=True)
class QuestionInfo:
    id: uuid.UUID
    session_id: uuid.UUID
    action_id: uuid.UUID
    action_number: int | None
    action_title: str
    text: str
    author_name: str
    asked_at: dt.datetime
    to_platform: bool          # queued as a comment on the platform's result
    status: str = ""           # the outbox state of that comment ("" when it stays local)


# --- plans -------------------------------------------------------------------------------------


def list_plans(s: Session) -> list[PlanSummary]:
    counts = dict(s.execute(select(AccountabilityItem.plan_id, func.count())
                            .where(AccountabilityItem.number.is_not(None))
                            .group_by(AccountabilityItem.plan_id)).all())
    rows = s.scalars(select(AccountabilityPlan).order_by(AccountabilityPlan.created_at))
    return [PlanSummary(r.id, r.title, r.source, counts.get(r.id, 0), r.platform_host, r.decidim_component_id)
            for r in rows]


def find_plan(s: Session, ref: str | None) -> PlanSummary:
    """A plan by id prefix, component id or a unique part of its title; the only plan when empty."""
    plans = list_plans(s)
    if not plans:
        raise NotFound("There is no plan yet: import a PAM spreadsheet (accountability import) or pull "
                       "an accountability component from the platform.")
    ref = (ref or "").strip()
    if not ref:
        if len(plans) == 1:
            return plans[0]
        raise ValidationError("There are {n} plans; say which one (--plan): {candidates}", n=len(plans),
                              candidates="; ".join(f"{str(p.id)[:8]} {p.title}" for p in plans))
    low = ref.lower()
    # A platform component id is an exact name and wins over an id prefix: "9" is component 9,
    # not also every plan whose random id happens to begin with a 9.
    hits = [p for p in plans if p.decidim_component_id and p.decidim_component_id == ref]
    if not hits:
        hits = [p for p in plans if str(p.id).startswith(low) or p.id.hex.startswith(low)]
    if not hits:
        words = fold(ref).split()
        hits = [p for p in plans if all(w in fold(p.title) for w in words)]
    if not hits:
        raise NotFound("No plan matches “{ref}”.", ref=ref)
    if len(hits) > 1:
        raise NotFound("“{ref}” matches {n} plans: {candidates}", ref=ref, n=len(hits),
                       candidates="; ".join(f"{str(p.id)[:8]} {p.title}" for p in hits))
    return hits[0]


def _items(s: Session, plan_id: uuid.UUID) -> list[AccountabilityItem]:
    return list(s.scalars(select(AccountabilityItem).where(AccountabilityItem.plan_id == plan_id)
                          .order_by(AccountabilityItem.depth, AccountabilityItem.position)))


def plan_view(s: Session, plan_id: uuid.UUID, *, on: dt.date | None = None,
              session_id: uuid.UUID | None = None) -> PlanInfo:
    """The plan as a tree of objectives with their actions and figures on ``on`` (default today).
    With ``session_id``, each action carries how many questions that session asked about it."""
    plan = s.get(AccountabilityPlan, plan_id)
    if plan is None:
        raise NotFound("The plan does not exist.")
    on = on or dt.date.today()
    lang = plan.language
    items = _items(s, plan_id)
    children: dict[uuid.UUID | None, list[AccountabilityItem]] = {}
    for it in items:
        children.setdefault(it.parent_id, []).append(it)
    for group in children.values():
        group.sort(key=lambda i: i.position)
    asked: dict[uuid.UUID, int] = {}
    if session_id is not None:
        asked = dict(s.execute(select(AccountabilityQuestion.item_id, func.count())
                               .where(AccountabilityQuestion.session_id == session_id)
                               .group_by(AccountabilityQuestion.item_id)).all())

    def leaves(node: AccountabilityItem) -> list[AccountabilityItem]:
        kids = children.get(node.id)
        if not kids:
            return [node]
        return [leaf for k in kids for leaf in leaves(k)]

    def action(it: AccountabilityItem, objective: AccountabilityItem | None, group_title: str) -> ActionInfo:
        planned = F.planned_at(it.start_date, it.end_date, on, it.planned)
        return ActionInfo(
            id=it.id, number=it.number or 0, code=it.code, title=pick_localized(it.title, lang),
            responsible=it.responsible, sdgs=tuple(int(x) for x in it.sdgs or ()), start_date=it.start_date,
            end_date=it.end_date, progress=it.progress, planned=planned, budget=it.budget,
            band=F.band(it.progress), status=pick_localized((it.status or {}).get("name") or {}, lang),
            decidim_id=it.decidim_id, reference=it.reference, parent_id=it.parent_id,
            objective_id=objective.id if objective is not None else None, group_title=group_title,
            questions=asked.get(it.id, 0))

    def fig(acts: list[ActionInfo]) -> F.GroupFigures:
        return F.group([F.ActionFigure(a.progress, a.budget, a.start_date, a.end_date, a.planned) for a in acts], on)

    objectives: list[ObjectiveInfo] = []
    loose: list[ActionInfo] = []
    for root in children.get(None, []):
        if not children.get(root.id):
            loose.append(action(root, None, ""))
            continue
        acts: list[ActionInfo] = []
        groups: list[tuple[str, F.GroupFigures]] = []
        for kid in children[root.id]:
            if children.get(kid.id):
                title = _numbered(kid.code, pick_localized(kid.title, lang))
                mine = [action(leaf, root, title) for leaf in leaves(kid)]
                groups.append((title, fig(mine)))
                acts.extend(mine)
            else:
                acts.append(action(kid, root, ""))
        objectives.append(ObjectiveInfo(root.id, root.code, pick_localized(root.title, lang), fig(acts),
                                         tuple(acts), tuple(groups)))
    if loose:
        objectives.append(ObjectiveInfo(None, "", plan.title, fig(loose), tuple(loose), ()))
    everything = [a for o in objectives for a in o.actions]
    return PlanInfo(plan.id, plan.title, plan.source, plan.language, plan.source_file, plan.platform_host,
                    plan.decidim_component_id, on, fig(everything), tuple(objectives))


def _numbered(code: str, title: str) -> str:
    return f"{code} {title}" if code and not title.startswith(code) else title


def renumber(s: Session, plan_id: uuid.UUID) -> int:
    """Number the plan's actions 1, 2, … in tree order (objectives get no number)."""
    items = _items(s, plan_id)
    children: dict[uuid.UUID | None, list[AccountabilityItem]] = {}
    for it in items:
        children.setdefault(it.parent_id, []).append(it)
    n = 0

    def walk(parent: uuid.UUID | None, depth: int) -> None:
        nonlocal n
        for it in sorted(children.get(parent, []), key=lambda i: i.position):
            if it.depth != depth:
                it.depth = depth
            if children.get(it.id):
                if it.number is not None:
                    it.number = None
                walk(it.id, depth + 1)
            else:
                n += 1
                if it.number != n:
                    it.number = n

    walk(None, 0)
    return n


# --- actions -----------------------------------------------------------------------------------


def find_action(s: Session, plan_id: uuid.UUID, ref: str) -> AccountabilityItem:
    """An action of the plan by its number (``12``, ``#12``), the plan's code (``1.2.3``), the
    platform id (``id:345`` or a number no action has) or reference, or a unique part of its title."""
    text = clean(ref)
    if not text:
        raise ValidationError("Say which action: its number, code, platform id or reference, or part of its title.")
    actions = list(s.scalars(select(AccountabilityItem).where(AccountabilityItem.plan_id == plan_id,
                                                             AccountabilityItem.number.is_not(None))
                             .order_by(AccountabilityItem.number)))
    m = re.fullmatch(r"#?\s*(\d{1,9})", text)
    if m:
        hit = [a for a in actions if a.number == int(m[1])]
        if hit:
            return hit[0]
    platform = text[3:].strip() if text.lower().startswith("id:") else text
    hit = [a for a in actions if a.decidim_id and a.decidim_id == platform]
    if hit:
        return hit[0]
    hit = [a for a in actions if (a.code and a.code == text.rstrip("."))
           or (a.reference and a.reference.lower() == text.lower())]
    if len(hit) == 1:
        return hit[0]
    words = fold(text).split()
    hit = [a for a in actions if all(w in fold(" ".join(a.title.values())) for w in words)]
    if len(hit) == 1:
        return hit[0]
    if not hit:
        raise NotFound("No action of the plan matches “{ref}”.", ref=text)
    lang = s.get(AccountabilityPlan, plan_id).language
    raise NotFound("“{ref}” matches {n} actions; give the number: {candidates}", ref=text, n=len(hit),
                   candidates="; ".join(f"{a.number} {pick_localized(a.title, lang)}" for a in hit[:8])
                   + ("; …" if len(hit) > 8 else ""))


def search_actions(s: Session, plan_id: uuid.UUID, text: str, limit: int = 20) -> list[tuple[int, str]]:
    """(number, title) of the actions whose number, code or title matches ``text`` (the page's search)."""
    plan = s.get(AccountabilityPlan, plan_id)
    if plan is None:
        return []
    words = fold(text).split()
    out = []
    for a in s.scalars(select(AccountabilityItem).where(AccountabilityItem.plan_id == plan_id,
                                                       AccountabilityItem.number.is_not(None))
                       .order_by(AccountabilityItem.number)):
        title = pick_localized(a.title, plan.language)
        hay = fold(f"{a.number} {a.code} {title} {a.reference or ''}")
        if all(w in hay for w in words):
            out.append((a.number, title))
            if len(out) >= limit:
                break
    return out


# --- sessions ----------------------------------------------------------------------------------


def link_session(s: Session, session_id: uuid.UUID, plan_id: uuid.UUID) -> PlanSummary:
    """Make the session an accountability session presenting the plan. A platform plan also links
    the session to its component, so that its questions reach that platform."""
    session = s.get(ParticipationSession, session_id)
    if session is None:
        raise NotFound("The session does not exist.")
    if session.status == "closed":
        raise InvalidTransition("A closed session cannot be edited. Reopen it first.")
    plan = s.get(AccountabilityPlan, plan_id)
    if plan is None:
        raise NotFound("The plan does not exist.")
    link = s.get(AccountabilitySession, session_id)
    if link is not None and link.plan_id != plan_id and s.scalar(
            select(func.count()).select_from(AccountabilityQuestion)
            .where(AccountabilityQuestion.session_id == session_id)):
        raise InvalidTransition("Questions were already asked in this session about another plan; "
                                "it cannot present a different one.")
    if link is None:
        s.add(AccountabilitySession(session_id=session_id, plan_id=plan_id))
    else:
        link.plan_id, link.linked_at = plan_id, utcnow()
    session.kind = KIND
    if plan.component_id is not None and session.component_id is None:
        component = s.get(Component, plan.component_id)
        if component is not None and session.space_id in (None, component.space_id):
            session.space_id, session.component_id = component.space_id, component.id
    audit.record(s, "accountability.session_linked", session_id=session_id, entity_type="session",
                 entity_id=session_id, payload={"plan": str(plan_id)})
    return next(p for p in list_plans(s) if p.id == plan_id)


def session_plan(s: Session, session_id: uuid.UUID) -> uuid.UUID | None:
    link = s.get(AccountabilitySession, session_id)
    return link.plan_id if link is not None else None


def _accountability_session(s: Session, session_id: uuid.UUID) -> tuple[ParticipationSession, uuid.UUID]:
    session = s.get(ParticipationSession, session_id)
    if session is None:
        raise NotFound("The session does not exist.")
    plan_id = session_plan(s, session_id)
    if session.kind != KIND or plan_id is None:
        raise ValidationError("“{title}” is not an accountability session: link it to a plan first "
                              "(accountability link SESSION PLAN).", title=session.title)
    return session, plan_id


# --- questions ---------------------------------------------------------------------------------


def ask(s: Session, session_id: uuid.UUID, action_ref: str, text: str, *, author_code: str | None = None,
        consent: bool = False, today: dt.date | None = None) -> QuestionInfo:
    """Record a question about an action. ``author_code`` (a check-in code) names the person only
    with ``consent``; a person under the session's minimum age is never named."""
    session, plan_id = _accountability_session(s, session_id)
    if session.status == "closed":
        raise InvalidTransition("The session is closed: no more questions can be recorded. Reopen it first.")
    body = " ".join(str(text or "").replace("\r", "\n").split())
    if len(body) < 3:
        raise ValidationError("Type the question.")
    if len(body) > QUESTION_MAX:
        raise ValidationError("The question is too long (at most {max} characters).", max=QUESTION_MAX)
    item = find_action(s, plan_id, action_ref)
    author: Participant | None = None
    if author_code:
        if not consent:
            raise ValidationError("A question names its author only with the person's consent.")
        code = normalize_code(author_code)
        author = s.scalar(select(Participant).where(Participant.checkin_code == code))
        if author is None:
            raise NotFound("Unknown participant code: {code}", code=code)
        day = rules.session_day(session.starts_at, today)
        if session.enforce_min_age and rules.is_under_age(session.min_age, author.birth_date,
                                                          author.birth_year, day):
            raise ValidationError("{name} is under {age}: the question can be recorded anonymously, "
                                  "but not with their name.", name=author.full_name, age=session.min_age)
    plan = s.get(AccountabilityPlan, plan_id)
    q = AccountabilityQuestion(id=uuid.uuid4(), session_id=session_id, item_id=item.id, text=body,
                               author_participant_id=author.id if author else None,
                               author_name=author.full_name if author else "", consent=author is not None,
                               asked_at=utcnow())
    s.add(q)
    s.flush()
    to_platform = bool(item.decidim_id and plan.platform_host)
    if to_platform:
        # The comment's text is fixed now, in the session's language: what was asked, and where.
        from p311desk.i18n import load_translations

        result_id, commentable_type, body = comment_body(s, q.id, load_translations(session.language).gettext)
        outbox.enqueue_comment(s, commentable_type, result_id, body, session.language, session_id=session_id,
                               platform=plan.platform_host, entity_type=COMMENT_ENTITY, entity_id=q.id)
    audit.record(s, "accountability.question_asked", session_id=session_id, entity_type=COMMENT_ENTITY,
                 entity_id=q.id, payload={"action": item.number, "named": author is not None,
                                          "to_platform": to_platform})
    return _question_info(s, q, item, plan.language)


def _question_info(s: Session, q: AccountabilityQuestion, item: AccountabilityItem, lang: str) -> QuestionInfo:
    items = outbox.items_for(s, COMMENT_ENTITY, q.id)
    return QuestionInfo(q.id, q.session_id, item.id, item.number, pick_localized(item.title, lang), q.text,
                        q.author_name, q.asked_at, bool(items), items[-1].status if items else "")


def list_questions(s: Session, session_id: uuid.UUID) -> list[QuestionInfo]:
    """The session's questions in plan order (by action number), then in the order asked."""
    plan_id = session_plan(s, session_id)
    lang = "ca"
    if plan_id is not None:
        lang = s.get(AccountabilityPlan, plan_id).language
    rows = s.execute(select(AccountabilityQuestion, AccountabilityItem)
                     .join(AccountabilityItem, AccountabilityItem.id == AccountabilityQuestion.item_id)
                     .where(AccountabilityQuestion.session_id == session_id)).all()
    rows.sort(key=lambda r: (r[1].number or 0, r[0].asked_at))
    return [_question_info(s, q, item, lang) for q, item in rows]


def comment_body(s: Session, question_id: uuid.UUID, gettext) -> tuple[str, str, str]:
    """(result id, commentable type, body) of the comment a question becomes on the platform: the
    question after a line saying it was asked in the session of that date (in the session's
    language: ``gettext`` is that language's)."""
    q = s.get(AccountabilityQuestion, question_id)
    if q is None:
        raise NotFound("The question does not exist.")
    item = s.get(AccountabilityItem, q.item_id)
    session = s.get(ParticipationSession, q.session_id)
    when = (session.starts_at or q.asked_at).astimezone().strftime("%d/%m/%Y")
    prefix = gettext(N_("Asked in the accountability session “{title}” of {date}:")).format(
        title=session.title, date=when)
    who = gettext(N_("(asked by {name})")).format(name=q.author_name) if q.author_name else ""
    body = prefix + "\n\n" + q.text + (("\n\n" + who) if who else "")
    return item.decidim_id or "", item.commentable_type or "Decidim::Accountability::Result", body


@dataclass
class AppliedResults:
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: list[str] = field(default_factory=list)  # titles of removed results kept for their questions
