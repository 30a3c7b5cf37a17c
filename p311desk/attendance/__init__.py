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
    Choice,
    Counter,
    RecentCheckin,
    SearchHit,
    SearchIndex,
    attendance_list,
    build_index,
    check_in,
    consent_text,
    counter,
    local_time,
    not_arrived,
    present_ids,
    recent_checkins,
    register_walk_in,
    resolve,
    similar_people,
    undo_last,
    whole_name,
)
from p311desk.attendance.export import (
    export_attendance,
    export_not_arrived,
    export_registry,
)

__all__ = [
    "ALREADY",
    "UNDER_AGE",
    "UNKNOWN",
    "WELCOME",
    "CheckinResult",
    "Choice",
    "Counter",
    "RecentCheckin",
    "SearchHit",
    "SearchIndex",
    "attendance_list",
    "build_index",
    "check_in",
    "consent_text",
    "counter",
    "export_attendance",
    "export_not_arrived",
    "export_registry",
    "local_time",
    "not_arrived",
    "present_ids",
    "recent_checkins",
    "register_walk_in",
    "resolve",
    "similar_people",
    "undo_last",
    "whole_name",
]
