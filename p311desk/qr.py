"""What every QR code p311desk prints carries: encode, sign, decode, verify — in one place.

Payloads are read back by phone cameras and by cheap USB scanners that *type* what they read
through the laptop's keyboard layout. Only A–Z and 2–9 survive every layout (a US-configured
scanner on a Spanish or Catalan keyboard turns ``-``, ``/`` or ``:`` into other characters), and
scanners sometimes flip case, so every payload we make is upper-case alphanumeric and decoding
ignores case and white space. That alphabet is also QR's compact alphanumeric mode.

Kinds (``kind`` of :class:`Payload`):

- ``checkin``: a personal check-in code (8 characters, :mod:`p311desk.codes`) or a Decidim
  registration code, printed as is;
- ``form``: a blank proposal form id, ``PF`` + 8 characters (the proposals page accepts it as
  the paper form id);
- ``ballot``: a paper ballot's serial, ``PB`` + question tag + serial + signature;
- ``option``: one option's box on a paper ballot, ``PV`` + question tag + serial + option
  number + signature — the teller scans the code beside the marked box, one scan per ballot;
- ``url``: a web address (handouts), printed as is; never signed, never acted upon but shown.

Ballot payloads are signed with the question's own key (HMAC-SHA256 truncated to 64 bits: an
offline forger has one guess per printed code). The key is the caller's business (the votes
package keeps one per question in :mod:`p311desk.keys`); this module only signs and checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass

from p311desk import codes

FORM_PREFIX = "PF"
BALLOT_PREFIX = "PB"
OPTION_PREFIX = "PV"
QUESTION_TAG_LEN = 8  # base32 characters of the question id (40 bits)
SERIAL_LEN = 8  # base32 characters (40 random bits)
OPTION_LEN = 2  # base32 characters: options 0..1023
MAC_LEN = 13  # base32 characters of the HMAC (64 bits)

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class Payload:
    """A decoded QR payload. Ballot fields are filled for ``ballot``/``option`` kinds."""

    kind: str  # checkin | form | ballot | option | url | unknown
    text: str  # the normalised payload
    value: str = ""  # check-in code, form id or URL
    question_tag: str = ""
    serial: str = ""
    option: int | None = None
    mac: str = ""


class BadSignature(ValueError):
    """A ballot code whose signature does not match: forged, altered or of another question."""


def _b32(data: bytes, length: int) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")[:length]


def normalize(text: str) -> str:
    """What a scanner or a camera gave, as we compare it: no white space, upper case."""
    return "".join(str(text).split()).upper()


def question_tag(question_id: uuid.UUID) -> str:
    return _b32(question_id.bytes, QUESTION_TAG_LEN)


def new_serial() -> str:
    return _b32(secrets.token_bytes(5), SERIAL_LEN)


def _mac(key: bytes, *parts: str) -> str:
    digest = hmac.new(key, "|".join(parts).encode("ascii"), hashlib.sha256).digest()
    return _b32(digest[:8], MAC_LEN)


def _option_code(index: int) -> str:
    if not 0 <= index < 32 * 32:
        raise ValueError("option number out of range")
    return _B32[index // 32] + _B32[index % 32]


# --- encode ----------------------------------------------------------------------------------


def checkin_payload(code: str) -> str:
    return codes.normalize_code(code)


def form_payload(form_id: str | None = None) -> str:
    """A proposal form id (new and random when ``form_id`` is None)."""
    if form_id is None:
        return FORM_PREFIX + codes.new_code()
    form = normalize(form_id)
    form = form if form.startswith(FORM_PREFIX) else FORM_PREFIX + form
    if not _FORM_RE.match(form):
        raise ValueError("not a form id")
    return form


def url_payload(url: str) -> str:
    url = url.strip()
    if not _URL.match(url):
        raise ValueError("not a web address")
    return url


def ballot_payload(key: bytes, question_id: uuid.UUID, serial: str) -> str:
    tag = question_tag(question_id)
    return BALLOT_PREFIX + tag + serial + _mac(key, "B", tag, serial)


def option_payload(key: bytes, question_id: uuid.UUID, serial: str, option_index: int) -> str:
    tag, opt = question_tag(question_id), _option_code(option_index)
    return OPTION_PREFIX + tag + serial + opt + _mac(key, "V", tag, serial, opt)


# --- decode ----------------------------------------------------------------------------------

_BALLOT_RE = re.compile(rf"^{BALLOT_PREFIX}([A-Z2-7]{{{QUESTION_TAG_LEN}}})([A-Z2-7]{{{SERIAL_LEN}}})"
                        rf"([A-Z2-7]{{{MAC_LEN}}})$")
_OPTION_RE = re.compile(rf"^{OPTION_PREFIX}([A-Z2-7]{{{QUESTION_TAG_LEN}}})([A-Z2-7]{{{SERIAL_LEN}}})"
                        rf"([A-Z2-7]{{{OPTION_LEN}}})([A-Z2-7]{{{MAC_LEN}}})$")
_FORM_RE = re.compile(rf"^{FORM_PREFIX}[{codes.ALPHABET}]{{{codes.LENGTH}}}$")
_CHECKIN_RE = re.compile(r"^[A-Z0-9]{4,40}$")


def decode(text: str) -> Payload:
    """What kind of payload ``text`` is, with its parts. Signatures are checked by :func:`verify`."""
    raw = str(text).strip()
    if _URL.match(raw):
        return Payload("url", raw, value=raw)
    norm = normalize(raw)
    m = _OPTION_RE.match(norm)
    if m:
        opt = _B32.index(m[3][0]) * 32 + _B32.index(m[3][1])
        return Payload("option", norm, question_tag=m[1], serial=m[2], option=opt, mac=m[4])
    m = _BALLOT_RE.match(norm)
    if m:
        return Payload("ballot", norm, question_tag=m[1], serial=m[2], mac=m[3])
    if _FORM_RE.match(norm):
        return Payload("form", norm, value=norm)
    if _CHECKIN_RE.match(norm):
        return Payload("checkin", norm, value=norm)
    return Payload("unknown", norm)


def verify(payload: Payload, key: bytes, question_id: uuid.UUID) -> None:
    """Raise :class:`BadSignature` unless ``payload`` is a genuine code of that question."""
    if payload.kind not in ("ballot", "option"):
        raise BadSignature("not a ballot code")
    if payload.question_tag != question_tag(question_id):
        raise BadSignature("a ballot of another question")
    if payload.kind == "ballot":
        expected = _mac(key, "B", payload.question_tag, payload.serial)
    else:
        expected = _mac(key, "V", payload.question_tag, payload.serial, _option_code(payload.option or 0))
    if not hmac.compare_digest(expected, payload.mac):
        raise BadSignature("the signature does not match")
