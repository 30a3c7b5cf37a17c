"""Text normalisation shared by search, duplicate detection and imports.

``fold`` turns a name into its search form: lower case, accents removed, the Catalan ``l·l`` (and
its look-alikes ``l.l``, ``l•l``) written ``ll``, spaces collapsed. "Núria Puig i Bosch" and
"NURIA  puig i bosch" fold to the same string.
"""

from __future__ import annotations

import re
import unicodedata

_MIDDLE_DOTS = re.compile(r"l[·.•∙‧]l", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def clean(value: object) -> str:
    """Trim and collapse white space (including non-breaking spaces) of any cell value."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value).replace("\u00a0", " ")).strip()


def fold(value: object) -> str:
    text = clean(value)
    text = _MIDDLE_DOTS.sub("ll", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()
