"""What a platform can do, found by probing its schema rather than trusting a version string.

``decidim { version }`` is hidden on 0.30+, and introspection may be closed to anonymous users on
the newest versions, so the probe goes from the most to the least informative:

1. introspection of the few types that matter (``capabilities.graphql``);
2. where introspection is refused, asking for fields that only newer schemas have and telling a
   validation error ("field doesn't exist") from any other answer;
3. where the API wants a signed-in user first, whether ``/api/sign_in`` (API users, 0.31+) exists.

The answer picks the schema line (which ``.graphql`` documents to send) and is told to the user
in words: can proposals and meeting closures go straight to the platform, or through an import
file an administrator uploads?
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from p311desk.i18n import _
from sync.client import DecidimClient
from sync.documents import document
from sync.errors import PlatformRefused, SignInRequired

_MISSING_FIELD = re.compile(r"Cannot query field|doesn't exist on type|does not exist on type", re.IGNORECASE)


@dataclass(frozen=True)
class Capabilities:
    line: str                      # schema line: "0.27" (0.26 – 0.30) or "0.32" (0.31+)
    create_proposals: bool         # ProposalsMutation.createProposal
    close_meetings: bool           # MeetingMutation.close
    taxonomies: bool               # taxonomies instead of categories and scopes
    sign_in: tuple[str, ...]       # "session" and/or "api"
    version: str | None = None     # when the server discloses it
    application: str | None = None
    confirmed: bool = True         # False: guessed before sign-in (the API wanted a user first)
    probed_at: str = ""

    def to_json(self) -> dict:
        data = asdict(self)
        data["sign_in"] = list(self.sign_in)
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> Capabilities | None:
        if not data or "line" not in data:
            return None
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["sign_in"] = tuple(fields.get("sign_in") or ())
        return cls(**fields)

    def sentences(self) -> list[str]:
        """What the server can do, in words for the user."""
        lines = []
        if self.create_proposals and self.close_meetings:
            lines.append(_("This platform can receive proposals and meeting closures directly."))
        elif self.create_proposals:
            lines.append(_("This platform can receive proposals directly; meeting closures go "
                           "through an administrator."))
        else:
            lines.append(_("Proposals go through an import file that an administrator uploads."))
        lines.append(_("It classifies with taxonomies.") if self.taxonomies
                     else _("It classifies with categories and scopes."))
        ways = [_("e-mail and password") if m == "session" else _("API key and secret") for m in self.sign_in]
        lines.append(_("Sign in with: {ways}.").format(ways=", ".join(ways)))
        if self.version:
            lines.append(_("Decidim version {version}.").format(version=self.version))
        if not self.confirmed:
            lines.append(_("Guessed before signing in; checked again after sign-in."))
        return lines


def _field_exists(client: DecidimClient, query: str) -> bool:
    try:
        client.execute(query)
    except PlatformRefused as err:
        return not _MISSING_FIELD.search(str(err.params.get("message", "")))
    return True


def _sign_in_methods(client: DecidimClient) -> tuple[str, ...]:
    """``api`` when POST /api/sign_in exists (it answers 401 to an empty form), plus ``session``."""
    try:
        response = client.with_retries(client.request, "POST", "/api/sign_in", data={})
    except Exception:  # noqa: BLE001 - an unreachable endpoint just means: no API users
        return ("session",)
    return ("session", "api") if response.status_code in (200, 401, 403, 422) else ("session",)


def probe(client: DecidimClient) -> Capabilities:
    """Probe ``client``'s platform (signed in or not) and set ``client.line``."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    confirmed = True
    try:
        data = client.execute(document("capabilities", "0.27"), operation="Capabilities")
        mutation = {f["name"] for f in ((data.get("mutation") or {}).get("fields") or [])}
        proposals = {f["name"] for f in ((data.get("proposalsMutation") or {}).get("fields") or [])}
        meeting = {f["name"] for f in ((data.get("meetingMutation") or {}).get("fields") or [])}
        create = "component" in mutation and "createProposal" in proposals
        close = "component" in mutation and "close" in meeting
        taxonomies = data.get("taxonomy") is not None
        write_api = "component" in mutation
    except PlatformRefused:
        # Introspection closed (newest versions): ask for fields only newer schemas have.
        write_api = _field_exists(client, 'mutation Probe { component(id: "0") { __typename } }')
        taxonomies = _field_exists(client, "query Probe { organization { taxonomies { id } } }")
        create = close = write_api
    except SignInRequired:
        # The API wants a signed-in user: guess from the sign-in endpoints, confirm after sign-in.
        methods = _sign_in_methods(client)
        write_api = taxonomies = create = close = "api" in methods
        confirmed = False
    line = "0.32" if (write_api or taxonomies) else "0.27"
    client.line = line
    methods = ("session", "api") if write_api else ("session",)
    version = application = None
    if confirmed:
        try:
            who = client.execute(document("who_am_i", line), operation="WhoAmI")
            version = (who.get("decidim") or {}).get("version")
            application = (who.get("decidim") or {}).get("applicationName")
        except (PlatformRefused, SignInRequired):
            pass
    return Capabilities(line=line, create_proposals=create, close_meetings=close, taxonomies=taxonomies,
                        sign_in=methods, version=version, application=application,
                        confirmed=confirmed, probed_at=now)

