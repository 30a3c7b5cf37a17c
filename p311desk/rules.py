"""Pure rules of the domain that several capabilities share: plain values in, plain values out.

The age rule lives here once. A session that enforces a minimum age (14 in participatory
processes) refuses people younger than that **on the session's local day**: the local calendar
day on which the session starts, or the local today for a session with no start time. With only
a birth year the highest possible age counts (a person born in 2012 is taken to be 14 on any day
of 2026), so a birth year alone never refuses someone who may be old enough.
"""

from __future__ import annotations

import datetime as dt

OLDEST_AGE = 120


def session_day(starts_at: dt.datetime | None, today: dt.date | None = None) -> dt.date:
    """The reference day of a session: the local date of its start, else ``today`` (local)."""
    if starts_at is not None:
        return starts_at.astimezone().date()
    return today or dt.date.today()


def age_on(birth_date: dt.date | None, birth_year: int | None, day: dt.date) -> int | None:
    """Age in whole years on ``day``; with only a birth year, the highest possible age."""
    if birth_date is not None:
        return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
    if birth_year is not None:
        return day.year - int(birth_year)
    return None


def is_under_age(min_age: int, birth_date: dt.date | None, birth_year: int | None, day: dt.date) -> bool:
    """True only when the person is surely younger than ``min_age`` on ``day``."""
    age = age_on(birth_date, birth_year, day)
    return age is not None and age < min_age


def plausible_birth_year(year: int, day: dt.date) -> bool:
    return day.year - OLDEST_AGE <= year <= day.year
