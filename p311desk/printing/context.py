"""What a document is printed with, read from the capabilities' public surfaces: the session,
the municipality (Settings), the language and paper, and the options the user chose."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from p311desk import sessions, settings, spaces
from p311desk.errors import ValidationError
from p311desk.i18n import format_local
from p311desk.printing.job import Job

SORTS = ("surname", "name", "organisation")


@dataclass(frozen=True)
class PrintOptions:
    """The user's choices. Irrelevant ones are ignored by documents that do not use them."""

    kind: str
    lang: str | None = None  # None: the session's language
    paper: str = "A4"
    per_page: int | None = None  # None: the document's default
    sort: str = "surname"
    question_id: uuid.UUID | None = None  # ballots
    count: int | None = None  # forms, ballots: how many sheets
    blank_rows: int = 10  # signature sheet: rows for walk-ins
    url: str | None = None  # handout: None = the session's space on the platform
    text: str | None = None  # handout: None = the default invitation
    format: str = "pdf"  # minutes: pdf | odt


def session_date(info: sessions.SessionInfo) -> str:
    when = format_local(info.starts_at, "%d/%m/%Y %H:%M")
    if info.ends_at and info.starts_at and info.ends_at.date() == info.starts_at.date():
        when += "–" + format_local(info.ends_at, "%H:%M")
    return when


def session_line(info: sessions.SessionInfo) -> str:
    return " · ".join(p for p in (info.title, session_date(info), info.place) if p)


def make_job(s: Session, session_id: uuid.UUID, options: PrintOptions,
             progress: Callable[[int, int, str], None] | None = None,
             cancel: threading.Event | None = None) -> tuple[Job, sessions.SessionInfo]:
    info = sessions.get_session(s, session_id)
    cfg = settings.load(s)
    job = Job(lang=options.lang or info.language, paper=options.paper, municipality=cfg.municipality,
              logo=cfg.municipality_logo, session_line=session_line(info), progress=progress,
              cancel=cancel)
    if options.sort not in SORTS:
        raise ValidationError("Unknown sort order: {sort}", sort=options.sort)
    return job, info


def space_url(s: Session, info: sessions.SessionInfo) -> str | None:
    """The web address of the session's participatory space on its platform, if known."""
    if info.space_id is None:
        return None
    space = next((sp for sp in spaces.list_spaces(s) if sp.id == info.space_id), None)
    host = (space.platform_host if space else None) or settings.load(s).platform_host
    if space is None or not host or not space.url_path:
        return None
    host = host.removeprefix("https://").removeprefix("http://").strip("/")
    return f"https://{host}{space.url_path}"
