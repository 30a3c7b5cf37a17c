import uuid

from sqlalchemy import update

from p311desk.models import AuditEvent
from p311desk import audit


def _append(db, n):
    with db.write() as s:
        for i in range(n):
            audit.record(s, "test.event", entity_type="x", entity_id=uuid.uuid4(), payload={"i": i})


def test_chain_verifies(db):
    _append(db, 50)
    with db.read() as s:
        report = audit.verify(s)
    assert report.ok and report.checked == 50


def test_tampered_payload_is_found(db):
    _append(db, 10)
    with db.write() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 7).values(payload='{"i":999}'))
    with db.read() as s:
        report = audit.verify(s)
    assert not report.ok and report.broken_seq == 7 and report.checked == 6


def test_deleted_event_breaks_the_next_link(db):
    _append(db, 10)
    with db.write() as s:
        s.query(AuditEvent).filter(AuditEvent.seq == 4).delete()
    with db.read() as s:
        report = audit.verify(s)
    assert report.broken_seq == 5 and report.reason == "link"


def test_rolled_back_change_leaves_no_event(db):
    try:
        with db.write() as s:
            audit.record(s, "test.event")
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    with db.read() as s:
        assert s.query(AuditEvent).count() == 0
