"""Printing: handouts, personal credentials, ballots, proposal forms, signature sheets, the list
of who has not arrived, and the minutes (PDF, and ODT for the secretary), one module per document
over a shared page template (``template``: fonts, paper, header and footer, vector QR codes).

This is the package's public surface; other packages, the CLI and the UI use only these names.
reportlab is imported only when a document is rendered."""

from __future__ import annotations

from p311desk.printing.context import SORTS, PrintOptions
from p311desk.printing.documents import KINDS, WRITES, render

PAPERS = ("A4", "A5")


def record_minutes_generated(s, session_id, path) -> None:
    """The "minutes generated" closing stage for a minutes PDF just written (see ``minutes``)."""
    from p311desk.printing.minutes import record_generated

    record_generated(s, session_id, path)


def logo_data_uri(content: bytes, filename: str) -> str:
    """A logo file as Settings stores it (refuses what cannot be printed)."""
    from p311desk.printing.template import logo_data_uri as make

    return make(content, filename)


__all__ = ["KINDS", "PAPERS", "WRITES", "PrintOptions", "SORTS", "logo_data_uri", "record_minutes_generated", "render"]
