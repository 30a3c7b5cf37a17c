"""Attendance at a session: check-in by code or name, walk-ins, undo, the live counter, and
the attendance and registry exports.

This is the package's public surface; other packages, the CLI and the UI use only these names."""

from __future__ import annotations

from p311desk.attendance.checkin import (
    ALREADY,
    UNDER_AGE,
    UNKNOWN,
    WELCOME,
    CheckinResult,
    Counter,
    SearchHit,
    SearchIndex,
    attendance_list,
    build_index,
    check_in,
    consent_text,
    counter,
    local_time,
    present_ids,
    register_walk_in,
    resolve,
    undo_last,
)
from p311desk.attendance.export import (
    export_attendance,
    export_registry,
)

__all__ = [
    "ALREADY",
    "UNDER_AGE",
    "UNKNOWN",
    "WELCOME",
    "CheckinResult",
    "Counter",
    "SearchHit",
    "SearchIndex",
    "attendance_list",
    "build_index",
    "check_in",
    "consent_text",
    "counter",
    "export_attendance",
    "export_registry",
    "local_time",
    "present_ids",
    "register_walk_in",
    "resolve",
    "undo_last",
]
