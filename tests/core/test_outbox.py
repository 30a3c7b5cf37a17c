"""The outbox state machine: transitions, frozen items, dependencies, recovery, id map, sync log."""

import csv
import datetime as dt
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from p311desk import outbox
from p311desk.errors import InvalidTransition
from p311desk.models import OutboxItem, SyncLogEntry, utcnow

HOST = "decidim.example.org"


def queue(db, op="create_proposal", entity=None, deps=(), session_id=None):
    with db.write() as s:
        return outbox.enqueue(s, "proposal", entity or uuid.uuid4(), op, session_id=session_id,
                              depends_on=deps).id


def status(db, item_id):
    with db.read() as s:
        return outbox.get(s, item_id).status


def test_happy_path_commits_sending_before_the_answer_and_logs_each_step(db):
    iid = queue(db)
    with db.write() as s:
        outbox.begin_sending(s, iid, {"title": {"ca": "Bancs"}}, platform=HOST)
    assert status(db, iid) == "sending"  # committed: a crash now leaves a trace
    with db.write() as s:
        outbox.record_sent(s, iid, "42")
    with db.read() as s:
        got = outbox.get(s, iid)
        assert (got.status, got.remote_id, got.attempts) == ("sent", "42", 1)
        assert outbox.remote_id(s, HOST, "proposal", got.entity_id) == "42"
        assert [(e.event, e.attempt) for e in outbox.sync_log(s, item_id=iid)] == [
            ("queued", 0), ("sending", 1), ("sent", 1)]


def test_an_item_is_never_edited_once_sending_began(db):
    iid = queue(db)
    with db.write() as s:
        s.query(OutboxItem).filter_by(id=iid).one().payload = {"a": 1}  # not begun: allowed
    with db.write() as s:
        outbox.begin_sending(s, iid, {"x": 1}, platform=HOST)
    for field, value in [("payload", {"b": 2}), ("request", {"x": 2}), ("operation", "other"),
                         ("depends_on", [str(uuid.uuid4())])]:
        with pytest.raises(InvalidTransition):
            with db.write() as s:
                item = s.query(OutboxItem).filter_by(id=iid).one()
                setattr(item, field, value)
    with db.read() as s:
        assert outbox.get(s, iid).request == {"x": 1}


def test_interrupted_sending_becomes_unknown_and_is_looked_up_not_resent(db):
    iid = queue(db)
    with db.write() as s:
        outbox.begin_sending(s, iid, {"x": 1}, platform=HOST)
    with db.write() as s:  # the next start
        assert outbox.recover_interrupted(s) == 1
    assert status(db, iid) == "unknown"
    with db.write() as s:
        with pytest.raises(InvalidTransition):  # never resent without looking
            outbox.begin_sending(s, iid, {"x": 1}, platform=HOST)
    with db.write() as s:
        outbox.record_not_found(s, iid)
    assert status(db, iid) == "pending"
    with db.write() as s:
        outbox.begin_sending(s, iid, {"x": 1}, platform=HOST)
        outbox.record_sent(s, iid, "7")
    with db.read() as s:
        assert outbox.get(s, iid).attempts == 2


def test_due_respects_order_dependencies_and_retry_time(db):
    session = uuid.uuid4()
    entity = uuid.uuid4()
    create = queue(db, entity=entity, session_id=session)
    update = queue(db, "update_proposal", entity=entity, deps=[create], session_id=session)
    other = queue(db, session_id=session)
    closure = queue(db, "close_meeting", deps=[create, other], session_id=session)
    with db.read() as s:
        assert [i.id for i in outbox.due(s)] == [create, other]
        assert [b.id for b in outbox.blocked_by(s, s.query(OutboxItem).filter_by(id=closure).one())] \
            == [create, other]
    now = utcnow()
    with db.write() as s:
        outbox.begin_sending(s, create, {}, platform=HOST, now=now)
        outbox.record_failed(s, create, "HTTP 503", retry_at=now + dt.timedelta(seconds=30))
        outbox.begin_sending(s, other, {}, platform=HOST)
        outbox.record_sent(s, other, "2")
    with db.read() as s:
        assert [i.id for i in outbox.due(s, now=now)] == []
        assert [i.id for i in outbox.due(s, now=now + dt.timedelta(seconds=31))] == [create]
    with db.write() as s:
        outbox.begin_sending(s, create, {}, platform=HOST)
        outbox.record_sent(s, create, "1")
    with db.read() as s:
        assert [i.id for i in outbox.due(s)] == [update, closure]
        assert [i.id for i in outbox.due(s, session_id=uuid.uuid4())] == []


def test_supersede_spares_what_may_be_on_the_platform_and_takes_dependants_along(db):
    entity = uuid.uuid4()
    create = queue(db, entity=entity)
    update = queue(db, "update_proposal", entity=entity, deps=[create])
    flying = queue(db)
    with db.write() as s:
        outbox.begin_sending(s, flying, {}, platform=HOST)
    with db.write() as s:
        items = s.query(OutboxItem).filter(OutboxItem.id.in_([create, flying])).all()
        done = outbox.supersede(s, items, "withdrawn")
        assert {i.id for i in done} == {create, update}
    assert (status(db, create), status(db, update), status(db, flying)) == (
        "superseded", "superseded", "sending")
    with db.read() as s:  # a superseded dependency holds nothing back
        assert outbox.due(s) == []


def test_id_map_is_one_to_one_per_platform(db):
    a, b = uuid.uuid4(), uuid.uuid4()
    with db.write() as s:
        outbox.remember(s, HOST, "proposal", a, "10")
        outbox.remember(s, HOST, "proposal", a, "10")  # idempotent
        outbox.remember(s, "other.example.org", "proposal", a, "99")
        with pytest.raises(InvalidTransition):
            outbox.remember(s, HOST, "proposal", a, "11")
        with pytest.raises(InvalidTransition):
            outbox.remember(s, HOST, "proposal", b, "10")
    with db.read() as s:
        assert outbox.remote_ids(s, HOST, "proposal") == {a: "10"}
        assert outbox.local_id_for(s, HOST, "proposal", "10") == a


def test_log_scrubs_secrets_and_exports_csv_and_json(db, tmp_path):
    iid = queue(db)
    with db.write() as s:
        outbox.begin_sending(s, iid, {}, platform=HOST)
        outbox.record_rejected(
            s, iid, 'HTTP 401 {"jwt_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.c2lnbmF0dXJl", '
                    '"password":"hunter2"} Authorization: Bearer abc.def.ghi', http_status=401)
        outbox.log_event(s, None, "files", "=HYPERLINK() written", platform=HOST)
    with db.read() as s:
        n = outbox.export_log(s, tmp_path / "log.csv")
        outbox.export_log(s, tmp_path / "log.json")
        counts = outbox.counts_by_session(s)
    assert counts == {None: {"rejected": 1}}
    text = (tmp_path / "log.csv").read_text(encoding="utf-8-sig")
    for secret in ("hunter2", "eyJhbGciOiJIUzI1NiJ9", "abc.def.ghi"):
        assert secret not in text
    rows = list(csv.DictReader(text.splitlines(), delimiter=";"))
    assert len(rows) == n == 4 and rows[2]["http_status"] == "401"
    assert rows[3]["message"].startswith("'=")  # never a formula in a spreadsheet
    data = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))
    assert [d["event"] for d in data] == ["queued", "sending", "rejected", "files"]


ACTIONS = ["begin", "sent", "failed", "unknown", "rejected", "not_found", "retry", "supersede",
           "waiting", "recover", "edit"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(ACTIONS), max_size=14))
def test_any_sequence_follows_the_state_machine(db, actions):
    """Whatever the engine and the user do, the state only moves along TRANSITIONS, the request
    never changes once sending began, and every accepted move is logged."""
    iid = queue(db)
    expected = "pending"
    request = None
    for n, action in enumerate(actions):
        target = {"begin": "sending", "sent": "sent", "failed": "failed", "unknown": "unknown",
                  "rejected": "rejected", "not_found": "pending", "retry": "pending",
                  "supersede": "superseded", "waiting": "waiting_upload",
                  "recover": "unknown", "edit": None}[action]
        allowed = target in outbox.TRANSITIONS[expected] if target else False
        if action == "begin":
            allowed = expected in ("pending", "failed")
        if action == "not_found":
            allowed = expected == "unknown"
        if action == "supersede":
            allowed = expected in outbox.NOT_BEGUN
        if action == "recover":
            allowed = expected == "sending"
        try:
            with db.write() as s:
                if action == "begin":
                    outbox.begin_sending(s, iid, {"n": n}, platform=HOST)
                elif action == "sent":
                    outbox.record_sent(s, iid, None)
                elif action == "failed":
                    outbox.record_failed(s, iid, "503", retry_at=None)
                elif action == "unknown":
                    outbox.record_unknown(s, iid, "timeout")
                elif action == "rejected":
                    outbox.record_rejected(s, iid, "422")
                elif action == "not_found":
                    outbox.record_not_found(s, iid)
                elif action == "retry":
                    outbox.retry(s, iid)
                elif action == "supersede":
                    outbox.supersede(s, [s.query(OutboxItem).filter_by(id=iid).one()], "x")
                elif action == "waiting":
                    outbox.mark_waiting_upload(s, iid, HOST, "file")
                elif action == "recover":
                    outbox.recover_interrupted(s)
                elif action == "edit":
                    s.query(OutboxItem).filter_by(id=iid).one().payload = {"n": n}
                    allowed = expected in ("pending", "failed")
                    target = expected
        except InvalidTransition:
            assert not allowed, (expected, action)
            continue
        if action in ("recover", "supersede") and not allowed:
            continue  # nothing to do is not an error
        if action == "waiting" and expected == "waiting_upload":
            continue
        assert allowed, (expected, action)
        expected = target
        if action == "begin":
            request = {"n": n}
        with db.read() as s:
            got = outbox.get(s, iid)
            assert got.status == expected
            assert got.request == request
    with db.read() as s:
        moves = s.query(SyncLogEntry).filter_by(item_id=iid).count()
        assert moves >= 1


def test_after_a_restore_what_was_not_sent_is_unknown_until_looked_up(db):
    # Restore, then push sent every proposal a second time: items not sent in the backup may
    # have been sent since. Creates, closures and comments become unknown; updates stay pending
    # (sending one twice sets the same values); sent and superseded items are left alone.
    pending, failed, rejected, sent = (queue(db) for _ in range(4))
    update = queue(db, "update_proposal")
    closure = queue(db, "close_meeting")
    with db.write() as s:
        outbox.begin_sending(s, failed, {}, platform=HOST)
        outbox.record_failed(s, failed, "HTTP 500", retry_at=None)
        outbox.begin_sending(s, rejected, {}, platform=HOST)
        outbox.record_rejected(s, rejected, "title too short")
        outbox.begin_sending(s, sent, {}, platform=HOST)
        outbox.record_sent(s, sent, "7")
        comment = outbox.enqueue_comment(s, "Decidim::Proposals::Proposal", "1001", "Quan?", "ca").id
    with db.write() as s:
        assert outbox.mark_unknown_after_restore(s) == 5
    assert [status(db, i) for i in (pending, failed, rejected, closure, comment)] == ["unknown"] * 5
    assert (status(db, sent), status(db, update)) == ("sent", "pending")
    with db.read() as s:
        due = {i.id for i in outbox.due(s)}
        assert {pending, closure, comment} <= due  # due to be looked up, not sent blindly
        assert outbox.sync_log(s, item_id=pending)[-1].message.startswith("restored from a backup")
    with db.write() as s:  # looked up and not there: pending again, as after a lost answer
        outbox.record_not_found(s, pending)
    assert status(db, pending) == "pending"


def test_a_comment_needs_text_and_its_object(db):
    from p311desk.errors import ValidationError

    with db.write() as s:
        item = outbox.enqueue_comment(s, "Decidim::Accountability::Result", 42, "  Per quan?  ", "ca")
        assert (item.operation, item.payload["commentable_id"], item.payload["body"]) == ("add_comment", "42", "Per quan?")
    for args in (("Decidim::Proposals::Proposal", "1", "  ", "ca"), ("", "1", "text", "ca")):
        with pytest.raises(ValidationError):
            with db.write() as s:
                outbox.enqueue_comment(s, *args)
