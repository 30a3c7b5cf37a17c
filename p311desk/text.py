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
# Control characters other than white space: invisible, meaningless in a name or a title, and
# refused by XLSX (one of them in the database would break every later export). The
# noncharacters U+FFFE/U+FFFF and lone surrogates are refused by XML, so by XLSX and ODT, too.
NON_XML = "\ud800-\udfff\ufffe\uffff"
CONTROL_CHARACTERS = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{NON_XML}]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (tabs and line breaks are kept)."""
    return CONTROL_CHARACTERS.sub("", text) if CONTROL_CHARACTERS.search(text) else text


def clean(value: object) -> str:
    """Trim and collapse white space (including non-breaking spaces) of any cell value, and drop
    control characters."""
    if value is None:
        return ""
    return _SPACES.sub(" ", strip_controls(str(value)).replace("\u00a0", " ")).strip()


def fold(value: object) -> str:
    text = clean(value)
    text = _MIDDLE_DOTS.sub("ll", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()
