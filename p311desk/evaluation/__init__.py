"""Session evaluation: the short form people fill in at the end of a session — on the kiosk
(after check-in, or with a one-time code) or on paper (keyed fast) — always anonymous; its
results (distribution, mean, n, response rate, free texts) for the page, the room display, the
minutes and a spreadsheet; and the trend of a series of sessions.

This is the package's public surface; other packages, the CLI and the UI use only these names.
Forms and templates: :mod:`p311desk.evaluation.forms`; pure summaries:
:mod:`p311desk.evaluation.results`.
"""

from __future__ import annotations

from p311desk.evaluation.export import export_results, export_series_texts
from p311desk.evaluation.forms import CHOICE, DEFAULT_TEMPLATE, SCALE, TEMPLATES, TEXT, Question, Template, template
from p311desk.evaluation.results import QuestionSummary, TrendLine, TrendPoint
from p311desk.evaluation.service import (
    CHANNELS,
    EvaluationRefused,
    FormInfo,
    Receipt,
    Results,
    SeriesText,
    Trend,
    answer,
    answer_at_kiosk,
    answer_paper,
    attach_form,
    close_evaluation,
    get_form,
    issue_slips,
    kiosk_respondent,
    list_series,
    normalize_slip,
    results,
    series_texts,
    trend,
    truncate_log,
)

__all__ = [
    "CHANNELS",
    "CHOICE",
    "DEFAULT_TEMPLATE",
    "SCALE",
    "TEMPLATES",
    "TEXT",
    "EvaluationRefused",
    "FormInfo",
    "Question",
    "QuestionSummary",
    "Receipt",
    "Results",
    "SeriesText",
    "Template",
    "Trend",
    "TrendLine",
    "TrendPoint",
    "answer",
    "answer_at_kiosk",
    "answer_paper",
    "attach_form",
    "close_evaluation",
    "export_results",
    "export_series_texts",
    "get_form",
    "issue_slips",
    "kiosk_respondent",
    "list_series",
    "normalize_slip",
    "results",
    "series_texts",
    "template",
    "trend",
    "truncate_log",
]
