"""A running session with people checked in and the built-in evaluation form attached."""

import datetime as dt
from dataclasses import dataclass

from p311desk import attendance, evaluation, sessions
from p311desk.participants import add_participant


@dataclass
class Room:
    session_id: object
    codes: list[str]


def make_room(db, n_present: int, n_absent: int = 0, *, title="Dijous GOmunicipal", series=None,
              starts=None, template="gomunicipal", prefix="E") -> Room:
    with db.write() as s:
        sid = sessions.create_session(s, title=title, series=series,
                                      starts_at=starts or dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone.utc)).id
        sessions.open_session(s, sid)
        codes = []
        for i in range(n_present + n_absent):
            p = add_participant(s, given_name=f"Persona{i:02d}", family_name="Serra", checkin_code=f"{prefix}{sid.hex[:3].upper()}{i:04d}")
            codes.append(p.checkin_code)
            if i < n_present:
                attendance.check_in(s, sid, p.checkin_code)
        if template:
            evaluation.attach_form(s, sid, template)
    return Room(sid, codes)
