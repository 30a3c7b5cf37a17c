"""Proposals service: validation, paper forms, supports, ranking, merge, outbox idempotency."""

import uuid

import pytest
from sqlalchemy import select

from p311desk.errors import InvalidTransition, ValidationError
from p311desk.models import AuditEvent, Component, OutboxItem, ParticipationSession, Proposal, Space
from p311desk import audit
from p311desk import outbox
from p311desk import participants
from p311desk import proposals as P
from p311desk import sessions

TITLE = "Més arbres a la plaça Major"


@pytest.fixture
def sid(db):
    with db.write() as s:
        space = Space(id=uuid.uuid4(), slug="pp", title={"ca": "PP"})
        s.add(space)
        s.flush()
        comp = Component(id=uuid.uuid4(), space_id=space.id, decidim_id="12", manifest_name="proposals",
                         settings={"title_min": 15, "title_max": 150})
        s.add(comp)
        s.flush()
        info = sessions.create_session(s, title="Assemblea", language="ca")
        row = s.get(ParticipationSession, info.id)
        row.space_id, row.component_id = space.id, comp.id
        sessions.open_session(s, info.id)
    return info.id


def kinds(db):
    with db.read() as s:
        return [e.kind for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def outbox_rows(db, pid=None):
    with db.read() as s:
        stmt = select(OutboxItem).order_by(OutboxItem.seq)
        if pid:
            stmt = stmt.where(OutboxItem.entity_id == pid)
        return [(o.operation, o.status, o.payload) for o in s.scalars(stmt)]


def add(db, sid, title=TITLE, **kw):
    with db.write() as s:
        return P.add_proposal(s, sid, title=title, **kw)


def test_add_stores_multilingual_title_audits_and_queues(db, sid):
    row = add(db, sid, title={"ca": TITLE, "es": "Más árboles en la plaza Mayor"}, body="Cal\r\nombra ",
              author_kind="collective", author_name="  Taula   3 ", tags="verd, arbres, Verd")
    assert row.title == {"ca": TITLE, "es": "Más árboles en la plaza Mayor"}
    assert row.body == {"ca": "Cal\nombra"}
    assert row.author_name == "Taula 3" and row.tags == ("verd", "arbres")
    assert row.position == 1 and row.source == "room" and row.status == "draft"
    assert "proposal.created" in kinds(db)
    [(op, status, payload)] = outbox_rows(db)
    assert (op, status) == ("create_proposal", "pending")
    assert payload == {}
    with db.read() as s:
        built = P.platform_payload(s, row.id)
    assert built["title"]["es"].startswith("Más") and built["component_id"] == "12"
    assert built["author_name"] == "Taula 3"
    with db.read() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.kind == "proposal.created")).one()
        assert "Taula" not in ev.payload  # no names in the audit log


@pytest.mark.parametrize("kwargs", [
    {"title": "Curt"},                                      # < 15
    {"title": "x" * 151},                                   # > 150
    {"title": {"es": "Más árboles en la plaza Mayor"}},     # session language missing
    {"title": {"ca": TITLE, "es": "Corto"}},                # other locale validated too
    {"title": TITLE, "author_kind": "collective"},          # collective without a name
    {"title": TITLE, "author_kind": "participant"},         # participant not chosen
    {"title": TITLE, "author_kind": "king"},
    {"title": TITLE, "latitude": 41.0},                     # half a coordinate
    {"title": TITLE, "latitude": 95.0, "longitude": 2.0},
    {"title": TITLE, "supports": -1},
    {"title": TITLE, "category_id": uuid.uuid4()},
    {"title": {"xx_YY!": TITLE}},
])
def test_invalid_proposal_writes_nothing(db, sid, kwargs):
    before = kinds(db)
    with pytest.raises(ValidationError):
        add(db, sid, **kwargs)
    with db.read() as s:
        assert s.query(Proposal).count() == 0
    assert kinds(db) == before and outbox_rows(db) == []


def test_title_limits_follow_the_component(db, sid):
    with db.write() as s:
        comp = s.scalars(select(Component)).one()
        comp.settings = {"title_min": 5, "title_max": 20}
    add(db, sid, title="Bancs!")
    with pytest.raises(ValidationError):
        add(db, sid, title="Un títol que ja és massa llarg")


def test_paper_form_reentry_warns_and_can_be_accepted(db, sid):
    first = add(db, sid, paper_form_id=" f-0012 ")
    assert first.paper_form_id == "F-0012" and first.source == "paper"
    with pytest.raises(P.DuplicatePaperForm) as info:
        add(db, sid, title="Una altra cosa diferent", paper_form_id="F-0012")
    assert info.value.existing_id == first.id
    assert "F-0012" in info.value.message() and TITLE in info.value.message()
    second = add(db, sid, title="Una altra cosa diferent", paper_form_id="F-0012", allow_duplicate_form=True)
    assert second.paper_form_id == "F-0012"
    with db.write() as s:  # editing the same proposal keeps its own form without a warning
        P.update_proposal(s, first.id, paper_form_id="F-0012", body="nou")


def test_participant_author_and_candidates(db, sid):
    from p311desk.models import Attendance

    with db.write() as s:
        p = participants.add_participant(s, given_name="Núria", family_name="Puig")
        s.add(Attendance(id=uuid.uuid4(), session_id=sid, participant_id=p.id))
    with db.read() as s:
        [cand] = P.author_candidates(s, sid)
    assert cand.name == "Núria Puig"
    row = add(db, sid, author_kind="participant", author_participant_id=cand.participant_id,
              author_name="ignored")
    assert row.author_name == "Núria Puig" and row.author_kind == "participant"


def send(db, item_id, remote="901", platform="decidim.example.org"):
    """What the sync engine does: build the request now, commit "sending", then record the answer."""
    with db.write() as s:
        item = outbox.get(s, item_id)
        outbox.begin_sending(s, item_id, P.platform_payload(s, item.entity_id), platform=platform)
    with db.write() as s:
        outbox.record_sent(s, item_id, remote)


def item_ids(db, pid):
    with db.read() as s:
        return [i.id for i in outbox.items_for(s, "proposal", pid)]


def test_outbox_keeps_one_create_then_one_update_built_at_send_time(db, sid):
    row = add(db, sid)
    with db.write() as s:
        P.update_proposal(s, row.id, body="Primer canvi")
        P.set_supports(s, row.id, 4)
    ops = outbox_rows(db, row.id)
    assert ops == [("create_proposal", "pending", {})]  # references only, no frozen data
    [create] = item_ids(db, row.id)
    send(db, create)
    with db.read() as s:
        sent = outbox.get(s, create)
        assert sent.request["body"] == {"ca": "Primer canvi"} and sent.request["supports"] == 4
        assert outbox.remote_id(s, "decidim.example.org", "proposal", row.id) == "901"
    with db.write() as s:
        P.update_proposal(s, row.id, body="Segon canvi")
        P.add_supports(s, row.id, 2)
    ops = outbox_rows(db, row.id)
    assert [(o, st) for o, st, _ in ops] == [("create_proposal", "sent"), ("update_proposal", "pending")]
    with db.read() as s:
        assert P.platform_payload(s, row.id)["supports"] == 6


def test_edit_while_create_in_flight_queues_an_update_that_waits_for_it(db, sid):
    row = add(db, sid)
    [create] = item_ids(db, row.id)
    with db.write() as s:
        outbox.begin_sending(s, create, P.platform_payload(s, row.id), platform="h")
    with db.write() as s:
        P.update_proposal(s, row.id, body="Canvi durant l'enviament")
    with db.read() as s:
        [_, update] = outbox.items_for(s, "proposal", row.id)
        assert update.operation == "update_proposal" and update.depends_on == [str(create)]
        assert [i.id for i in outbox.due(s)] == []  # the create is in flight, the update waits
    with db.write() as s:
        outbox.record_unknown(s, create, "timeout")
    with db.read() as s:
        assert [i.id for i in outbox.due(s)] == [create]  # to be looked up, not resent
    with db.write() as s:
        outbox.record_sent(s, create, "77", how="found")
    with db.read() as s:
        assert [i.operation for i in outbox.due(s)] == ["update_proposal"]


def test_unchanged_update_records_nothing(db, sid):
    row = add(db, sid)
    before = kinds(db)
    with db.write() as s:
        P.update_proposal(s, row.id, title=TITLE)
    assert kinds(db) == before


def test_ranking_and_reorder_by_supports(db, sid):
    a = add(db, sid, title="Proposta A de la sala", supports=3)
    b = add(db, sid, title="Proposta B de la sala", supports=9)
    c = add(db, sid, title="Proposta C de la sala", supports=3)
    with db.read() as s:
        ranked = P.ranking(s, sid)
    assert [(r.rank, r.proposal.id) for r in ranked] == [(1, b.id), (2, a.id), (2, c.id)]
    with db.write() as s:
        rows = P.reorder_by_supports(s, sid)
    assert [r.id for r in rows] == [b.id, a.id, c.id]
    with db.write() as s:
        rows = P.move(s, c.id, -2)
    assert [r.id for r in rows] == [c.id, b.id, a.id]
    assert "proposal.reordered" in kinds(db)


def test_merge_keeps_both_sums_supports_and_is_audited(db, sid):
    a = add(db, sid, title="Més fonts al parc de la Riera", supports=5, paper_form_id="P1")
    b = add(db, sid, title="Fonts d'aigua al parc de la Riera", supports=7)
    c = add(db, sid, title="Una font més al parc, si us plau", supports=1)
    with db.write() as s:
        P.merge(s, c.id, a.id)
        target = P.merge(s, a.id, b.id)
    assert target.supports == 13 and target.merged_count == 2
    with db.read() as s:
        rows = {r.id: r for r in P.list_proposals(s, sid)}
        ranked = P.ranking(s, sid)
    assert rows[a.id].merged_into_id == b.id and rows[c.id].merged_into_id == b.id  # no chains
    assert rows[a.id].paper_form_id == "P1" and rows[a.id].supports == 6  # origin kept
    assert [r.proposal.id for r in ranked] == [b.id]
    with db.read() as s:
        events = [e for e in s.scalars(select(AuditEvent).where(AuditEvent.kind == "proposal.merged"))]
        assert len(events) == 2 and audit.verify(s).ok
    # The merged ones were never sent: their creates are superseded, the target's create carries on.
    assert [st for _, st, _ in outbox_rows(db, a.id)] == ["superseded"]
    assert [st for _, st, _ in outbox_rows(db, b.id)] == ["pending"]
    with pytest.raises(InvalidTransition):
        with db.write() as s:
            P.set_supports(s, a.id, 3)
    with pytest.raises(ValidationError):
        with db.write() as s:
            P.merge(s, b.id, b.id)


def test_withdraw_and_delete(db, sid):
    a = add(db, sid)
    with db.write() as s:
        P.withdraw(s, a.id)
    assert [st for _, st, _ in outbox_rows(db, a.id)] == ["superseded"]
    with pytest.raises(InvalidTransition):
        with db.write() as s:
            P.update_proposal(s, a.id, body="x")
    b = add(db, sid, title="Proposta per esborrar ara")
    with db.write() as s:
        P.delete_proposal(s, b.id)
    with db.read() as s:
        assert s.get(Proposal, b.id) is None
    c = add(db, sid, title="Proposta ja enviada a Decidim")
    send(db, item_ids(db, c.id)[0])
    with pytest.raises(InvalidTransition):
        with db.write() as s:
            P.delete_proposal(s, c.id)
    with db.write() as s:
        P.withdraw(s, c.id)
    assert [op for op, _, _ in outbox_rows(db, c.id)] == ["create_proposal", "withdraw_proposal"]


def test_closed_session_is_read_only(db, sid):
    a = add(db, sid)
    with db.write() as s:
        sessions.close_session(s, sid)
    for fn in (lambda s: P.set_supports(s, a.id, 2), lambda s: P.add_proposal(s, sid, title=TITLE)):
        with pytest.raises(InvalidTransition):
            with db.write() as s:
                fn(s)


def test_list_filter_and_find(db, sid):
    add(db, sid, title="Carril bici fins a l'institut", tags="mobilitat")
    add(db, sid, title="Més ombra a la plaça", paper_form_id="Q-7")
    with db.read() as s:
        assert [r.display_title() for r in P.list_proposals(s, sid, text="INSTITUT")] == [
            "Carril bici fins a l'institut"]
        assert len(P.list_proposals(s, sid, text="mobilitat")) == 1
        assert P.find_proposal(s, "q-7").display_title() == "Més ombra a la plaça"


def test_link_vote_question(db, sid):
    from p311desk.models import VoteQuestion

    a = add(db, sid)
    with db.write() as s:
        q = VoteQuestion(id=uuid.uuid4(), session_id=sid, title="Quina?")
        s.add(q)
        s.flush()
        assert P.link_vote_question(s, a.id, q.id).vote_question_id == q.id
        with pytest.raises(ValidationError):
            P.link_vote_question(s, a.id, uuid.uuid4())
