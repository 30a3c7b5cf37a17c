"""What can go wrong when talking to a platform, as typed errors with a sentence for the user.

Every error names the platform by its host and, where the server said something, quotes the
server's message. None ever carries a password, secret, token or cookie: the client builds them
from the response status and the GraphQL ``errors`` messages only.
"""

from __future__ import annotations

from p311desk.errors import N_, DomainError


class PlatformError(DomainError):
    """Base of the errors about talking to a platform."""

    msgid = N_("The platform could not complete the request.")


class PlatformUnreachable(PlatformError):
    """No usable answer: no connection, a timeout, a dropped connection. Worth retrying later.

    ``maybe_landed`` is True when the request left and the answer was lost (see the client)."""

    maybe_landed = False
    msgid = N_("The platform {host} could not be reached ({reason}). Check the network and try again.")


class PlatformServerError(PlatformError):
    """The server answered with an HTTP error (5xx, or an unexpected status)."""

    msgid = N_("The platform {host} answered with an error (HTTP {status}). Try again later.")


class PlatformRefused(PlatformError):
    """The server understood the request and refused it (GraphQL ``errors``)."""

    msgid = N_("The platform {host} refused the request: {message}")


class NotAPlatform(PlatformError):
    msgid = N_("{url} does not look like a Decidim platform: it has no API at /api.")


class SignInFailed(PlatformError):
    msgid = N_("Signing in to {host} failed: the {what} is not right.")


class SignInRequired(PlatformError):
    """The platform wants a signed-in user and no secret is known for this account."""

    msgid = N_("Sign in to {host} first (no password or secret is remembered for {account}).")


class SignInNotSupported(PlatformError):
    msgid = N_("{host} does not accept {method}: use {other}.")


class KeyringUnavailable(PlatformError):
    msgid = N_("This computer has no keyring, so p311desk cannot remember the secret for {host}.")


class CredentialsInUrl(PlatformError):
    """``https://user:password@host``: credentials never go in an address (it is stored, logged,
    exported). The message never repeats the address."""

    msgid = N_("Leave the user name and password out of the platform's address; sign in with "
               "“sync login” instead. Nothing was saved.")
