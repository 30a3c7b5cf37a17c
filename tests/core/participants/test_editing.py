"""Correcting people: edit, merge (attendance kept, audited), remove only without attendance."""

import datetime as dt

import pytest

from p311desk import attendance, audit, sessions
from p311desk import participants as pi
from p311desk.errors import InvalidTransition, ValidationError
from p311desk.models import Attendance, AuditEvent, Participant, Registration


@pytest.fixture
def two_sessions(db):
    with db.write() as s:
        a = sessions.create_session(s, title="Primera").id
        b = sessions.create_session(s, title="Segona").id
        for sid in (a, b):
            sessions.open_session(s, sid)
    return a, b


def test_edit_a_person(db):
    with db.write() as s:
        pid = pi.add_participant(s, given_name="Nuria", family_name="Puig", email="n@example.org").id
    with db.write() as s:
        person = pi.update_participant(s, pid, given_name=" Núria ", family_name="Puig i Bosch", phone="600 111 222",
                                       birth_date=dt.date(1980, 4, 3), organisation="AV Riera")
    assert person.full_name == "Núria Puig i Bosch" and person.birth_year == 1980
    with db.read() as s:
        p = s.get(Participant, pid)
        assert p.phone == "600 111 222" and "nuria puig i bosch" in p.search_key
        event = s.query(AuditEvent).filter_by(kind="participant.updated").one()
        assert "Puig" not in str(event.payload)  # field names, not personal data
        assert attendance.build_index(s).choose("Núria Puig i Bosch").person is None  # not registered anywhere
    for bad in (dict(email="not-an-email"), dict(given_name="", family_name=""), dict(birth_date=dt.date(1800, 1, 1))):
        with pytest.raises(ValidationError):
            with db.write() as s:
                pi.update_participant(s, pid, **bad)
    with db.read() as s:
        assert s.get(Participant, pid).email == "n@example.org"
        assert audit.verify(s).ok


def test_merge_keeps_attendance_and_registrations(db, two_sessions):
    a, b = two_sessions
    with db.write() as s:
        keep = pi.add_participant(s, given_name="Joan", family_name="Prat", email="joan@example.org").id
        dup = pi.add_participant(s, given_name="Joan", family_name="Prat Soler", phone="600000000").id
        pi.register(s, a, keep)
        pi.register(s, a, dup, code="G7PTGEUG")
        pi.register(s, b, dup)
        attendance.check_in(s, a, keep)
        attendance.check_in(s, a, dup)  # the same person checked in twice under two records
        attendance.check_in(s, b, dup)
    with db.write() as s:
        merged = pi.merge_participants(s, keep, dup)
    assert merged.id == keep
    with db.read() as s:
        assert s.get(Participant, dup) is None
        p = s.get(Participant, keep)
        assert p.phone == "600000000" and p.email == "joan@example.org"  # empty details filled in
        regs = s.query(Registration).filter_by(participant_id=keep).all()
        assert {r.session_id for r in regs} == {a, b}
        assert [r.code for r in regs if r.session_id == a] == ["G7PTGEUG"]
        atts = s.query(Attendance).filter_by(participant_id=keep).all()
        assert len(atts) == 3  # all history kept
        assert attendance.counter(s, a).present == 1 and attendance.counter(s, b).present == 1
        kinds = [e.kind for e in s.query(AuditEvent).order_by(AuditEvent.seq)]
        assert "participant.merged" in kinds and "participant.deleted" in kinds
        assert audit.verify(s).ok
    with pytest.raises(InvalidTransition):
        with db.write() as s:
            pi.merge_participants(s, keep, keep)


def test_remove_only_a_person_who_never_attended(db, two_sessions):
    a, _b = two_sessions
    with db.write() as s:
        came = pi.add_participant(s, given_name="Anna", family_name="Vidal").id
        never = pi.add_participant(s, given_name="Pere", family_name="Roca").id
        pi.register(s, a, came)
        pi.register(s, a, never)
        attendance.check_in(s, a, came)
    with pytest.raises(InvalidTransition, match="attended"):
        with db.write() as s:
            pi.remove_participant(s, came)
    with db.write() as s:
        gone = pi.remove_participant(s, never)
    assert gone.full_name == "Pere Roca"
    with db.read() as s:
        assert s.get(Participant, never) is None and s.get(Participant, came) is not None
        assert s.query(Registration).count() == 1
        assert audit.verify(s).ok
