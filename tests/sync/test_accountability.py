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


@pytest.mark.parametrize("line", ["0.27", "0.30", "0.32"])
def test_pull_present_ask_and_push_the_questions_as_comments_once(db, tmp_path, line):
    """End to end on a line: pull the plan, present it in an accountability session (the handout),
    ask about two actions (one anonymous, one named with consent), push with every answer lost,
    push again: each question is on its result exactly once; a third push sends nothing."""
    import datetime as dt
    import io

    from p311desk import outbox, participants, printing, sessions
    from sync.fake_decidim import start
    from sync.push import push
    from tests.sync.test_real_life import signed_client

    with start(line, proposals=10) as server:
        set_up(db, server)
        pull(db, client_factory=factory())
        with db.write() as s:
            plan = accountability.find_plan(s, fake_results.COMPONENT_ID)
            sid = sessions.create_session(s, title="Retiment de comptes del PAM", kind="accountability",
                                          starts_at=dt.datetime(2026, 10, 8, 16, 0, tzinfo=dt.timezone.utc)).id
            accountability.link_session(s, sid, plan.id)
            sessions.open_session(s, sid)
            marta = participants.add_participant(s, given_name="Marta", family_name="Fictícia",
                                                 birth_date=dt.date(1980, 5, 1))
            anonymous = accountability.ask(s, sid, "carril bici", "Quan arribarà fins a l'estació?")
            named = accountability.ask(s, sid, "4", "Quants pisos hi ha ara a la borsa?",
                                       author_code=marta.checkin_code, consent=True)
            assert anonymous.to_platform and named.to_platform
            target = io.BytesIO()
            assert printing.render(s, sid, printing.PrintOptions(kind="accountability"), target) >= 1
        with db.read() as s:
            view = accountability.plan_view(s, plan.id)
        ids = {a.number: a.decidim_id for a in view.actions}
        client = signed_client(db, server)
        server.faults = {"drop_after_write": 1.0}
        first = push(db, files_dir=tmp_path, client=client, attempts=1)
        client.close()
        server.faults = {}
        second = push(db, files_dir=tmp_path, client_factory=factory())
        third = push(db, files_dir=tmp_path, client_factory=factory())
        on_2 = server.store.comments_of(fake_results.CLASS_NAME, ids[2])
        on_4 = server.store.comments_of(fake_results.CLASS_NAME, ids[4])
        assert len(on_2) == 1 and len(on_4) == 1, (first, second, third)
        assert on_2[0].body["ca"] == ("<p>Preguntat a la sessió de retiment de comptes «Retiment de comptes del "
                                      "PAM» del 08/10/2026:</p><p>Quan arribarà fins a l'estació?</p>")
        assert on_4[0].body["ca"].endswith("<p>(ho pregunta Marta Fictícia)</p>")
        assert first.sent == 0 and second.found == 2 and second.sent == 0, (first, second)  # looked, not resent
        assert third.sent == 0 and third.found == 0
        assert sorted(w[1] for w in server.store.writes if w[0] == "addComment") == sorted([on_2[0].id, on_4[0].id])
        with db.read() as s:
            statuses = {q.action_number: q.status for q in accountability.list_questions(s, sid)}
            assert statuses == {2: "sent", 4: "sent"}
            items = outbox.session_items(s, sid, entity_type=accountability.COMMENT_ENTITY)
            assert {i.remote_id for i in items} == {on_2[0].id, on_4[0].id}
