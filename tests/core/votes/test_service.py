"""Questions through the service: eligibility, delegations, casting, counts, paper, results."""

import pytest

from p311desk import votes
from p311desk.errors import InvalidTransition, ValidationError
from p311desk.models import AuditEvent, Ballot, OutboxItem
from tests.core.votes.conftest import make_room


def _q(db, sid, title="Aprovem el pressupost?", **kw):
    with db.write() as s:
        q = votes.create_question(s, sid, title, **kw)
        votes.open_question(s, q.id)
    return q.id


def test_open_vote_roll_call_and_results(db, room):
    qid = _q(db, room.session_id, majority="absolute", majority_of="present")
    with db.write() as s:
        for code in room.codes[:6]:
            votes.cast(s, qid, code, ["yes"], via="roll_call")
        votes.cast(s, qid, room.codes[6], ["no"])
        votes.cast(s, qid, room.codes[7], ["abstain"])
        with pytest.raises(votes.VoteRefused, match="already voted"):
            votes.cast(s, qid, room.codes[0], ["no"])
    with db.write() as s:
        with pytest.raises(votes.VoteRefused, match="Unknown code"):
            votes.cast(s, qid, "NOPE1234", ["yes"])
        r = votes.results(s, qid)
        assert [o.votes for o in r.options] == [6, 1] and r.abstain == 1 and r.cast == 8
        assert r.outcome == "approved"
        assert r.explanation == "Approved: 6 yes of 10 present; an absolute majority of those present needs 6."
        table = votes.roll_call(s, qid)
        assert ("Persona00 Vilaró", "V0000", 1, "Yes", "") in table
        votes.close_question(s, qid)
        with pytest.raises(votes.VoteRefused, match="not open"):
            votes.cast(s, qid, room.codes[9], ["yes"])
        assert s.query(OutboxItem).filter_by(entity_type="vote_question").count() == 1


def test_secret_vote_hides_results_until_closed(db, room):
    qid = _q(db, room.session_id, method="single", options=["Plaça", "Parc", "Escola"], secret=True)
    with db.write() as s:
        for code, choice in zip(room.codes, ["Plaça", "2", "parc", "Escola", "blank"], strict=False):
            votes.cast(s, qid, code, [choice] if choice != "blank" else [])
        live = votes.results(s, qid)
        assert live.cast == 5 and all(o.votes is None for o in live.options) and live.outcome == ""
        assert votes.live_count(s, qid).voted == 5
        r = votes.close_question(s, qid)
    assert [o.votes for o in r.options] == [1, 2, 1] and r.blank == 1
    assert r.outcome == "elected" and r.explanation.startswith("“Parc” wins with 2 of 4 votes cast")
    assert r.digest and len(r.digest) == 64


def test_hand_counts_replace_by_batch_and_are_bounded(db, room):
    qid = _q(db, room.session_id)
    with db.write() as s:
        votes.save_count(s, qid, "sala", {"yes": 4, "no": 2}, blank=1)
    with db.write() as s:
        votes.save_count(s, qid, "sala", {"yes": 5, "no": 2}, blank=1)  # saved again: replaces
        r = votes.results(s, qid)
        assert [o.votes for o in r.options] == [5, 2] and r.blank == 1
        assert s.query(Ballot).filter_by(batch="sala").count() == 3
        assert s.query(AuditEvent).filter_by(kind="vote.count_replaced").count() == 1
    with db.write() as s, pytest.raises(votes.VoteRefused, match="more than the 10"):
        votes.save_count(s, qid, "annex", {"yes": 3})


def test_weighted_body_with_delegations(db):
    # 6 members: weights 2,2,1,1,1,1; members 0-3 present, 4 and 5 absent
    room = make_room(db, 4, 2, body_weights=[2, 2, 1, 1, 1, 1])
    c = room.codes
    with db.write() as s:
        votes.add_delegation(s, room.session_id, c[4], c[0], entered_by="secretaria")
        with pytest.raises(ValidationError, match="already holds"):
            votes.add_delegation(s, room.session_id, c[5], c[0])
        with pytest.raises(ValidationError, match="has delegated their own vote"):
            votes.add_delegation(s, room.session_id, c[1], c[4])
    with db.write() as s:
        # a delegation to a member who never came: counts for nothing
        from p311desk.participants import add_participant

        add_participant(s, given_name="Fora", family_name="Cos", checkin_code="OUT00001")
        with pytest.raises(ValidationError, match="same body"):
            votes.add_delegation(s, room.session_id, c[5], "OUT00001")
    qid = _q(db, room.session_id, body_id=room.body_id, weighted=True, quorum="1/2", quorum_by="weight",
             majority="absolute", majority_of="members")
    with db.write() as s:
        el = votes.electorate(s, qid)
        assert (el.members, el.present, el.members_weight, el.present_weight) == (6, 5, 8, 7)
        votes.cast(s, qid, c[0], ["yes"])
        votes.cast(s, qid, c[0], ["no"], on_behalf_of=c[4])
        with pytest.raises(votes.VoteRefused, match="does not carry"):
            votes.cast(s, qid, c[1], ["yes"], on_behalf_of=c[5])
        with pytest.raises(votes.VoteRefused, match="not present"):
            votes.cast(s, qid, c[5], ["yes"])
        votes.cast(s, qid, c[1], ["yes"])
        r = votes.results(s, qid)
    assert [o.votes for o in r.options] == [4, 1]
    assert r.quorum_required == 4 and r.quorum_reached
    assert r.outcome == "rejected"  # absolute majority of 8 members' weight needs 5


def test_proxy_aggregate(db):
    room = make_room(db, 2, 3, body_weights=[1, 1, 1, 1, 1])
    c = room.codes
    with db.write() as s:
        for giver in c[2:5]:
            votes.add_delegation(s, room.session_id, giver, c[0], max_held=3)
    qid = _q(db, room.session_id, body_id=room.body_id, secret=True)
    with db.write() as s:
        with pytest.raises(votes.VoteRefused, match="carries 3 votes"):
            votes.cast_proxy(s, qid, c[0], {"yes": 1})
        votes.cast_proxy(s, qid, c[0], {"yes": 2, "no": 1})
        with pytest.raises(votes.VoteRefused, match="no votes that are still"):
            votes.cast_proxy(s, qid, c[0], {"yes": 3})
        votes.cast(s, qid, c[0], ["no"])
        r = votes.close_question(s, qid)
    assert [o.votes for o in r.options] == [2, 2] and r.outcome == "tie"


def test_paper_ballots_scan(db, room):
    qid = _q(db, room.session_id, method="single", options=["A", "B"], secret=True)
    with db.write() as s:
        issued = votes.issue_ballots(s, qid, 4)
    other = _q(db, room.session_id, "Una altra", method="single", options=["A", "B"])
    with db.write() as s:
        other_ballot = votes.issue_ballots(s, other, 1)[0]
    with db.write() as s:
        votes.scan(s, qid, issued[0].options[0][1])
        votes.scan(s, qid, issued[1].serial_payload, ["B"])
        votes.scan(s, qid, issued[2].serial_payload, ["invalid"])
    forged = issued[3].options[0][1]
    forged = forged[:-1] + ("A" if forged[-1] != "A" else "B")
    refusals = {
        "already been counted": issued[0].options[1][1],
        "another vote": other_ballot.options[0][1],
        "forged or damaged": forged,
        "not a ballot": "HELLO",
        "key the choice": issued[3].serial_payload,
    }
    for reason, payload in refusals.items():
        with db.write() as s, pytest.raises(votes.VoteRefused, match=reason):
            votes.scan(s, qid, payload)
    with db.write() as s:
        r = votes.close_question(s, qid)
    assert [o.votes for o in r.options] == [1, 1] and r.invalid == 1 and r.cast == 3


def test_budget_both_rules(db, room):
    qid = _q(db, room.session_id, "Pressupost", method="budget", options=["A", "B", "C"], costs=[40, 40, 40],
             budget=100, rule="equal_shares")
    with db.write() as s:
        for code in room.codes[:6]:
            votes.cast(s, qid, code, ["A", "B"])
        for code in room.codes[6:10]:
            votes.cast(s, qid, code, ["C"])
        r = votes.results(s, qid, compare=True)
    assert r.selected == ("A", "C")
    assert r.compare == {"greedy": ("A", "B"), "equal_shares": ("A", "C")}
    assert "the Method of Equal Shares" in r.explanation


def test_closed_session_is_read_only(db, room):
    qid = _q(db, room.session_id)
    from p311desk import sessions

    with db.write() as s:
        sessions.close_session(s, room.session_id)
    with db.write() as s, pytest.raises(InvalidTransition, match="read-only"):
        votes.cast(s, qid, room.codes[0], ["yes"])


def test_create_refuses_bad_questions(db, room):
    with db.write() as s:
        with pytest.raises(ValidationError, match="two options"):
            votes.create_question(s, room.session_id, "Q", method="single", options=["A"])
        with pytest.raises(ValidationError, match="needs a budget"):
            votes.create_question(s, room.session_id, "Q", method="budget", options=["A", "B"])
        with pytest.raises(ValidationError, match="quorum"):
            votes.create_question(s, room.session_id, "Q", quorum="3/2")


def test_closing_stages_in_order_then_read_only(db, room, tmp_path):
    qid = _q(db, room.session_id)
    sid = room.session_id
    with db.write() as s:
        with pytest.raises(InvalidTransition, match="earlier closing stages"):
            votes.advance_closing(s, sid, "results")
        with pytest.raises(InvalidTransition, match="Close every open vote"):
            votes.advance_closing(s, sid, "count")
    with db.write() as s:
        votes.cast(s, qid, room.codes[0], ["yes"])
        votes.close_question(s, qid)
        draft = votes.record_minutes_generated(s, sid, "esborrany.pdf", "cd" * 32)  # before the count: a draft
        assert not any(st.done for st in draft)
        votes.advance_closing(s, sid, "count", by="Anna")
        votes.advance_closing(s, sid, "results", by="Anna")
        with pytest.raises(ValidationError, match="SHA-256"):
            votes.record_minutes_generated(s, sid, "acta.pdf", "nope")
        votes.record_minutes_generated(s, sid, "acta.pdf", "ab" * 32, by="print")
        again = votes.record_minutes_generated(s, sid, "acta.pdf", "ef" * 32)  # printed again: replaces
        assert again[2].document_sha256 == "ef" * 32
    scan = tmp_path / "acta signada.jpg"
    scan.write_bytes(b"\xff\xd8 signed minutes")
    with db.write() as s:
        rows = votes.record_minutes_signed(s, sid, attachment=scan, store_dir=tmp_path / "att", by="Anna")
    assert [r.done for r in rows] == [True, True, True, True]
    assert rows[3].document_name == "acta signada.jpg" and (tmp_path / "att" / f"{rows[3].document_sha256}.jpg").exists()
    with db.read() as s:
        kinds = [e.kind for e in s.query(AuditEvent).filter_by(kind="session.closing_stage")]
        from p311desk import sessions

        assert sessions.get_session(s, sid).status == "closed"
    assert len(kinds) == 5  # four stages and the regenerated minutes
    with db.write() as s:  # a copy printed after signing changes nothing
        assert votes.record_minutes_generated(s, sid, "acta.pdf", "12" * 32)[2].document_sha256 == "ef" * 32
    with db.write() as s, pytest.raises(InvalidTransition, match="read-only"):
        votes.create_question(s, sid, "Una altra?")
