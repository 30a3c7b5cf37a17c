"""Writing the results of an accountability component pulled from a platform into a plan.

One plan per (platform, component). A result is found by its platform id and written only when
something the platform says about it changed, so pulling twice changes nothing. Roots are the
objectives, results with children the specific objectives, leaves the actions (numbered in the
platform's order: weight, then id). A result gone from the platform is removed, unless questions
were asked about it: then it stays (the pull reports it) so the minutes keep their subject.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from p311desk import audit
from p311desk.accountability.service import AppliedResults, renumber
from p311desk.i18n import pick_localized
from p311desk.models import AccountabilityItem, AccountabilityPlan, AccountabilityQuestion, Component, utcnow


@dataclass(frozen=True)
class RemoteResult:
    remote_id: str
    parent_id: str | None
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    reference: str | None = None
    progress: float | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    weight: int = 0
    status: dict[str, Any] = field(default_factory=dict)
    classification: tuple[dict[str, Any], ...] = ()
    commentable_type: str | None = None


def apply_results(s: Session, host: str, component_remote_id: str, results: list[RemoteResult], *,
                  name: dict[str, str] | None = None, language: str = "ca") -> AppliedResults:
    """Store the component's results as a plan (created on the first pull)."""
    out = AppliedResults()
    plan = s.scalar(select(AccountabilityPlan).where(AccountabilityPlan.platform_host == host,
                                                     AccountabilityPlan.decidim_component_id == component_remote_id))
    component = s.scalar(select(Component).where(Component.platform_host == host,
                                                 Component.manifest_name == "accountability",
                                                 Component.decidim_id == component_remote_id))
    title = pick_localized(name or (component.name if component else {}), language) or component_remote_id
    if plan is None:
        plan = AccountabilityPlan(id=uuid.uuid4(), title=title[:300], source="platform", language=language,
                                  platform_host=host, decidim_component_id=component_remote_id,
                                  component_id=component.id if component else None)
        s.add(plan)
        s.flush()
    else:
        if plan.title != title[:300]:
            plan.title = title[:300]
        if component is not None and plan.component_id != component.id:
            plan.component_id = component.id
    plan.pulled_at = utcnow()
    existing = {i.decidim_id: i for i in s.scalars(select(AccountabilityItem)
                                                  .where(AccountabilityItem.plan_id == plan.id))}
    by_id = {r.remote_id: r for r in results}
    order = sorted(results, key=lambda r: (r.weight, int(r.remote_id) if r.remote_id.isdigit() else 0, r.remote_id))
    position: dict[str, int] = {}
    siblings: dict[str | None, int] = {}
    for r in order:
        parent = r.parent_id if r.parent_id in by_id else None
        position[r.remote_id] = siblings.get(parent, 0)
        siblings[parent] = position[r.remote_id] + 1
    # Parents before children, so a child can point at its parent's row.
    def depth(r: RemoteResult) -> int:
        d, seen, cur = 0, set(), r
        while cur.parent_id in by_id and cur.parent_id not in seen and d < 20:
            seen.add(cur.parent_id)
            cur, d = by_id[cur.parent_id], d + 1
        return d

    rows: dict[str, AccountabilityItem] = {}
    for r in sorted(results, key=depth):
        parent_row = rows.get(r.parent_id) if r.parent_id else None
        values = dict(parent_id=parent_row.id if parent_row else None, depth=depth(r), position=position[r.remote_id],
                      title=dict(r.title), description=dict(r.description), reference=r.reference,
                      progress=r.progress, start_date=r.start_date, end_date=r.end_date, status=dict(r.status),
                      classification=[dict(c) for c in r.classification], commentable_type=r.commentable_type)
        it = existing.get(r.remote_id)
        if it is None:
            it = AccountabilityItem(id=uuid.uuid4(), plan_id=plan.id, decidim_id=r.remote_id, **values)
            s.add(it)
            out.created += 1
        else:
            changed = False
            for k, v in values.items():
                if getattr(it, k) != v:
                    setattr(it, k, v)
                    changed = True
            out.updated += changed
        rows[r.remote_id] = it
    s.flush()
    gone = [i for rid, i in existing.items() if rid not in by_id]
    if gone:
        asked = set(s.scalars(select(AccountabilityQuestion.item_id)
                              .where(AccountabilityQuestion.item_id.in_([i.id for i in gone]))))
        for it in sorted(gone, key=lambda i: -i.depth):
            if it.id in asked:
                out.kept.append(pick_localized(it.title, language))
                continue
            for child in s.scalars(select(AccountabilityItem).where(AccountabilityItem.parent_id == it.id)):
                child.parent_id = None
            s.delete(it)
            out.removed += 1
        s.flush()
    renumber(s, plan.id)
    if out.created or out.updated or out.removed:
        audit.record(s, "accountability.results_pulled", entity_type="accountability_plan", entity_id=plan.id,
                     payload={"platform": host, "component": component_remote_id, "created": out.created,
                              "updated": out.updated, "removed": out.removed})
    return out
