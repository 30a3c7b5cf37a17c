"""Typed domain errors. Each carries a translatable message id and its parameters.

The message is translated when it is shown (``str(error)`` or ``error.message()``), so an error
raised while one language is active reads correctly after the user switches language.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:  # marker for extraction; p311desk.i18n imports this module lazily
    return message


class DomainError(Exception):
    """A rule of the domain refused an operation; nothing was changed.

    Raise with an English msgid (extracted for translation) and named parameters:
    ``raise ValidationError("Unknown code {code}", code=c)``. A subclass declares its default
    message as ``msgid = N_("...")``.
    """

    msgid: str = "The operation was refused."

    def __init__(self, msgid: str | None = None, **params: Any) -> None:
        self.msgid = msgid or type(self).msgid
        self.params = params
        super().__init__(self.msgid)

    def message(self) -> str:
        from p311desk.i18n import format_message

        return format_message(self.msgid, self.params)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message()


class NotFound(DomainError):
    msgid = N_("The requested item does not exist.")


class ValidationError(DomainError):
    msgid = N_("The data is not valid.")


class InvalidTransition(DomainError):
    msgid = N_("This change is not allowed in the current state.")


class DatabaseTooNew(DomainError):
    msgid = N_("This database was created by a newer version of p311desk. Update the application.")


class DatabaseBusy(DomainError):
    """Another program or process held the database's write lock for longer than we wait."""

    msgid = N_("The database is busy: another program or window of p311desk is writing to it. "
               "Nothing was changed; try again in a moment.")


class DatabaseUnsafe(DomainError):
    """The database's folder cannot give the safety we need (write-ahead log, full sync)."""

    msgid = N_("The database in {folder} cannot be opened safely: that disk does not support "
               "SQLite's write-ahead log (a network folder?). Choose a folder on this computer with --data-dir.")


class UpgradeFailed(DomainError):
    """Upgrading the database failed; it was left as it was (see the copy named in the message)."""

    msgid = N_("The database could not be upgraded and was left as it was. A copy taken just before "
               "the upgrade is at {backup}. Reason: {reason}")


class Cancelled(DomainError):
    """The user cancelled a long operation; whatever it was writing was rolled back."""

    msgid = N_("The operation was cancelled.")
