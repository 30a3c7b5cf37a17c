"""Answering (kiosk code, one-time code, paper), results and trend against hand computations."""

import datetime as dt
import json

import pytest

from p311desk import evaluation, sessions
from p311desk.errors import InvalidTransition, NotFound
from p311desk.models import AuditEvent
from tests.core.evaluation.conftest import make_room


def test_paper_keying_refuses_a_form_id_entered_twice(db):
    room = make_room(db, 5)
    with db.write() as s:
        ids = evaluation.issue_slips(s, room.session_id, 3)
    assert len(set(ids)) == 3 and all(i.startswith("EV") and len(i) == 10 for i in ids)
    with db.write() as s:
        r = evaluation.answer_paper(s, room.session_id, ["4", "3", "4", "4"], ["Més exemples"], form_id=ids[0])
    assert r.answers == 1
    # typed again, in lower case with a space and without the prefix: the same form
    for typed in (ids[0], ids[0].lower(), ids[0][2:6] + " " + ids[0][6:]):
        with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="answered already"):
            evaluation.answer_paper(s, room.session_id, ["1", "1", "1", "1"], form_id=typed)
    with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="was not printed"):
        evaluation.answer_paper(s, room.session_id, ["1", "1", "1", "1"], form_id="EVAAAAAAAA")
    with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="not a form id"):
        evaluation.answer_paper(s, room.session_id, ["1", "1", "1", "1"], form_id="PF12")
    with db.read() as s:
        form = evaluation.get_form(s, room.session_id)
    assert (form.answers, form.slips, form.slips_used) == (1, 3, 1)


def test_kiosk_code_answers_once_and_only_if_present(db):
    room = make_room(db, 3, 1)
    with db.read() as s:
        assert evaluation.kiosk_respondent(s, room.session_id, room.codes[0]) == "Persona00 Serra"
        with pytest.raises(evaluation.EvaluationRefused, match="has not checked in"):
            evaluation.kiosk_respondent(s, room.session_id, room.codes[3])
        with pytest.raises(evaluation.EvaluationRefused, match="Unknown code"):
            evaluation.kiosk_respondent(s, room.session_id, "NOPE9999")
    with db.write() as s:
        evaluation.answer(s, room.session_id, [5, 4, 4, 3, None], code=room.codes[0], channel="kiosk")
    with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="answered the evaluation already"):
        evaluation.answer(s, room.session_id, [1, 1, 1, 1, None], code=room.codes[0], channel="kiosk")
    with db.read() as s, pytest.raises(evaluation.EvaluationRefused, match="answered the evaluation already"):
        evaluation.kiosk_respondent(s, room.session_id, room.codes[0])
    # a one-time code (a printed form's id) works once, at the kiosk or on paper
    with db.write() as s:
        code = evaluation.issue_slips(s, room.session_id, 1)[0]
    with db.read() as s:
        assert evaluation.kiosk_respondent(s, room.session_id, code) == f"Form {code}"
    with db.write() as s:
        evaluation.answer(s, room.session_id, [3, 3, 3, 3, None], form_id=code, channel="code")
    with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="answered already"):
        evaluation.answer_paper(s, room.session_id, ["3", "3", "3", "3"], form_id=code)


def test_form_editable_until_the_first_answer_and_answers_only_while_open(db, tmp_path):
    room = make_room(db, 2)
    f = tmp_path / "curt.json"
    f.write_text(json.dumps({"name": "Curt", "questions": [{"kind": "scale", "points": 5, "text": "Nota"}]}))
    with db.write() as s:
        form = evaluation.attach_form(s, room.session_id, str(f))
    assert form.template == "Curt" and len(form.questions) == 1 and form.editable
    with db.write() as s:
        evaluation.attach_form(s, room.session_id, "gomunicipal")
        evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"])
    with db.write() as s, pytest.raises(InvalidTransition, match="has answers already"):
        evaluation.attach_form(s, room.session_id, str(f))
    with db.write() as s:
        evaluation.close_evaluation(s, room.session_id)
    with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="evaluation is closed"):
        evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"])
    with db.write() as s:
        draft = sessions.create_session(s, title="Esborrany").id
        evaluation.attach_form(s, draft)
    with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="has not started"):
        evaluation.answer_paper(s, draft, ["4", "4", "4", "4"])
    with db.write() as s:
        bare = sessions.create_session(s, title="Sense formulari").id
    with db.read() as s, pytest.raises(NotFound, match="no evaluation form"):
        evaluation.results(s, bare)


# Twelve paper forms, keyed (content, duration, understood, apply, proposal):
FORMS = [
    (5, 4, 4, 4, "Més casos pràctics"), (4, 4, 3, 3, None), (4, 3, 4, 4, None), (3, 2, 2, 1, "Sessions més llargues"),
    (5, 5, 4, 4, None), (4, 4, 3, None, None), (2, 3, 3, 2, "Un exemple de Girona"), (4, None, 4, 3, None),
    (5, 4, 4, 4, None), (3, 3, 3, 3, None), (4, 4, 4, 4, None), (None, 4, 4, 4, None),
]


def _key(db, sid, rows):
    for values in rows:
        with db.write() as s:
            evaluation.answer(s, sid, list(values), channel="paper")


def test_results_against_a_hand_computation(db):
    room = make_room(db, 16, 4)  # 16 present
    _key(db, room.session_id, FORMS)
    with db.read() as s:
        live = evaluation.results(s, room.session_id)
    assert live.answers == 12 and not live.closed and live.questions == ()  # only the count while open
    with db.write() as s:
        evaluation.close_evaluation(s, room.session_id)
    with db.read() as s:
        r = evaluation.results(s, room.session_id)
    assert (r.answers, r.present) == (12, 16) and r.response_rate == pytest.approx(0.75)
    content, duration, understood, apply_, proposal = r.questions
    # content: 5,4,4,3,5,4,2,4,5,3,4 (one blank) -> 1×2, 2×3, 5×4, 3×5 ; sum 43, n 11
    assert content.counts == (0, 1, 2, 5, 3) and content.n == 11 and content.mean == pytest.approx(43 / 11)
    # duration: 4,4,3,2,5,4,3,4,3,4,4 -> sum 40, n 11
    assert duration.counts == (0, 1, 3, 6, 1) and duration.n == 11 and duration.mean == pytest.approx(40 / 11)
    # understood: 4,3,4,2,4,3,3,4,4,3,4,4 -> 1×2, 4×3, 7×4 ; sum 42, n 12
    assert understood.counts == (0, 1, 4, 7) and understood.mean == pytest.approx(42 / 12)
    assert understood.labels == ("Gens", "Poc", "Força", "Molt")
    # apply: 4,3,4,1,4,2,3,4,3,4,4 -> 1,2,3×3,4×6 ; sum 36, n 11
    assert apply_.counts == (1, 1, 3, 6) and apply_.n == 11 and apply_.mean == pytest.approx(36 / 11)
    assert sorted(proposal.texts) == sorted(["Més casos pràctics", "Sessions més llargues", "Un exemple de Girona"])
    assert proposal.n == 3 and proposal.mean is None
    # the audit says an answer came in, never what
    with db.read() as s:
        payloads = [json.loads(e.payload) for e in s.query(AuditEvent).filter(AuditEvent.kind == "evaluation.answered")]
    assert len(payloads) == 12 and all(set(p) == {"channel"} for p in payloads)


def test_trend_of_a_series_against_a_hand_computation(db):
    series = "Dijous GOmunicipal"
    rooms = []
    for month, rows, present in ((10, [(4, 4, 3, 3, None), (2, 4, 3, 1, "Menys teoria")], 4),
                                 (9, [(3, 3, 2, 2, None), (5, 5, 4, 4, None), (4, None, 3, 3, None)], 5),
                                 (11, [(5, 4, 4, 4, "Més sessions")], 3)):
        room = make_room(db, present, title=f"GOmunicipal {month}", series=series if month != 11 else "dijous  gomunicipal",
                         starts=dt.datetime(2026, month, 24, 10, tzinfo=dt.timezone.utc), prefix=f"T{month}")
        _key(db, room.session_id, rows)
        with db.write() as s:
            evaluation.close_evaluation(s, room.session_id)
        rooms.append(room)
    # a session of another series and one of this series still taking answers are left out
    other = make_room(db, 2, title="Altres", series="Un altre cicle", prefix="O")
    _key(db, other.session_id, [(1, 1, 1, 1, None)])
    still_open = make_room(db, 2, title="GOmunicipal 12", series=series,
                           starts=dt.datetime(2026, 12, 17, 10, tzinfo=dt.timezone.utc), prefix="T12")
    _key(db, still_open.session_id, [(1, 1, 1, 1, None)])
    with db.read() as s:
        tr = evaluation.trend(s, "DIJOUS GOMUNICIPAL", lang="ca")
        texts = evaluation.series_texts(s, series)
    assert [t for _i, t, _d in tr.sessions] == ["GOmunicipal 9", "GOmunicipal 10", "GOmunicipal 11"]
    assert tr.answers == 6
    lines = {line.key: line for line in tr.lines}
    assert list(lines) == ["content", "duration", "understood", "apply"]
    # content: Sep (3+5+4)/3 = 4, Oct (4+2)/2 = 3, Nov 5
    assert [p.mean for p in lines["content"].values] == pytest.approx([4.0, 3.0, 5.0])
    assert [p.n for p in lines["content"].values] == [3, 2, 1]
    # duration: Sep (3+5)/2 = 4 (one blank), Oct 4, Nov 4
    assert [(p.mean, p.n) for p in lines["duration"].values] == [(4.0, 2), (4.0, 2), (4.0, 1)]
    # apply: Sep (2+4+3)/3 = 3, Oct (3+1)/2 = 2, Nov 4
    assert [p.mean for p in lines["apply"].values] == pytest.approx([3.0, 2.0, 4.0])
    assert lines["understood"].text == "Creieu que la sessió s'ha entès?" and lines["understood"].points == 4
    assert [(t.session_title, t.text) for t in texts] == [("GOmunicipal 10", "Menys teoria"),
                                                          ("GOmunicipal 11", "Més sessions")]


def test_series_set_on_create_and_edited_even_when_closed(db):
    with db.write() as s:
        sid = sessions.create_session(s, title="Sessió", series="  Dijous   GOmunicipal ").id
        sessions.open_session(s, sid)
        sessions.close_session(s, sid)
    with db.write() as s:
        assert sessions.get_session(s, sid).series == "Dijous GOmunicipal"
        assert sessions.update_session(s, sid, series="Cicle 2027").series == "Cicle 2027"
        with pytest.raises(InvalidTransition, match="closed session cannot be edited"):
            sessions.update_session(s, sid, title="Nou títol")
    with db.write() as s:
        assert sessions.update_session(s, sid, series="").series is None
        assert evaluation.list_series(s) == []


def test_response_rate_with_nobody_present_is_none(db):
    room = make_room(db, 0)
    with db.write() as s:
        evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"])
        evaluation.close_evaluation(s, room.session_id)
    with db.read() as s:
        assert evaluation.results(s, room.session_id).response_rate is None


def test_a_box_edited_behind_the_apps_back_is_one_sentence(db):
    import sqlite3

    from p311desk.errors import ValidationError

    room = make_room(db, 2)
    with db.write() as s:
        evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"])
        evaluation.close_evaluation(s, room.session_id)
    con = sqlite3.connect(db.path)
    con.execute("""UPDATE evaluation_box SET answers = '{"x": 1}'""")
    con.commit()
    con.close()
    with db.read() as s, pytest.raises(ValidationError, match="damaged"):
        evaluation.results(s, room.session_id)


def test_two_windows_keying_the_same_form_id_record_it_once(tmp_path):
    import threading

    from p311desk.db import Database

    first = Database(tmp_path / "p311desk.db")
    room = make_room(first, 2)
    with first.write() as s:
        form_id = evaluation.issue_slips(s, room.session_id, 1)[0]
    second = Database(tmp_path / "p311desk.db")
    outcomes = []

    def key(db):
        try:
            with db.write() as s:
                evaluation.answer_paper(s, room.session_id, ["3", "3", "3", "3"], form_id=form_id)
            outcomes.append("ok")
        except evaluation.EvaluationRefused as err:
            outcomes.append(err.message())

    threads = [threading.Thread(target=key, args=(d,)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with first.read() as s:
        assert evaluation.get_form(s, room.session_id).answers == 1
    assert sorted(outcomes)[0].endswith("has been answered already.") and "ok" in outcomes
    first.close()
    second.close()
