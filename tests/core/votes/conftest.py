"""A running session with people checked in, and a body with weighted members."""

from dataclasses import dataclass

import pytest

from p311desk import attendance, sessions, votes
from p311desk.participants import add_participant


@dataclass
class Room:
    session_id: object
    codes: list[str]
    body_id: object = None


def make_room(db, n_present: int, n_absent: int = 0, body_weights: list[int] | None = None) -> Room:
    with db.write() as s:
        sid = sessions.create_session(s, title="Consell de barri", kind="assembly").id
        sessions.open_session(s, sid)
        codes = []
        for i in range(n_present + n_absent):
            p = add_participant(s, given_name=f"Persona{i:02d}", family_name="Vilaró", checkin_code=f"V{i:04d}")
            codes.append(p.checkin_code)
            if i < n_present:
                attendance.check_in(s, sid, p.checkin_code)
        room = Room(sid, codes)
        if body_weights is not None:
            body = votes.create_body(s, "Consell de Medi Ambient")
            from p311desk.models import Participant
            from sqlalchemy import select

            for code, w in zip(codes, body_weights, strict=False):
                pid = s.scalar(select(Participant.id).where(Participant.checkin_code == code))
                votes.add_member(s, body.id, pid, "vocal", w)
            room.body_id = body.id
    return room


@pytest.fixture
def room(db):
    return make_room(db, 10)
