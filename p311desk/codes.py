"""Personal check-in codes, in the alphabet Decidim uses for meeting registration codes.

Eight characters from A–Z and 2–9 without the look-alikes O, I (and 0, 1), so a code read aloud
or typed from paper is hard to get wrong. Decidim's own registration codes are valid codes here.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(raw: str) -> str:
    return "".join(raw.split()).upper()
