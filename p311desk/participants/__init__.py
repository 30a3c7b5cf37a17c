"""People: the registry (add, register for a session, search keys, document fingerprints) and
the import of participant lists from spreadsheets and Decidim's registrations export.

This is the package's public surface; other packages, the CLI and the UI use only these names."""

from __future__ import annotations

from p311desk.participants.registry import (
    ParticipantInfo,
    add_participant,
    document_fingerprint,
    info,
    register,
)
from p311desk.participants.editing import (
    MergeRefused,
    PersonDetails,
    details,
    merge_participants,
    remove_participant,
    update_participant,
)
from p311desk.participants.importing import (
    EMAIL_RE,
    ParticipantImportPreview,
    ParticipantImportResult,
    STATUS_LABELS,
    commit,
    preview,
    report_lines,
    smart_case,
)

__all__ = [
    "EMAIL_RE",
    "MergeRefused",
    "PersonDetails",
    "details",
    "merge_participants",
    "remove_participant",
    "update_participant",
    "ParticipantImportPreview",
    "ParticipantImportResult",
    "ParticipantInfo",
    "STATUS_LABELS",
    "add_participant",
    "commit",
    "document_fingerprint",
    "info",
    "preview",
    "register",
    "report_lines",
    "smart_case",
]
