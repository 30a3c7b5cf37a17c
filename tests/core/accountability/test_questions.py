"""Accountability sessions: the link to a plan, the questions per action and their rules."""

import datetime as dt

import pytest

from p311desk import accountability as A
from p311desk import outbox, participants, sessions
from p311desk.db import Database
from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.models import AccountabilityQuestion, OutboxItem
from tests.fixtures.accountability.pam import write_pam


@pytest.fixture
def setup(tmp_path):
    db = Database(tmp_path / "q.db")
    with db.write() as s:
        p = A.preview_file(s, write_pam(tmp_path / "pam.xlsx"))
        plan_id = A.commit(s, p, accept_warnings=True).plan_id
        sid = sessions.create_session(s, title="Retiment de comptes del PAM",
                                      starts_at=dt.datetime(2026, 10, 8, 17, 0, tzinfo=dt.timezone.utc)).id
        sessions.open_session(s, sid)
    yield db, plan_id, sid
    db.close()


def test_a_session_must_present_a_plan_before_questions(setup):
    db, plan_id, sid = setup
    with db.write() as s, pytest.raises(ValidationError) as err:
        A.ask(s, sid, "1", "Una pregunta")
    assert "accountability link" in str(err.value)
    with db.write() as s:
        A.link_session(s, sid, plan_id)
        assert sessions.get_session(s, sid).kind == "accountability"
        assert A.session_plan(s, sid) == plan_id


@pytest.mark.parametrize("ref, number", [("2", 2), ("#2", 2), ("1.1.2", 2), ("carril bici", 2),
                                         ("CARRIL   Bici", 2), ("gent gran", 8), ("10", 10)])
def test_an_action_by_number_code_or_title_part(setup, ref, number):
    db, plan_id, sid = setup
    with db.write() as s:
        A.link_session(s, sid, plan_id)
        q = A.ask(s, sid, ref, "Quan estarà acabat?")
    assert q.action_number == number and q.author_name == "" and not q.to_platform


def test_ambiguous_or_unknown_actions_are_refused_with_candidates(setup):
    db, plan_id, sid = setup
    with db.write() as s:
        A.link_session(s, sid, plan_id)
    with db.write() as s, pytest.raises(NotFound) as err:
        A.ask(s, sid, "barri", "Quan?")
    assert "2 Carril bici" in str(err.value) and "4 Recollida porta a porta" in str(err.value)
    with db.write() as s, pytest.raises(NotFound):
        A.ask(s, sid, "99", "Quan?")
    with db.read() as s:
        assert s.query(AccountabilityQuestion).count() == 0


def test_author_needs_consent_and_is_never_under_age(setup):
    db, plan_id, sid = setup
    with db.write() as s:
        A.link_session(s, sid, plan_id)
        adult = participants.add_participant(s, given_name="Marta", family_name="Fictícia",
                                             birth_date=dt.date(1980, 5, 1))
        young = participants.add_participant(s, given_name="Pau", family_name="Petit",
                                             birth_date=dt.date(2013, 1, 1))
    with db.write() as s, pytest.raises(ValidationError):
        A.ask(s, sid, "3", "Per què no passa cada 10 minuts?", author_code=adult.checkin_code)
    with db.write() as s:
        q = A.ask(s, sid, "3", "Per què no passa cada 10 minuts?", author_code=adult.checkin_code, consent=True)
    assert q.author_name == "Marta Fictícia"
    with db.write() as s, pytest.raises(ValidationError) as err:
        A.ask(s, sid, "3", "I els caps de setmana?", author_code=young.checkin_code, consent=True)
    assert "under 14" in str(err.value)
    with db.write() as s:  # anonymously, the same question is fine
        A.ask(s, sid, "3", "I els caps de setmana?")
        assert [x.author_name for x in A.list_questions(s, sid)] == ["Marta Fictícia", ""]
        stored = s.query(AccountabilityQuestion).all()
        assert sum(1 for x in stored if x.author_participant_id) == 1 and all(
            x.consent == bool(x.author_participant_id) for x in stored)


def test_bad_question_texts_and_closed_sessions_change_nothing(setup):
    db, plan_id, sid = setup
    with db.write() as s:
        A.link_session(s, sid, plan_id)
    for text in ("", "  ", "x" * 901):
        with db.write() as s, pytest.raises(ValidationError):
            A.ask(s, sid, "1", text)
    with db.write() as s:
        sessions.close_session(s, sid)
    with db.write() as s, pytest.raises(InvalidTransition):
        A.ask(s, sid, "1", "Massa tard?")
    with db.read() as s:
        assert s.query(AccountabilityQuestion).count() == 0


def test_spreadsheet_questions_stay_local_platform_ones_are_queued(setup):
    db, plan_id, sid = setup
    with db.write() as s:
        A.link_session(s, sid, plan_id)
        A.ask(s, sid, "1", "Una pregunta local")
        assert s.query(OutboxItem).filter(OutboxItem.entity_type == A.COMMENT_ENTITY).count() == 0
        res = A.apply_results(s, "decidim.example.org", "42", [
            A.RemoteResult("100", None, {"ca": "Objectiu de la plataforma"}),
            A.RemoteResult("101", "100", {"ca": "Acció de la plataforma"}, progress=30.0,
                           commentable_type="Decidim::Accountability::Result")], name={"ca": "PAM a Participa311"})
        assert res.created == 2
        other = A.find_plan(s, "Participa311").id
        sid2 = sessions.create_session(s, title="Sessió amb la plataforma").id
        A.link_session(s, sid2, other)
        q = A.ask(s, sid2, "id:101", "Quan s'acaba?")
        assert q.to_platform and q.status == "pending"
        (item,) = outbox.items_for(s, A.COMMENT_ENTITY, q.id)
        assert item.operation == outbox.COMMENT
        payload = item.payload
    assert payload["commentable_id"] == "101" and payload["commentable_type"] == "Decidim::Accountability::Result"
    assert payload["platform"] == "decidim.example.org" and payload["locale"] == "ca"
    # In the session's language (Catalan), with the date of the session.
    assert payload["body"].startswith("Preguntat a la sessió de retiment de comptes «Sessió amb la plataforma» del ")
    assert payload["body"].endswith("Quan s'acaba?")


def test_pulling_twice_changes_nothing_and_keeps_asked_results(setup):
    db, _plan, _sid = setup
    results = [A.RemoteResult("1", None, {"ca": "Eix"}), A.RemoteResult("2", "1", {"ca": "Acció"}, progress=50.0),
               A.RemoteResult("3", "1", {"ca": "Una altra"}, progress=10.0)]
    with db.write() as s:
        assert A.apply_results(s, "h", "9", results).created == 3
    with db.write() as s:
        again = A.apply_results(s, "h", "9", results)
        assert (again.created, again.updated, again.removed) == (0, 0, 0)
        plan = A.find_plan(s, "9").id
        sid = sessions.create_session(s, title="S").id
        A.link_session(s, sid, plan)
        A.ask(s, sid, "id:2", "Pregunta sobre l'acció")
    with db.write() as s:
        gone = A.apply_results(s, "h", "9", results[:1] + results[2:])
    assert gone.removed == 0 and gone.kept == ["Acció"]
    with db.write() as s:
        gone = A.apply_results(s, "h", "9", results[:1])
    assert gone.removed == 1


def test_a_question_edited_behind_the_apps_back_is_named_by_the_audit(setup):
    import sqlite3

    from p311desk import audit

    db, plan_id, sid = setup
    with db.write() as s:
        A.link_session(s, sid, plan_id)
        A.ask(s, sid, "1", "Quan s'acabarà la pacificació?")
    with db.read() as s:
        assert audit.verify(s).ok
    con = sqlite3.connect(db.path)
    con.execute("UPDATE accountability_question SET text = 'Una altra pregunta'")
    con.execute("UPDATE accountability_item SET progress = 100 WHERE number = 7")
    con.commit()
    con.close()
    with db.read() as s:
        report = audit.verify(s)
    assert not report.ok



def test_a_component_id_is_not_read_as_an_id_prefix(monkeypatch):
    """CI flake, a real bug: the component id "9" also matched every plan whose random id began
    with 9 (one run in sixteen). With such a plan beside component 9's, "9" is component 9."""
    import types
    import uuid

    from p311desk.accountability import service

    spreadsheet = types.SimpleNamespace(id=uuid.UUID("9" + "0" * 31), decidim_component_id=None, title="PAM")
    pulled = types.SimpleNamespace(id=uuid.UUID("1" * 32), decidim_component_id="9", title="Pla (plataforma)")
    monkeypatch.setattr(service, "list_plans", lambda s: [spreadsheet, pulled])
    assert service.find_plan(None, "9") is pulled
    assert service.find_plan(None, "90000") is spreadsheet  # a longer prefix still finds it
