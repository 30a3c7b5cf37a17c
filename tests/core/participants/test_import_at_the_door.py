"""Imports that would put the wrong person at the door: codes held by someone else; skipping rows."""

import datetime as dt

import pytest

from p311desk import attendance, sessions
from p311desk import participants as pi
from p311desk.errors import ValidationError
from p311desk.models import Participant
from p311desk.spreadsheets.reader import read_table

TODAY = dt.date(2026, 11, 23)


def _plan(db, path, sid):
    with db.write() as s:
        return pi.preview(s, read_table(path), session_id=sid, today=TODAY)


def test_a_code_already_held_by_someone_else_is_an_error_row(db, tmp_path):
    with db.write() as s:
        sid = sessions.create_session(s, title="Consell").id
        sessions.open_session(s, sid)
        joan = pi.add_participant(s, given_name="Joan", family_name="Prat", email="joan@example.org")
    path = tmp_path / "edited_export.csv"
    path.write_text("Nom;Cognoms;Correu;Codi\n"
                    f"Joan;Prat;joan@example.org;{joan.checkin_code}\n",  # Joan himself, his own code: fine
                    encoding="utf-8")
    assert _plan(db, path, sid).rows[0].status != "error"
    path.write_text("Nom;Cognoms;Correu;Codi\n"
                    f"Marta;Soler;marta@example.org;{joan.checkin_code}\n",  # Joan's badge code on Marta's row
                    encoding="utf-8")
    plan = _plan(db, path, sid)
    (marta,) = plan.rows
    assert marta.status == "error"
    assert any("already belongs to Joan Prat" in p.message() for p in marta.problems)
    with pytest.raises(ValidationError):
        with db.write() as s:
            pi.commit(s, plan, accept_warnings=True)
    with db.read() as s:  # nothing written; Joan's badge still checks in Joan
        assert s.query(Participant).count() == 1
        assert attendance.build_index(s, sid).choose(joan.checkin_code).person.participant_id == joan.id


def test_the_technician_skips_single_rows(db, tmp_path):
    with db.write() as s:
        sid = sessions.create_session(s, title="Consell").id
    path = tmp_path / "people.csv"
    path.write_text("Nom;Cognoms;Data de naixement\n"
                    "Anna;Vidal;03/04/1980\n"
                    "Pol;Petit;05/06/2014\n"  # twelve: a warning
                    "Marc;Roca;not a date\n",  # an error
                    encoding="utf-8")
    plan = _plan(db, path, sid)
    assert [r.status for r in plan.rows] == ["new", "warning", "error"]
    assert plan.rows[0].values["birth_date"] == dt.date(1980, 4, 3)  # read as day/month
    with pytest.raises(ValidationError):  # the error row still blocks
        with db.write() as s:
            pi.commit(s, plan, skip_rows={plan.rows[1].row})
    with db.write() as s:
        result = pi.commit(s, plan, skip_rows={plan.rows[1].row, plan.rows[2].row})
    assert result.created == 1 and result.skipped == 2
    with db.read() as s:
        assert [p.given_name for p in s.query(Participant)] == ["Anna"]
