"""One ballot box per question (issue 15): each reproduction of the review, as a test."""

import sqlite3

import pytest
from sqlalchemy import select

from p311desk import audit, votes
from p311desk.errors import InvalidTransition, ValidationError
from p311desk.models import Ballot, Participant
from p311desk.votes import tally
from tests.core.votes.conftest import make_room


def _q(db, sid, title="Aprovem el pressupost?", **kw):
    with db.write() as s:
        q = votes.create_question(s, sid, title, **kw)
        votes.open_question(s, q.id)
    return q.id


def _ballots(db, qid, n):
    with db.write() as s:
        return votes.issue_ballots(s, qid, n)


def _code(ballot, label):
    return dict(ballot.options)[label]


# --- §1/§2: counted once -------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [False, True])
def test_two_present_two_kiosk_votes_then_paper_is_refused(db, secret):
    """Review: 2 present, 2 kiosk votes and 5 scanned paper ballots gave "cast 7, Yes 7"."""
    room = make_room(db, 2)
    qid = _q(db, room.session_id, secret=secret)
    with db.write() as s:
        votes.cast(s, qid, room.codes[0], ["yes"])
        votes.cast(s, qid, room.codes[1], ["yes"])
    papers = _ballots(db, qid, 5)
    for b in papers:
        with db.write() as s, pytest.raises(votes.VoteRefused, match="more than the 2 who may vote"):
            votes.scan(s, qid, [_code(b, "Yes")])
    with db.write() as s:
        r = votes.close_question(s, qid)
    assert r.cast == 2 and [o.votes for o in r.options] == [2, 0]


def test_a_person_votes_once_across_kiosk_and_paper(db):
    room = make_room(db, 3)
    qid = _q(db, room.session_id)
    with db.write() as s:
        votes.cast(s, qid, room.codes[0], ["yes"])
    with db.write() as s, pytest.raises(votes.VoteRefused, match="already voted"):
        votes.hand(s, qid, room.codes[0])
    with db.write() as s:
        votes.hand(s, qid, room.codes[1])
    for attempt in (lambda s: votes.cast(s, qid, room.codes[1], ["no"]),
                    lambda s: votes.kiosk_voter(s, qid, room.codes[1])):
        with db.write() as s, pytest.raises(votes.VoteRefused, match="handed a paper ballot"):
            attempt(s)
    # handing is recorded: paper counted never exceeds the ballots handed out
    a, b = _ballots(db, qid, 2)
    with db.write() as s:
        votes.scan(s, qid, [_code(a, "No")])
    with db.write() as s, pytest.raises(votes.VoteRefused, match="1 paper ballots were handed out"):
        votes.scan(s, qid, [_code(b, "No")])
    with db.read() as s:
        live = votes.live_count(s, qid)
        r = votes.results(s, qid)
    assert (live.voted, live.handed, live.scanned) == (2, 1, 1)
    assert r.cast == 2 and [o.votes for o in r.options] == [1, 1]


def test_a_batch_name_never_touches_scanned_paper(db):
    """Review: `votes count --batch anything:scanned` replaced the scanned paper and skipped the cap."""
    room = make_room(db, 4)
    qid = _q(db, room.session_id)
    a, b = _ballots(db, qid, 2)
    with db.write() as s:
        votes.scan(s, qid, [_code(a, "Yes")])
        votes.scan(s, qid, [_code(b, "Yes")])
    for name in ("paper:scanned", "anything:scanned", "proxy:V0001", "paper"):
        with db.write() as s, pytest.raises(votes.VoteRefused, match="more than the 4"):
            votes.save_count(s, qid, name, {"no": 3})
        with db.write() as s:
            votes.save_count(s, qid, name, {"no": 2})
        with db.read() as s:
            r = votes.results(s, qid)
        assert [o.votes for o in r.options] == [2, 2] and r.cast == 4
        with db.write() as s:  # replacing the batch empties it again
            votes.save_count(s, qid, name, {"no": 0})
    with db.read() as s:
        assert votes.results(s, qid).cast == 2


def test_proxy_aggregate_and_kiosk_share_the_cap(db):
    room = make_room(db, 2, 2, body_weights=[1, 1, 1, 1])
    with db.write() as s:
        votes.add_delegation(s, room.session_id, room.codes[2], room.codes[0])
        votes.add_delegation(s, room.session_id, room.codes[3], room.codes[1], max_held=1)
    qid = _q(db, room.session_id, body_id=room.body_id)
    with db.write() as s:
        votes.cast_proxy(s, qid, room.codes[0], {"yes": 1})
        votes.cast(s, qid, room.codes[0], ["no"])
        votes.cast(s, qid, room.codes[1], ["yes"])
    with db.write() as s, pytest.raises(votes.VoteRefused, match="more than the 4"):
        votes.save_count(s, qid, "sala", {"yes": 2})
    with db.write() as s:
        votes.cast_proxy(s, qid, room.codes[1], {"no": 1})
        r = votes.close_question(s, qid)
    assert [o.votes for o in r.options] == [2, 2] and r.cast == 4


# --- §3: a paper ballot carries its whole choice -------------------------------------------------


@pytest.mark.parametrize("secret", [False, True])
@pytest.mark.parametrize("kind", ["multiple", "borda", "dots", "budget"])
def test_a_paper_ballot_keeps_all_its_marks(db, kind, secret):
    """Review: an open multiple-choice, Borda, dots or budget paper ballot keyed "A B C" counted only A."""
    room = make_room(db, 3)
    kw = {"multiple": dict(method="multiple", options=["A", "B", "C"]),
          "borda": dict(method="points", points="borda", options=["A", "B", "C"]),
          "dots": dict(method="points", points="dots", dots=3, options=["A", "B", "C"]),
          "budget": dict(method="budget", options=["A", "B", "C"], costs=[10, 20, 30], budget=60)}[kind]
    qid = _q(db, room.session_id, secret=secret, **kw)
    (one, two) = _ballots(db, qid, 2)
    marks = ["C", "A", "B"] if kind == "borda" else ["A", "A", "C"] if kind == "dots" else ["A", "B", "C"]
    with db.write() as s:
        r = votes.scan(s, qid, [_code(one, m) for m in marks])
        assert r.ballots == 1
        votes.scan(s, qid, two.serial_payload, ["B"])  # its serial and the choice keyed in
    with db.write() as s:
        res = votes.close_question(s, qid)
    expected = {"multiple": [1, 2, 1], "borda": [1, 2, 2], "dots": [2, 1, 1], "budget": [1, 2, 1]}[kind]
    assert [o.votes for o in res.options] == expected and res.cast == 2


def test_codes_of_two_sheets_are_refused_and_blank_and_spoilt_sheets_have_their_own_entry(db):
    room = make_room(db, 5)
    qid = _q(db, room.session_id, method="multiple", options=["A", "B", "C"])
    a, b, c, d = _ballots(db, qid, 4)
    with db.write() as s, pytest.raises(votes.VoteRefused, match="different ballots"):
        votes.scan(s, qid, [_code(a, "A"), _code(b, "B")])
    with db.write() as s, pytest.raises(votes.VoteRefused, match="chosen twice"):
        votes.scan(s, qid, [_code(a, "A"), _code(a, "A")])
    with db.write() as s:
        votes.scan(s, qid, [c.serial_payload], blank=True)
        votes.scan(s, qid, [d.serial_payload], spoilt=True)
        votes.scan(s, qid, [a.serial_payload, _code(a, "A"), _code(a, "C")])
    with db.read() as s:
        r = votes.results(s, qid)
    assert (r.cast, r.blank, r.invalid) == (3, 1, 1) and [o.votes for o in r.options] == [1, 0, 1]


def test_equal_shares_sees_paper_ballots(db):
    room = make_room(db, 4)
    qid = _q(db, room.session_id, method="budget", options=["A", "B", "C"], costs=[50, 50, 40], budget=100,
             rule="equal_shares")
    papers = _ballots(db, qid, 4)
    with db.write() as s:
        for b, marks in zip(papers, (["A"], ["A"], ["B", "C"], ["C"]), strict=True):
            votes.scan(s, qid, [_code(b, m) for m in marks])
        r = votes.close_question(s, qid)
    ballots = [((0,), 2), ((1, 2), 1), ((2,), 1)]
    assert r.selected == tuple("ABC"[i] for i in tally.equal_shares_reference([50, 50, 40], 100, ballots))
    assert r.cast == 4


def test_weighted_paper_only_as_handed_with_the_weight_in_the_signed_serial(db):
    room = make_room(db, 3, body_weights=[5, 2, 1])
    qid = _q(db, room.session_id, body_id=room.body_id, weighted=True, secret=True)
    with db.write() as s, pytest.raises(votes.VoteRefused, match="handed to a member"):
        votes.issue_ballots(s, qid, 3)
    with db.write() as s:
        handed = votes.hand(s, qid, room.codes[0])
    assert handed.ballot is not None and handed.ballot.weight == 5
    assert votes.service.serial_weight(handed.ballot.serial) == 5
    with db.write() as s:
        votes.cast(s, qid, room.codes[1], ["no"])
        votes.scan(s, qid, [_code(handed.ballot, "Yes")])
        r = votes.close_question(s, qid)
    assert [o.votes for o in r.options] == [5, 2] and r.cast == 7


# --- §4 hand counts, §5 quorum, §9 numbers -------------------------------------------------------


def test_hand_counts_carry_the_number_of_ballots(db):
    """Review: hand counts for multiple choice without a total counted zero ballots."""
    room = make_room(db, 10)
    qid = _q(db, room.session_id, method="multiple", options=["A", "B", "C"])
    with db.write() as s, pytest.raises(votes.VoteRefused, match="how many ballots or hands"):
        votes.save_count(s, qid, "taula 1", {"A": 4, "B": 3})
    with db.write() as s, pytest.raises(votes.VoteRefused, match="cannot give these counts"):
        votes.save_count(s, qid, "taula 1", {"A": 7}, total=6)
    with db.write() as s:
        votes.save_count(s, qid, "taula 1", {"A": 4, "B": 3}, blank=1, invalid=1, total=6)
        votes.cast(s, qid, room.codes[0], ["A", "C"])
    with db.read() as s:
        r = votes.results(s, qid)
        live = votes.live_count(s, qid)
    assert (r.cast, r.blank, r.invalid) == (7, 1, 1) and [o.votes for o in r.options] == [5, 3, 1]
    assert live.voted == 7 and live.hands == 6


def test_equal_shares_refuses_aggregate_counts(db):
    room = make_room(db, 5)
    qid = _q(db, room.session_id, method="budget", options=["A", "B"], costs=[10, 20], budget=20, rule="equal_shares")
    with db.write() as s, pytest.raises(votes.VoteRefused, match="Equal Shares needs every ballot"):
        votes.save_count(s, qid, "taula", {"A": 2}, total=3)


def test_quorum_on_a_session_question_counts_the_registered(db):
    """Review: a session question's quorum could never fail ("members" was whoever was present)."""
    from p311desk.participants import register

    room = make_room(db, 3, 7)
    with db.write() as s:
        for code in room.codes:
            register(s, room.session_id, s.scalar(select(Participant.id).where(Participant.checkin_code == code)))
    qid = _q(db, room.session_id, quorum="1/2")
    with db.write() as s:
        for code in room.codes[:3]:
            votes.cast(s, qid, code, ["yes"])
        r = votes.close_question(s, qid)
    assert (r.eligible, r.present, r.quorum_required, r.outcome) == (10, 3, 5, "no_quorum")


def test_quorum_without_registrations_is_refused(db):
    room = make_room(db, 3)
    with db.write() as s, pytest.raises(ValidationError, match="no registrations"):
        votes.create_question(s, room.session_id, "Quòrum?", quorum="1/2")


@pytest.mark.parametrize("field", ["budget", "costs", "dots", "spending_limit"])
def test_huge_numbers_in_a_question_are_a_sentence(db, field):
    room = make_room(db, 2)
    kw = dict(method="budget", options=["A", "B"], costs=[10, 20], budget=30)
    if field == "dots":
        kw = dict(method="points", points="dots", options=["A", "B"], dots=10**20)
    elif field == "costs":
        kw["costs"] = [10**20, 1]
    else:
        kw[field] = 10**20
    with db.write() as s, pytest.raises(ValidationError) as err:
        votes.create_question(s, room.session_id, "Massa?", **kw)
    assert "too large" in err.value.message() or "10" in err.value.message()


def test_huge_counts_weights_and_batch_names_are_a_sentence(db):
    room = make_room(db, 3, body_weights=[1, 1, 1])
    qid = _q(db, room.session_id)
    with db.write() as s:
        for call in (lambda: votes.save_count(s, qid, "sala", {"yes": 10**20}),
                     lambda: votes.save_count(s, qid, "sala", {"yes": 1}, total=10**20),
                     lambda: votes.save_count(s, qid, "x" * 100_000, {"yes": 1}),
                     lambda: votes.parse_counts(["yes=" + "9" * 30])):
            with pytest.raises((votes.VoteRefused, ValidationError)) as err:
                call()
            assert err.value.message()
        with pytest.raises(ValidationError, match="too large"):
            votes.add_member(s, room.body_id, s.scalar(select(Participant.id)), "vocal", 10**20)


# --- §8: everything audited ------------------------------------------------------------------------


def _verify(db):
    with db.read() as s:
        return audit.verify(s)


def test_a_changed_count_is_detected(db):
    room = make_room(db, 5)
    qid = _q(db, room.session_id)
    with db.write() as s:
        votes.save_count(s, qid, "sala", {"yes": 3, "no": 1})
    assert _verify(db).ok
    con = sqlite3.connect(db.path)
    con.execute("UPDATE ballot SET weight = 4 WHERE batch = 'sala' AND choice = '[1]'")
    con.commit()
    con.close()
    report = _verify(db)
    assert not report.ok and "its ballots" in report.message()


def test_a_reset_counted_flag_is_detected(db):
    room = make_room(db, 3)
    qid = _q(db, room.session_id, secret=True)
    (b,) = _ballots(db, qid, 1)
    with db.write() as s:
        votes.scan(s, qid, [_code(b, "Yes")])
        votes.close_question(s, qid)
    assert _verify(db).ok
    con = sqlite3.connect(db.path)
    con.execute("UPDATE paper_ballot SET counted = 0")
    con.commit()
    con.close()
    report = _verify(db)
    assert not report.ok and "paper ballots" in report.message()


def test_a_changed_weight_is_detected(db):
    room = make_room(db, 3, body_weights=[3, 1, 1])
    qid = _q(db, room.session_id, body_id=room.body_id, weighted=True)
    assert _verify(db).ok
    con = sqlite3.connect(db.path)
    con.execute("UPDATE vote_eligibility SET weight = 30 WHERE weight = 3")
    con.commit()
    con.close()
    report = _verify(db)
    assert not report.ok and "weights" in report.message()


@pytest.mark.parametrize("change", ["added", "removed"])
def test_an_added_or_removed_secret_ballot_is_detected(db, tmp_path, change):
    room = make_room(db, 4)
    qid = _q(db, room.session_id, secret=True)
    with db.write() as s:
        votes.cast(s, qid, room.codes[0], ["yes"])
        votes.cast(s, qid, room.codes[1], ["no"])
        votes.close_question(s, qid)
    assert _verify(db).ok
    (path,) = (tmp_path / "ballot-box").glob("*.box")
    con = sqlite3.connect(path)
    if change == "added":
        con.execute("INSERT INTO ballot VALUES ('ffff', NULL, '[0]', NULL, 1, 0)")
    else:
        con.execute("DELETE FROM ballot WHERE choice = '[1]'")
    con.commit()
    con.close()
    report = _verify(db)
    assert not report.ok and "its ballots" in report.message()


def test_open_vote_ballots_are_in_the_one_table(db):
    room = make_room(db, 3)
    qid = _q(db, room.session_id)
    with db.write() as s:
        votes.cast(s, qid, room.codes[0], ["yes"], via="roll_call")
        votes.hand(s, qid, room.codes[1])
    with db.read() as s:
        rows = list(s.scalars(select(Ballot)))
        roll = votes.roll_call(s, qid)
    assert [(r.channel, r.choice, r.weight) for r in rows] == [("roll_call", [0], 1)]
    assert [what for _n, _c, _w, what, _h in roll] == ["Yes", "on paper", "did not vote"]


def test_closing_a_question_never_runs_with_a_damaged_box(db, tmp_path):
    room = make_room(db, 2)
    qid = _q(db, room.session_id, secret=True)
    with db.write() as s:
        votes.cast(s, qid, room.codes[0], ["yes"])
    (path,) = (tmp_path / "ballot-box").glob("*.box")
    path.unlink()
    with db.write() as s, pytest.raises(votes.BallotBoxDamaged):
        votes.close_question(s, qid)
    with db.read() as s:
        assert votes.find_question(s, qid).status == "open"


def test_invalid_transition_kept(db):
    room = make_room(db, 2)
    qid = _q(db, room.session_id)
    with db.write() as s:
        votes.close_question(s, qid)
    with db.write() as s, pytest.raises(votes.VoteRefused, match="not open"):
        votes.hand(s, qid, room.codes[0])
    with db.write() as s, pytest.raises(InvalidTransition):
        votes.close_question(s, qid)
