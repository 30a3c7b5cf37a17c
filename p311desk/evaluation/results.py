"""Summaries of evaluation answers: per question the distribution, the mean and the number of
answers; the free texts; the trend of each scale question across a series. Pure: plain data in,
plain data out (no database).

The mean of a scale is over the answers that gave that question a value (a question left blank
counts in neither the numerator nor ``n``), rounded only when shown. The response rate is the
number of answers over the number of people present.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from p311desk.evaluation.forms import SCALE, TEXT, Question


@dataclass(frozen=True)
class QuestionSummary:
    key: str
    kind: str
    text: str
    labels: tuple[str, ...]  # what values 1..size are called
    counts: tuple[int, ...]  # answers per value 1..size
    n: int  # answers that gave this question a value
    mean: float | None  # scale questions only
    texts: tuple[str, ...] = ()  # free-text questions only

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "text": self.text, "labels": list(self.labels),
                "counts": list(self.counts), "n": self.n, "mean": self.mean, "texts": list(self.texts)}


def summarize(questions: tuple[Question, ...], answers: list[list[Any]], lang: str) -> list[QuestionSummary]:
    """One summary per question of ``answers`` (each a list of values, one per question)."""
    # One pass per question over its column, counted in C (a series may hold tens of thousands).
    columns = list(zip_longest(*answers)) if answers else []
    out = []
    for index, q in enumerate(questions):
        column = columns[index] if index < len(columns) else ()
        if q.kind == TEXT:
            texts = tuple(v for v in column if isinstance(v, str) and v)
            out.append(QuestionSummary(q.key, q.kind, q.wording(lang), (), (), len(texts), None, texts))
            continue
        tally = Counter(column)
        counts = [tally.get(value, 0) for value in range(1, q.size + 1)]
        n = sum(counts)
        mean = (sum((i + 1) * c for i, c in enumerate(counts)) / n) if (q.kind == SCALE and n) else None
        out.append(QuestionSummary(q.key, q.kind, q.wording(lang), tuple(q.level_labels(lang)), tuple(counts), n, mean))
    return out


@dataclass(frozen=True)
class TrendPoint:
    session_id: str
    title: str
    starts_at: str  # ISO date or ""
    mean: float | None
    n: int


@dataclass(frozen=True)
class TrendLine:
    key: str
    text: str
    points: int  # the scale's size (the chart's top)
    values: tuple[TrendPoint, ...]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "text": self.text, "points": self.points,
                "sessions": [p.__dict__ for p in self.values]}


@dataclass
class SeriesSession:
    """What the trend needs of one session of the series."""

    session_id: str
    title: str
    starts_at: str
    questions: tuple[Question, ...]
    answers: list[list[Any]] = field(default_factory=list)


def trend(sessions: list[SeriesSession], lang: str) -> list[TrendLine]:
    """For each scale question (matched by key across the sessions' forms, in the order of first
    appearance), its mean and n in every session, in the order given."""
    order: list[str] = []
    latest: dict[str, Question] = {}
    per_session: list[dict[str, QuestionSummary]] = []
    for ss in sessions:
        summaries = {sm.key: sm for sm in summarize(ss.questions, ss.answers, lang) if sm.kind == SCALE}
        per_session.append(summaries)
        for q in ss.questions:
            if q.kind == SCALE:
                if q.key not in latest:
                    order.append(q.key)
                latest[q.key] = q
    lines = []
    for key in order:
        q = latest[key]
        points = tuple(
            TrendPoint(ss.session_id, ss.title, ss.starts_at,
                       summaries[key].mean if key in summaries else None,
                       summaries[key].n if key in summaries else 0)
            for ss, summaries in zip(sessions, per_session, strict=True))
        lines.append(TrendLine(key, q.wording(lang), q.points, points))
    return lines
