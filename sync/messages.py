"""Server messages in the user's language where we know them, raw and quoted otherwise.

Decidim answers in English (or in the API user's locale): "Title is too short", "You are not
authorized to perform this action", "The meeting is already closed", graphql-ruby's limits, HTTP
errors. :func:`explain` turns a message (and its error code, from 0.31) into one sentence of
ours, translated; anything else is quoted as the server said it.
"""

from __future__ import annotations

import re

from p311desk.errors import N_
from p311desk.i18n import _

# (pattern on the message, or an error code) -> our sentence. Patterns are tried in order.
KNOWN: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"title is too (short|long)|title.*(too short|too long)|TITLE_TOO", re.I),
     N_("the title is too short or too long for the platform (15–150 characters)")),
    (re.compile(r"body can'?t be blank|body.*blank", re.I), N_("the text of the proposal is empty")),
    (re.compile(r"not authori[sz]ed|MUTATION_NOT_AUTHORIZED|UNAUTHORIZED", re.I),
     N_("this account is not allowed to do that on the platform")),
    (re.compile(r"already closed", re.I), N_("the meeting is already closed on the platform")),
    (re.compile(r"meeting is withdrawn", re.I), N_("the meeting was withdrawn on the platform")),
    (re.compile(r"taxonomy .* not found|unknown taxonomy", re.I),
     N_("a category of the proposal does not exist on the platform any more")),
    (re.compile(r"(component|commentable|record) not found|NOT_FOUND", re.I),
     N_("the space, meeting or proposal no longer exists on the platform")),
    (re.compile(r"Proposals not found", re.I), N_("a linked proposal does not exist on the platform")),
    (re.compile(r"exceeds max complexity|exceeds max depth|too many aliases", re.I),
     N_("the request is larger than the platform allows")),
    (re.compile(r"Internal Server error", re.I), N_("the platform had an internal error")),
    (re.compile(r"Access denied", re.I), N_("the platform wants a signed-in user")),
    (re.compile(r"Introspection is disabled", re.I), N_("the platform does not describe its API to this user")),
    (re.compile(r"Attendees count is invalid", re.I), N_("the number of attendees is not valid")),
    (re.compile(r"Missing headers: (.+)", re.I), N_("the file lacks the columns the platform requires")),
]


def explain(message: str | None, code: str | None = None) -> str:
    """One sentence in the user's language for a server message; quoted raw when unknown."""
    raw = (message or "").strip()
    for pattern, sentence in KNOWN:
        if pattern.search(raw) or (code and pattern.search(code)):
            return _(sentence)
    return _("the platform said: “{message}”").format(message=raw or "?")
