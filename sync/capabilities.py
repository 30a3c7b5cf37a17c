"""What a platform can do, found from its own schema rather than from a version string.

``decidim { version }`` is hidden on 0.30+, and introspection may be closed to anonymous users on
the newest versions, so the probe goes from the most to the least informative:

1. introspection of the whole schema (``schema.graphql``; open to everyone up to 0.30): the line
   is named from the types and fields it has, and the documents are then built for exactly that
   schema (a fork that adds or drops fields included);
2. where introspection is refused, asking for fields that only some lines have and telling a
   validation error ("Cannot query field …") from any other answer; the documents are built for
   the named line's SDL;
3. where the API wants a signed-in user first, whether ``/api/sign_in`` (API users, 0.31+) exists
   (confirmed after signing in).

The line is told to the user in words ("Decidim 0.30 line: proposals go through an import file;
comments can be written").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass

from p311desk.errors import N_
from p311desk.i18n import _
from sync.client import DecidimClient
from sync.documents import available, document, touched_types
from sync.errors import PlatformError, PlatformRefused, SignInRequired
from sync.schemas import LINES, TypeMap, from_introspection, type_map

log = logging.getLogger(__name__)

_MISSING_FIELD = re.compile(r"Cannot query field|doesn't exist on type|does not exist on type", re.IGNORECASE)

LINE_NAMES = {"0.27": N_("Decidim 0.26–0.27 line"), "0.28": N_("Decidim 0.28–0.29 line"),
              "0.30": N_("Decidim 0.30 line"), "0.32": N_("Decidim 0.31+ line")}


@dataclass(frozen=True)
class Capabilities:
    line: str                      # schema line: "0.27", "0.28", "0.30" or "0.32" (sync.schemas)
    create_proposals: bool         # ProposalsMutation.createProposal
    close_meetings: bool           # MeetingMutation.close
    taxonomies: bool               # taxonomies instead of categories and scopes
    sign_in: tuple[str, ...]       # "session" and/or "api"
    version: str | None = None     # when the server discloses it
    application: str | None = None
    confirmed: bool = True         # False: guessed before sign-in (the API wanted a user first)
    probed_at: str = ""
    comments: bool = True          # Mutation.commentable … addComment
    schema: dict | None = None     # the server's own schema (TypeMap JSON) where introspection was open
    locales: tuple[str, ...] = ()  # the organisation's languages as the server lists them
    default_locale: str | None = None  # the organisation's default language (the profile; see locale_source)
    locale_source: str = ""        # "user" (set by hand) | "guessed" | ""

    def to_json(self) -> dict:
        data = asdict(self)
        data["sign_in"] = list(self.sign_in)
        data["locales"] = list(self.locales)
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> Capabilities | None:
        if not data or "line" not in data:
            return None
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["sign_in"] = tuple(fields.get("sign_in") or ())
        fields["locales"] = tuple(fields.get("locales") or ())
        if fields["line"] not in LINES:  # a profile written by an older p311desk ("0.27" or "0.32" only)
            fields["line"] = "0.27"
        return cls(**fields)

    def type_map(self) -> TypeMap:
        """What the documents are built against: the server's schema when known, else the line's."""
        return TypeMap.from_json(self.schema) or type_map(self.line)

    def line_name(self) -> str:
        return _(LINE_NAMES.get(self.line, LINE_NAMES["0.27"]))

    def summary(self) -> str:
        """One sentence: "Decidim 0.30 line: proposals go through an import file; comments can be written"."""
        if self.create_proposals and self.close_meetings:
            how = _("proposals and meeting closures go straight to the platform")
        elif self.create_proposals:
            how = _("proposals go straight to the platform; meeting closures through an administrator")
        else:
            how = _("proposals go through an import file")
        parts = [how]
        if self.comments:
            parts.append(_("comments can be written"))
        return _("{line}: {what}").format(line=self.line_name(), what="; ".join(parts))

    def sentences(self) -> list[str]:
        """What the server can do, in words for the user."""
        lines = [self.summary() + "."]
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
        if self.default_locale:
            if self.locale_source == "user":
                lines.append(_("The organisation's default language: {locale}.").format(locale=self.default_locale))
            else:
                lines.append(_("The organisation's default language: {locale} (guessed; change it with "
                               "“platforms locale”).").format(locale=self.default_locale))
        if self.version:
            lines.append(_("Decidim version {version}.").format(version=self.version))
        if self.schema:
            lines.append(_("Requests are built for this server's own schema."))
        if not self.confirmed:
            lines.append(_("Guessed before signing in; checked again after sign-in."))
        return lines


def line_of(schema: TypeMap) -> str:
    """Name the line from what a schema has (the markers of ../shared/decidim/README.md)."""
    if schema.has("Mutation", "component"):
        return "0.32"  # the write API: 0.31+
    if schema.has("Taxonomy") or schema.has("Organization", "taxonomies"):
        return "0.30"
    if (schema.has("ParticipatorySpaceInterface", "manifest") or schema.has("Attachment", "title")
            or schema.has("Proposal", "withdrawn")):
        return "0.28"
    return "0.27"


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


def _introspect(client: DecidimClient) -> TypeMap | None:
    try:
        data = client.execute(document("schema", "0.27"), operation="Schema")
    except PlatformRefused:
        return None  # introspection closed (newest versions, anonymous)
    types = from_introspection(data.get("__schema") or {})
    return types if types.types else None


def _probe_fields(client: DecidimClient) -> str:
    if _field_exists(client, 'mutation Probe { component(id: "0") { __typename } }'):
        return "0.32"
    if _field_exists(client, "query Probe { organization { taxonomies { id } } }"):
        return "0.30"
    if _field_exists(client, "query Probe { participatoryProcesses { manifest { name } } }"):
        return "0.28"
    return "0.27"


def probe(client: DecidimClient, previous: Capabilities | None = None) -> Capabilities:
    """Probe ``client``'s platform (signed in or not), set ``client.line`` and ``client.schema``.

    ``previous`` keeps what the user set in the profile (the default language)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    confirmed = True
    server_schema: TypeMap | None = None
    try:
        server_schema = _introspect(client)
        line = line_of(server_schema) if server_schema is not None else _probe_fields(client)
    except SignInRequired:
        # The API wants a signed-in user: guess from the sign-in endpoints, confirm after sign-in.
        line = "0.32" if "api" in _sign_in_methods(client) else "0.30"
        confirmed = False
    schema = server_schema or type_map(line)
    client.line = line
    client.schema = schema
    write_api = schema.has("Mutation", "component")
    create = available("create_proposal", schema)
    close = available("close_meeting", schema)
    comments = available("add_comment", schema)
    taxonomies = schema.has("Taxonomy")
    methods = ("session", "api") if write_api else ("session",)
    version = application = None
    locales: tuple[str, ...] = ()
    if confirmed:
        try:
            who = client.execute(document("who_am_i", schema), operation="WhoAmI")
            version = (who.get("decidim") or {}).get("version")
            application = (who.get("decidim") or {}).get("applicationName")
            name = (who.get("organization") or {}).get("name")
            if isinstance(name, dict):
                locales = tuple(t["locale"] for t in name.get("translations") or [] if t and t.get("locale"))
        except (PlatformRefused, SignInRequired):
            pass
        except PlatformError as err:  # the probe still names the line; who we are can wait
            log.info("who-am-i failed: %s", err.msgid)
    kept = server_schema.restricted(touched_types(server_schema)).to_json() if server_schema is not None else None
    default_locale, source = (previous.default_locale, previous.locale_source) if previous and \
        previous.locale_source == "user" else (None, "")
    if default_locale is None and previous and previous.default_locale:
        default_locale, source = previous.default_locale, previous.locale_source
    return Capabilities(line=line, create_proposals=create, close_meetings=close, taxonomies=taxonomies,
                        sign_in=methods, version=version, application=application,
                        confirmed=confirmed, probed_at=now, comments=comments, schema=kept,
                        locales=locales, default_locale=default_locale, locale_source=source)


def guess_default_locale(titles: list[dict[str, str]], listed: tuple[str, ...] | list[str] = ()) -> str | None:
    """The organisation's default language from what its administrators published: Decidim
    requires every space title in the default language, so it is a language every title has.
    When several are (a fully translated platform), the first of them in the order the server
    lists the organisation's languages (its translated name, 0.29+). None when it cannot be told."""
    common: set[str] | None = None
    for title in titles:
        present = {k for k, v in (title or {}).items() if (v or "").strip()}
        if not present:
            continue
        common = present if common is None else common & present
    if common and len(common) == 1:
        return next(iter(common))
    ordered = [loc for loc in listed if common is None or loc in common]
    return ordered[0] if ordered else None
