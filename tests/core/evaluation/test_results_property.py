"""The summaries agree with a plain recount of the same answers (hypothesis)."""

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from p311desk.evaluation import forms
from p311desk.evaluation.results import SeriesSession, summarize, trend

QUESTIONS = forms.template("gomunicipal").questions + forms.parse_questions(
    [{"key": "lloc", "kind": "choice", "text": "On?", "options": ["A", "B", "C"]}])

answer = st.tuples(*[st.none() | st.integers(1, q.size) if q.kind != "text" else st.none() | st.text(min_size=1, max_size=5)
                     for q in QUESTIONS]).map(list)


@settings(max_examples=200, deadline=None)
@given(st.lists(answer, max_size=60))
def test_summaries_match_a_plain_recount(answers):
    for q, sm in zip(QUESTIONS, summarize(QUESTIONS, answers, "ca"), strict=True):
        i = QUESTIONS.index(q)
        given_values = [a[i] for a in answers if a[i] is not None]
        assert sm.n == len(given_values)
        if q.kind == "text":
            assert sorted(sm.texts) == sorted(given_values) and sm.mean is None
            continue
        assert list(sm.counts) == [given_values.count(v) for v in range(1, q.size + 1)]
        if q.kind == "scale" and given_values:
            assert abs(sm.mean - statistics.mean(given_values)) < 1e-9
        else:
            assert sm.mean is None


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(answer, max_size=15), min_size=1, max_size=5))
def test_trend_is_each_sessions_own_summary(per_session):
    items = [SeriesSession(str(i), f"S{i}", "", QUESTIONS, a) for i, a in enumerate(per_session)]
    lines = {line.key: line for line in trend(items, "ca")}
    assert list(lines) == ["content", "duration", "understood", "apply"]
    for i, answers in enumerate(per_session):
        own = {sm.key: sm for sm in summarize(QUESTIONS, answers, "ca")}
        for key, line in lines.items():
            assert line.values[i].n == own[key].n and line.values[i].mean == own[key].mean
