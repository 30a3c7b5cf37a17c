"""Accountability components on every line: the fake serves their results, ``sync pull`` brings
them (tree, progress, status, dates, classification, reference) into a plan; pulling twice
changes nothing; a change on the platform updates the plan."""

from __future__ import annotations

import pytest

from p311desk import accountability
from sync.fake_decidim import accountability as fake_results
from sync.pull import pull
from tests.sync.test_pull import factory, set_up


def _plan(db):
    with db.read() as s:
        plans = [p for p in accountability.list_plans(s) if p.source == "platform"]
        assert len(plans) == 1
        return accountability.plan_view(s, plans[0].id)


def test_pull_brings_the_results_tree_on_every_line(db, fake):
    set_up(db, fake)
    summary = pull(db, client_factory=factory())
    assert summary["complete"]
    assert summary["accountability"] == {"plans": 1, "new": 7, "updated": 0, "removed": 0, "kept": 0}
    plan = _plan(db)
    assert plan.title == "Pla d'actuació municipal" and plan.decidim_component_id == fake_results.COMPONENT_ID
    assert [o.title for o in plan.objectives] == ["Una ciutat sostenible", "Una ciutat cohesionada"]
    actions = plan.actions
    assert [a.number for a in actions] == [1, 2, 3, 4, 5]
    first = actions[0]
    assert (first.title, first.progress, first.band, str(first.start_date), str(first.end_date)) == (
        "Pacificar el nucli antic", 75.0, 3, "2025-01-15", "2026-12-31")
    assert first.status == "En execució" and first.reference.startswith("VP-ACC-RES-")
    with db.read() as s:
        item = accountability.find_action(s, plan.id, "1")
        kinds = {c["kind"] for c in item.classification}
        assert item.commentable_type == "Decidim::Accountability::Result"
    assert kinds == ({"taxonomy"} if fake.version in ("0.30", "0.32") else {"category", "scope"})
    again = pull(db, client_factory=factory())
    assert again["accountability"] == {"plans": 1, "new": 0, "updated": 0, "removed": 0, "kept": 0}
    fake_results.edit(fake.store, item.decidim_id, progress=90.0)
    third = pull(db, client_factory=factory())
    assert third["accountability"]["updated"] == 1
    assert _plan(db).actions[0].progress == 90.0


@pytest.mark.parametrize("version", ["0.30"])
def test_many_results_are_paged(db, version):
    from sync.fake_decidim import start

    server = start(version, proposals=5)
    try:
        fake_results.seed(server.store, 130)
        set_up(db, server)
        summary = pull(db, client_factory=factory(), component=fake_results.COMPONENT_ID)
        assert summary["accountability"]["new"] == 130
        plan = _plan(db)
        assert len(plan.objectives) == 7 and len(plan.actions) == 123
    finally:
        server.stop()
