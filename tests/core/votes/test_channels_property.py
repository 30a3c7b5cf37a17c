"""Every channel through one ballot box (issue 15): for random sequences of kiosk votes, paper
ballots handed and scanned, hand counts and a delegate's carried votes, the box never holds more
than may be cast, nobody votes twice, and the tally equals a straightforward recount of what was
accepted. Each refusal is predicted by the rules, and each acceptance too."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from p311desk import attendance, sessions, votes
from p311desk.models import Participant
from p311desk.participants import add_participant

_rooms = itertools.count()

MEMBERS = 6  # 4 present; members 4 and 5 absent, carried by members 0 and 1


def _room(db):
    n = next(_rooms)
    with db.write() as s:
        sid = sessions.create_session(s, title=f"Ple {n}", kind="assembly").id
        sessions.open_session(s, sid)
        body = votes.create_body(s, f"Consell {n}")
        codes = []
        for i in range(MEMBERS):
            code = f"R{n:03d}M{i}"
            p = add_participant(s, given_name=f"Membre{i}", family_name=f"Sala{n}", checkin_code=code)
            votes.add_member(s, body.id, s.scalar(select(Participant.id).where(Participant.checkin_code == code)),
                             "vocal", 1)
            if i < 4:
                attendance.check_in(s, sid, p.checkin_code)
            codes.append(code)
        votes.add_delegation(s, sid, codes[4], codes[0])
        votes.add_delegation(s, sid, codes[5], codes[1])
    return sid, body.id, codes


op = st.one_of(
    st.tuples(st.just("kiosk"), st.integers(0, 3), st.sampled_from(["yes", "no", "blank"])),
    st.tuples(st.just("hand"), st.integers(0, 3)),
    st.tuples(st.just("scan"), st.sampled_from(["yes", "no", "abstain"])),
    st.tuples(st.just("count"), st.sampled_from(["sala", "annex"]), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("proxy"), st.integers(0, 1), st.sampled_from(["yes", "no"])),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=14), secret=st.booleans())
def test_mixed_channels_never_overcount_and_recount_equals_the_tally(db, ops, secret):
    sid, body_id, codes = _room(db)
    with db.write() as s:
        q = votes.create_question(s, sid, "Aprovem?", secret=secret, body_id=body_id)
        votes.open_question(s, q.id)
        papers = votes.issue_ballots(s, q.id, 12)
    eligible = MEMBERS
    voted: dict[int, str] = {}  # member -> channel
    yes = no = blank = abstain = 0
    scanned = handed = 0
    batches: dict[str, tuple[int, int]] = {}
    for step in ops:
        kind = step[0]
        others = sum(1 for v in voted.values() if v != "paper")
        hands = sum(a + b for a, b in batches.values())
        refused = None
        try:
            with db.write() as s:
                if kind == "kiosk":
                    _k, i, choice = step
                    votes.cast(s, q.id, codes[i], [] if choice == "blank" else [choice])
                elif kind == "hand":
                    votes.hand(s, q.id, codes[step[1]])
                elif kind == "scan":
                    sheet = papers[scanned]
                    label = {"yes": "Yes", "no": "No", "abstain": "Abstain"}[step[1]]
                    votes.scan(s, q.id, [dict(sheet.options)[label]])
                elif kind == "count":
                    _k, batch, y, n = step
                    votes.save_count(s, q.id, batch, {"yes": y, "no": n})
                else:
                    _k, holder, choice = step
                    votes.cast_proxy(s, q.id, codes[holder], {choice: 1})
        except votes.VoteRefused as err:
            refused = err.message()
        # what the rules say should have happened
        if kind == "kiosk":
            expect_ok = step[1] not in voted and others + 1 + max(handed, scanned) + hands <= eligible
            if expect_ok:
                voted[step[1]] = "kiosk"
                choice = step[2]
                yes += choice == "yes"
                no += choice == "no"
                blank += choice == "blank"
        elif kind == "hand":
            expect_ok = step[1] not in voted and others + max(handed + 1, scanned) + hands <= eligible
            if expect_ok:
                voted[step[1]] = "paper"
                handed += 1
        elif kind == "scan":
            expect_ok = (handed == 0 or scanned + 1 <= handed) and others + max(handed, scanned + 1) + hands <= eligible
            if expect_ok:
                scanned += 1
                yes += step[1] == "yes"
                no += step[1] == "no"
                abstain += step[1] == "abstain"
        elif kind == "count":
            _k, batch, y, n = step
            old = batches.get(batch, (0, 0))
            expect_ok = others + max(handed, scanned) + hands - sum(old) + y + n <= eligible
            if expect_ok:
                batches[batch] = (y, n)
                yes += y - old[0]
                no += n - old[1]
        else:
            carried = 4 + step[1]
            expect_ok = carried not in voted and others + 1 + max(handed, scanned) + hands <= eligible
            if expect_ok:
                voted[carried] = "proxy"
                yes += step[2] == "yes"
                no += step[2] == "no"
        assert (refused is None) == expect_ok, (step, refused)
        with db.read() as s:
            live = votes.live_count(s, q.id)
            r = votes.results(s, q.id)
        assert r.cast <= eligible
        assert r.cast == yes + no + blank + abstain
    with db.write() as s:
        r = votes.close_question(s, q.id)
    assert [o.votes for o in r.options] == [yes, no]
    assert (r.blank, r.abstain, r.cast) == (blank, abstain, yes + no + blank + abstain)
    assert live.voted == len([v for v in voted.values() if v != "paper"]) + max(handed, scanned) + \
        sum(a + b for a, b in batches.values())
