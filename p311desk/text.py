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
# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): invisible, and
# they make a title or a name read differently from what is stored ("Trojan Source").
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
CONTROL_CHARACTERS = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}{NON_XML}]")
# Terminal escape sequences (colours, cursor moves, window titles, hyperlinks) go whole: dropping
# only the ESC character would leave "[31m" behind. CSI (ESC [ or U+009B) … final byte; OSC, DCS,
# SOS, PM, APC (ESC ] P X ^ _) … up to BEL or ST; ESC, intermediates, final (ESC ( B). A lone
# ESC before a letter is only the ESC (the letter may be part of the name).
ESCAPE_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]+[0-~]?")


def strip_controls(text: str) -> str:
    """``text`` without control characters, terminal escape sequences and bidirectional
    overrides (tabs and line breaks are kept)."""
    if not CONTROL_CHARACTERS.search(text):
        return text
    if "\x1b" in text or any(ch in text for ch in "\x90\x98\x9b\x9d\x9e\x9f"):
        text = ESCAPE_SEQUENCES.sub("", text)
    return CONTROL_CHARACTERS.sub("", text)


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
