"""The printable documents by kind, and one entry point that renders any of them."""

from __future__ import annotations

import importlib
import os
import threading
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from p311desk.errors import ValidationError
from p311desk.i18n import N_
from p311desk.printing.context import PrintOptions

# kind -> (label, module)
KINDS: dict[str, tuple[str, str]] = {
    "handout": (N_("Handout with the process QR"), "p311desk.printing.handout"),
    "credentials": (N_("Personal credentials"), "p311desk.printing.credentials"),
    "ballots": (N_("Paper ballots for a question"), "p311desk.printing.ballots"),
    "forms": (N_("Blank proposal forms"), "p311desk.printing.forms"),
    "signatures": (N_("Attendance signature sheet"), "p311desk.printing.signatures"),
    "absent": (N_("Who has not arrived yet"), "p311desk.printing.absent"),
    "minutes": (N_("Minutes"), "p311desk.printing.minutes"),
    "evaluation": (N_("Evaluation forms"), "p311desk.printing.evaluation"),
    "accountability": (N_("The plan's progress (accountability session)"), "p311desk.printing.accountability"),
}

# Kinds whose printing writes (ballots issue signed serials): render them in a write unit of work.
WRITES = frozenset({"ballots", "evaluation"})


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target,
           progress: Callable[[int, int, str], None] | None = None,
           cancel: threading.Event | None = None) -> int:
    """Write the document ``options.kind`` of the session to ``target`` (a path or a binary
    file); returns the number of pages (0 for an ODT)."""
    if options.kind not in KINDS:
        raise ValidationError("Unknown document: {kind}", kind=options.kind)
    if options.format not in ("pdf", "odt"):
        raise ValidationError("Unknown format: {format}", format=options.format)
    if options.format == "odt" and options.kind != "minutes":
        raise ValidationError("Only the minutes are written as ODT.")
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    module = importlib.import_module(KINDS[options.kind][1])
    return module.render(s, session_id, options, target, progress, cancel)
