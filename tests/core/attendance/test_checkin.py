"""Check-in at the door: codes, names, already-in, unknown, under-14 rule, undo, walk-ins, exports."""

import csv
import datetime as dt
import uuid

import pytest

from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.models import Attendance, AuditEvent, OutboxItem, Participant, Registration
from p311desk import attendance
from p311desk import sessions
from p311desk.participants import add_participant, register

START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def room(db):
    """A session with three registered people: an adult, a 13-year-old, one from Decidim."""
    with db.write() as s:
        sid = sessions.create_session(s, title="Assemblea", starts_at=START).id
        sessions.open_session(s, sid)
        adult = add_participant(s, given_name="Núria", family_name="Puig i Bosch", email="nuria@example.org",
                                birth_date=dt.date(1980, 1, 1))
        kid = add_participant(s, given_name="Pol", family_name="Petit", birth_date=dt.date(2013, 1, 1))
        dec = add_participant(s, given_name="Joana", family_name="Fictícia")
        for p in (adult, kid):
            register(s, sid, p.id)
        reg = register(s, sid, dec.id, code="G7PTGEUG", source="decidim")
        reg.decidim_registration_id = "301"
        ids = {"adult": adult.id, "kid": kid.id, "dec": dec.id, "adult_code": adult.checkin_code}
    return sid, ids


def _kinds(db):
    with db.read() as s:
        return [e.kind for e in s.query(AuditEvent).order_by(AuditEvent.seq)]


def test_check_in_by_code_then_already(db, room):
    sid, ids = room
    with db.write() as s:
        r = attendance.check_in(s, sid, " " + ids["adult_code"].lower() + "\n")
    assert r.kind == attendance.WELCOME and r.participant.id == ids["adult"]
    assert "Welcome, Núria Puig i Bosch" in r.message()
    with db.write() as s:
        again = attendance.check_in(s, sid, ids["adult_code"])
    assert again.kind == attendance.ALREADY and again.checked_in_at == r.checked_in_at
    assert attendance.local_time(r.checked_in_at) in again.message()
    with db.read() as s:
        assert s.query(Attendance).count() == 1
        assert attendance.counter(s, sid) == attendance.Counter(1, 3)
    assert _kinds(db).count("attendance.checked_in") == 1


def test_unknown_code(db, room):
    sid, _ids = room
    with db.write() as s:
        r = attendance.check_in(s, sid, "ZZZZ9999")
    assert r.kind == attendance.UNKNOWN and "ZZZZ9999" in r.message()
    with db.read() as s:
        assert s.query(Attendance).count() == 0


def test_under_14_refused_unless_the_session_allows_it(db, room):
    sid, ids = room
    with db.write() as s:
        r = attendance.check_in(s, sid, ids["kid"])
    assert r.kind == attendance.UNDER_AGE and "under 14" in r.message()
    with db.read() as s:
        assert s.query(Attendance).count() == 0
    assert "attendance.refused_under_age" in _kinds(db)
    with db.write() as s:
        sessions.update_session(s, sid, enforce_min_age=False)
    with db.write() as s:
        assert attendance.check_in(s, sid, ids["kid"]).kind == attendance.WELCOME


def test_birth_year_only_gives_the_benefit_of_the_doubt(db, room):
    sid, _ids = room
    with db.write() as s:
        maybe14 = add_participant(s, given_name="Aina", birth_year=2012)  # 13 or 14 in 2026
        surely13 = add_participant(s, given_name="Biel", birth_year=2013)
        assert attendance.check_in(s, sid, maybe14.id).kind == attendance.WELCOME
        assert attendance.check_in(s, sid, surely13.id).kind == attendance.UNDER_AGE


def test_decidim_registration_code_checks_in_and_queues_validation_undo_supersedes(db, room):
    sid, ids = room
    with db.write() as s:
        r = attendance.check_in(s, sid, "g7pt geug")
    assert r.kind == attendance.WELCOME and r.participant.id == ids["dec"]
    with db.read() as s:
        item = s.query(OutboxItem).one()
        assert item.operation == "validate_registration_code"
        assert item.payload == {"attendance_id": str(s.query(Attendance).one().id)}
        assert s.get(Registration, item.entity_id).code == "G7PTGEUG"
    with db.write() as s:
        undone = attendance.undo_last(s, sid)
    assert undone.participant.id == ids["dec"]
    with db.read() as s:
        assert s.query(OutboxItem).one().status == "superseded"
        assert s.query(Attendance).one().cancelled_at is not None
        assert attendance.counter(s, sid).present == 0
    assert _kinds(db)[-1] == "attendance.undone"


def test_undo_last_undoes_only_the_last(db, room):
    sid, ids = room
    with db.write() as s:
        attendance.check_in(s, sid, ids["adult"])
    with db.write() as s:
        attendance.check_in(s, sid, ids["dec"])
    with db.write() as s:
        assert attendance.undo_last(s, sid).participant.id == ids["dec"]
    with db.read() as s:
        assert attendance.present_ids(s, sid) == {ids["adult"]}
    with db.write() as s:
        attendance.undo_last(s, sid)
    with pytest.raises(NotFound):
        with db.write() as s:
            attendance.undo_last(s, sid)
    # Checking in again after an undo works (the cancelled row is kept).
    with db.write() as s:
        assert attendance.check_in(s, sid, ids["adult"]).kind == attendance.WELCOME
    with db.read() as s:
        assert s.query(Attendance).count() == 3


def test_walk_in_registers_with_consent_version_and_checks_in(db, room):
    sid, _ids = room
    consent = attendance.consent_text("ca")
    assert consent.version == "v1" and "consento" in consent.text.lower()
    with db.write() as s:
        r = attendance.register_walk_in(s, sid, given_name=" Marcel·lí ", family_name="Riera",
                                        age_confirmed=True, consent=True, consent_version=consent.stored)
    assert r.kind == attendance.WELCOME and r.walk_in
    with db.read() as s:
        p = s.get(Participant, r.participant.id)
        assert p.source == "walkin" and p.consent_version == "v1/ca" and p.consent_at is not None
        assert p.age_confirmed
        att = s.query(Attendance).one()
        assert att.method == "walkin"
        assert attendance.counter(s, sid) == attendance.Counter(1, 3)


def test_walk_in_rules(db, room):
    sid, _ids = room
    base = dict(given_name="Pep", consent=True)
    with pytest.raises(ValidationError):
        with db.write() as s:
            attendance.register_walk_in(s, sid, **base)  # neither birth year nor 14+ confirmation
    with pytest.raises(ValidationError):
        with db.write() as s:
            attendance.register_walk_in(s, sid, given_name="Pep", age_confirmed=True)  # no consent
    with pytest.raises(ValidationError):
        with db.write() as s:
            attendance.register_walk_in(s, sid, **base, age_confirmed=True, email="pep@")
    with db.write() as s:
        r = attendance.register_walk_in(s, sid, **base, birth_year=2015)
    assert r.kind == attendance.UNDER_AGE and "Pep" in r.message()
    with db.read() as s:
        assert s.query(Participant).filter_by(given_name="Pep").count() == 0
    with db.write() as s:
        ok = attendance.register_walk_in(s, sid, **base, birth_year=1990, email="nuria@example.org")
    assert ok.participant.given_name == "Núria"  # a known e-mail is the known person


def test_closed_session_refuses_check_in(db, room):
    sid, ids = room
    with db.write() as s:
        sessions.close_session(s, sid)
    with pytest.raises(InvalidTransition):
        with db.write() as s:
            attendance.check_in(s, sid, ids["adult"])


def test_search_as_you_type_is_accent_case_and_middle_dot_insensitive(db, room):
    sid, ids = room
    with db.write() as s:
        add_participant(s, given_name="Marcel·lí", family_name="Gal·la", email="mg@example.org")
        add_participant(s, given_name="Nuri", family_name="Altra")
    with db.read() as s:
        index = attendance.build_index(s, sid)
    assert [h.participant_id for h in index.search("NURIA puig")] == [ids["adult"]]
    assert [h.name for h in index.search("marcelli galla")] == ["Marcel·lí Gal·la"]
    assert [h.name for h in index.search("mARCEL.LÍ")] == ["Marcel·lí Gal·la"]
    assert index.search("nuri")[0].registered  # registered people first
    assert index.search("g7ptgeug")[0].participant_id == ids["dec"]  # Decidim registration code
    assert index.search("   ") == []


def test_export_attendance_protects_against_formula_injection(db, room, tmp_path):
    sid, _ids = room
    with db.write() as s:
        evil = add_participant(s, given_name="=HYPERLINK(\"http://x\")", family_name="+1", email="e@example.org")
        register(s, sid, evil.id)
        attendance.check_in(s, sid, evil.id)
    with db.read() as s:
        n = attendance.export_attendance(s, sid, tmp_path / "a.csv")
        attendance.export_attendance(s, sid, tmp_path / "a.xlsx")
        attendance.export_registry(s, tmp_path / "r.csv")
    assert n == 4
    rows = list(csv.reader((tmp_path / "a.csv").open(encoding="utf-8-sig"), delimiter=";"))
    evil_row = next(r for r in rows if "HYPERLINK" in r[0])
    assert evil_row[0].startswith("'=") and evil_row[1] == "'+1" and evil_row[5] == "yes"
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "a.xlsx").active
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
    assert any(v.startswith("'=HYPERLINK") for v in values)
    with pytest.raises(ValidationError):
        with db.read() as s:
            attendance.export_attendance(s, sid, tmp_path / "a.pdf")


def test_audit_payloads_carry_no_personal_data(db, room):
    sid, ids = room
    with db.write() as s:
        attendance.check_in(s, sid, ids["adult"])
        attendance.register_walk_in(s, sid, given_name="Secret", family_name="Name", email="secret@example.org",
                                    age_confirmed=True, consent=True)
    with db.read() as s:
        payloads = " ".join(e.payload for e in s.query(AuditEvent))
    assert "Secret" not in payloads and "secret@example.org" not in payloads and "Núria" not in payloads


def test_unknown_session(db):
    with pytest.raises(NotFound):
        with db.write() as s:
            attendance.check_in(s, uuid.uuid4(), "X")


def test_enter_picks_only_an_exact_code_or_one_registered_whole_name(db, room):
    sid, ids = room
    with db.write() as s:
        add_participant(s, given_name="Núria", family_name="Puig Soler")  # shares "Núria Puig", not registered
        twin_a = add_participant(s, given_name="Pau", family_name="Font")
        twin_b = add_participant(s, given_name="Pau", family_name="Font")
        register(s, sid, twin_a.id)
        register(s, sid, twin_b.id)
    with db.read() as s:
        index = attendance.build_index(s, sid)
    assert index.choose(ids["adult_code"].lower()).person.participant_id == ids["adult"]
    assert index.choose(" g7pt geug ").person.participant_id == ids["dec"]  # registration code
    choice = index.choose("nuria  PUIG i bosch")
    assert choice.by == "name" and choice.person.participant_id == ids["adult"]
    partial = index.choose("nuria")
    assert partial.person is None and len(partial.candidates) == 2
    assert index.choose(ids["adult_code"][:4]).person is None  # a fragment of a code
    assert index.choose("Pau Font").person is None  # two people share the name
    unregistered = index.choose("Núria Puig Soler")
    assert unregistered.person is None and [h.name for h in unregistered.candidates] == ["Núria Puig Soler"]


def test_draft_session_refuses_check_in_and_walk_in(db):
    with db.write() as s:
        sid = sessions.create_session(s, title="Next week", starts_at=START).id
        p = add_participant(s, given_name="Anna", family_name="Vidal", birth_date=dt.date(1990, 1, 1))
        register(s, sid, p.id)
    with pytest.raises(InvalidTransition, match="not open yet"):
        with db.write() as s:
            attendance.check_in(s, sid, p.checkin_code)
    with pytest.raises(InvalidTransition, match="not open yet"):
        with db.write() as s:
            attendance.register_walk_in(s, sid, given_name="Joan", family_name="Serra", birth_year=1990,
                                        consent=True)
    with db.read() as s:
        assert s.query(Attendance).count() == 0


def test_recent_not_arrived_similar_and_walk_in_of_a_known_person(db, room, tmp_path):
    sid, ids = room
    with db.write() as s:
        attendance.check_in(s, sid, ids["adult"])
        attendance.check_in(s, sid, "G7PTGEUG")
    with db.read() as s:
        recent = attendance.recent_checkins(s, sid)
        assert [r.name for r in recent] == ["Joana Fictícia", "Núria Puig i Bosch"]
        assert recent[0].method == "qr" and recent[1].method == "name" and recent[0].registered
        assert [r.full_name for r in attendance.not_arrived(s, sid)] == ["Pol Petit"]
        assert attendance.export_not_arrived(s, sid, tmp_path / "absent.csv") == 1
        similar = attendance.similar_people(s, given_name="nuria", family_name="Puig I Bosch")
        assert [p.id for p in similar] == [ids["adult"]]
        assert [p.id for p in attendance.similar_people(s, given_name="X", email="NURIA@example.org")] == [ids["adult"]]
        assert attendance.similar_people(s, given_name="Ningú", family_name="Conegut") == []
    with db.write() as s:
        result = attendance.register_walk_in(s, sid, given_name="Pol", family_name="Petit", consent=True,
                                             existing_id=ids["kid"])
    assert result.kind == attendance.UNDER_AGE and result.participant.id == ids["kid"]
    with db.read() as s:
        assert s.query(Participant).count() == 3  # nobody created twice
