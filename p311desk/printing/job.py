"""What a document is printed with (language, paper, branding, progress and cancel), kept apart
from the drawing code so that naming a job does not import reportlab."""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from p311desk.errors import Cancelled, ValidationError
from p311desk.i18n import LANGUAGES, load_translations

MM = 72 / 25.4
PAPERS = {"A4": (210 * MM, 297 * MM), "A5": (148 * MM, 210 * MM)}


@dataclass
class Job:
    """What every document needs: language, paper, branding, the session, progress and cancel."""

    lang: str = "ca"
    paper: str = "A4"
    municipality: str = ""
    logo: str = ""  # data URI (Settings)
    session_line: str = ""  # footer: session title and date
    progress: Callable[[int, int, str], None] | None = None
    cancel: threading.Event | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())
    _tr: _gettext.NullTranslations | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValidationError("Unknown language: {lang}", lang=self.lang)
        if self.paper not in PAPERS:
            raise ValidationError("Unknown paper size: {paper}", paper=self.paper)
        self._tr = load_translations(self.lang)

    @property
    def gettext(self) -> Callable[[str], str]:
        return self._tr.gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return self._tr.ngettext

    @property
    def pagesize(self) -> tuple[float, float]:
        return PAPERS[self.paper]

    def tick(self, done: int, total: int, message: str = "") -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()
        if self.progress is not None:
            self.progress(done, total, message)
