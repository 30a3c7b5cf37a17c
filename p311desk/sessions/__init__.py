"""Participation sessions: create, edit, open, close and reopen, with their link to a Decidim
space, proposals component and meeting.

This is the package's public surface; other packages, the CLI and the UI use only these names."""

from __future__ import annotations

from p311desk.sessions.service import (
    KINDS,
    STATUSES,
    SessionInfo,
    close_session,
    create_session,
    find_session,
    get_session,
    list_sessions,
    minutes_signed,
    open_session,
    update_session,
)

__all__ = [
    "KINDS",
    "STATUSES",
    "SessionInfo",
    "close_session",
    "create_session",
    "find_session",
    "get_session",
    "list_sessions",
    "minutes_signed",
    "open_session",
    "update_session",
]
