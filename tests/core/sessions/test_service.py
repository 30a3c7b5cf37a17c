import datetime as dt
import uuid

import pytest

from p311desk.errors import InvalidTransition, NotFound, ValidationError
from p311desk.models import AuditEvent, OutboxItem, ParticipationSession
from p311desk import audit
from p311desk import outbox
from p311desk import sessions

T0 = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.timezone.utc)


def test_create_session_stamps_identity_and_audits(db):
    with db.write() as s:
        info = sessions.create_session(s, title="  Assemblea  ", starts_at=T0, place="Casal")
    assert info.title == "Assemblea" and info.status == "draft"
    with db.read() as s:
        row = s.get(ParticipationSession, info.id)
        assert row.origin_device == db.device_id
        assert row.created_at.tzinfo is not None
        assert row.starts_at == T0
        kinds = [e.kind for e in s.query(AuditEvent).order_by(AuditEvent.seq)]
    assert kinds == ["session.created"]


@pytest.mark.parametrize("kwargs", [
    {"title": "   "},
    {"title": "x", "kind": "party"},
    {"title": "x", "starts_at": T0, "ends_at": T0 - dt.timedelta(hours=1)},
    {"title": "x", "language": "fr"},
])
def test_invalid_session_changes_nothing(db, kwargs):
    with pytest.raises(ValidationError):
        with db.write() as s:
            sessions.create_session(s, **kwargs)
    with db.read() as s:
        assert s.query(ParticipationSession).count() == 0
        assert s.query(AuditEvent).count() == 0


def test_lifecycle_open_close_reopen(db):
    with db.write() as s:
        sid = sessions.create_session(s, title="Consell").id
    with db.write() as s:
        assert sessions.open_session(s, sid).status == "open"
    with pytest.raises(InvalidTransition):
        with db.write() as s:
            sessions.open_session(s, sid)
    with db.write() as s:
        closed = sessions.close_session(s, sid)
    assert closed.status == "closed"
    with pytest.raises(InvalidTransition):
        with db.write() as s:
            sessions.update_session(s, sid, title="Nou títol")
    with db.write() as s:
        assert sessions.open_session(s, sid).status == "open"
    with db.read() as s:
        kinds = [e.kind for e in s.query(AuditEvent).order_by(AuditEvent.seq)]
        assert kinds == ["session.created", "session.opened", "session.closed", "session.reopened"]
        assert audit.verify(s).ok
        # Reopened: the closure not yet sent is withdrawn; closing again queues one closure.
        assert outbox.unsynced_count(s) == 0
        assert s.query(OutboxItem).one().status == "superseded"
    with db.write() as s:
        sessions.close_session(s, sid)
    with db.read() as s:
        assert outbox.unsynced_count(s) == 1
        assert [(i.operation, i.status) for i in s.query(OutboxItem).order_by(OutboxItem.seq)] == [
            ("close_meeting", "superseded"), ("close_meeting", "pending")]


def test_update_records_only_changes(db):
    with db.write() as s:
        sid = sessions.create_session(s, title="A", place="P").id
    with db.write() as s:
        info = sessions.update_session(s, sid, title="B", place="P")
    assert info.title == "B"
    with db.read() as s:
        last = s.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
        assert last.kind == "session.updated" and '"place"' not in last.payload


def test_find_session_by_prefix(db):
    with db.write() as s:
        sid = sessions.create_session(s, title="A").id
    with db.read() as s:
        assert sessions.find_session(s, str(sid)[:8]).id == sid
        with pytest.raises(NotFound):
            sessions.find_session(s, "zzzz")
        with pytest.raises(NotFound):
            sessions.get_session(s, uuid.uuid4())


def test_list_sessions_counts(db):
    from p311desk import demo

    demo.create_demo(db, people=40)
    with db.read() as s:
        rows = sessions.list_sessions(s)
    by_status = {r.status: r for r in rows}
    assert by_status["open"].expected == 40 and by_status["open"].present == 40
    assert by_status["open"].proposals == 6


def test_link_session_to_space_and_component(db):
    from p311desk import demo
    from p311desk import spaces

    demo.create_demo(db, people=5)
    with db.read() as s:
        space = spaces.list_spaces(s)[0]
        proposals_component = space.components_of("proposals")[0]
        meetings_component = space.components_of("meetings")[0]
        cats = spaces.taxonomies(s, space.id, "category")
    assert space.title == "Participatory budgeting 2027"  # localized to the active language (en in tests)
    assert len(cats) == 4
    with db.write() as s:
        sid = sessions.create_session(s, title="Enllaçada").id
        info = sessions.update_session(s, sid, space_id=space.id, component_id=proposals_component.id,
                                       decidim_meeting_id="42")
    assert info.component_id == proposals_component.id and info.decidim_meeting_id == "42"
    with pytest.raises(ValidationError):
        with db.write() as s:
            sessions.update_session(s, sid, space_id=None, component_id=meetings_component.id)
    with pytest.raises(NotFound):
        with db.write() as s:
            sessions.update_session(s, sid, space_id=uuid.uuid4(), component_id=None)


def test_reopening_a_session_with_signed_minutes_needs_a_reason(db):
    from p311desk import votes

    with db.write() as s:
        sid = sessions.create_session(s, title="Consell").id
        sessions.open_session(s, sid)
        votes.advance_closing(s, sid, "count", by="Secretaria")
        votes.advance_closing(s, sid, "results", by="Secretaria")
        votes.record_minutes_generated(s, sid, "acta.pdf", "a" * 64)
        votes.record_minutes_signed(s, sid, by="Secretaria")
    with db.read() as s:
        assert sessions.get_session(s, sid).status == "closed" and sessions.minutes_signed(s, sid)
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="give the reason"):
            with db.write() as s:
                sessions.open_session(s, sid, reason=reason)
    with db.read() as s:  # refused: nothing changed
        assert sessions.get_session(s, sid).status == "closed"
        assert s.query(AuditEvent).filter_by(kind="session.reopened").count() == 0
    with db.write() as s:
        assert sessions.open_session(s, sid, reason="  Error al cens: faltava una persona ").status == "open"
    with db.read() as s:
        payload = __import__("json").loads(s.query(AuditEvent).filter_by(kind="session.reopened").one().payload)
        assert payload["reason"] == "Error al cens: faltava una persona"
        assert payload["minutes_signed"] is True
        assert audit.verify(s).ok
