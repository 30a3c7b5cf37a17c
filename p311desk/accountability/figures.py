"""The figures of a plan: pure functions over plain nodes, no storage.

- **Progress** of a group (a strategic or specific objective, or the whole plan) is the mean of
  its actions' progress, weighted by budget when every action in the group has a known budget,
  else by action (each counts the same). An action without reported progress counts as 0 %.
- **Planned progress** at a date: the action's own plan when the file gave one, else linear
  between its start and end dates (0 % before the start, 100 % after the end); an action with
  no dates has no plan and is left out of the planned figure (the count says how many).
- **Deviation**: actual minus planned, in percentage points (negative: behind plan).
- **Band**: the four-step scale citizens read at a glance (25 %, 50 %, 75 %, 100 %): the number
  of steps an action has *reached*, 0–4 (37 % has reached one step, 100 % all four).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

STEPS = (25, 50, 75, 100)


def band(progress: float | None) -> int:
    """How many of the four steps (25/50/75/100 %) ``progress`` has reached (0–4)."""
    if progress is None or progress <= 0:
        return 0
    return min(4, int(math.floor(progress / 25 + 1e-9)))


def planned_at(start: dt.date | None, end: dt.date | None, when: dt.date,
               planned: float | None = None) -> float | None:
    """The progress an action should have reached on ``when`` (0–100), or None without a plan."""
    if planned is not None:
        return planned
    if start is None or end is None:
        return None
    if when <= start:
        return 0.0
    if when >= end:
        return 100.0
    span = (end - start).days
    return 100.0 * (when - start).days / span if span > 0 else 100.0


@dataclass(frozen=True)
class ActionFigure:
    """What the figures need of an action."""

    progress: float | None
    budget: float | None
    start: dt.date | None
    end: dt.date | None
    planned: float | None = None


@dataclass(frozen=True)
class GroupFigures:
    actions: int
    progress: float            # 0-100
    planned: float | None      # 0-100, None when no action has a plan
    deviation: float | None    # progress - planned, in points
    by_budget: bool            # True: weighted by budget; False: each action counts the same
    budget: float | None       # the group's total budget when every action has one
    bands: tuple[int, int, int, int, int]  # how many actions have reached 0, 1, 2, 3, 4 steps
    without_progress: int
    without_plan: int

    @property
    def band(self) -> int:
        return band(self.progress)


def group(actions: Sequence[ActionFigure], when: dt.date) -> GroupFigures:
    """The figures of a set of actions on ``when``."""
    n = len(actions)
    bands = [0, 0, 0, 0, 0]
    for a in actions:
        bands[band(a.progress)] += 1
    if n == 0:
        return GroupFigures(0, 0.0, None, None, False, None, tuple(bands), 0, 0)  # type: ignore[arg-type]
    by_budget = all(a.budget is not None and a.budget > 0 for a in actions)
    weights = [float(a.budget) if by_budget else 1.0 for a in actions]  # type: ignore[arg-type]
    total = sum(weights)
    progress = sum(w * _clamp(a.progress or 0.0) for w, a in zip(weights, actions)) / total
    plan_pairs = [(w, planned_at(a.start, a.end, when, a.planned)) for w, a in zip(weights, actions)]
    with_plan = [(w, p) for w, p in plan_pairs if p is not None]
    planned = None
    if with_plan:
        wp = sum(w for w, _p in with_plan)
        planned = sum(w * _clamp(p) for w, p in with_plan) / wp
    deviation = None if planned is None else progress - planned
    budget = total if by_budget else None
    return GroupFigures(
        actions=n, progress=progress, planned=planned, deviation=deviation, by_budget=by_budget,
        budget=budget, bands=tuple(bands),  # type: ignore[arg-type]
        without_progress=sum(1 for a in actions if a.progress is None),
        without_plan=n - len(with_plan))


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, float(value)))


def parse_progress(value: object, fractions: bool = False) -> float | None:
    """A progress cell as 0–100: ``40``, ``"40 %"``, ``"40,5%"``, ``0.4`` from a percent-formatted
    spreadsheet cell (``fractions``), or one of the four steps written as ``"2/4"``, ``"Fase 2"``,
    ``"Etapa 2"``, ``"Pas 2"``, ``"Step 2"``. None for a blank cell; ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int | float):
        number = float(value) * (100.0 if fractions else 1.0)
        if not math.isfinite(number) or not 0 <= number <= 100:
            raise ValueError(str(value))
        return number
    import re

    text = " ".join(str(value).replace("\u00a0", " ").split()).lower()
    if not text or text in ("-", "—", "–"):
        return None
    m = re.fullmatch(r"([1-4])\s*/\s*4", text) or re.fullmatch(
        r"(?:fase|etapa|pas|paso|step|nivell|nivel|q)\s*([1-4])", text)
    if m:
        return float(STEPS[int(m[1]) - 1])
    m = re.fullmatch(r"(\d{1,3}(?:[.,]\d+)?)\s*%?", text)
    if m:
        number = float(m[1].replace(",", "."))
        if text.endswith("%"):
            pass
        elif fractions:
            number *= 100
        if 0 <= number <= 100:
            return number
    raise ValueError(text)
