"""Accountability sessions: the municipal action plan (PAM) — from a spreadsheet or a platform's
accountability component —, its figures (progress per objective and overall, planned progress,
deviation, the four-step band), sessions of kind "accountability" that present it, and the
questions citizens ask there per action (to the minutes, and to the platform as comments).

This is the package's public surface; other packages, the CLI, ``sync`` and the UI use only these
names."""

from __future__ import annotations

from p311desk.accountability.export import FORMATS, export_plan
from p311desk.accountability.figures import STEPS, ActionFigure, GroupFigures, band, group, parse_progress, planned_at
from p311desk.accountability.importing import (
    PlanImportPreview,
    PlanImportResult,
    commit,
    preview,
    preview_file,
    read_plan_table,
    report_lines,
)
from p311desk.accountability.platform import RemoteResult, apply_results
from p311desk.accountability.service import (
    COMMENT_ENTITY,
    COMMENT_OPERATION,
    KIND,
    ActionInfo,
    ObjectiveInfo,
    PlanInfo,
    PlanSummary,
    QuestionInfo,
    ask,
    comment_body,
    find_action,
    find_plan,
    link_session,
    list_plans,
    list_questions,
    plan_view,
    search_actions,
    session_plan,
)

__all__ = [
    "COMMENT_ENTITY", "COMMENT_OPERATION", "FORMATS", "KIND", "STEPS",
    "ActionFigure", "ActionInfo", "GroupFigures", "ObjectiveInfo", "PlanImportPreview", "PlanImportResult",
    "PlanInfo", "PlanSummary", "QuestionInfo", "RemoteResult",
    "apply_results", "ask", "band", "comment_body", "commit", "export_plan", "find_action", "find_plan", "group",
    "link_session", "list_plans", "list_questions", "parse_progress", "plan_view", "planned_at", "preview",
    "preview_file", "read_plan_table", "report_lines", "search_actions", "session_plan",
]
